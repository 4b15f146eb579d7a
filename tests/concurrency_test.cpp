// Many threads on one database, and a server that goes away (bounded in time, loopback only).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Counter;

namespace {

// 8 threads x 1,000 operations: create, F() increment of a shared row, update, delete,
// ten operations per atomic block. Returns the number of threads that failed.
int hammer(const std::string& alias) {
    constexpr int threads = 8, ops = 1000;
    Counter total = Counter::objects().using_db(alias).create([](Counter& c) { c.name = "total"; });
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            try {
                auto qs = Counter::objects().using_db(alias);
                std::vector<std::int64_t> mine;
                for (int block = 0; block < ops / 10; ++block) {
                    atomic(alias, [&] {
                        for (int k = 0; k < 10; ++k) {
                            int i = block * 10 + k;
                            switch (i % 4) {
                                case 0:
                                    mine.push_back(qs.create([&](Counter& c) {
                                        c.name = "t" + std::to_string(t);
                                        c.value = i;
                                    }).id);
                                    break;
                                case 1:
                                    qs.filter("id", total.id).update({{"value", F("value") + 1}});
                                    break;
                                case 2: {
                                    Counter c = qs.get("id", mine.back());
                                    c.value += 1000;
                                    c.save();
                                    break;
                                }
                                case 3:
                                    if (mine.size() > 1) {
                                        qs.filter("id", mine.front()).erase();
                                        mine.erase(mine.begin());
                                    }
                                    break;
                            }
                        }
                    });
                }
            } catch (const std::exception& e) {
                MESSAGE("thread " << t << ": " << e.what());
                ++failures;
            }
        });
    }
    for (auto& th : pool) th.join();
    return failures;
}

void check_hammered(const std::string& alias) {
    auto qs = Counter::objects().using_db(alias);
    CHECK(qs.get("name", "total").value == 8 * 250);
    // Each thread created 250 rows and deleted all but its last one... minus the first,
    // which stays: 250 creates, 249 deletes.
    CHECK(qs.exclude("name", "total").count() == 8);
    for (const Counter& c : qs.exclude("name", "total")) CHECK(c.value >= 1000);
}

}  // namespace

TEST_CASE_FIXTURE(testdb::Fresh, "8 threads x 1,000 mixed writes: exact counts and sums, no deadlock") {
    if (testdb::backend() == "sqlite") {
        auto dir = std::filesystem::temp_directory_path() / ("dorm-conc-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        connect("sqlite3://" + (dir / "conc.sqlite3").string(), {.alias = "conc", .pool_size = 8});
        create_tables("conc");
        CHECK(hammer("conc") == 0);
        check_hammered("conc");
        disconnect("conc");
        std::filesystem::remove_all(dir);
    } else {
        CHECK(hammer("default") == 0);
        check_hammered("default");
    }
}

TEST_CASE_FIXTURE(testdb::Fresh, "connections return to the alias's pool when their thread ends" *
                  doctest::skip(!testdb::server_prepares())) {
    Counter::objects().create([](Counter& c) { c.name = "pooled"; c.value = 7; });
    struct Seen {
        std::int64_t value = -1;
        std::size_t queries = 0;
        std::string sql;
        testdb::StatementStats stats;
        std::int64_t session = 0;  // PostgreSQL's backend PID
    };
    auto work = [] {
        Seen s;
        {
            CaptureQueries q;  // records this thread's statements only
            s.value = Counter::objects().filter("name__startswith", "pool").filter("value__lt", 100).get().value;
            s.queries = q.count();
            if (!q.queries().empty()) s.sql = q.queries()[0].sql;
        }
        s.stats = testdb::statement_stats(s.sql);
        if (testdb::backend() == "postgresql")
            s.session = Counter::objects().raw("SELECT pg_backend_pid() AS id")[0].id;
        return s;
    };
    Seen first, second;
    std::thread([&] { first = work(); }).join();
    std::thread([&] { second = work(); }).join();
    CHECK(first.value == 7);
    CHECK(second.value == 7);
    CHECK(first.queries == 1);
    CHECK(second.queries == 1);
    REQUIRE(first.sql == second.sql);
    // The second thread ran on the first one's connection: the statement the first prepared
    // is still there, prepared once, and has run once more.
    CHECK(first.stats.prepared == 1);
    CHECK(second.stats.prepared == 1);
    CHECK(second.stats.runs == first.stats.runs + 1);
    if (testdb::backend() == "postgresql") {
        CHECK(first.session == second.session);
        CHECK(Counter::objects().raw("SELECT pg_backend_pid() AS id")[0].id != first.session);  // ours is another
    }
}

TEST_CASE_FIXTURE(testdb::Fresh, "a restarted PostgreSQL server: the pool recovers; an open transaction fails" *
                  doctest::skip(testdb::backend() != "postgresql" || !std::getenv("DORM_TEST_PG_RESTART"))) {
    const char* restart = std::getenv("DORM_TEST_PG_RESTART");
    REQUIRE(restart);
    Counter::objects().create([](Counter& c) { c.name = "before"; });
    REQUIRE(std::system(restart) == 0);
    // The first statement on the dead connection fails, clearly; the next gets a new one.
    CHECK_THROWS_WITH_AS((void)Counter::objects().count(), doctest::Contains("connection"), OperationalError);
    CHECK(Counter::objects().count() == 1);

    // Inside a transaction the error propagates and nothing of the block is kept.
    CHECK_THROWS_AS(atomic([&] {
                        Counter::objects().create([](Counter& c) { c.name = "lost"; });
                        REQUIRE(std::system(restart) == 0);
                        Counter::objects().create([](Counter& c) { c.name = "lost too"; });
                    }),
                    OperationalError);
    CHECK(Counter::objects().count() == 1);
    CHECK(Counter::objects().filter("name__startswith", "lost").count() == 0);
}
