#pragma once
// Transactions (API.md §7): atomic blocks that commit or roll back as a whole, nested
// blocks as savepoints, and callbacks that run after the outermost commit.

#include <exception>
#include <functional>
#include <string>
#include <type_traits>

namespace dorm {

/// RAII atomic block: commits at scope end, rolls back when left by an exception.
class Atomic {
   public:
    explicit Atomic(std::string alias = "default");
    ~Atomic() noexcept(false);
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;

    /// Commits (or releases the savepoint) now; the destructor then does nothing.
    void commit();
    /// Rolls back (to the savepoint) now.
    void rollback();

   private:
    std::string alias_;
    int uncaught_;
    bool done_ = false;
};

/// Runs fn in an atomic block on `alias`; any exception rolls back and propagates.
template <class Fn>
decltype(auto) atomic(const std::string& alias, Fn&& fn) {
    Atomic tx(alias);
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
        std::forward<Fn>(fn)();
        tx.commit();
    } else {
        decltype(auto) r = std::forward<Fn>(fn)();
        tx.commit();
        return r;
    }
}

template <class Fn>
    requires std::is_invocable_v<Fn>
decltype(auto) atomic(Fn&& fn) {
    return atomic(std::string("default"), std::forward<Fn>(fn));
}

/// Runs fn after the outermost atomic block on `alias` commits (at once outside one);
/// dropped if that block or the savepoint it was registered in rolls back.
void on_commit(std::function<void()> fn, const std::string& alias = "default");

/// Whether the calling thread is inside an atomic block on `alias`.
[[nodiscard]] bool in_atomic_block(const std::string& alias = "default");

}  // namespace dorm
