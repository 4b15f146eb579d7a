#pragma once
// The database under the integration tests: SQLite by default, or the server named by
// DORM_TEST_POSTGRES when DORM_TEST_BACKEND=postgresql. Each test starts on empty tables.

#include <cstdlib>
#include <optional>
#include <string>

#include "models.hpp"

namespace testdb {

inline std::string backend() {
    const char* b = std::getenv("DORM_TEST_BACKEND");
    return b && *b ? b : "sqlite";
}

inline std::string url() {
    if (backend() == "postgresql") {
        const char* pg = std::getenv("DORM_TEST_POSTGRES");
        return std::string("postgresql://") + (pg ? pg : "");
    }
    return "sqlite3://:memory:";
}

/// One key of the libpq conninfo in DORM_TEST_POSTGRES ("" when absent).
inline std::string pg_param(const std::string& key) {
    const char* pg = std::getenv("DORM_TEST_POSTGRES");
    std::string info = pg ? pg : "";
    for (std::size_t p = info.find(key + "="); p != std::string::npos; p = info.find(key + "=", p + 1)) {
        if (p != 0 && info[p - 1] != ' ') continue;
        auto start = p + key.size() + 1;
        auto end = info.find(' ', start);
        return info.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    return "";
}

/// Whether the suite's statements are prepared on the server: not with prepare=false in
/// DORM_TEST_POSTGRES (the PgBouncer CI step, .ci/steps/20-pgbouncer).
inline bool server_prepares() { return backend() != "postgresql" || pg_param("prepare") != "false"; }

/// Built with a sanitizer (.ci/steps/30-sanitizers): ASan's quarantine holds freed memory
/// back, so resident-memory bounds do not apply.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

/// What a connection's own statement cache holds for one SQL text, read from the server:
/// SQLite's sqlite_stmt (prepared statements of this connection) or PostgreSQL's
/// pg_prepared_statements (of this session). `runs` counts executions.
struct StatementStats {
    std::size_t prepared = 0;
    std::int64_t runs = 0;
};
inline StatementStats statement_stats(const std::string& sql, const std::string& alias = "default") {
    const bool pg = dorm::vendor(alias) == "postgresql";
    auto rows = testmodels::Counter::objects().using_db(alias).raw(
        pg ? "SELECT 1 AS id, generic_plans + custom_plans AS value FROM pg_prepared_statements "
             "WHERE statement = %s"
           : "SELECT 1 AS id, run AS value FROM sqlite_stmt WHERE sql = %s",
        {sql});
    StatementStats s;
    s.prepared = rows.size();
    for (const auto& r : rows) s.runs += r.value;
    return s;
}

/// Sets (or, with nullopt, unsets) an environment variable for a scope.
class ScopedEnv {
   public:
    ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        apply(value);
    }
    ~ScopedEnv() { apply(old_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

   private:
    void apply(const std::optional<std::string>& v) {
        if (v)
            ::setenv(name_, v->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    const char* name_;
    std::optional<std::string> old_;
};

/// Connects once, creates the tables once, and empties them for every test.
struct Fresh {
    Fresh() {
        static const bool registered = (testmodels::register_all(), true);
        (void)registered;
        if (!dorm::is_connected()) {
            dorm::connect(url());
            dorm::drop_tables();
        }
        dorm::create_tables();  // idempotent: also after a test that connected elsewhere
        testmodels::Article::objects().erase();
        testmodels::Author::objects().erase();
        testmodels::Tag::objects().erase();
        testmodels::Counter::objects().erase();
    }
};

}  // namespace testdb
