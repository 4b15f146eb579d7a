#pragma once
// Several databases (API.md §14): which alias a read or a write of a model goes to. Routers
// answer per model; detail::route() is the one place every read and write asks. Knows
// models as data (ModelMeta) and aliases as names, never connections.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dorm {

struct ModelMeta;

/// Rules for where each model's rows live, as Django's database routers. Every answer
/// may be std::nullopt: no opinion, the default applies ("default", or the alias an
/// instance was pinned to with using_db). Called from many threads at once: keep it const.
/// ```
/// struct TenantRouter : dorm::Router {
///     std::optional<std::string> db_for_read(const dorm::ModelMeta& m) const override {
///         return m.name == "Invoice" ? std::optional<std::string>("billing") : std::nullopt;
///     }
/// };
/// dorm::set_router(std::make_shared<TenantRouter>());
/// ```
class Router {
   public:
    virtual ~Router() = default;
    /// The alias reads of `m` go to (querysets without using_db).
    [[nodiscard]] virtual std::optional<std::string> db_for_read(const ModelMeta& m) const;
    /// The alias writes of `m` go to: save, create, update, erase, bulk writes.
    [[nodiscard]] virtual std::optional<std::string> db_for_write(const ModelMeta& m) const;
    /// Whether create_tables(alias) and `migrate --database alias` create `m` there.
    [[nodiscard]] virtual bool allow_migrate(const std::string& alias, const ModelMeta& m) const;
};

/// A primary and its read replicas: writes to the primary, reads to the replicas in turn
/// (round robin; the primary when there are none). With `read_your_writes`, a thread that
/// wrote reads from the primary for that long afterwards (counted from the write, or from
/// the commit of the transaction it was in). Every alias may migrate.
/// ```
/// dorm::set_router(dorm::PrimaryReplicaRouter{.primary = "default",
///                                             .replicas = {"replica1", "replica2"},
///                                             .read_your_writes = std::chrono::seconds(2)});
/// ```
struct PrimaryReplicaRouter {
    std::string primary = "default";
    std::vector<std::string> replicas;
    std::chrono::milliseconds read_your_writes{0};
};

/// Installs the router every query asks from now on (thread-safe: queries running on
/// other threads finish with the router they started with). nullptr: no router, so
/// everything without using_db goes to "default".
void set_router(std::shared_ptr<const Router> router);
/// Installs a PrimaryReplicaRouter (copied).
void set_router(PrimaryReplicaRouter router);
/// The installed router; nullptr when there is none.
[[nodiscard]] std::shared_ptr<const Router> router();

namespace detail {

/// What a statement does to the model's table.
enum class Intent { read, write };

/// The one function that picks the alias for every read and write (API.md §14):
/// `chosen` (using_db, or an instance pinned by it) always wins; a read inside an atomic
/// block, with a router installed, goes to that block's alias; then the router; then
/// `fallback` (the alias an instance was loaded from, when there is no router), else
/// "default". A write also starts the thread's read-your-writes window.
[[nodiscard]] std::string route(const ModelMeta& m, Intent intent, const std::optional<std::string>& chosen,
                                const std::string* fallback = nullptr);
/// Whether `migrate`/create_tables may create `m` on `alias` (true without a router).
[[nodiscard]] bool allow_migrate(const std::string& alias, const ModelMeta& m);
/// When this thread last wrote (through route()), or the epoch.
[[nodiscard]] std::chrono::steady_clock::time_point last_write();
/// transaction.cpp: the thread entered / left an atomic block on `alias`.
void enter_atomic(const std::string& alias);
void leave_atomic(const std::string& alias);

}  // namespace detail
}  // namespace dorm
