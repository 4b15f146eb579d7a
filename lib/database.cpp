// Aliases, URLs, per-thread connections, statement runs and query capture.
#include "dorm/database.hpp"

#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

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
    std::size_t statement_cache_size = 256;
    bool prepared_statements = true;
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
                                                           : open_postgresql(cfg.target, cfg.prepared_statements);
    c->alias = alias;
    c->prepared_statements = cfg.prepared_statements;
    c->set_statement_cache_capacity(cfg.statement_cache_size);
    for (const auto& s : c->dialect().session_setup_sql()) c->execute(s);
    return c;
}

// ---- URLs ------------------------------------------------------------------------------

[[noreturn]] void bad_url(const std::string& url, const std::string& why) {
    throw ConfigError("bad database URL '" + mask_url(url) + "': " + why);
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 3986 percent-decoding of one part of the URL, named by `part` in the message. The
// password's own characters never appear in a message.
std::string percent_decode(std::string_view s, const std::string& url, std::string_view part) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        const int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0)) {
            std::string why = "malformed percent-encoding in the " + std::string(part);
            if (part.find("password") == std::string_view::npos) why += " ('" + std::string(s.substr(i, 3)) + "')";
            bad_url(url, why + " (expected %XX, two hex digits, not %00)");
        }
        out += char(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// A count from the URL (digits only, no sign, no overflow).
std::size_t parse_count(std::string_view s, const std::string& url, std::string_view what) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        bad_url(url, std::string(what) + " '" + std::string(s) + "' is not a number");
    return n;
}

// prepare=false|true (also 0/1, off/on, no/yes).
bool parse_flag(std::string_view s, const std::string& url, std::string_view what) {
    if (s == "true" || s == "1" || s == "on" || s == "yes") return true;
    if (s == "false" || s == "0" || s == "off" || s == "no") return false;
    bad_url(url, std::string(what) + " '" + std::string(s) + "' is not a boolean (true or false)");
}

// dorm's own options in a URL (the driver would refuse them): `statement_cache_size=N`
// and `prepare=false`.
bool take_own_option(AliasConfig& cfg, std::string_view kv, const std::string& url) {
    constexpr std::string_view cache = "statement_cache_size=", prepare = "prepare=";
    if (kv.starts_with(cache)) {
        cfg.statement_cache_size = parse_count(kv.substr(cache.size()), url, "statement_cache_size");
        return true;
    }
    if (kv.starts_with(prepare)) {
        cfg.prepared_statements = parse_flag(kv.substr(prepare.size()), url, "prepare");
        return true;
    }
    return false;
}

// Takes dorm's own options out of the query string; the rest is left as written.
void take_own_options(AliasConfig& cfg, std::string& rest, const std::string& url) {
    const auto q = rest.find('?');
    if (q == std::string::npos) return;
    std::string kept;
    bool taken = false;
    std::string_view query = std::string_view(rest).substr(q + 1);
    while (true) {
        const auto amp = query.find('&');
        std::string_view kv = query.substr(0, amp);
        if (take_own_option(cfg, kv, url)) taken = true;
        else kept += (kept.empty() ? "" : "&") + std::string(kv);
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    if (taken) rest = rest.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

// The same in libpq's key=value form: bare `key=value` words (quoted values are libpq's).
void take_own_conninfo_options(AliasConfig& cfg, std::string& rest, const std::string& url) {
    std::string kept;
    std::size_t i = 0;
    while (i < rest.size()) {
        if (rest[i] == ' ') {
            ++i;
            continue;
        }
        std::size_t end = i;
        for (bool quoted = false; end < rest.size(); ++end) {
            const char c = rest[end];
            if (c == '\\') ++end;  // an escaped character
            else if (c == '\'') quoted = !quoted;
            else if (c == ' ' && !quoted) break;
        }
        end = std::min(end, rest.size());
        const std::string_view word = std::string_view(rest).substr(i, end - i);
        if (!take_own_option(cfg, word, url)) kept += (kept.empty() ? "" : " ") + std::string(word);
        i = end;
    }
    rest = kept;
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

// The conninfo being built from a URL: key='value' pairs, empty values left out.
struct Conninfo {
    std::string text;
    void add(std::string_view key, const std::string& v) {
        if (v.empty()) return;
        text += (text.empty() ? "" : " ") + std::string(key) + "=" + conninfo_value(v);
    }
};

// user:password@ before the host.
void add_credentials(Conninfo& out, std::string_view cred, const std::string& url) {
    const auto colon = cred.find(':');
    out.add("user", percent_decode(cred.substr(0, colon), url, "user"));
    if (colon != std::string_view::npos)
        out.add("password", percent_decode(cred.substr(colon + 1), url, "password"));
}

// host, host:port, [v6], [v6]:port. The port is checked with the rest of the conninfo.
void add_host_port(Conninfo& out, std::string_view hostport, const std::string& url) {
    std::string_view host = hostport, port;
    bool has_port = false;
    if (hostport.starts_with('[')) {
        const auto close = hostport.find(']');
        if (close == std::string_view::npos) bad_url(url, "'[' without ']' around the IPv6 host");
        host = hostport.substr(1, close - 1);
        std::string_view after = hostport.substr(close + 1);
        if (!after.empty() && !after.starts_with(':'))
            bad_url(url, "unexpected '" + std::string(after) + "' after the IPv6 host");
        has_port = !after.empty();
        if (has_port) port = after.substr(1);
    } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
        has_port = true;
    }
    out.add("host", percent_decode(host, url, "host"));
    if (has_port && port.empty()) bad_url(url, "empty port after ':'");
    out.add("port", std::string(port));
}

// ?k=v&k2=v2: libpq options (sslmode, connect_timeout, ...), checked with the conninfo.
void add_query(Conninfo& out, std::string_view query, const std::string& url) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        std::string_view kv = query.substr(0, amp);
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0)
            bad_url(url, "malformed option '" + std::string(kv) + "' (expected key=value)");
        out.add(kv.substr(0, eq), percent_decode(kv.substr(eq + 1), url, "option " + std::string(kv.substr(0, eq))));
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
}

