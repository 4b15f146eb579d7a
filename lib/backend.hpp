#pragma once
// Private to lib/: the backend interface (one connection, its prepared statements and
// transaction state) and the per-thread connection lookup. Backends implement it with
// SOCI; nothing here is installed.

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dorm/row.hpp"
#include "dorm/sql/compiler.hpp"
#include "dorm/sql/dialect.hpp"

namespace dorm::detail {

/// A prepared statement: bind parameters, step through rows, reset for reuse.
class Statement : public Row, public Binder {
   public:
    /// Runs or advances; true while a row is available.
    virtual bool step() = 0;
    virtual void reset() = 0;
    [[nodiscard]] virtual std::int64_t changes() const = 0;
    /// The id the last INSERT generated (RETURNING or the backend's own call).
    [[nodiscard]] virtual std::int64_t inserted_id() = 0;
    bool in_use = false;
};

struct Savepoint {
    std::string name;
    std::size_t callbacks_before = 0;  ///< on_commit callbacks registered before it
};

class Connection {
   public:
    virtual ~Connection() = default;
    [[nodiscard]] virtual const sql::Dialect& dialect() const = 0;
    /// The cached prepared statement for this SQL text, prepared on a miss; beyond the
    /// capacity the least recently used idle statement is dropped (statements in use never
    /// are). nullptr when the capacity is 0: the caller prepares its own.
    Statement* prepare(const std::string& sql);
    /// A statement that is not cached (for a cached one still in use).
    virtual std::unique_ptr<Statement> prepare_uncached(const std::string& sql) = 0;
    /// Runs SQL without parameters or results (DDL, transaction control).
    virtual void execute(const std::string& sql) = 0;
    /// Whether the connection still works (after an error).
    [[nodiscard]] virtual bool alive() = 0;
    /// How many prepared statements the cache keeps (ConnectOptions::statement_cache_size).
    void set_statement_cache_capacity(std::size_t n);

    // Transaction state, kept by transaction.cpp.
    std::vector<Savepoint> savepoints;  ///< empty: autocommit; [0] is the outer BEGIN
    std::vector<std::function<void()>> on_commit;
    bool needs_rollback = false;
    std::size_t savepoint_counter = 0;
    std::string alias;
    /// ConnectOptions::prepared_statements: false keeps no state on the server between
    /// statements outside a transaction (a transaction-pooling PgBouncer may switch servers).
    bool prepared_statements = true;

   protected:
    /// Backends call it before closing their handle: statements must go first.
    void clear_cache() {
        index_.clear();
        lru_.clear();
    }

   private:
    struct CachedStatement {
        std::string sql;
        std::unique_ptr<Statement> stmt;
    };
    void evict_beyond_capacity();

    std::list<CachedStatement> lru_;  ///< most recently used first
    /// Keys view the SQL text held by lru_'s nodes (list nodes never move).
    std::unordered_map<std::string_view, std::list<CachedStatement>::iterator> index_;
    std::size_t capacity_ = 256;
};

/// What connect() makes of a URL, without opening anything (tests, fuzz/url.cpp): the vendor
/// ("sqlite", "postgresql"), the file path / memdb URI or libpq conninfo, and the statement
/// cache size (the URL's, else `statement_cache_size`). Throws ConfigError as connect() does.
struct ParsedUrl {
    std::string vendor, target;
    std::size_t statement_cache_size = 0;
};
ParsedUrl parse_database_url(const std::string& url, std::size_t statement_cache_size = 256);

/// The calling thread's connection for an alias (opened on first use).
Connection& connection(const std::string& alias);
/// An alias's vendor ("sqlite", "postgresql") and what it opens: a file path or memdb URI, or
/// a libpq conninfo (dbshell).
std::pair<std::string, std::string> alias_target(const std::string& alias);

/// One statement run: prepares (cached), binds, records for CaptureQueries, and resets the
/// statement when it goes out of scope.
class Cursor {
   public:
    /// Keeps the parameters alive while the statement runs (text is bound without a copy).
    Cursor(Connection& c, Sql q);
    /// Prepared but not bound: the caller binds through stmt() and calls run().
    Cursor(Connection& c, const std::string& sql);
    ~Cursor();
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    [[nodiscard]] Statement& stmt() { return *stmt_; }
    [[nodiscard]] const Row& row() const { return *stmt_; }
    /// Steps to the next row; false at the end.
    bool next();
    /// Resets for another round of binds (prepared-once loops).
    void rearm();

   private:
    void fail(const std::exception_ptr& e);
    Connection& conn_;
    Statement* stmt_;
    std::unique_ptr<Statement> owned_;
    const std::string* sql_;
    Sql owned_sql_;
};

/// Records into every active CaptureQueries of this thread (cheap when none is active).
void capture(const std::string& sql, const std::vector<Value>& params);
[[nodiscard]] bool capturing();

// Backend factories.
std::unique_ptr<Connection> open_sqlite(const std::string& path);
/// `prepared`: false sends every statement unprepared (PQexecParams, the unnamed statement).
std::unique_ptr<Connection> open_postgresql(const std::string& conninfo, bool prepared);
/// Throws ConfigError (naming `url`, password masked) when libpq would refuse the conninfo:
/// bad syntax, an unknown option, a port that is not a number from 1 to 65535.
void check_postgresql_conninfo(const std::string& conninfo, const std::string& url);

}  // namespace dorm::detail
