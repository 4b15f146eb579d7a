// Routers and the one alias resolver (API.md §14).
#include "dorm/routing.hpp"

#include <atomic>

#include "dorm/meta.hpp"

namespace dorm {

std::optional<std::string> Router::db_for_read(const ModelMeta&) const { return std::nullopt; }
std::optional<std::string> Router::db_for_write(const ModelMeta&) const { return std::nullopt; }
bool Router::allow_migrate(const std::string&, const ModelMeta&) const { return true; }

namespace {

using Clock = std::chrono::steady_clock;

// The installed router: loaded once per routed statement. `installed` spares the atomic
// shared_ptr's lock when no router was ever set (the common case).
std::atomic<std::shared_ptr<const Router>> current;
std::atomic<bool> installed{false};

struct OpenBlock {
    std::string alias;
    Clock::time_point begun;
};
thread_local std::vector<OpenBlock> open_blocks;  // innermost last
thread_local Clock::time_point last_write_at{};

class PrimaryReplica final : public Router {
   public:
    explicit PrimaryReplica(PrimaryReplicaRouter c) : c_(std::move(c)) {}
    std::optional<std::string> db_for_read(const ModelMeta&) const override {
        if (c_.replicas.empty()) return c_.primary;
        if (c_.read_your_writes.count() > 0 && last_write_at != Clock::time_point{} &&
            Clock::now() - last_write_at < c_.read_your_writes)
            return c_.primary;
        return c_.replicas[next_.fetch_add(1, std::memory_order_relaxed) % c_.replicas.size()];
    }
    std::optional<std::string> db_for_write(const ModelMeta&) const override { return c_.primary; }

   private:
    PrimaryReplicaRouter c_;
    mutable std::atomic<std::size_t> next_{0};
};

std::shared_ptr<const Router> load() {
    if (!installed.load(std::memory_order_acquire)) return nullptr;
    return current.load();
}

}  // namespace

void set_router(std::shared_ptr<const Router> router) {
    const bool any = router != nullptr;
    current.store(std::move(router));
    installed.store(any, std::memory_order_release);
}

void set_router(PrimaryReplicaRouter router) {
    set_router(std::make_shared<const PrimaryReplica>(std::move(router)));
}

std::shared_ptr<const Router> router() { return load(); }

namespace detail {

std::string route(const ModelMeta& m, Intent intent, const std::optional<std::string>& chosen,
                  const std::string* fallback) {
    if (intent == Intent::write) last_write_at = Clock::now();
    if (chosen) return *chosen;
    const auto r = load();
    if (!r) return fallback ? *fallback : "default";
    if (intent == Intent::read) {
        if (!open_blocks.empty()) return open_blocks.back().alias;
        if (auto a = r->db_for_read(m)) return std::move(*a);
    } else if (auto a = r->db_for_write(m)) {
        return std::move(*a);
    }
    // The router has no opinion: "default", never where a routed read happened to go.
    return "default";
}

bool allow_migrate(const std::string& alias, const ModelMeta& m) {
    const auto r = load();
    return !r || r->allow_migrate(alias, m);
}

std::chrono::steady_clock::time_point last_write() { return last_write_at; }

void enter_atomic(const std::string& alias) { open_blocks.push_back({alias, Clock::now()}); }

void leave_atomic(const std::string& alias) {
    for (auto it = open_blocks.rbegin(); it != open_blocks.rend(); ++it) {
        if (it->alias != alias) continue;
        // Writes inside the block become visible at its end: the window starts again there.
        if (last_write_at >= it->begun) last_write_at = Clock::now();
        open_blocks.erase(std::next(it).base());
        return;
    }
}

}  // namespace detail
}  // namespace dorm
