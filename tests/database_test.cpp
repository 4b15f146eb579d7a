// Connecting: URLs, aliases, per-thread connections, SQLite's busy waiting.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "support/db.hpp"
#include "support/relations.hpp"

using namespace dorm;
using testmodels::Counter;

namespace {
/// A fresh temporary directory, removed with its content at scope end.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& name)
        : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};
/// Runs the rest of the scope in another working directory.
struct ScopedCwd {
    std::filesystem::path old = std::filesystem::current_path();
    explicit ScopedCwd(const std::filesystem::path& p) { std::filesystem::current_path(p); }
    ~ScopedCwd() { std::filesystem::current_path(old); }
};
/// The default alias is left closed; the next testdb::Fresh connects it again.
struct DisconnectDefaultAtEnd {
    ~DisconnectDefaultAtEnd() { disconnect(); }
};
}  // namespace

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

TEST_CASE_FIXTURE(testdb::Fresh, "a :memory: database is one database for all threads of its alias" *
                  doctest::skip(testdb::backend() != "sqlite")) {
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

TEST_CASE_FIXTURE(testdb::Fresh, "PostgreSQL: the URL form, SQLSTATE on errors, select_for_update" *
                  doctest::skip(testdb::backend() != "postgresql")) {
    auto field = testdb::pg_param;
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

TEST_CASE("connect() without a URL reads DATABASE_URL; the default alias connects itself on first use") {
    testmodels::register_all();
    TempDir dir("dorm-env");
    const auto file = dir.path / "env.sqlite3";
    const std::string url = testdb::backend() == "postgresql" ? testdb::url() : "sqlite3://" + file.string();
    disconnect();
    DisconnectDefaultAtEnd closing;
    testdb::ScopedEnv env("DATABASE_URL", url);
    connect();
    REQUIRE(is_connected());
    CHECK(vendor() == testdb::backend());
    create_tables();
    Counter::objects().filter("name", "from env").erase();
    Counter::objects().create([](Counter& c) { c.name = "from env"; });
    if (testdb::backend() == "sqlite") CHECK(std::filesystem::exists(file));
    disconnect();
    REQUIRE_FALSE(is_connected());
    // Used before any connect(): the default alias connects from DATABASE_URL by itself.
    CHECK(Counter::objects().filter("name", "from env").count() == 1);
    CHECK(is_connected());
    CHECK(vendor() == testdb::backend());
    Counter::objects().filter("name", "from env").erase();
}

TEST_CASE("without DATABASE_URL, connect() and first use open sqlite3://db.sqlite3 in the working directory") {
    testmodels::register_all();
    TempDir dir("dorm-default-url");
    disconnect();
    testdb::ScopedEnv env("DATABASE_URL", std::nullopt);
    ScopedCwd cwd(dir.path);
    DisconnectDefaultAtEnd closing;  // before the working directory goes back
    connect();
    CHECK(vendor() == "sqlite");
    create_tables();
    Counter::objects().create([](Counter& c) { c.name = "in db.sqlite3"; });
    CHECK(std::filesystem::exists(dir.path / "db.sqlite3"));
    disconnect();
    CHECK(Counter::objects().get("name", "in db.sqlite3").value == 0);  // connects by itself, same file
    CHECK(vendor() == "sqlite");
}

TEST_CASE_FIXTURE(testdb::Fresh, "foreign keys are enforced: a key pointing at no row is an IntegrityError, nothing kept") {
    using rel::Person, rel::Site;
    rel::fresh_tables();
    if (testdb::backend() == "sqlite")  // the pragma, as each connection sets it
        CHECK(Counter::objects().raw("SELECT 1 AS id, foreign_keys AS value FROM pragma_foreign_keys")[0].value == 1);
    Person ann = Person::objects().create([](Person& p) { p.name = "Ann"; });
    constexpr std::int64_t nobody = 987654321;
    CHECK_THROWS_AS(Site::objects().create([&](Site& s) {
                        s.name = "Nowhere";
                        s.owner = nobody;
                    }),
                    IntegrityError);
    CHECK(Site::objects().count() == 0);
    // Inside a transaction the (deferred) check fails the block; nothing of it is kept.
    CHECK_THROWS_AS(atomic([&] {
                        Site::objects().create([&](Site& s) { s.name = "Fine"; s.owner = ann; });
                        Site::objects().create([&](Site& s) { s.name = "Nowhere"; s.owner = nobody; });
                    }),
                    IntegrityError);
    CHECK(Site::objects().count() == 0);
    CHECK_FALSE(in_atomic_block());
    Site ok = Site::objects().create([&](Site& s) { s.name = "Fine"; s.owner = ann; });
    CHECK_THROWS_AS(Site::objects().filter("id", ok.id).update({{"owner", nobody}}), IntegrityError);
    CHECK(Site::objects().get("id", ok.id).owner.id() == ann.id);
}

TEST_CASE_FIXTURE(testdb::Fresh, "sqlite3:// paths are percent-decoded") {
    TempDir dir("dorm pct");  // a space in the directory name
    const std::string encoded = [&] {
        std::string out;
        for (char c : dir.path.string()) out += c == ' ' ? std::string("%20") : std::string(1, c);
        return out;
    }();
    connect("sqlite3://" + encoded + "/my%20db.sqlite3", {.alias = "pct"});
    create_tables("pct");
    CHECK(Counter::objects().using_db("pct").count() == 0);
    disconnect("pct");
    CHECK(std::filesystem::exists(dir.path / "my db.sqlite3"));
}

namespace {
std::string pg_url(const std::string& credentials, const std::string& query) {
    return "postgresql://" + credentials + "@" + testdb::pg_param("host") + ":" + testdb::pg_param("port") + "/" +
           testdb::pg_param("dbname") + query;
}
std::string application_name(const std::string& alias) {
    return Counter::objects().using_db(alias).raw("SELECT 1 AS id, current_setting('application_name') AS name")[0].name;
}
}  // namespace

TEST_CASE_FIXTURE(testdb::Fresh, "postgresql:// URLs are percent-decoded" * doctest::skip(testdb::backend() != "postgresql")) {
    // The test server trusts every login, so the password only has to survive parsing; the
    // option shows the decoding ("%2F" a slash, "%40" an at sign, "%3A" a colon).
    connect(pg_url(testdb::pg_param("user") + ":p%40ss%2Fw%3Ard", "?application_name=dorm%2Fp%40ss%3Ax"), {.alias = "pct"});
    CHECK(application_name("pct") == "dorm/p@ss:x");
    CHECK(Counter::objects().using_db("pct").raw("SELECT 1 AS id, current_user AS name")[0].name ==
          testdb::pg_param("user"));
    disconnect("pct");
}

TEST_CASE_FIXTURE(testdb::Fresh, "a percent-encoded space in a postgresql:// URL" *
                  doctest::skip(testdb::backend() != "postgresql")) {
    connect(pg_url(testdb::pg_param("user"), "?application_name=dorm%20test"), {.alias = "pct_space"});
    CHECK(application_name("pct_space") == "dorm test");
    disconnect("pct_space");
}

TEST_CASE_FIXTURE(testdb::Fresh, "sessions run in UTC: a DateTime round-trips to the microsecond") {
    using namespace std::chrono;
    using testmodels::Article;
    if (testdb::backend() == "postgresql")
        CHECK(Counter::objects().raw("SELECT 1 AS id, current_setting('TimeZone') AS name")[0].name == "UTC");
    const DateTime t = sys_days{year{2026} / March / 29} + hours{1} + minutes{30} + seconds{15} + microseconds{123456};
    Article a = Article::objects().create([](Article& x) {
        x.headline = "utc";
        x.pub_date = testmodels::ymd(2026, 3, 29);
    });
    Article::objects().filter("id", a.id).update({{"created", t}});  // auto_now_add set it on insert
    Article b = Article::objects().get("id", a.id);
    REQUIRE(b.created.has_value());
    CHECK(*b.created == t);
    CHECK(Article::objects().filter("created", t).count() == 1);
    CHECK(Article::objects().filter("created", t + microseconds{1}).count() == 0);
    CHECK(Article::objects().filter("created__hour", 1).count() == 1);  // the UTC hour
    CHECK(Article::objects().filter("created__date", testmodels::ymd(2026, 3, 29)).count() == 1);
    b.headline = "again";
    b.save();  // written back as read: still exact
    CHECK(*Article::objects().get("id", a.id).created == t);
}

TEST_CASE_FIXTURE(testdb::Fresh, "the same SQL run twice is prepared once per connection and run again" *
                  doctest::skip(!testdb::server_prepares())) {
    Counter::objects().create([](Counter& c) { c.name = "a"; c.value = 1; });
    Counter::objects().create([](Counter& c) { c.name = "b"; c.value = 2; });
    auto run = [](const char* name) {
        CaptureQueries q;
        std::int64_t n = Counter::objects().filter("name", name).filter("value__lte", 41).count();
        REQUIRE(q.count() == 1);
        return std::pair{n, q.queries()[0].sql};
    };
    auto [n1, sql1] = run("a");
    auto first = testdb::statement_stats(sql1);
    auto [n2, sql2] = run("a");
    auto [n3, sql3] = run("b");  // other values, same text: the same statement
    auto last = testdb::statement_stats(sql1);
    CHECK(n1 == 1);
    CHECK(n2 == 1);
    CHECK(n3 == 1);
    CHECK(sql2 == sql1);
    CHECK(sql3 == sql1);
    CHECK(first.prepared == 1);
    CHECK(last.prepared == 1);
    CHECK(last.runs == first.runs + 2);
}

TEST_CASE_FIXTURE(testdb::Fresh, "disconnect_all closes every alias, default included") {
    TempDir dir("dorm-all");
    connect("sqlite3://:memory:", {.alias = "all_mem"});
    connect("sqlite3://" + (dir.path / "b.sqlite3").string(), {.alias = "all_file"});
    const bool pg = testdb::backend() == "postgresql";
    if (pg) connect(testdb::url() + " application_name=dorm_disconnect_all", {.alias = "all_pg"});
    auto sessions = [] {
        return Counter::objects()
            .raw("SELECT 1 AS id, count(*) AS value FROM pg_stat_activity WHERE application_name = %s",
                 {"dorm_disconnect_all"})[0]
            .value;
    };
    if (pg) CHECK(sessions() == 1);
    for (const char* alias : {"all_mem", "all_file", "default"})
        CHECK(Counter::objects().using_db(alias).raw("SELECT 1 AS id").size() == 1);
    disconnect_all();
    for (const char* alias : {"all_mem", "all_file", "all_pg", "default"}) {
        CAPTURE(alias);
        CHECK_FALSE(is_connected(alias));
    }
    CHECK_THROWS_WITH_AS((void)Counter::objects().using_db("all_file").raw("SELECT 1 AS id"),
                         doctest::Contains("no database alias 'all_file'"), ConfigError);
    if (pg && testdb::server_prepares()) {  // the server saw the session end (a pooler keeps it)
        connect(testdb::url());
        std::int64_t left = -1;
        for (int i = 0; i < 50 && left != 0; ++i) {
            if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            left = sessions();
        }
        CHECK(left == 0);
    }
    disconnect();  // the next testdb::Fresh connects again
}
