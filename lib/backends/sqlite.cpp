// The SQLite backend: SOCI opens and owns the session; dorm steps SQLite's own prepared
// statements through the native handle SOCI exposes, which is where the speed is.
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>  // puts <sqlite3.h> into namespace sqlite_api

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <chrono>
#include <cmath>
#include <list>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "../backend.hpp"
#include "dorm/error.hpp"

namespace dorm::detail {

using namespace sqlite_api;

namespace {

std::string quoted(std::string_view ident) {
    std::string out = "\"";
    for (char c : ident) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

/// Runs a catalog query and calls row(stmt) for each row (a failure just ends it: this only
/// explains an error that is already being raised).
template <class Row>
void each_row(sqlite3* db, const std::string& sql, Row&& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &st, nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW && row(st)) {
        }
    sqlite3_finalize(st);
}

std::string text_at(sqlite3_stmt* st, int col) {
    const auto* t = sqlite3_column_text(st, col);
    return t ? reinterpret_cast<const char*>(t) : "NULL";
}

/// What a deferred foreign-key failure at COMMIT is about (the transaction is still open
/// then): the first rows PRAGMA foreign_key_check finds, with their column and value.
std::string foreign_key_violations(sqlite3* db) {
    std::string out;
    int shown = 0;
    each_row(db, "PRAGMA foreign_key_check", [&](sqlite3_stmt* st) {
        const std::string table = text_at(st, 0), rowid = text_at(st, 1), parent = text_at(st, 2);
        const int fkid = sqlite3_column_int(st, 3);
        std::string column, value = "?";
        each_row(db, "PRAGMA foreign_key_list(" + quoted(table) + ")", [&](sqlite3_stmt* fk) {
            if (sqlite3_column_int(fk, 0) == fkid) column = text_at(fk, 3);
            return column.empty();
        });
        if (!column.empty() && rowid != "NULL")
            each_row(db, "SELECT " + quoted(column) + " FROM " + quoted(table) + " WHERE rowid = " +
                             std::to_string(sqlite3_column_int64(st, 1)),
                     [&](sqlite3_stmt* v) {
                         value = text_at(v, 0);
                         return false;
                     });
        out += std::string(shown ? "; " : ": ") + "table '" + table + "' row " + rowid + ", column '" + column +
               "' = " + value + " has no row in '" + parent + "'";
        return ++shown < 5;
    });
    return out;
}

[[noreturn]] void raise(sqlite3* db, int rc, const std::string& sql) {
    int ext = sqlite3_extended_errcode(db);
    std::string msg = sqlite3_errmsg(db);
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY && sql == "COMMIT") msg += foreign_key_violations(db);
    if (!sql.empty()) msg += " [SQL: " + sql + "]";
    if ((rc & 0xff) == SQLITE_CONSTRAINT || (ext & 0xff) == SQLITE_CONSTRAINT)
        throw IntegrityError(msg);
    throw OperationalError(msg);
}

class SqliteStatement final : public Statement {
   public:
    SqliteStatement(sqlite3* db, const std::string& sql) : db_(db), sql_(sql) {
        int rc = sqlite3_prepare_v3(db, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &st_, nullptr);
        if (rc != SQLITE_OK) raise(db, rc, sql);
    }
    ~SqliteStatement() override { sqlite3_finalize(st_); }

    bool step() override {
        int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        raise(db_, rc, sql_);
    }
    void reset() override { sqlite3_reset(st_); }
    std::int64_t changes() const override { return sqlite3_changes64(db_); }
    std::int64_t inserted_id() override { return sqlite3_last_insert_rowid(db_); }

