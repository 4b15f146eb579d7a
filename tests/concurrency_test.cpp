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

TEST_CASE_FIXTURE(testdb::Fresh, "connections return to the alias's pool when their thread ends") {
    std::thread([] { (void)Counter::objects().count(); }).join();
    CaptureQueries q;
    std::thread([] { (void)Counter::objects().count(); }).join();  // reuses, so still works
    CHECK(Counter::objects().count() == 0);
}

TEST_CASE_FIXTURE(testdb::Fresh, "a restarted PostgreSQL server: the pool recovers; an open transaction fails") {
    const char* restart = std::getenv("DORM_TEST_PG_RESTART");
    if (testdb::backend() != "postgresql" || !restart) return;
    Counter::objects().create([](Counter& c) { c.name = "before"; });
    REQUIRE(std::system(restart) == 0);
    // The first statement on the dead connection fails, clearly; the next gets a new one.
    try {
        (void)Counter::objects().count();
    } catch (const OperationalError& e) {
        CHECK(std::string(e.what()).find("connection") != std::string::npos);
    }
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
