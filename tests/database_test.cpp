// Connecting: URLs, aliases, per-thread connections, SQLite's busy waiting.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Counter;

TEST_CASE("a malformed URL or an unknown scheme is a ConfigError that masks the password") {
    CHECK_THROWS_WITH_AS(connect("nonsense", {.alias = "bad"}), doctest::Contains("malformed database URL 'nonsense'"), ConfigError);
    CHECK_THROWS_WITH_AS(connect("mysql://u:secret@h/db", {.alias = "bad"}),
                         "unknown database scheme 'mysql' in 'mysql://u:***@h/db' (choices: postgresql, sqlite3)",
                         ConfigError);
    CHECK(mask_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db");
    CHECK(mask_url("postgresql://host=h password=pw dbname=x") == "postgresql://host=h password=*** dbname=x");
    CHECK_THROWS_AS(connect("sqlite3:///no/such/dir/x.db", {.alias = "bad"}), OperationalError);
    CHECK_FALSE(is_connected("bad"));
    CHECK_THROWS_WITH_AS((void)Counter::objects().using_db("nowhere").count(),
                         doctest::Contains("no database alias 'nowhere'"), ConfigError);
}

TEST_CASE_FIXTURE(testdb::Fresh, "using_db reads and writes another alias; instances remember it") {
    auto dir = std::filesystem::temp_directory_path() / ("dorm-alias-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    connect("sqlite3://" + (dir / "replica.sqlite3").string(), {.alias = "replica"});
    create_tables("replica");
    Counter::objects().using_db("replica").erase();
    Counter c = Counter::objects().using_db("replica").create([](Counter& x) { x.name = "there"; });
    CHECK(c.db_alias() == "replica");
    CHECK(Counter::objects().using_db("replica").count() == 1);
    CHECK(Counter::objects().count() == 0);
    Counter back = Counter::objects().using_db("replica").get("id", c.id);
    CHECK(back.db_alias() == "replica");
    back.value = 3;
    back.save();
    CHECK(Counter::objects().using_db("replica").get("id", c.id).value == 3);
    CHECK(Counter::objects().count() == 0);
    disconnect("replica");
    CHECK_FALSE(is_connected("replica"));
    std::filesystem::remove_all(dir);
}

TEST_CASE_FIXTURE(testdb::Fresh, "a :memory: database is one database for all threads of its alias") {
    if (testdb::backend() != "sqlite") return;
    connect("sqlite3://:memory:", {.alias = "mem"});
    create_tables("mem");
    std::thread t([] { Counter::objects().using_db("mem").create([](Counter& c) { c.name = "from thread"; }); });
    t.join();
    CHECK(Counter::objects().using_db("mem").count() == 1);
    disconnect("mem");
}

TEST_CASE("threads writing one SQLite file wait for each other instead of failing") {
    auto dir = std::filesystem::temp_directory_path() / ("dorm-busy-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    connect("sqlite3://" + (dir / "busy.sqlite3").string(), {.alias = "busy"});
    testmodels::register_all();
    create_tables("busy");
    constexpr int threads = 4, per_thread = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            try {
                for (int i = 0; i < per_thread; ++i) {
                    atomic("busy", [&] {
                        Counter::objects().using_db("busy").create([&](Counter& c) {
                            c.name = std::to_string(t);
                            c.value = 1;
                        });
                        Counter::objects().using_db("busy").filter("name", std::to_string(t))
                            .update({{"value", F("value") + 1}});
                    });
                }
            } catch (const std::exception& e) {
                MESSAGE(e.what());
                ++failures;
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(failures == 0);
    CHECK(Counter::objects().using_db("busy").count() == threads * per_thread);
    disconnect("busy");
    std::filesystem::remove_all(dir);
}

TEST_CASE("an unreachable PostgreSQL server is an OperationalError with the password masked") {
    try {
        connect("postgresql://dorm:s3cret@127.0.0.1:1/app?connect_timeout=2", {.alias = "down"});
        FAIL("connected to nothing");
    } catch (const OperationalError& e) {
        std::string what = e.what();
        CHECK(what.find("s3cret") == std::string::npos);
        CHECK(what.find("password=***") != std::string::npos);
        CHECK(e.sqlstate == "08001");
    }
    CHECK_FALSE(is_connected("down"));
}

TEST_CASE_FIXTURE(testdb::Fresh, "PostgreSQL: the URL form, SQLSTATE on errors, select_for_update") {
    if (testdb::backend() != "postgresql") return;
    std::string info = std::getenv("DORM_TEST_POSTGRES");
    auto field = [&](const std::string& key) {
        auto p = info.find(key + "=");
        auto e = info.find(' ', p);
        return info.substr(p + key.size() + 1, e == std::string::npos ? std::string::npos : e - p - key.size() - 1);
    };
    connect("postgresql://" + field("user") + ":unused@" + field("host") + ":" + field("port") + "/" +
                field("dbname"),
            {.alias = "url"});
    CHECK(vendor("url") == "postgresql");
    CHECK(Counter::objects().using_db("url").count() == 0);
    disconnect("url");

    testmodels::Author::objects().create([](testmodels::Author& a) { a.name = "A"; a.email = "x@y"; });
    try {
        testmodels::Author::objects().create([](testmodels::Author& a) { a.name = "B"; a.email = "x@y"; });
        FAIL("duplicate accepted");
    } catch (const IntegrityError& e) {
        CHECK(e.sqlstate == "23505");
        CHECK(std::string(e.what()).find("Author: duplicate key") == 0);
        CHECK(std::string(e.what()).find("email='x@y'") != std::string::npos);
    }
    atomic([] {
        CaptureQueries q;
        CHECK(Counter::objects().select_for_update().count() == 0);
        auto rows = Counter::objects().select_for_update().to_vector();
        CHECK(q.queries().back().sql.ends_with("FOR UPDATE"));
    });
}