// postgresql://user:pw@host:port/db?k=v, as libpq's key='value' conninfo.
std::string postgres_url_conninfo(std::string_view r, const std::string& url) {
    std::string_view query;
    if (auto q = r.find('?'); q != std::string_view::npos) {
        query = r.substr(q + 1);
        r = r.substr(0, q);
    }
    std::string_view hostport = r, db;
    if (auto slash = r.find('/'); slash != std::string_view::npos) {
        hostport = r.substr(0, slash);
        db = r.substr(slash + 1);
    }
    Conninfo out;
    if (auto at = hostport.rfind('@'); at != std::string_view::npos) {
        add_credentials(out, hostport.substr(0, at), url);
        hostport = hostport.substr(at + 1);
    }
    add_host_port(out, hostport, url);
    out.add("dbname", percent_decode(db, url, "database name"));
    add_query(out, query, url);
    if (out.text.empty()) bad_url(url, "it names no server (postgresql://user@host:port/db)");
    return out.text;
}

// SOCI's key=value form after the scheme (passed on as it is): an '=' before any of the
// characters that end a URL's host.
bool is_key_value_form(const std::string& rest) {
    const auto eq = rest.find('=');
    return eq != std::string::npos && rest.find_first_of("@/?") > eq;
}

void parse_sqlite(AliasConfig& cfg, std::string rest, const std::string& url) {
    take_own_options(cfg, rest, url);
    if (rest.empty())
        bad_url(url, "it names no file (sqlite3://app.db or sqlite3://:memory:)");
    if (rest == ":memory:") {
        static std::atomic<int> counter{0};
        // memdb: one in-memory database shared by every connection of the alias,
        // with ordinary file locking (so busy_timeout applies).
        cfg.target = "file:/dorm-memory-" + std::to_string(++counter) + "?vfs=memdb";
    } else {  // a file: URI is SQLite's own (it decodes %XX itself); a path is decoded here
        cfg.target = rest.starts_with("file:") ? rest : percent_decode(rest, url, "path");
    }
}

void parse_postgresql(AliasConfig& cfg, std::string rest, const std::string& url) {
    if (is_key_value_form(rest)) {
        take_own_conninfo_options(cfg, rest, url);
        cfg.target = rest;
    } else {
        take_own_options(cfg, rest, url);
        cfg.target = postgres_url_conninfo(rest, url);
    }
    check_postgresql_conninfo(cfg.target, url);
}

