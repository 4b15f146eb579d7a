// A JSON API over the blog models (API.md §2) on cpp-httplib: docs/web-api.md.
//   api [serve]              migrate, then serve on HOST:PORT (127.0.0.1:8000) until Ctrl-C/SIGTERM
//   api manage COMMAND ...   dorm::manage on these models and samples/api/migrations
// Environment: DATABASE_URL (default sqlite3://api.sqlite3), HOST, PORT (0: any free port,
// printed), THREADS (the request thread pool, default 8).
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "endpoints.hpp"
#include "models.hpp"

namespace {

int g_wake[2] = {-1, -1};  // the self-pipe: the signal handler's only way out

extern "C" void on_signal(int) {
    const int saved = errno;
    const char c = 1;
    (void)!::write(g_wake[1], &c, 1);
    errno = saved;
}

// httplib as Debian builds it listens with a backlog of 5, which drops the SYNs of a burst
// of clients (each retried a second later); the socket is reachable from a subclass only.
struct Server : httplib::Server {
    void widen_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

std::string env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

int serve() {
    const int threads = std::stoi(env("THREADS", "8"));
    if (threads < 1 || threads > 256) {
        std::cerr << "THREADS must be from 1 to 256\n";
        return 2;
    }
    dorm::settings().lazy_loads = dorm::LazyLoads::raise;  // every endpoint must load eagerly
    dorm::connect(env("DATABASE_URL", "sqlite3://api.sqlite3"), {.pool_size = std::size_t(threads)});
    if (dorm::manage({"migrate"}, std::cerr, std::cerr) != 0) return 1;

    Server server;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(std::size_t(threads)); };
    server.set_payload_max_length(1 << 20);
    server.set_keep_alive_max_count(100);
    server.set_tcp_nodelay(true);  // else a small response waits for the client's delayed ACK (40 ms)
    const api::Router router = api::routes();
    router.install(server);

    const std::string host = env("HOST", "127.0.0.1");
    int port = std::stoi(env("PORT", "8000"));
    if (port == 0) {
        port = server.bind_to_any_port(host);
        if (port < 0) port = 0;
    } else if (!server.bind_to_port(host, port)) {
        port = 0;
    }
    if (port == 0) {
        std::cerr << "cannot listen on " << host << ":" << env("PORT", "8000") << "\n";
        return 1;
    }
    server.widen_backlog();

    if (::pipe(g_wake) != 0) return 1;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::thread watcher([&server] {
        char c = 0;
        while (::read(g_wake[0], &c, 1) < 0 && errno == EINTR) {
        }
        server.stop();  // closes the listening socket; listen_after_bind() returns
    });

    std::cerr << "listening on http://" << host << ":" << port << " (" << threads << " threads, "
              << dorm::vendor() << ")" << std::endl;
    const bool ok = server.listen_after_bind();  // returns once the pool has drained
    on_signal(0);                                 // wakes the watcher if listen failed
    watcher.join();
    dorm::disconnect_all();
    std::cerr << "stopped" << std::endl;
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    setup_models();
    dorm::settings().migrations_dir = DORM_SAMPLE_MIGRATIONS;  // samples/api/migrations
    try {
        if (argc > 1 && std::string(argv[1]) == "manage") {
            if (!std::getenv("DATABASE_URL")) dorm::connect("sqlite3://api.sqlite3");
            return dorm::manage(argc - 1, argv + 1);
        }
        if (argc > 1 && std::string(argv[1]) != "serve") {
            std::cerr << "usage: api [serve] | api manage COMMAND ...\n";
            return 2;
        }
        return serve();
    } catch (const std::exception& e) {
        std::cerr << "api: " << e.what() << "\n";
        return 1;
    }
}
