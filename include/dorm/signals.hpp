#pragma once
// Signals (API.md §12): receivers for pre/post save and delete and ManyToMany changes, per
// model. A thin typed façade over one type-erased registry (lib/signals.cpp); sending costs
// one atomic load while no receiver is connected anywhere.

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "dorm/meta.hpp"
#include "dorm/relations.hpp"

namespace dorm {

/// What an m2m_changed receiver is told.
enum class M2MAction { pre_add, post_add, pre_remove, post_remove, pre_clear, post_clear };

namespace detail {
enum class SignalKind { pre_save, post_save, pre_delete, post_delete, m2m_changed };
struct SignalArgs {
    bool created = false;
    M2MAction action = M2MAction::pre_add;
    const std::vector<std::int64_t>* ids = nullptr;
};
using Receiver = std::function<void(void* obj, const SignalArgs&)>;
class SignalChannel;
/// The channel of one signal of one model (a ManyToMany field for m2m_changed).
std::shared_ptr<SignalChannel> signal_channel(SignalKind kind, const ModelMeta& m, const FieldMeta* field = nullptr);
std::uint64_t signal_connect(const std::shared_ptr<SignalChannel>& ch, Receiver r);
void signal_disconnect(const std::weak_ptr<SignalChannel>& ch, std::uint64_t id);
/// Whether anything listens to this signal (cheap).
bool has_receivers(SignalKind kind, const ModelMeta& m, const FieldMeta* field = nullptr);
/// Calls every receiver connected when the send starts, in the order they connected.
void send_signal(SignalKind kind, const ModelMeta& m, void* obj, const SignalArgs& args = {},
                 const FieldMeta* field = nullptr);
}  // namespace detail

/// A connected receiver; disconnect() stops it (also from another thread, or from inside
/// a receiver). Copies refer to the same connection.
class SignalConnection {
   public:
    SignalConnection() = default;
    SignalConnection(std::weak_ptr<detail::SignalChannel> ch, std::uint64_t id) : ch_(std::move(ch)), id_(id) {}
    void disconnect() {
        detail::signal_disconnect(ch_, id_);
        ch_.reset();
    }

   private:
    std::weak_ptr<detail::SignalChannel> ch_;
    std::uint64_t id_ = 0;
};

/// A connection that disconnects when it goes out of scope.
class ScopedSignalConnection {
   public:
    ScopedSignalConnection() = default;
    ScopedSignalConnection(SignalConnection c) : c_(std::move(c)) {}  // NOLINT: from connect()
    ScopedSignalConnection(ScopedSignalConnection&& o) noexcept : c_(std::exchange(o.c_, {})) {}
    ScopedSignalConnection& operator=(ScopedSignalConnection&& o) noexcept {
        if (this != &o) {
            c_.disconnect();
            c_ = std::exchange(o.c_, {});
        }
        return *this;
    }
    ScopedSignalConnection(const ScopedSignalConnection&) = delete;
    ScopedSignalConnection& operator=(const ScopedSignalConnection&) = delete;
    ~ScopedSignalConnection() { c_.disconnect(); }

   private:
    SignalConnection c_;
};

/// One signal of model T; connect() takes a receiver with the signal's arguments.
template <class T, detail::SignalKind Kind>
class Signal {
   public:
    Signal() = default;
    explicit Signal(const FieldMeta* field) : field_(field) {}

    template <class Fn>
    SignalConnection connect(Fn fn) const {
        auto ch = detail::signal_channel(Kind, T::model_meta(), field_);
        auto id = detail::signal_connect(ch, [fn = std::move(fn)](void* obj, const detail::SignalArgs& a) {
            T& t = *static_cast<T*>(obj);
            if constexpr (Kind == detail::SignalKind::post_save) fn(t, a.created);
            else if constexpr (Kind == detail::SignalKind::m2m_changed) fn(t, a.action, *a.ids);
            else fn(t);
        });
        return SignalConnection(ch, id);
    }

   private:
    const FieldMeta* field_ = nullptr;
};

/// Before save() writes (`e.slug = ...` here is saved); an exception stops the write.
template <class T>
Signal<T, detail::SignalKind::pre_save> pre_save() { return {}; }
/// After save() wrote, inside the same transaction: (T&, bool created).
template <class T>
Signal<T, detail::SignalKind::post_save> post_save() { return {}; }
/// Before erase() deletes a row (the instance's own, and each one a cascade reaches).
template <class T>
Signal<T, detail::SignalKind::pre_delete> pre_delete() { return {}; }
template <class T>
Signal<T, detail::SignalKind::post_delete> post_delete() { return {}; }
/// add(), remove(), clear() and set() of a ManyToMany: (T&, M2MAction, the target keys).
template <class T, class M>
Signal<T, detail::SignalKind::m2m_changed> m2m_changed(ManyToMany<M> T::*member) {
    return Signal<T, detail::SignalKind::m2m_changed>(
        &detail::field_of_member(T::model_meta(), member));
}

}  // namespace dorm