    // Row
    int columns() const override { return sqlite3_column_count(st_); }
    std::string_view column_name(int c) const override {
        const char* n = sqlite3_column_name(st_, c);
        return n ? n : "";
    }
    bool is_null(int c) const override { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
    std::int64_t get_int64(int c) const override { return sqlite3_column_int64(st_, c); }
    double get_double(int c) const override { return sqlite3_column_double(st_, c); }
    bool get_bool(int c) const override { return sqlite3_column_int64(st_, c) != 0; }
    std::string_view get_text(int c) const override {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
        return {p ? p : "", std::size_t(sqlite3_column_bytes(st_, c))};
    }
    Date get_date(int c) const override {
        auto t = get_text(c);
        if (auto d = parse_date(t)) return *d;
        throw OperationalError("malformed date '" + std::string(t) + "' in column " +
                               std::to_string(c) + " [SQL: " + sql_ + "]");
    }
    DateTime get_datetime(int c) const override {
        auto t = get_text(c);
        if (auto d = parse_datetime(t)) return *d;
        throw OperationalError("malformed datetime '" + std::string(t) + "' in column " +
                               std::to_string(c) + " [SQL: " + sql_ + "]");
    }
    Blob get_blob(int c) const override {
        const auto* p = static_cast<const std::byte*>(sqlite3_column_blob(st_, c));
        return Blob(p, p + sqlite3_column_bytes(st_, c));
    }
    Value get_value(int c) const override {
        switch (sqlite3_column_type(st_, c)) {
            case SQLITE_INTEGER: return Value(get_int64(c));
            case SQLITE_FLOAT: return Value(get_double(c));
            case SQLITE_TEXT: return Value(std::string(get_text(c)));
            case SQLITE_BLOB: return Value(get_blob(c));
            default: return Value();
        }
    }

    // Binder (SQLite counts parameters from 1)
    void bind_null(int i) override { sqlite3_bind_null(st_, i + 1); }
    void bind_bool(int i, bool v) override { sqlite3_bind_int(st_, i + 1, v ? 1 : 0); }
    void bind_int64(int i, std::int64_t v) override { sqlite3_bind_int64(st_, i + 1, v); }
    void bind_double(int i, double v) override { sqlite3_bind_double(st_, i + 1, v); }
    void bind_text(int i, std::string_view v) override {
        sqlite3_bind_text(st_, i + 1, v.data(), int(v.size()), SQLITE_STATIC);
    }
    void bind_date(int i, const Date& v) override {
        char buf[10];
        format_date_to(v, buf);
        sqlite3_bind_text(st_, i + 1, buf, 10, SQLITE_TRANSIENT);
    }
    void bind_datetime(int i, const DateTime& v) override {
        std::string s = format_datetime(v);
        sqlite3_bind_text(st_, i + 1, s.data(), int(s.size()), SQLITE_TRANSIENT);
    }
    void bind_text_copy(int i, std::string_view v) override {
        sqlite3_bind_text(st_, i + 1, v.data(), int(v.size()), SQLITE_TRANSIENT);
    }
    void bind_blob(int i, const Blob& v) override {
        sqlite3_bind_blob(st_, i + 1, v.data(), int(v.size()), SQLITE_STATIC);
    }
    void bind_blob_copy(int i, const Blob& v) override {
        sqlite3_bind_blob(st_, i + 1, v.data(), int(v.size()), SQLITE_TRANSIENT);
    }
    void bind_json(int i, std::string_view text) override {
        sqlite3_bind_text(st_, i + 1, text.data(), int(text.size()), SQLITE_TRANSIENT);
    }
    // The REAL the decimal column would turn Django's text into; bound as a number, it
    // also compares as one with expressions that have no column affinity (aggregates).
    void bind_decimal(int i, const Decimal& v) override { sqlite3_bind_double(st_, i + 1, v.to_double()); }
    void bind_uuid(int i, const Uuid& v) override {
        std::string s = v.hex();
        sqlite3_bind_text(st_, i + 1, s.data(), int(s.size()), SQLITE_TRANSIENT);
    }
    // A decimal column is a REAL here: 15 significant digits survive.
    int decimal_digits() const override { return 15; }

   private:
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
    std::string sql_;
};

// PCRE2's text for an error code.
std::string pcre2_message(int pcre2_error) {
    PCRE2_UCHAR buf[256];
    int n = pcre2_get_error_message(pcre2_error, buf, sizeof buf / sizeof buf[0]);
    return n < 0 ? "error " + std::to_string(pcre2_error) : std::string(reinterpret_cast<char*>(buf), std::size_t(n));
}

// REGEXP for SQLite, which has the operator but no function behind it: PCRE2 in UTF mode
// with Unicode properties, so that `.` and `{n}` count characters and `\w` matches letters
// beyond ASCII, as PostgreSQL's `~` does. The iregex lookup is rendered as a leading "(?i)"
// (as in Django), which PCRE2 reads itself, with Unicode case folding.
class RegexCache {
   public:
    struct Compiled {
        pcre2_code* code = nullptr;
        pcre2_match_data* match = nullptr;
        Compiled() = default;
        Compiled(const Compiled&) = delete;
        Compiled& operator=(const Compiled&) = delete;
        ~Compiled() {
            pcre2_match_data_free(match);
            pcre2_code_free(code);
        }
    };

