// Routers, replicas and poolers (API.md §14): where reads and writes go with a router,
// using_db and atomic(); allow_migrate; a real hot standby (DORM_TEST_POSTGRES_REPLICA,
// scripts/pg start-standby); statements sent unprepared (prepare=false).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "dorm/migrations/introspection.hpp"
#include "support/db.hpp"

using namespace dorm;
using namespace std::chrono_literals;
using testmodels::Counter;
using testmodels::Tag;

namespace {

// Removes the router and the extra aliases however the test ends.
struct Aliases : testdb::Fresh {
    std::vector<std::string> aliases;
    explicit Aliases(std::vector<std::string> sqlite_aliases = {}) : aliases(std::move(sqlite_aliases)) {
        for (const auto& n : aliases) {
            connect("sqlite3://:memory:", {.alias = n});
            create_tables(n);
        }
    }
    ~Aliases() {
        set_router(nullptr);
        for (const auto& n : aliases) disconnect(n);
    }
    Aliases(const Aliases&) = delete;
    Aliases& operator=(const Aliases&) = delete;
};

// A primary and two replicas, three separate SQLite databases.
struct PrimaryAndReplicas : Aliases {
    PrimaryAndReplicas() : Aliases({"rt_primary", "rt_replica1", "rt_replica2"}) {
        seed("rt_replica1", "on replica 1");
        seed("rt_replica2", "on replica 2");
    }
    static void seed(const std::string& alias, const char* name) {
        Counter::objects().using_db(alias).create([&](Counter& c) { c.name = name; });
    }
};

std::vector<std::string> rows_on(const std::string& alias) {
    return Counter::objects().using_db(alias).order_by("name").values_list<std::string>("name");
}

// The names a routed read sees (one query).
std::vector<std::string> routed_names() {
    CaptureQueries q;
    auto out = Counter::objects().order_by("name").values_list<std::string>("name");
    CHECK(q.count() == 1);
    return out;
}

Counter add(const char* name, std::int64_t value = 0) {
    return Counter::objects().create([&](Counter& c) {
        c.name = name;
        c.value = value;
    });
}

using Names = std::vector<std::string>;

}  // namespace

// ---- routers over SQLite aliases (every backend) -------------------------------------------

TEST_CASE("PrimaryReplicaRouter takes designated initializers; read_your_writes converts from seconds") {
    PrimaryReplicaRouter r{.primary = "default", .replicas = {"replica1", "replica2"},
                           .read_your_writes = std::chrono::seconds(2)};
    CHECK(r.read_your_writes == 2000ms);
    CHECK(r.replicas.size() == 2);
    CHECK(router() == nullptr);
    set_router(r);
    CHECK(router() != nullptr);
    set_router(nullptr);
    CHECK(router() == nullptr);
}

TEST_CASE_FIXTURE(PrimaryAndReplicas, "with a PrimaryReplicaRouter writes land on the primary, reads take the replicas in turn") {
    set_router(PrimaryReplicaRouter{.primary = "rt_primary", .replicas = {"rt_replica1", "rt_replica2"}});
    add("written");
    CHECK(rows_on("rt_primary") == Names{"written"});
    CHECK(rows_on("rt_replica1") == Names{"on replica 1"});
    CHECK(rows_on("rt_replica2") == Names{"on replica 2"});
    CHECK(Counter::objects().using_db("default").count() == 0);

    const auto first = routed_names(), second = routed_names(), third = routed_names();
    CHECK(std::set<Names>{first, second} == std::set<Names>{{"on replica 1"}, {"on replica 2"}});
    CHECK(third == first);

    // update, erase, bulk_create and get_or_create's insert go to the primary too
    CHECK(Counter::objects().filter("name", "written").update({{"value", 5}}) == 1);
    CHECK(Counter::objects().using_db("rt_primary").get("name", "written").value == 5);
    std::vector<Counter> more(2);
    more[0].name = "bulk a";
    more[1].name = "bulk b";
    Counter::objects().bulk_create(more);
    CHECK(rows_on("rt_primary") == Names{"bulk a", "bulk b", "written"});
    auto [found, created] = Counter::objects().get_or_create({Q("name", "written")});
    CHECK_FALSE(created);  // found on the primary, where it is written: no replica has it
    CHECK(found.value == 5);
    auto [made, made_now] = Counter::objects().get_or_create({Q("name", "fresh")});
    CHECK(made_now);
    CHECK(rows_on("rt_primary") == Names{"bulk a", "bulk b", "fresh", "written"});
    CHECK(Counter::objects().filter("name__startswith", "bulk").erase().total == 2);
    CHECK(rows_on("rt_primary") == Names{"fresh", "written"});
    CHECK(rows_on("rt_replica1") == Names{"on replica 1"});
    CHECK(rows_on("rt_replica2") == Names{"on replica 2"});
}

