#pragma once
// Connecting to databases by alias (API.md §1) and watching what runs (CaptureQueries,
// API.md §10). Backends and SOCI stay behind lib/.

#include <cstddef>
#include <string>
#include <vector>

#include "dorm/value.hpp"

namespace dorm {

class CaptureQueries;

namespace detail {
/// Records into every active CaptureQueries of this thread (lib/database.cpp).
void capture(const std::string& sql, const std::vector<Value>& params);
}  // namespace detail

struct ConnectOptions {
    std::string alias = "default";
    std::size_t pool_size = 4;  ///< connections kept for reuse by the alias's threads
    /// Prepared statements each connection keeps, least recently used dropped first (on
    /// PostgreSQL also deallocated on the server); 0 prepares every statement afresh.
    /// `?statement_cache_size=N` in the URL overrides it.
    std::size_t statement_cache_size = 256;
    /// false: every statement is sent unprepared (PostgreSQL: one round trip with the
    /// unnamed statement, nothing left on the server between statements), as a PgBouncer
    /// in transaction pooling mode needs; results are the same. `?prepare=false` in the URL
    /// (or `prepare=false` in the key=value form) overrides it.
    bool prepared_statements = true;
};

/// Opens an alias: `sqlite3://app.db`, `sqlite3://:memory:`, `postgresql://...`.
/// Every thread gets its own connection on first use. Throws ConfigError on a bad URL
/// (bad percent-encoding, port, option or scheme), with the password masked.
/// ```
/// dorm::connect("postgresql://app:s%40cret@db:5432/app?statement_cache_size=64");
/// dorm::connect("postgresql://app@127.0.0.1:6432/app?prepare=false", {.alias = "bouncer"});
/// ```
void connect(const std::string& url, const ConnectOptions& options = {});
/// DATABASE_URL from the environment, else sqlite3://db.sqlite3.
void connect();
/// Closes an alias's connections (the calling thread's at once, others' on next use).
void disconnect(const std::string& alias = "default");
void disconnect_all();
/// Whether an alias is configured.
[[nodiscard]] bool is_connected(const std::string& alias = "default");
/// The vendor behind an alias: "sqlite" or "postgresql".
[[nodiscard]] std::string vendor(const std::string& alias = "default");
/// The URL with its password masked, for messages.
[[nodiscard]] std::string mask_url(const std::string& url);

/// Records every statement the calling thread runs while it lives (like assertNumQueries).
class CaptureQueries {
   public:
    struct Query {
        std::string sql;
        std::vector<Value> params;
    };
    CaptureQueries();
    ~CaptureQueries();
    CaptureQueries(const CaptureQueries&) = delete;
    CaptureQueries& operator=(const CaptureQueries&) = delete;

    [[nodiscard]] std::size_t count() const { return queries_.size(); }
    [[nodiscard]] const std::vector<Query>& queries() const { return queries_; }
    void clear() { queries_.clear(); }

   private:
    friend void detail::capture(const std::string& sql, const std::vector<Value>& params);
    void record(const std::string& sql, const std::vector<Value>& params);
    std::vector<Query> queries_;
};

}  // namespace dorm