    /// The compiled pattern, or nullptr with `error` set when it does not compile.
    const Compiled* get(std::string_view pattern, std::string& error) {
        if (auto it = index_.find(pattern); it != index_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second);
            return &it->second->compiled;
        }
        lru_.emplace_front();
        Entry& e = lru_.front();
        e.pattern.assign(pattern);
        if (!compile(e, error)) {
            lru_.pop_front();
            return nullptr;
        }
        index_.emplace(e.pattern, lru_.begin());
        if (lru_.size() > kCapacity) {
            index_.erase(lru_.back().pattern);
            lru_.pop_back();
        }
        return &e.compiled;
    }

   private:
    // Patterns are mostly constants of a few queries; a bound keeps patterns built from
    // column values from growing the cache without end.
    static constexpr std::size_t kCapacity = 64;
    struct Entry {
        std::string pattern;
        Compiled compiled;
    };

    static bool compile(Entry& e, std::string& error) {
        int code = 0;
        PCRE2_SIZE offset = 0;
        e.compiled.code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(e.pattern.data()), e.pattern.size(),
                                        PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
        if (!e.compiled.code) {
            error = "invalid regular expression '" + e.pattern + "': " + pcre2_message(code) +
                    " at offset " + std::to_string(offset);
            return false;
        }
        pcre2_jit_compile(e.compiled.code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter
        e.compiled.match = pcre2_match_data_create_from_pattern(e.compiled.code, nullptr);
        if (!e.compiled.match) error = "out of memory for regular expression '" + e.pattern + "'";
        return e.compiled.match != nullptr;
    }

    std::list<Entry> lru_;  ///< most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
};

std::string_view text_of(sqlite3_value* v) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
    return {p ? p : "", std::size_t(sqlite3_value_bytes(v))};
}

// SQLite's own busy_timeout backs off to 100 ms between tries, so a writer that has waited a
// while loses every race to writers that just arrived: under 8 busy writers one was starved for
// the whole 30 s ("database is locked", seen in the soak). Every waiter here tries again within
// 2 ms, so the lock goes to some waiter at random each time, up to the same 30 s.
int busy_handler(void* started, int tries) {
    using clock = std::chrono::steady_clock;
    auto& since = *static_cast<clock::time_point*>(started);
    if (tries == 0) since = clock::now();
    if (clock::now() - since > std::chrono::seconds(30)) return 0;
    std::this_thread::sleep_for(std::chrono::microseconds(tries < 20 ? 100 * (tries + 1) : 2000));
    return 1;
}

void regexp_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    auto* cache = static_cast<RegexCache*>(sqlite3_user_data(ctx));
    std::string error;
    const RegexCache::Compiled* re = cache->get(text_of(argv[0]), error);
    if (!re) {
        sqlite3_result_error(ctx, error.c_str(), int(error.size()));
        return;
    }
    const std::string_view subject = text_of(argv[1]);
    int rc = pcre2_match(re->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                         re->match, nullptr);
    if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
        sqlite3_result_int(ctx, rc >= 0 ? 1 : 0);
        return;
    }
    error = "REGEXP cannot match: " + pcre2_message(rc);
    sqlite3_result_error(ctx, error.c_str(), int(error.size()));
}