TEST_CASE_FIXTURE(PrimaryAndReplicas, "an instance read from a replica is saved to and erased from the primary") {
    set_router(PrimaryReplicaRouter{.primary = "rt_primary", .replicas = {"rt_replica1"}});
    Counter c = Counter::objects().get("name", "on replica 1");
    CHECK(c.db_alias() == "rt_replica1");
    c.value = 42;
    {
        CaptureQueries q;
        c.save();
        CHECK(q.count() == 2);  // UPDATE matches nothing on the primary, then INSERT
    }
    CHECK(c.db_alias() == "rt_primary");
    CHECK(Counter::objects().using_db("rt_primary").get("name", "on replica 1").value == 42);
    CHECK(Counter::objects().using_db("rt_replica1").get("name", "on replica 1").value == 0);

    Counter again = Counter::objects().get("name", "on replica 1");  // from the replica
    again.erase();
    CHECK(rows_on("rt_primary").empty());
    CHECK(rows_on("rt_replica1") == Names{"on replica 1"});
}

TEST_CASE_FIXTURE(PrimaryAndReplicas, "using_db always wins over the router, also for the instances it loads") {
    set_router(PrimaryReplicaRouter{.primary = "rt_primary", .replicas = {"rt_replica1"}});
    Counter::objects().using_db("rt_replica2").create([](Counter& c) { c.name = "forced"; });
    CHECK(rows_on("rt_replica2") == Names{"forced", "on replica 2"});
    CHECK(rows_on("rt_primary").empty());
    CHECK(Counter::objects().using_db("rt_replica2").count() == 2);

    Counter c = Counter::objects().using_db("rt_replica2").get("name", "forced");
    c.value = 7;
    c.save();  // pinned by using_db: back where it came from
    CHECK(Counter::objects().using_db("rt_replica2").get("name", "forced").value == 7);
    CHECK(rows_on("rt_primary").empty());
    CHECK(Counter::objects().using_db("rt_replica2").filter("name", "forced").update({{"value", 8}}) == 1);
    CHECK(Counter::objects().using_db("rt_replica2").get("name", "forced").value == 8);
}

TEST_CASE_FIXTURE(PrimaryAndReplicas, "inside atomic() every read goes to the transaction's alias") {
    set_router(PrimaryReplicaRouter{.primary = "rt_primary", .replicas = {"rt_replica1"}});
    add("primary row");
    CHECK(routed_names() == Names{"on replica 1"});
    atomic("rt_primary", [&] {
        CHECK(routed_names() == Names{"primary row"});
        CHECK(Counter::objects().get("name", "primary row").db_alias() == "rt_primary");
        add("in the block");  // written to the primary, and read back inside the block
        CHECK(routed_names() == Names{"in the block", "primary row"});
        atomic("rt_replica2", [&] { CHECK(routed_names() == Names{"on replica 2"}); });
        CHECK(Counter::objects().count() == 2);
    });
    CHECK(routed_names() == Names{"on replica 1"});
}

TEST_CASE_FIXTURE(PrimaryAndReplicas, "read_your_writes: a thread that wrote reads from the primary for the window") {
    set_router(PrimaryReplicaRouter{.primary = "rt_primary", .replicas = {"rt_replica1"},
                                    .read_your_writes = 400ms});
    std::this_thread::sleep_for(450ms);  // past the window of the fixture's own writes
    CHECK(routed_names() == Names{"on replica 1"});
    add("mine");
    CHECK(routed_names() == Names{"mine"});  // my own write, at once
    Names other_thread;
    std::thread([&] { other_thread = Counter::objects().values_list<std::string>("name"); }).join();
    CHECK(other_thread == Names{"on replica 1"});  // another thread did not write
    std::this_thread::sleep_for(450ms);
    CHECK(routed_names() == Names{"on replica 1"});

    // A transaction's writes count from its commit.
    atomic("rt_primary", [&] {
        add("in a transaction");
        std::this_thread::sleep_for(450ms);
    });
    CHECK(routed_names() == Names{"in a transaction", "mine"});
    std::this_thread::sleep_for(450ms);
    CHECK(routed_names() == Names{"on replica 1"});
}

