// Faults (issue 12): a full disk and a read-only file on SQLite, a PostgreSQL backend killed
// inside a transaction, a deferred foreign-key violation found at COMMIT, a hot standby promoted
// while the pool is busy. Each is a dorm:: error saying what happened, nothing of the failed
// block is left, and the connection goes on.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/db.hpp"
#include "support/web.hpp"

using namespace dorm;
using testmodels::Article, testmodels::Counter, testmodels::ymd;

namespace {
bool on_sqlite() { return testdb::backend() == "sqlite"; }

/// A fresh SQLite file under the temp directory, removed afterwards.
struct SqliteFile {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("dorm-faults-" + std::to_string(::getpid()) + "-" + std::to_string(++serial()));
    std::string alias = "faults";
    SqliteFile() {
        std::filesystem::create_directories(dir);
        connect("sqlite3://" + path(), {.alias = alias});
        create_tables(alias);
    }
    ~SqliteFile() {
        disconnect(alias);
        std::filesystem::remove_all(dir);
    }
    [[nodiscard]] std::string path() const { return (dir / "db.sqlite3").string(); }
    static int& serial() {
        static int n = 0;
        return n;
    }
};

/// PRAGMA max_page_count through raw(): its one result column is this model's key.
struct PageLimit : Model<PageLimit> {
    std::int64_t max_page_count = 0;
    static void define(Schema<PageLimit>& s) {
        s.table("faults_page_limit");
        s.field(&PageLimit::max_page_count, "max_page_count").primary_key();
    }
};

void limit_pages(const std::string& alias, int pages) {
    auto rows = PageLimit::objects().using_db(alias).raw("PRAGMA max_page_count = " + std::to_string(pages));
    REQUIRE(rows.size() == 1);
}

Counter counter(const std::string& alias, const std::string& name) {
    return Counter::objects().using_db(alias).create([&](Counter& c) { c.name = name; });
}
}  // namespace

TEST_CASE("SQLite on a full disk: an OperationalError, nothing of the block kept, writes resume with room" *
          doctest::skip(!on_sqlite())) {
    testdb::Fresh fresh;
    SqliteFile db;
    counter(db.alias, "before");
    // The file may not grow past a few more pages: SQLite answers SQLITE_FULL, as on a full disk.
    limit_pages(db.alias, 8);
    CHECK_THROWS_WITH_AS(atomic(db.alias,
                                [&] {
                                    for (int i = 0; i < 200; ++i)
                                        counter(db.alias, std::string(2000, char('a' + i % 26)));
                                }),
                         doctest::Contains("full"), OperationalError);
    CHECK(Counter::objects().using_db(db.alias).count() == 1);  // the block is gone
    CHECK(Counter::objects().using_db(db.alias).get().name == "before");
    limit_pages(db.alias, 1000000);
    counter(db.alias, "after");
    CHECK(Counter::objects().using_db(db.alias).count() == 2);
}

TEST_CASE("SQLite on a read-only file: writes are an OperationalError saying so, reads go on" *
          doctest::skip(!on_sqlite())) {
    testdb::Fresh fresh;
    SqliteFile db;
    counter(db.alias, "kept");
    connect("sqlite3://file:" + db.path() + "?mode=ro", {.alias = "readonly"});
    CHECK(Counter::objects().using_db("readonly").count() == 1);
    CHECK_THROWS_WITH_AS(counter("readonly", "lost"), doctest::Contains("readonly"), OperationalError);
    CHECK_THROWS_AS(atomic("readonly", [] { (void)Counter::objects().using_db("readonly").update({{"value", 5}}); }),
                    OperationalError);
    CHECK(Counter::objects().using_db("readonly").count() == 1);
    CHECK(Counter::objects().using_db(db.alias).get().value == 0);
    disconnect("readonly");
}

TEST_CASE("a PostgreSQL backend killed inside atomic: OperationalError, the block rolled back, the pool recovers" *
          doctest::skip(on_sqlite())) {
    testdb::Fresh fresh;
    Counter::objects().create([](Counter& c) { c.name = "before"; });
    CHECK_THROWS_WITH_AS(atomic([&] {
                             Counter::objects().create([](Counter& c) { c.name = "lost"; });
                             const std::int64_t pid = Counter::objects().raw("SELECT pg_backend_pid() AS id")[0].id;
                             std::thread([pid] {  // another connection ends ours, as an admin or a failover would
                                 (void)Counter::objects().raw(
                                     "SELECT 1 AS id FROM (SELECT pg_terminate_backend(%s)) AS t", {pid});
                             }).join();
                             Counter::objects().create([](Counter& c) { c.name = "lost too"; });
                         }),
                         doctest::Contains("connection"), OperationalError);
    CHECK(Counter::objects().count() == 1);
    CHECK(Counter::objects().filter("name__startswith", "lost").count() == 0);
    atomic([] { Counter::objects().create([](Counter& c) { c.name = "after"; }); });  // transactions work again
    CHECK(Counter::objects().count() == 2);
}