// STDDEV_POP and VAR_POP, which SQLite lacks (Django registers its own too): Welford's
// running mean and squared deviations, NULLs skipped, NULL over no rows.
struct Moments {
    std::int64_t n = 0;
    double mean = 0, m2 = 0;
};
void moments_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    auto* m = static_cast<Moments*>(sqlite3_aggregate_context(ctx, sizeof(Moments)));
    if (!m) return;
    double x = sqlite3_value_double(argv[0]);
    ++m->n;
    double d = x - m->mean;
    m->mean += d / double(m->n);
    m->m2 += d * (x - m->mean);
}
void variance_final(sqlite3_context* ctx) {
    auto* m = static_cast<Moments*>(sqlite3_aggregate_context(ctx, 0));
    if (!m || m->n == 0) sqlite3_result_null(ctx);
    else sqlite3_result_double(ctx, m->m2 / double(m->n));
}
void stddev_final(sqlite3_context* ctx) {
    auto* m = static_cast<Moments*>(sqlite3_aggregate_context(ctx, 0));
    if (!m || m->n == 0) sqlite3_result_null(ctx);
    else sqlite3_result_double(ctx, std::sqrt(m->m2 / double(m->n)));
}

// SOCI's sqlite3 connect string is space-separated key=value words; a value with a space
// (a percent-decoded "%20" in a sqlite3:// path) must be in double quotes, which it strips.
std::string soci_value(const std::string& path) {
    if (path.find('"') != std::string::npos)
        throw ConfigError("a SQLite path with a double quote is not supported: " + path);
    return path.find(' ') == std::string::npos ? path : '"' + path + '"';
}

class SqliteConnection final : public Connection {
   public:
    explicit SqliteConnection(const std::string& path) {
        static const bool registered = (soci::register_factory_sqlite3(), true);
        (void)registered;
        try {
            session_.open("sqlite3", "db=" + soci_value(path) + " timeout=30");
        } catch (const soci::soci_error& e) {
            throw OperationalError("cannot open SQLite database '" + path + "': " + e.what());
        }
        db_ = static_cast<soci::sqlite3_session_backend*>(session_.get_backend())->conn_;
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_handler(db_, busy_handler, &busy_since_);
        sqlite3_create_function(db_, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &regexes_,
                                regexp_function, nullptr, nullptr);
        sqlite3_create_function(db_, "VAR_POP", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                nullptr, moments_step, variance_final);
        sqlite3_create_function(db_, "STDDEV_POP", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                nullptr, moments_step, stddev_final);
    }
    ~SqliteConnection() override {
        // Statements must be finalized before SOCI closes the session.
        clear_cache();
    }

    const sql::Dialect& dialect() const override { return sql::dialect_for("sqlite"); }
    std::unique_ptr<Statement> prepare_uncached(const std::string& sql) override {
        return std::make_unique<SqliteStatement>(db_, sql);
    }
    void execute(const std::string& sql) override {
        char* err = nullptr;
        int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        sqlite3_free(err);
        if (rc != SQLITE_OK) raise(db_, rc, sql);
    }
    bool alive() override { return true; }

   private:
    RegexCache regexes_;  ///< before session_: REGEXP may run until the session closes
    std::chrono::steady_clock::time_point busy_since_;  ///< when the current wait for a lock began
    soci::session session_;
    sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Connection> open_sqlite(const std::string& path) {
    return std::make_unique<SqliteConnection>(path);
}

}  // namespace dorm::detail
