// A bounded soak: threads of mixed CRUD with F() increments against one database for a fixed
// time, then exact checks: no lost update, no lost or extra row, resident memory and open
// file descriptors flat after warm-up.
//   soak URL [SECONDS=60] [THREADS=8]
// Prints one line of figures; exits 1 when a check fails.
#include <dorm/dorm.hpp>

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

struct SoakCounter : dorm::Model<SoakCounter> {
    std::string name;
    std::int64_t value = 0;
    static void define(dorm::Schema<SoakCounter>& s) {
        s.table("soak_counter");
        s.field(&SoakCounter::name, "name").max_length(20).unique();
        s.field(&SoakCounter::value, "value");
    }
};

struct SoakItem : dorm::Model<SoakItem> {
    dorm::ForeignKey<SoakCounter> counter;
    std::string payload;
    int n = 0;
    static void define(dorm::Schema<SoakItem>& s) {
        s.table("soak_item");
        s.field(&SoakItem::counter, "counter").on_delete(dorm::Cascade).related_name("items");
        s.field(&SoakItem::payload, "payload");
        s.field(&SoakItem::n, "n");
    }
};

namespace {

constexpr int kCounters = 16;

long resident_kb() {
    std::ifstream in("/proc/self/statm");
    long pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int open_fds() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n - 3;  // ".", ".." and the directory itself
}

struct Tally {
    std::vector<std::int64_t> increments = std::vector<std::int64_t>(kCounters, 0);
    std::int64_t created = 0, erased = 0, reads = 0, updates = 0, errors = 0;
};

void work(const std::vector<std::int64_t>& counters, std::chrono::steady_clock::time_point until,
          unsigned seed, Tally& t) {
    std::mt19937 rng(seed);
    std::vector<std::int64_t> mine;  // items this thread made and has not erased
    while (std::chrono::steady_clock::now() < until) {
        const int c = int(rng() % kCounters);
        try {
            switch (rng() % 6) {
                case 0:  // a lost update would show in the final sums
                    SoakCounter::objects().filter("pk", counters[c]).update({{"value", dorm::F("value") + 1}});
                    ++t.increments[c];
                    break;
                case 1:  // a row and an increment together, or neither
                    dorm::atomic([&] {
                        SoakItem it = SoakItem::objects().create([&](SoakItem& i) {
                            i.counter = SoakCounter::objects().get("pk", counters[c]);
                            i.payload = std::string(64 + rng() % 256, 'x');
                        });
                        SoakCounter::objects().filter("pk", counters[c]).update({{"value", dorm::F("value") + 1}});
                        mine.push_back(it.id);
                    });
                    ++t.increments[c];
                    ++t.created;
                    break;
                case 2:
                    if (!mine.empty()) {
                        const std::size_t k = rng() % mine.size();
                        t.erased += SoakItem::objects().filter("pk", mine[k]).erase().total == 1;
                        mine.erase(mine.begin() + std::ptrdiff_t(k));
                    }
                    break;
                case 3:
                    if (!mine.empty()) {
                        SoakItem::objects().filter("pk", mine[rng() % mine.size()]).update({{"n", dorm::F("n") + 1}});
                        ++t.updates;
                    }
                    break;
                default: {
                    auto items = SoakItem::objects().filter("counter", counters[c]).select_related("counter").slice(0, 20).to_vector();
                    for (const auto& i : items) t.reads += i.counter->name.empty() ? 0 : 1;
                    t.reads += SoakCounter::objects().filter("value__gte", 0).count() > 0;
                }
            }
        } catch (const dorm::Error& e) {
            ++t.errors;
            std::cerr << "soak: " << e.what() << "\n";
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: soak URL [SECONDS] [THREADS]\n";
        return 2;
    }
    const int seconds = argc > 2 ? std::stoi(argv[2]) : 60;
    const int threads = argc > 3 ? std::stoi(argv[3]) : 8;
    dorm::register_models<SoakCounter, SoakItem>();
    dorm::connect(argv[1], {.pool_size = std::size_t(threads)});
    dorm::drop_tables();
    dorm::create_tables();
    std::vector<std::int64_t> counters;
    for (int i = 0; i < kCounters; ++i)
        counters.push_back(SoakCounter::objects().create([&](SoakCounter& c) { c.name = "c" + std::to_string(i); }).id);

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto until = start + std::chrono::seconds(seconds);
    std::vector<Tally> tallies(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back(work, std::cref(counters), until, unsigned(1000 + i), std::ref(tallies[std::size_t(i)]));

    // Resident memory and descriptors after a warm-up of a sixth of the run, and at the end.
    std::this_thread::sleep_until(start + std::chrono::seconds(seconds) / 6);
    const long rss_warm = resident_kb();
    const int fds_warm = open_fds();
    for (auto& t : pool) t.join();
    const long rss_end = resident_kb();
    const int fds_end = open_fds();

    Tally all;
    for (const Tally& t : tallies) {
        for (int c = 0; c < kCounters; ++c) all.increments[std::size_t(c)] += t.increments[std::size_t(c)];
        all.created += t.created;
        all.erased += t.erased;
        all.reads += t.reads;
        all.updates += t.updates;
        all.errors += t.errors;
    }
    bool ok = all.errors == 0;
    std::int64_t increments = 0;
    for (int c = 0; c < kCounters; ++c) {
        const std::int64_t got = SoakCounter::objects().get("pk", counters[std::size_t(c)]).value;
        increments += all.increments[std::size_t(c)];
        if (got != all.increments[std::size_t(c)]) {
            std::cerr << "soak: counter c" << c << " is " << got << ", expected " << all.increments[std::size_t(c)] << "\n";
            ok = false;
        }
    }
    const std::int64_t rows = SoakItem::objects().count();
    if (rows != all.created - all.erased) {
        std::cerr << "soak: " << rows << " items, expected " << all.created - all.erased << "\n";
        ok = false;
    }
    // Beyond 5% and 1 MiB: SQLite's page cache (up to 2 MB per connection) still grows with
    // the file after the warm-up, while a leak of 5 bytes per operation passes 1 MiB here.
    const double growth = rss_warm ? double(rss_end - rss_warm) / double(rss_warm) : 0;
    if (growth > 0.05 && rss_end - rss_warm > 1024) {
        std::cerr << "soak: resident memory grew " << growth * 100 << "% after warm-up\n";
        ok = false;
    }
    if (fds_end > fds_warm) {
        std::cerr << "soak: open descriptors " << fds_warm << " -> " << fds_end << "\n";
        ok = false;
    }
    const double secs = std::chrono::duration<double>(clock::now() - start).count();
    const std::int64_t ops = increments + all.erased + all.reads + all.updates;
    std::cout << "soak " << dorm::vendor() << ": " << threads << " threads, " << int(secs) << " s, " << ops
              << " operations (" << std::int64_t(double(ops) / secs) << "/s), " << increments
              << " F() increments all counted, " << all.created << " rows created, " << all.erased
              << " erased, " << rows << " left, errors " << all.errors << ", resident " << rss_warm << " -> "
              << rss_end << " kB (" << growth * 100 << "%), descriptors " << fds_warm << " -> " << fds_end
              << (ok ? ": ok" : ": FAILED") << std::endl;
    dorm::drop_tables();
    dorm::disconnect_all();
    return ok ? 0 : 1;
}
