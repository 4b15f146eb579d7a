// A bounded loopback load generator for bench/http: CONCURRENCY threads, each with one
// keep-alive connection (reopened when the server closes it), send GET TARGET for SECONDS
// after a warm-up, and one JSON line reports requests/s and latency percentiles.
//   http_load PORT TARGET CONCURRENCY SECONDS [WARMUP_SECONDS]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: http_load PORT TARGET CONCURRENCY SECONDS [WARMUP_SECONDS]\n");
        return 2;
    }
    const int port = std::stoi(argv[1]);
    const std::string target = argv[2];
    const int concurrency = std::stoi(argv[3]);
    const double seconds = std::stod(argv[4]);
    const double warmup = argc > 5 ? std::stod(argv[5]) : 1.0;
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(concurrency));
    std::atomic<long> errors{0};
    std::atomic<std::size_t> bytes{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < concurrency; ++t) {
        threads.emplace_back([&, t] {
            httplib::Client cli("127.0.0.1", port);
            cli.set_keep_alive(true);
            cli.set_tcp_nodelay(true);
            auto& mine = latencies[std::size_t(t)];
            for (;;) {
                const auto t0 = Clock::now();
                if (t0 >= end) break;
                auto res = cli.Get(target.c_str());
                const auto t1 = Clock::now();
                if (!res || res->status != 200) {
                    if (t0 >= start) ++errors;
                    continue;
                }
                if (t0 >= start) {
                    mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
                    bytes += res->body.size();
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    std::vector<double> all;
    for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
        return all.empty() ? 0.0 : all[std::min(all.size() - 1, std::size_t(p * double(all.size())))];
    };
    std::printf("{\"requests\": %zu, \"errors\": %ld, \"seconds\": %.3f, \"rps\": %.1f, \"p50_ms\": %.3f, "
                "\"p99_ms\": %.3f, \"mean_bytes\": %.0f}\n",
                all.size(), errors.load(), seconds, double(all.size()) / seconds, pct(0.50), pct(0.99),
                all.empty() ? 0.0 : double(bytes.load()) / double(all.size()));
    return errors.load() ? 1 : 0;
}