namespace {
// Tags live on their own database; everything else has no rule (std::nullopt: "default").
struct TenantRouter : Router {
    std::optional<std::string> db_for_read(const ModelMeta& m) const override { return tags(m); }
    std::optional<std::string> db_for_write(const ModelMeta& m) const override { return tags(m); }
    bool allow_migrate(const std::string& alias, const ModelMeta& m) const override {
        return (alias == "rt_tags") == (m.name == "Tag");
    }
    static std::optional<std::string> tags(const ModelMeta& m) {
        if (m.name == "Tag") return "rt_tags";
        return std::nullopt;
    }
};

bool has_table(const std::string& alias, const std::string& table) {
    const auto t = table_names(alias);
    return std::find(t.begin(), t.end(), table) != t.end();
}
}  // namespace

TEST_CASE_FIXTURE(Aliases, "a custom router: per-model rules, std::nullopt means default, allow_migrate in create_tables") {
    connect("sqlite3://:memory:", {.alias = "rt_tags"});
    aliases.push_back("rt_tags");
    connect("sqlite3://:memory:", {.alias = "rt_plain"});
    aliases.push_back("rt_plain");
    set_router(std::make_shared<TenantRouter>());

    create_tables("rt_tags");
    CHECK(has_table("rt_tags", Tag::model_meta().table));
    CHECK_FALSE(has_table("rt_tags", Counter::model_meta().table));
    CHECK_FALSE(has_table("rt_tags", testmodels::Article::model_meta().table));
    create_tables("rt_plain");
    CHECK_FALSE(has_table("rt_plain", Tag::model_meta().table));
    CHECK(has_table("rt_plain", Counter::model_meta().table));

    Tag::objects().create([](Tag& t) { t.slug = "cpp"; t.label = "C++"; });
    add("on default");
    CHECK(Tag::objects().using_db("rt_tags").count() == 1);
    CHECK(Tag::objects().count() == 1);  // read from rt_tags
    CHECK(Tag::objects().using_db("default").count() == 0);
    CHECK(Counter::objects().using_db("default").count() == 1);
    Tag t = Tag::objects().get("slug", "cpp");
    t.label = "C++20";
    t.save();
    CHECK(Tag::objects().using_db("rt_tags").get("slug", "cpp").label == "C++20");

    set_router(nullptr);  // no router: everything on "default"
    CHECK(Tag::objects().count() == 0);
    create_tables("rt_tags");  // now every model may be created there
    CHECK(has_table("rt_tags", Counter::model_meta().table));
}

TEST_CASE_FIXTURE(Aliases, "migrate --database ALIAS creates only the models the router's allow_migrate admits") {
    // One migration with a "Tag" and a "Counter" of its own (the router goes by the name).
    const auto dir = std::filesystem::temp_directory_path() /
                     ("dorm-routing-migrations-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto field = [](const char* name, const char* type) { return Json{{"name", name}, {"column", name}, {"type", type}}; };
    Json id = field("id", "bigint");
    id["primary_key"] = true;
    id["auto_increment"] = true;
    const Json migration = {
        {"atomic", true},
        {"dependencies", Json::array()},
        {"operations",
         {{{"type", "CreateModel"}, {"name", "rt_tag"}, {"model", "Tag"}, {"table", "rt_mig_tag"},
           {"fields", {id, field("label", "text")}}},
          {{"type", "CreateModel"}, {"name", "rt_counter"}, {"model", "Counter"}, {"table", "rt_mig_counter"},
           {"fields", {id, field("value", "bigint")}}}}}};
    std::ofstream(dir / "0001_initial.json") << migration.dump(2);
    for (const char* alias : {"rt_tags", "rt_plain"}) {
        connect("sqlite3://:memory:", {.alias = alias});
        aliases.push_back(alias);
    }
    set_router(std::make_shared<TenantRouter>());
    for (const char* alias : {"rt_tags", "rt_plain"}) {
        std::ostringstream out, err;
        CHECK_MESSAGE(manage({"migrate", "--database", alias, "--migrations", dir.string()}, out, err) == 0, err.str());
    }
    CHECK(has_table("rt_tags", "rt_mig_tag"));
    CHECK_FALSE(has_table("rt_tags", "rt_mig_counter"));
    CHECK_FALSE(has_table("rt_plain", "rt_mig_tag"));
    CHECK(has_table("rt_plain", "rt_mig_counter"));
    std::filesystem::remove_all(dir);
}

TEST_CASE_FIXTURE(PrimaryAndReplicas, "set_router may change while other threads query") {
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0}, wrong{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i)
        readers.emplace_back([&] {
            while (!stop) {
                const auto n = Counter::objects().values_list<std::string>("name");
                if (n != Names{"on replica 1"} && n != Names{"on replica 2"} && !n.empty()) ++wrong;
                ++reads;
            }
        });
    for (int i = 0; i < 200; ++i) {
        if (i % 2) set_router(PrimaryReplicaRouter{.primary = "rt_primary", .replicas = {"rt_replica1", "rt_replica2"}});
        else set_router(nullptr);  // "default": empty
        std::this_thread::sleep_for(1ms);
    }
    stop = true;
    for (auto& t : readers) t.join();
    CHECK(reads > 0);
    CHECK(wrong == 0);
}