std::string lowercase(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Options in the URL win over ConnectOptions (the URL is the deployment's).
std::shared_ptr<AliasConfig> parse_url(const std::string& url, const ConnectOptions& options) {
    auto cfg = std::make_shared<AliasConfig>();
    cfg->url = url;
    cfg->statement_cache_size = options.statement_cache_size;
    cfg->prepared_statements = options.prepared_statements;
    auto sep = url.find("://");
    if (sep == std::string::npos || sep == 0)
        throw ConfigError("malformed database URL '" + mask_url(url) +
                          "' (expected scheme://..., e.g. sqlite3://app.db)");
    const std::string scheme = url.substr(0, sep), rest = url.substr(sep + 3);
    const std::string lower = lowercase(scheme);  // schemes are case-insensitive (RFC 3986)
    try {
        if (lower == "sqlite3" || lower == "sqlite") {
            cfg->vendor = "sqlite";
            parse_sqlite(*cfg, rest, url);
        } else if (lower == "postgresql" || lower == "postgres") {
            cfg->vendor = "postgresql";
            parse_postgresql(*cfg, rest, url);
        } else {
            throw ConfigError("unknown database scheme '" + scheme + "' in '" + mask_url(url) +
                              "' (choices: postgresql, sqlite3)");
        }
    } catch (const ConfigError& e) {
        // The reason may quote a piece of a malformed URL (an option, a port) that holds the
        // password: it is masked as a URL is (found by fuzz/url.cpp). The URL before it is
        // masked already.
        const std::string what = e.what();
        const auto why = what.find("': ");
        throw ConfigError(why == std::string::npos ? mask_url(what)
                                                   : what.substr(0, why + 3) + mask_url(what.substr(why + 3)));
    }
    return cfg;
}

}  // namespace

ParsedUrl parse_database_url(const std::string& url, std::size_t statement_cache_size) {
    ConnectOptions options;
    options.statement_cache_size = statement_cache_size;
    auto cfg = parse_url(url, options);
    return {cfg->vendor, cfg->target, cfg->statement_cache_size};
}

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

Statement* Connection::prepare(const std::string& sql) {
    if (capacity_ == 0) return nullptr;
    if (auto it = index_.find(sql); it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->stmt.get();
    }
    // Prepared before it is inserted: a statement that fails to prepare leaves no entry.
    auto stmt = prepare_uncached(sql);
    lru_.push_front({sql, std::move(stmt)});
    index_.emplace(lru_.front().sql, lru_.begin());
    evict_beyond_capacity();
    return lru_.front().stmt.get();
}

void Connection::evict_beyond_capacity() {
    // From the least recently used end; the newest (front) entry is about to be used. Only
    // when every older statement is in use (cursors nested deeper than the capacity) does
    // the cache stay above capacity, until they are done.
    auto it = lru_.end();
    while (lru_.size() > capacity_ && it != std::next(lru_.begin())) {
        --it;
        if (it->stmt->in_use) continue;
        index_.erase(it->sql);
        it = lru_.erase(it);
    }
}

void Connection::set_statement_cache_capacity(std::size_t n) {
    capacity_ = n;
    if (n == 0) {
        std::erase_if(lru_, [&](const CachedStatement& c) {
            if (c.stmt->in_use) return false;
            index_.erase(c.sql);
            return true;
        });
    } else if (!lru_.empty()) {
        evict_beyond_capacity();
    }
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
    Statement* s = c.prepare(sql);
    if (!s || s->in_use) {
        owned_ = c.prepare_uncached(sql);
        stmt_ = owned_.get();
    } else {
        stmt_ = s;
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

namespace {

// The end of a conninfo value that starts at `from`: a quoted value runs to its closing
// quote (backslash escapes), a bare one to the next space, or to '&' in a URL's query (in the
// key=value form '&' is part of the value; found by fuzz/url.cpp).
std::size_t value_end(const std::string& s, std::size_t from, bool in_query) {
    if (from < s.size() && s[from] == '\'') {
        for (std::size_t i = from + 1; i < s.size(); ++i) {
            if (s[i] == '\\') ++i;
            else if (s[i] == '\'') return i + 1;
        }
        return s.size();
    }
    auto end = s.find_first_of(in_query ? " &" : " ", from);
    return end == std::string::npos ? s.size() : end;
}

}  // namespace

std::string mask_url(const std::string& url) {
    std::string out = url;
    // user:password@ in the authority; the last '@' before the query, since an unescaped
    // '@' in the password belongs to it (masking too much is harmless, too little is not).
    // Without "://" (a malformed URL) the scheme's ':' is taken for the password's, which
    // masks the scheme's tail too.
    auto scheme = out.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    // (the query starts after the scheme: a '?' before it is a malformed scheme's, and the
    // password after it must still be masked; found by fuzz/url.cpp)
    // A malformed URL (a second "://", or no '@' before a '?'; found by fuzz/url.cpp) is
    // masked up to its last '@'.
    const bool second_scheme = scheme != std::string::npos && out.find("://", start) != std::string::npos;
    auto at = second_scheme ? out.rfind('@') : out.rfind('@', out.find('?', start));
    if (at == std::string::npos || at <= start) at = out.rfind('@');
    if (at != std::string::npos && at > start) {
        auto colon = out.find(':', start);
        if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    constexpr std::string_view key = "password=";
    const bool key_value = detail::is_key_value_form(out.substr(start));
    for (auto pw = out.find(key); pw != std::string::npos; pw = out.find(key, pw + key.size())) {
        const auto from = pw + key.size();
        out.replace(from, value_end(out, from, !key_value) - from, "***");
    }
    return out;
}

void connect(const std::string& url, const ConnectOptions& options) {
    using namespace detail;
    auto cfg = parse_url(url, options);
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

namespace detail {
std::pair<std::string, std::string> alias_target(const std::string& alias) {
    std::lock_guard lock(aliases_mutex);
    auto it = aliases().find(alias);
    if (it == aliases().end()) throw ConfigError("no database connected as '" + alias + "'");
    return {it->second->vendor, it->second->target};
}
}  // namespace detail

std::string vendor(const std::string& alias) {
    return std::string(detail::connection(alias).dialect().vendor());
}

CaptureQueries::CaptureQueries() { detail::active_captures.push_back(this); }
CaptureQueries::~CaptureQueries() { std::erase(detail::active_captures, this); }
void CaptureQueries::record(const std::string& sql, const std::vector<Value>& params) {
    queries_.push_back({sql, params});
}

}  // namespace dorm