TEST_CASE("a deferred foreign-key violation at COMMIT names the table, the row and the column") {
    web::Fresh fresh;
    web::Blog b = web::blog("gone");
    web::Entry e = web::entry(b, "orphan", 1, ymd(2026, 1, 1));
    try {
        atomic([&] {  // raw SQL leaves the entry pointing at nothing; the check runs at COMMIT
            (void)web::Blog::objects().raw("DELETE FROM web_blog WHERE id = %s", {b.id});
        });
        FAIL("COMMIT accepted a dangling foreign key");
    } catch (const IntegrityError& err) {
        const std::string what = err.what();
        CAPTURE(what);
        CHECK(what.find("web_entry") != std::string::npos);
        if (on_sqlite()) {
            CHECK(what.find("row " + std::to_string(e.id)) != std::string::npos);
            CHECK(what.find("column 'blog_id' = " + std::to_string(b.id)) != std::string::npos);
            CHECK(what.find("'web_blog'") != std::string::npos);
        } else {
            CHECK(what.find("Key (id)=(" + std::to_string(b.id) + ")") != std::string::npos);
        }
    }
    CHECK(web::Blog::objects().filter("pk", b.id).exists());  // rolled back whole
    CHECK(web::Entry::objects().get("pk", e.id).blog.id() == b.id);
}

// ---- a hot standby promoted (failover) --------------------------------------------------------

namespace {
/// A standby of its own (DORM_TEST_PG_NEW_STANDBY, set by scripts/pg start): promoting the shared
/// one would leave the routing tests without a standby. Its conninfo is the command's output.
std::string new_standby() {
    const char* cmd = std::getenv("DORM_TEST_PG_NEW_STANDBY");
    REQUIRE_MESSAGE((cmd && *cmd), "DORM_TEST_PG_NEW_STANDBY is not set (eval \"$(bash scripts/pg start)\" sets it)");
    std::string out;
    FILE* p = ::popen(cmd, "r");
    REQUIRE(p);
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    REQUIRE(::pclose(p) == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    REQUIRE(!out.empty());
    return out;
}
bool no_new_standby() {
    const char* cmd = std::getenv("DORM_TEST_PG_NEW_STANDBY");
    const char* ci = std::getenv("CI");
    return on_sqlite() || (!(cmd && *cmd) && !(ci && *ci));  // in CI a missing command fails
}
template <class Fn>
bool within_10s(Fn&& ok) {  // replication is asynchronous
    for (int i = 0; i < 200; ++i) {
        try {
            if (ok()) return true;
        } catch (const OperationalError&) {  // the table is not replayed yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}
bool in_recovery(const std::string& alias) {
    return Counter::objects().using_db(alias)
               .raw("SELECT 1 AS id, CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS value")
               .at(0).value == 1;
}
}  // namespace

TEST_CASE("a standby promoted under a busy pool: its open transaction stays read-only, then it takes writes" *
          doctest::skip(no_new_standby())) {
    testdb::Fresh fresh;
    const std::string conninfo = new_standby();
    connect("postgresql://" + conninfo, {.alias = "promoted"});
    struct Cleanup {
        ~Cleanup() {
            set_router(nullptr);
            disconnect("promoted");
        }
    } cleanup;
    set_router(PrimaryReplicaRouter{.primary = "default", .replicas = {"promoted"}});
    Counter::objects().create([](Counter& c) { c.name = "before"; });
    REQUIRE(within_10s([] { return Counter::objects().filter("name", "before").exists(); }));  // read there
    CHECK(in_recovery("promoted"));
    CHECK_THROWS_WITH_AS(Counter::objects().using_db("promoted").create([](Counter& c) { c.name = "refused"; }),
                         doctest::Contains("read-only transaction"), OperationalError);

    // A transaction open on the standby while another connection of the pool promotes it.
    CHECK_THROWS_WITH_AS(atomic("promoted",
                             [] {
                                 CHECK(Counter::objects().count() == 1);  // routed: the transaction's alias
                                 std::thread([] {
                                     CHECK(Counter::objects().using_db("promoted")
                                               .raw("SELECT 1 AS id FROM (SELECT pg_promote(true, 60)) AS t").size() == 1);
                                 }).join();
                                 CHECK_FALSE(in_recovery("promoted"));
                                 // Begun on a standby, it stays read-only: PostgreSQL refuses, the block rolls back.
                                 Counter::objects().using_db("promoted").create(
                                     [](Counter& c) { c.name = "in the old transaction"; });
                             }),
                         doctest::Contains("read-only transaction"), OperationalError);

    // The same pool, no reconnect: the promoted server takes writes. Failover: route to it.
    set_router(PrimaryReplicaRouter{.primary = "promoted", .replicas = {}});
    const Counter after = Counter::objects().create([](Counter& c) { c.name = "after failover"; });
    CHECK(after.db_alias() == "promoted");
    CHECK(Counter::objects().order_by("name").values_list<std::string>("name") ==
          std::vector<std::string>{"after failover", "before"});
    CHECK(Counter::objects().filter("name", "in the old transaction").count() == 0);  // nothing half-written
    CHECK(Counter::objects().using_db("default").filter("name", "after failover").count() == 0);  // diverged
    CHECK(Counter::objects().using_db("default").count() == 1);
}
