// The signal registry: one channel per (signal, model, field), receivers copied on write so
// that sending never holds a lock while receivers run (they may connect and disconnect).
#include "dorm/signals.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <tuple>

namespace dorm::detail {

class SignalChannel {
   public:
    struct Entry {
        std::uint64_t id;
        Receiver fn;
    };
    std::mutex mutex;
    std::shared_ptr<const std::vector<Entry>> receivers = std::make_shared<std::vector<Entry>>();
};

namespace {

using Key = std::tuple<SignalKind, const ModelMeta*, const FieldMeta*>;
std::mutex registry_mutex;
std::map<Key, std::shared_ptr<SignalChannel>>& registry() {
    static std::map<Key, std::shared_ptr<SignalChannel>> r;
    return r;
}
std::atomic<std::size_t> connected{0};  // receivers connected anywhere
std::atomic<std::uint64_t> next_id{1};

std::shared_ptr<SignalChannel> find(SignalKind kind, const ModelMeta& m, const FieldMeta* field) {
    std::lock_guard lock(registry_mutex);
    auto it = registry().find({kind, &m, field});
    return it == registry().end() ? nullptr : it->second;
}

}  // namespace

std::shared_ptr<SignalChannel> signal_channel(SignalKind kind, const ModelMeta& m, const FieldMeta* field) {
    std::lock_guard lock(registry_mutex);
    auto& ch = registry()[{kind, &m, field}];
    if (!ch) ch = std::make_shared<SignalChannel>();
    return ch;
}

std::uint64_t signal_connect(const std::shared_ptr<SignalChannel>& ch, Receiver r) {
    const std::uint64_t id = next_id++;
    std::lock_guard lock(ch->mutex);
    auto copy = std::make_shared<std::vector<SignalChannel::Entry>>(*ch->receivers);
    copy->push_back({id, std::move(r)});
    ch->receivers = std::move(copy);
    ++connected;
    return id;
}

void signal_disconnect(const std::weak_ptr<SignalChannel>& weak, std::uint64_t id) {
    auto ch = weak.lock();
    if (!ch) return;
    std::lock_guard lock(ch->mutex);
    auto copy = std::make_shared<std::vector<SignalChannel::Entry>>(*ch->receivers);
    const auto before = copy->size();
    std::erase_if(*copy, [&](const SignalChannel::Entry& e) { return e.id == id; });
    connected -= before - copy->size();
    ch->receivers = std::move(copy);
}

bool has_receivers(SignalKind kind, const ModelMeta& m, const FieldMeta* field) {
    if (connected.load(std::memory_order_relaxed) == 0) return false;
    auto ch = find(kind, m, field);
    if (!ch) return false;
    std::lock_guard lock(ch->mutex);
    return !ch->receivers->empty();
}

void send_signal(SignalKind kind, const ModelMeta& m, void* obj, const SignalArgs& args, const FieldMeta* field) {
    if (connected.load(std::memory_order_relaxed) == 0) return;
    auto ch = find(kind, m, field);
    if (!ch) return;
    std::shared_ptr<const std::vector<SignalChannel::Entry>> snapshot;
    {
        std::lock_guard lock(ch->mutex);
        snapshot = ch->receivers;
    }
    for (const auto& e : *snapshot) e.fn(obj, args);
}

}  // namespace dorm::detail
