// Migration files run through the executor on both backends: what migrate leaves must be what
// migrate --check (schema_drift) expects.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dorm/migrations/executor.hpp"
#include "support/db.hpp"

namespace {

namespace fs = std::filesystem;
namespace mig = dorm::migrations;

// Two models with generated index names (db_index, a foreign key, unique_together).
const char* kInitial = R"({"dependencies": [], "operations": [
  {"type": "CreateModel", "name": "mxauthor", "model": "MxAuthor", "table": "mx_author", "fields": [
    {"name": "id", "column": "id", "type": "bigint", "primary_key": true, "auto_increment": true},
    {"name": "name", "column": "name", "type": "varchar", "max_length": 100, "db_index": true},
    {"name": "email", "column": "email", "type": "varchar", "max_length": 100}],
   "unique_together": [["name", "email"]]},
  {"type": "CreateModel", "name": "mxbook", "model": "MxBook", "table": "mx_book", "fields": [
    {"name": "id", "column": "id", "type": "bigint", "primary_key": true, "auto_increment": true},
    {"name": "author", "column": "author_id", "relation": "ForeignKey", "to": "mxauthor",
     "on_delete": "CASCADE", "db_index": true},
    {"name": "title", "column": "title", "type": "varchar", "max_length": 100, "db_index": true}]}]})";

struct Dir {
    fs::path path = fs::temp_directory_path() / ("dorm_executor_" + std::to_string(::getpid()));
    Dir() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Dir() { fs::remove_all(path); }
    void write(const std::string& name, const std::string& json) const { std::ofstream(path / name) << json; }
};

std::string drift_text(const std::vector<std::string>& drift) {
    std::string all;
    for (const auto& d : drift) all += d + "\n";
    return all;
}

}  // namespace

TEST_CASE("AlterModelTable and RenameModel: the table's generated index names follow it, so no drift") {
    // Found by fuzz/migration.cpp: after AlterModelTable, migrate --check reported the renamed
    // table's indexes as missing (under the new table's names) and extra (the old ones).
    dorm::connect(testdb::url(), {.alias = "mx"});
    Dir dir;
    dir.write("0001_initial.json", kInitial);
    dir.write("0002_table.json",
              R"({"dependencies": ["0001_initial"], "operations": [
                   {"type": "AlterModelTable", "name": "mxauthor", "table": "mx_people"}]})");
    dir.write("0003_rename.json",
              R"({"dependencies": ["0002_table"], "operations": [
                   {"type": "RenameModel", "old_name": "mxbook", "new_name": "mxvolume", "table": "mx_volume"}]})");
    const auto set = mig::MigrationSet::load(dir.path.string());
    std::ostringstream log;
    mig::run_plan(set, mig::plan(set, "mx", "zero"), "mx", log);  // a leftover of an earlier run
    for (const char* target : {"0001_initial", "0002_table", "0003_rename"}) {
        CAPTURE(target);
        mig::run_plan(set, mig::plan(set, "mx", std::string(target)), "mx", log);
        const auto* next = [&]() -> const mig::Migration* {
            const auto& all = set.ordered();
            for (std::size_t i = 0; i + 1 < all.size(); ++i)
                if (all[i].name == target) return &all[i + 1];
            return nullptr;
        }();
        const auto state = next ? set.state_before(next->name) : set.state_before();
        CHECK_MESSAGE(mig::schema_drift(state, "mx").empty(), drift_text(mig::schema_drift(state, "mx")));
    }
    // and back: every step unapplies, leaving nothing
    mig::run_plan(set, mig::plan(set, "mx", "zero"), "mx", log);
    CHECK(mig::schema_drift(set.state_before("0001_initial"), "mx").empty());
    dorm::disconnect("mx");
}

TEST_CASE("a malformed index or constraint in a migration is a FieldError naming it, not a JSON exception") {
    // Found by fuzz/migration.cpp: {"kind": "check"} instead of {"type": "check"} escaped as
    // nlohmann::json's out_of_range from building the state's models.
    dorm::connect("sqlite3://:memory:", {.alias = "mx"});
    Dir dir;
    dir.write("0001_initial.json", kInitial);
    struct Case {
        const char* op;
        const char* says;
    };
    const Case cases[] = {
        {R"({"type": "AddConstraint", "model": "mxbook", "constraint": {"kind": "check", "name": "c"}})", "malformed"},
        {R"({"type": "AddConstraint", "model": "mxbook", "constraint": {"type": "unique", "name": "u", "fields": 3}})",
         "malformed"},
        {R"({"type": "AddIndex", "model": "mxbook", "index": {"name": "i", "fields": "title"}})", "malformed"},
        {R"({"type": "AddIndex", "model": "mxbook", "index": 5})", "malformed"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.op);
        dir.write("0002_bad.json", std::string(R"({"dependencies": ["0001_initial"], "operations": [)") + c.op + "]}");
        std::ostringstream log;
        try {
            const auto set = mig::MigrationSet::load(dir.path.string());
            (void)set.state_before();
            mig::run_plan(set, mig::plan(set, "mx", std::nullopt), "mx", log);
            FAIL("no error");
        } catch (const dorm::FieldError& e) {
            CHECK(std::string(e.what()).find(c.says) != std::string::npos);
        }
    }
    dorm::disconnect("mx");
}
