// Fuzzes migration files: the input is one migration's JSON, written as 0001_fuzz.json into a
// directory of its own (after a fixed 0000_base.json that creates two models), loaded with
// MigrationSet::load, its state built, its SQL rendered for SQLite, and, when it runs no
// RunSQL/RunCode, applied to a fresh in-memory SQLite database.
// Invariants (fuzz/README.md): only dorm::Error escapes; a migration that applies leaves no
// drift between the live schema and the state the migrations describe (migrate --check).

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <dorm/migrations/executor.hpp>

#include "common.hpp"

namespace {

namespace fs = std::filesystem;
namespace mig = dorm::migrations;

// samples/migrations/0001_initial.json: models author and entry (a foreign key, indexes).
const char* kBase = R"({"atomic":true,"dependencies":[],"operations":[{"fields":[{"auto_increment":true,"column":"id","name":"id","primary_key":true,"type":"bigint"},{"column":"name","max_length":100,"name":"name","type":"varchar"},{"column":"email","name":"email","null":true,"type":"text","unique":true},{"column":"age","db_index":true,"default":0,"name":"age","type":"integer"}],"model":"Author","name":"author","table":"blog_author","type":"CreateModel"},{"fields":[{"auto_increment":true,"column":"id","name":"id","primary_key":true,"type":"bigint"},{"column":"author_id","db_index":true,"name":"author","on_delete":"CASCADE","relation":"ForeignKey","to":"author"},{"column":"headline","max_length":255,"name":"headline","type":"varchar"},{"column":"body_text","name":"body_text","type":"text"},{"column":"pub_date","db_index":true,"name":"pub_date","type":"date"},{"column":"mod_date","name":"mod_date","type":"datetime"},{"column":"rating","name":"rating","type":"integer"},{"column":"n_comments","name":"n_comments","type":"integer"},{"column":"published","default":false,"name":"published","type":"boolean"}],"model":"Entry","name":"entry","table":"blog_entry","type":"CreateModel"}]})";

const fs::path& dir() {
    static const fs::path d = [] {
        fs::path p = fs::temp_directory_path() / ("dorm-fuzz-migrations-" + std::to_string(::getpid()));
        fs::create_directories(p);
        std::ofstream(p / "0000_base.json") << kBase;
        return p;
    }();
    return d;
}

bool runs_code(const dorm::Json& ops) {
    for (const auto& op : ops)
        if (op.is_object() && op.contains("type") && op["type"].is_string() &&
            (op["type"] == "RunSQL" || op["type"] == "RunCode"))
            return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;
    std::ofstream(dir() / "0001_fuzz.json", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), std::streamsize(size));
    fuzz::guarded([&] {
        const auto set = mig::MigrationSet::load(dir().string());
        (void)set.state_before();
        (void)set.leaves();
        const mig::Migration* m = set.find("0001_fuzz");
        if (!m) return;
        struct Alias {
            Alias() { dorm::connect("sqlite3://:memory:", {.alias = "mig"}); }
            ~Alias() { dorm::disconnect("mig"); }
        } alias;
        (void)mig::migration_sql(set, "0001_fuzz", "mig");
        if (runs_code(m->operations())) return;
        std::ostringstream log;
        mig::run_plan(set, mig::plan(set, "mig", std::nullopt), "mig", log);
        const auto drift = mig::schema_drift(set.state_before(), "mig");
        if (!drift.empty()) {
            std::string all;
            for (const auto& d : drift) all += "\n  " + d;
            fuzz::fail("a migration that applied left drift:" + all + "\n" + m->json.dump());
        }
        // and back again: unapplying every migration must work or refuse with a dorm::Error
        mig::run_plan(set, mig::plan(set, "mig", "zero"), "mig", log);
    });
    return 0;
}