// ---- a real primary and hot standby (PostgreSQL) ---------------------------------------------

namespace {

const char* replica_url() {
    const char* r = std::getenv("DORM_TEST_POSTGRES_REPLICA");
    return r && *r ? r : nullptr;
}
bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && *ci;
}
// Skipped on the SQLite run, and locally without a standby; in CI a missing standby fails.
bool no_standby() { return testdb::backend() != "postgresql" || (!replica_url() && !in_ci()); }

struct Standby : testdb::Fresh {
    Standby() {
        REQUIRE_MESSAGE(replica_url(), "DORM_TEST_POSTGRES_REPLICA is not set (eval \"$(bash scripts/pg start-standby "
                                       "\"$DORM_PG_DIR\")\"); CI runs it");
        connect(std::string("postgresql://") + replica_url(), {.alias = "replica"});
        // The standby replays what Fresh did on the primary (tables, emptied) shortly.
        REQUIRE(eventually([] { return Counter::objects().using_db("replica").count() == 0; }));
    }
    ~Standby() {
        set_router(nullptr);
        disconnect("replica");
    }
    Standby(const Standby&) = delete;
    Standby& operator=(const Standby&) = delete;

    // Polls for up to 10 s (replication is asynchronous).
    template <class Fn>
    static bool eventually(Fn&& ok) {
        for (int i = 0; i < 200; ++i) {
            try {
                if (ok()) return true;
            } catch (const OperationalError&) {  // the table is not replayed yet
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
};

// 1 when the server that answers a routed read of Counter is a standby.
std::int64_t in_recovery() {
    return Counter::objects().raw("SELECT 1 AS id, CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS value")
        .at(0).value;
}

}  // namespace

TEST_CASE_FIXTURE(Standby, "a hot standby: routed reads hit it, writes the primary" * doctest::skip(no_standby())) {
    CHECK(Counter::objects().using_db("replica").raw("SELECT 1 AS id, CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS value")
              .at(0).value == 1);
    CHECK(in_recovery() == 0);  // no router: "default", the primary
    set_router(PrimaryReplicaRouter{.primary = "default", .replicas = {"replica"}});
    CHECK(in_recovery() == 1);
    {
        CaptureQueries q;
        add("written", 1);
        CHECK(q.count() == 1);
    }
    CHECK(Counter::objects().using_db("default").count() == 1);
    REQUIRE(eventually([] { return Counter::objects().count() == 1; }));  // replicated, read there
    Counter c = Counter::objects().get("name", "written");
    CHECK(c.db_alias() == "replica");
    c.value = 2;
    c.save();  // to the primary: the standby would refuse it
    CHECK(Counter::objects().using_db("default").get("name", "written").value == 2);
    CHECK(Counter::objects().filter("name", "written").update({{"value", 3}}) == 1);
    CHECK(Counter::objects().using_db("default").get("name", "written").value == 3);
    CHECK(eventually([] { return Counter::objects().get("name", "written").value == 3; }));
}

TEST_CASE_FIXTURE(Standby, "a hot standby with read_your_writes: the writer reads the primary, then the standby" *
                               doctest::skip(no_standby())) {
    set_router(PrimaryReplicaRouter{.primary = "default", .replicas = {"replica"}, .read_your_writes = 500ms});
    std::this_thread::sleep_for(550ms);  // past the window of the fixture's own writes
    CHECK(in_recovery() == 1);
    add("mine");
    CHECK(in_recovery() == 0);
    CHECK(Counter::objects().filter("name", "mine").count() == 1);  // seen at once, lag or not
    std::this_thread::sleep_for(550ms);
    CHECK(in_recovery() == 1);
}

namespace {
struct WritesToReplica : Router {
    std::optional<std::string> db_for_write(const ModelMeta&) const override { return "replica"; }
};
}  // namespace

TEST_CASE_FIXTURE(Standby, "a write a wrong router sends to the standby is a clear OperationalError, not a hang" *
                               doctest::skip(no_standby())) {
    set_router(std::make_shared<WritesToReplica>());
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(add("nowhere"), doctest::Contains("read-only transaction"), OperationalError);
    CHECK_THROWS_WITH_AS(Counter::objects().update({{"value", 1}}), doctest::Contains("read-only"), OperationalError);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(Counter::objects().using_db("default").count() == 0);
}

// ---- statements sent unprepared (PgBouncer in transaction pooling mode) -----------------------

namespace {
std::int64_t server_prepared(const std::string& alias) {
    return Counter::objects().using_db(alias)
        .raw("SELECT 1 AS id, count(*) AS value FROM pg_prepared_statements").at(0).value;
}
}  // namespace

TEST_CASE_FIXTURE(Aliases, "prepare=false and prepared_statements = false: same results, nothing prepared on the server" *
                               doctest::skip(testdb::backend() != "postgresql")) {
    connect(testdb::url() + " prepare=false", {.alias = "rt_unprepared_url"});
    connect(testdb::url(), {.alias = "rt_unprepared_opt", .prepared_statements = false});
    for (int i = 0; i < 5; ++i) add(("c" + std::to_string(i)).c_str(), i);
    const auto expected = Counter::objects().filter("value__gte", 2).order_by("-value").values_list<std::string, std::int64_t>("name", "value");
    for (const std::string alias : {"rt_unprepared_url", "rt_unprepared_opt"}) {
        CAPTURE(alias);
        auto qs = Counter::objects().using_db(alias);
        for (int round = 0; round < 2; ++round)  // the same text again: still nothing kept
            CHECK(qs.filter("value__gte", 2).order_by("-value").values_list<std::string, std::int64_t>("name", "value") == expected);
        CHECK(qs.filter("value__lt", 2).count() == 2);
        Counter c = qs.create([](Counter& x) { x.name = "unprepared"; x.value = 9; });
        c.value = 10;
        c.save();
        CHECK(qs.get("name", "unprepared").value == 10);
        std::int64_t streamed = 0;
        for (const Counter& row : qs.order_by("id").iterator(2)) streamed += row.value;  // no cursor held
        CHECK(streamed == 0 + 1 + 2 + 3 + 4 + 10);
        atomic(alias, [&] {
            std::int64_t in_tx = 0;
            for (const Counter& row : qs.order_by("id").iterator(2)) in_tx += row.value;
            CHECK(in_tx == streamed);
        });
        c.erase();
        CHECK(server_prepared(alias) == 0);
    }
    CHECK(server_prepared("default") >= (testdb::pg_param("prepare") == "false" ? 0 : 1));
    disconnect("rt_unprepared_url");
    disconnect("rt_unprepared_opt");
}

TEST_CASE_FIXTURE(testdb::Fresh, "prepare in a URL must be a boolean") {
    CHECK_THROWS_WITH_AS(connect("sqlite3://:memory:?prepare=maybe", {.alias = "rt_bad"}),
                         doctest::Contains("prepare 'maybe' is not a boolean"), ConfigError);
    connect("sqlite3://:memory:?prepare=false", {.alias = "rt_sqlite_unprepared"});  // SQLite: accepted, no effect
    create_tables("rt_sqlite_unprepared");
    CHECK(Counter::objects().using_db("rt_sqlite_unprepared").count() == 0);
    disconnect("rt_sqlite_unprepared");
}
