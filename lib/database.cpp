// Aliases, URLs, per-thread connections, statement runs and query capture.
#include "dorm/database.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "backend.hpp"
#include "dorm/error.hpp"

namespace dorm {

namespace detail {
namespace {

struct AliasConfig {
    std::string url;
    std::string vendor;  ///< "sqlite" or "postgresql"
    std::string target;  ///< file path / memdb URI, or libpq conninfo
    std::size_t pool_size = 4;
    std::atomic<bool> closed{false};
    std::unique_ptr<Connection> keeper;  ///< holds a :memory: database alive
    std::mutex pool_mutex;
    std::vector<std::unique_ptr<Connection>> idle;  ///< at most pool_size, for new threads
};

std::mutex aliases_mutex;
std::map<std::string, std::shared_ptr<AliasConfig>, std::less<>>& aliases() {
    static std::map<std::string, std::shared_ptr<AliasConfig>, std::less<>> m;
    return m;
}

// A thread's connection for one alias. When the thread ends, a healthy connection goes
// back to its alias's pool for the next thread.
struct ThreadConnection {
    std::shared_ptr<AliasConfig> config;
    std::unique_ptr<Connection> conn;

    ThreadConnection(std::shared_ptr<AliasConfig> c, std::unique_ptr<Connection> k)
        : config(std::move(c)), conn(std::move(k)) {}
    ThreadConnection(ThreadConnection&&) noexcept = default;
    ThreadConnection& operator=(ThreadConnection&&) noexcept = default;
    ~ThreadConnection() {
        if (!conn || !config || config->closed || !conn->savepoints.empty()) return;
        try {
            if (!conn->alive()) return;
            std::lock_guard lock(config->pool_mutex);
            if (config->idle.size() < config->pool_size) config->idle.push_back(std::move(conn));
        } catch (...) {
        }
    }
};
thread_local std::vector<ThreadConnection> thread_connections;
thread_local std::vector<CaptureQueries*> active_captures;

std::unique_ptr<Connection> open(const AliasConfig& cfg, const std::string& alias) {
    std::unique_ptr<Connection> c = cfg.vendor == "sqlite" ? open_sqlite(cfg.target)
                                                           : open_postgresql(cfg.target);
    c->alias = alias;
    return c;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// libpq's conninfo value: quoted, with ' and \ escaped.
std::string conninfo_value(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

// postgresql://user:pw@host:port/db?k=v, or SOCI's key=value form after the scheme.
std::string postgres_conninfo(const std::string& url, const std::string& rest) {
    auto eq = rest.find('=');
    if (eq != std::string::npos && rest.find_first_of("@/") > eq) return rest;  // key=value
    std::string_view r = rest;
    std::string query;
    if (auto q = r.find('?'); q != std::string_view::npos) {
        query = std::string(r.substr(q + 1));
        r = r.substr(0, q);
    }
    std::string out;
    auto add = [&](const char* key, const std::string& v) {
        if (!v.empty()) out += (out.empty() ? "" : " ") + std::string(key) + "=" + conninfo_value(v);
    };
    std::string_view hostport = r, db;
    if (auto slash = r.find('/'); slash != std::string_view::npos) {
        hostport = r.substr(0, slash);
        db = r.substr(slash + 1);
    }
    if (auto at = hostport.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = hostport.substr(0, at);
        hostport = hostport.substr(at + 1);
        auto colon = cred.find(':');
        add("user", percent_decode(cred.substr(0, colon)));
        if (colon != std::string_view::npos) add("password", percent_decode(cred.substr(colon + 1)));
    }
    std::string_view host = hostport, port;
    if (auto colon = hostport.rfind(':'); colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
    }
    add("host", percent_decode(host));
    add("port", std::string(port));
    add("dbname", percent_decode(db));
    std::size_t start = 0;
    while (start < query.size()) {
        auto amp = query.find('&', start);
        std::string kv = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        auto e = kv.find('=');
        if (e == std::string::npos) throw ConfigError("malformed option '" + kv + "' in '" + mask_url(url) + "'");
        add(kv.substr(0, e).c_str(), percent_decode(kv.substr(e + 1)));
        if (amp == std::string::npos) break;
        start = amp + 1;
    }
    if (out.empty()) throw ConfigError("database URL '" + mask_url(url) + "' names no server");
    return out;
}

std::shared_ptr<AliasConfig> parse_url(const std::string& url) {
    auto cfg = std::make_shared<AliasConfig>();
    cfg->url = url;
    auto sep = url.find("://");
    if (sep == std::string::npos || sep == 0)
        throw ConfigError("malformed database URL '" + mask_url(url) +
                          "' (expected scheme://..., e.g. sqlite3://app.db)");
    std::string scheme = url.substr(0, sep), rest = url.substr(sep + 3);
    if (scheme == "sqlite3" || scheme == "sqlite") {
        cfg->vendor = "sqlite";
        if (rest.empty())
            throw ConfigError("database URL '" + url + "' names no file (sqlite3://app.db or sqlite3://:memory:)");
        if (rest == ":memory:") {
            static std::atomic<int> counter{0};
            // memdb: one in-memory database shared by every connection of the alias,
            // with ordinary file locking (so busy_timeout applies).
            cfg->target = "file:/dorm-memory-" + std::to_string(++counter) + "?vfs=memdb";
        } else {
            cfg->target = rest;
        }
    } else if (scheme == "postgresql" || scheme == "postgres") {
        cfg->vendor = "postgresql";
        cfg->target = postgres_conninfo(url, rest);
    } else {
        throw ConfigError("unknown database scheme '" + scheme + "' in '" + mask_url(url) +
                          "' (choices: postgresql, sqlite3)");
    }
    return cfg;
}

}  // namespace

Connection& connection(const std::string& alias) {
    auto& tc = thread_connections;
    for (auto it = tc.begin(); it != tc.end(); ++it) {
        if (it->conn->alias != alias) continue;
        if (!it->config->closed.load(std::memory_order_relaxed)) {
            // A connection that died (server restart, killed backend) is replaced on next
            // use, unless a transaction was open on it: then the error is the caller's to see.
            if (!it->conn->savepoints.empty() || it->conn->alive()) return *it->conn;
            // The server went away: the idle connections of the pool are most likely dead too.
            std::lock_guard lock(it->config->pool_mutex);
            it->config->idle.clear();
        }
        it->config.reset();  // neither pooled nor kept
        tc.erase(it);
        break;
    }
    std::shared_ptr<AliasConfig> cfg;
    {
        std::lock_guard lock(aliases_mutex);
        auto found = aliases().find(alias);
        if (found != aliases().end()) cfg = found->second;
    }
    if (!cfg) {
        if (alias != "default")
            throw ConfigError("no database alias '" + alias +
                              "' (call dorm::connect(url, {.alias = \"" + alias + "\"}))");
        dorm::connect();  // API.md §1: DATABASE_URL, else sqlite3://db.sqlite3
        return connection(alias);
    }
    std::unique_ptr<Connection> conn;
    {
        std::lock_guard lock(cfg->pool_mutex);
        while (!conn && !cfg->idle.empty()) {
            conn = std::move(cfg->idle.back());
            cfg->idle.pop_back();
            if (!conn->alive()) conn.reset();
        }
    }
    if (!conn) conn = open(*cfg, alias);
    tc.emplace_back(cfg, std::move(conn));
    return *tc.back().conn;
}

bool capturing() { return !active_captures.empty(); }

void capture(const std::string& sql, const std::vector<Value>& params) {
    for (CaptureQueries* c : active_captures) c->record(sql, params);
}

Statement& Connection::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, prepare_uncached(sql)).first;
    return *it->second;
}

// ---- Cursor ---------------------------------------------------------------------------

namespace {
void check_usable(Connection& c) {
    if (c.needs_rollback)
        throw TransactionManagementError(
            "An error occurred in the current transaction. You can't execute queries until "
            "the end of the 'atomic' block.");
}
}  // namespace

Cursor::Cursor(Connection& c, const std::string& sql) : conn_(c), sql_(&sql) {
    check_usable(c);
    Statement& s = c.prepare(sql);
    if (s.in_use) {
        owned_ = c.prepare_uncached(sql);
        stmt_ = owned_.get();
    } else {
        stmt_ = &s;
    }
    stmt_->in_use = true;
}

Cursor::Cursor(Connection& c, Sql q) : Cursor(c, q.text) {
    owned_sql_ = std::move(q);
    sql_ = &owned_sql_.text;
    for (std::size_t i = 0; i < owned_sql_.params.size(); ++i) stmt_->bind(int(i), owned_sql_.params[i]);
    if (capturing()) capture(owned_sql_.text, owned_sql_.params);
}

Cursor::~Cursor() {
    try {
        stmt_->reset();
    } catch (...) {
    }
    stmt_->in_use = false;
}

void Cursor::fail(const std::exception_ptr& e) {
    if (!conn_.savepoints.empty()) conn_.needs_rollback = true;
    std::rethrow_exception(e);
}

bool Cursor::next() {
    try {
        return stmt_->step();
    } catch (...) {
        fail(std::current_exception());
    }
    return false;
}

void Cursor::rearm() { stmt_->reset(); }

}  // namespace detail

// ---- public API -------------------------------------------------------------------------

std::string mask_url(const std::string& url) {
    std::string out = url;
    auto scheme = out.find("://");
    auto at = out.find('@');
    if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
        auto colon = out.find(':', scheme + 3);
        if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    auto pw = out.find("password=");
    if (pw != std::string::npos) {
        auto end = out.find(' ', pw);
        out.replace(pw + 9, (end == std::string::npos ? out.size() : end) - pw - 9, "***");
    }
    return out;
}

void connect(const std::string& url, const ConnectOptions& options) {
    using namespace detail;
    auto cfg = parse_url(url);
    cfg->pool_size = options.pool_size;
    // Open once now, so a bad path or an unreachable server fails here, not on first use.
    auto first = open(*cfg, options.alias);
    if (cfg->target.rfind("file:/dorm-memory-", 0) == 0) cfg->keeper = open(*cfg, options.alias);
    {
        std::lock_guard lock(aliases_mutex);
        auto& slot = aliases()[options.alias];
        if (slot) slot->closed = true;
        slot = cfg;
    }
    auto& tc = thread_connections;
    std::erase_if(tc, [&](const ThreadConnection& t) { return t.conn->alias == options.alias; });
    tc.emplace_back(cfg, std::move(first));
}

void connect() {
    const char* env = std::getenv("DATABASE_URL");
    connect(env && *env ? env : "sqlite3://db.sqlite3");
}

void disconnect(const std::string& alias) {
    using namespace detail;
    {
        std::lock_guard lock(aliases_mutex);
        auto it = aliases().find(alias);
        if (it == aliases().end()) return;
        it->second->closed = true;
        {
            std::lock_guard pool(it->second->pool_mutex);
            it->second->idle.clear();
        }
        aliases().erase(it);
    }
    std::erase_if(thread_connections,
                  [&](const ThreadConnection& t) { return t.conn->alias == alias; });
}

void disconnect_all() {
    std::vector<std::string> names;
    {
        std::lock_guard lock(detail::aliases_mutex);
        for (const auto& [name, cfg] : detail::aliases()) names.push_back(name);
    }
    for (const auto& n : names) disconnect(n);
}

bool is_connected(const std::string& alias) {
    std::lock_guard lock(detail::aliases_mutex);
    return detail::aliases().count(alias) != 0;
}

std::string vendor(const std::string& alias) {
    return std::string(detail::connection(alias).dialect().vendor());
}

CaptureQueries::CaptureQueries() { detail::active_captures.push_back(this); }
CaptureQueries::~CaptureQueries() { std::erase(detail::active_captures, this); }
void CaptureQueries::record(const std::string& sql, const std::vector<Value>& params) {
    queries_.push_back({sql, params});
}

}  // namespace dorm
