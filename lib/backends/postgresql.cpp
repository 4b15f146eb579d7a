// The PostgreSQL backend: libpq opens the connection, prepares and runs statements (text
// parameters, one result per run).
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "../backend.hpp"
#include "dorm/database.hpp"
#include "dorm/error.hpp"

namespace dorm::detail {

namespace {

// Type OIDs (pg_type.h) that get_value() maps to C++ types.
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700, kJson = 114, kJsonb = 3802, kUuid = 2950;

std::string error_text(PGconn* conn, const PGresult* res) {
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string msg = primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (res) {
        if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) msg += " (" + std::string(detail) + ")";
        if (const char* c = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)) msg += " [constraint " + std::string(c) + "]";
    }
    return msg;
}

[[noreturn]] void raise(PGconn* conn, const PGresult* res, const std::string& sql) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    std::string msg = error_text(conn, res);
    if (sqlstate == "25006")  // read_only_sql_transaction
        msg += " (a read-only server, such as a hot standby: writes must go to the primary; "
               "check using_db or the router's db_for_write)";
    if (!sql.empty()) msg += " [SQL: " + sql + "]";
    if (PQstatus(conn) == CONNECTION_BAD) throw OperationalError("connection lost: " + msg, sqlstate.empty() ? "08006" : sqlstate);
    if (sqlstate.rfind("23", 0) == 0) throw IntegrityError(msg, sqlstate);
    if (sqlstate == "25P02") throw TransactionManagementError(msg);
    throw OperationalError(msg, sqlstate);
}

// The highest $N outside quoted text. (libpq cannot read the server's description of a
// statement with more than ~7,500 parameters, and this saves a round trip per prepare.)
int count_placeholders(std::string_view sql) {
    int highest = 0;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9' &&
                   (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_'))) {
            int n = 0;
            while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') n = n * 10 + (sql[++i] - '0');
            highest = std::max(highest, n);
        }
    }
    return highest;
}

// A numeric as an integer when it is one (sum() of integers is a numeric), else exactly.
Value numeric(std::string_view text) {
    std::int64_t i = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), i);
    if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return Value(i);
    return Value(Decimal(text));
}

// A statement prepared on the server under `name`, or, with an empty name, sent whole with
// its parameters on every run (PQexecParams: the unnamed statement, one round trip,
// nothing left on the server afterwards), as a transaction-pooling PgBouncer needs.
class PgStatement final : public Statement {
   public:
    PgStatement(PGconn* conn, const std::string& sql, std::string name)
        : conn_(conn), sql_(sql), name_(std::move(name)) {
        if (!name_.empty()) {
            PGresult* r = PQprepare(conn_, name_.c_str(), sql.c_str(), 0, nullptr);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                Holder h{r};
                raise(conn_, r, sql);
            }
            PQclear(r);
        }
        nparams_ = count_placeholders(sql);
        values_.resize(std::size_t(nparams_));
        is_null_.assign(std::size_t(nparams_), true);
        formats_.assign(std::size_t(nparams_), 0);
        ptrs_.resize(std::size_t(nparams_));
        lengths_.resize(std::size_t(nparams_));
    }
    ~PgStatement() override {
        reset();
        // The server keeps a prepared statement for the whole session unless told.
        if (!name_.empty() && PQstatus(conn_) == CONNECTION_OK) {
            const std::string dealloc = sql::dialect_for("postgresql").deallocate_sql(name_);
            PQclear(PQexec(conn_, dealloc.c_str()));
        }
    }

    bool step() override {
        if (!res_) {
            for (std::size_t i = 0; i < ptrs_.size(); ++i) {
                ptrs_[i] = is_null_[i] ? nullptr : values_[i].c_str();
                lengths_[i] = int(values_[i].size());
            }
            res_ = name_.empty() ? PQexecParams(conn_, sql_.c_str(), nparams_, nullptr, ptrs_.data(),
                                                lengths_.data(), formats_.data(), 0)
                                 : PQexecPrepared(conn_, name_.c_str(), nparams_, ptrs_.data(),
                                                  lengths_.data(), formats_.data(), 0);
            auto st = PQresultStatus(res_);
            if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
                PGresult* r = res_;
                res_ = nullptr;
                Holder h{r};
                raise(conn_, r, sql_);
            }
            rows_ = PQntuples(res_);
            row_ = -1;
        }
        return ++row_ < rows_;
    }
    void reset() override {
        if (res_) PQclear(res_);
        res_ = nullptr;
        row_ = -1;
        rows_ = 0;
    }
    std::int64_t changes() const override {
        const char* n = res_ ? PQcmdTuples(res_) : "";
        return *n ? std::strtoll(n, nullptr, 10) : 0;
    }
    std::int64_t inserted_id() override { return rows_ > 0 ? get_int64_at(0, 0) : 0; }

    // Row
    int columns() const override { return res_ ? PQnfields(res_) : 0; }
    std::string_view column_name(int c) const override { return res_ ? PQfname(res_, c) : ""; }
    bool is_null(int c) const override { return PQgetisnull(res_, row_, c); }
    std::int64_t get_int64(int c) const override { return get_int64_at(row_, c); }
    double get_double(int c) const override { return std::strtod(PQgetvalue(res_, row_, c), nullptr); }
    bool get_bool(int c) const override { return PQgetvalue(res_, row_, c)[0] == 't'; }
    std::string_view get_text(int c) const override {
        return {PQgetvalue(res_, row_, c), std::size_t(PQgetlength(res_, row_, c))};
    }
    Date get_date(int c) const override {
        auto t = get_text(c);
        if (auto d = parse_date(t)) return *d;
        throw OperationalError("malformed date '" + std::string(t) + "' [SQL: " + sql_ + "]");
    }
    DateTime get_datetime(int c) const override {
        auto t = get_text(c);
        if (auto d = parse_datetime(t)) return *d;
        throw OperationalError("malformed timestamp '" + std::string(t) + "' [SQL: " + sql_ + "]");
    }
    Blob get_blob(int c) const override {
        std::size_t n = 0;
        unsigned char* p = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row_, c)), &n);
        Blob b(reinterpret_cast<std::byte*>(p), reinterpret_cast<std::byte*>(p) + n);
        PQfreemem(p);
        return b;
    }
    Value get_value(int c) const override {
        if (is_null(c)) return Value();
        switch (PQftype(res_, c)) {
            case kBool: return Value(get_bool(c));
            case kInt2:
            case kInt4:
            case kInt8: return Value(get_int64(c));
            case kFloat4:
            case kFloat8: return Value(get_double(c));
            case kNumeric: return numeric(get_text(c));
            case kUuid: return Value(Uuid::parse(get_text(c)));
            case kBytea: return Value(get_blob(c));
            case kJson:
            case kJsonb: return Value(JsonText{std::string(get_text(c))});
            default: return Value(std::string(get_text(c)));
        }
    }

    // Binder: text format, except bytea (binary)
    void bind_null(int i) override { is_null_[std::size_t(i)] = true; }
    void bind_bool(int i, bool v) override { set(i, v ? "true" : "false"); }
    void bind_int64(int i, std::int64_t v) override { set(i, std::to_string(v)); }
    void bind_double(int i, double v) override {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        set(i, buf);
    }
    void bind_text(int i, std::string_view v) override { set(i, v); }
    void bind_date(int i, const Date& v) override {
        char buf[10];
        format_date_to(v, buf);
        set(i, std::string_view(buf, 10));
    }
    void bind_datetime(int i, const DateTime& v) override { set(i, format_datetime(v) + "+00:00"); }
    void bind_blob(int i, const Blob& v) override {
        set(i, std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
        formats_[std::size_t(i)] = 1;
    }
    void bind_json(int i, std::string_view text) override { set(i, text); }
    void bind_decimal(int i, const Decimal& v) override { set(i, v.to_string()); }
    void bind_uuid(int i, const Uuid& v) override { set(i, v.to_string()); }

   private:
    struct Holder {
        PGresult* r;
        ~Holder() { PQclear(r); }
    };
    void set(int i, std::string_view v) {
        if (i >= nparams_) throw OperationalError("parameter " + std::to_string(i + 1) + " out of range [SQL: " + sql_ + "]");
        values_[std::size_t(i)].assign(v);
        is_null_[std::size_t(i)] = false;
        formats_[std::size_t(i)] = 0;
    }
    std::int64_t get_int64_at(int r, int c) const {
        const char* v = PQgetvalue(res_, r, c);
        if (v[0] == 't') return 1;  // booleans read as integers
        if (v[0] == 'f') return 0;
        return std::strtoll(v, nullptr, 10);
    }

    PGconn* conn_;
    std::string sql_;
    std::string name_;
    int nparams_ = 0;
    std::vector<std::string> values_;
    std::vector<bool> is_null_;
    std::vector<int> formats_;
    std::vector<const char*> ptrs_;
    std::vector<int> lengths_;
    PGresult* res_ = nullptr;
    int row_ = -1;
    int rows_ = 0;
};

class PgConnection final : public Connection {
   public:
    // Opened with libpq itself: SOCI 4.0.3 splits the conninfo on spaces, so a quoted value
    // with a space in it (application_name='my app', from "my%20app" in a URL) failed.
    PgConnection(const std::string& conninfo, bool prepared) : conn_(PQconnectdb(conninfo.c_str())), prepared_(prepared) {
        if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
            std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
            while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
            PQfinish(conn_);
            throw OperationalError("cannot connect to PostgreSQL '" + mask_url(conninfo) + "': " + why, "08001");
        }
        PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // notices are not errors
        try {
            execute("SET extra_float_digits = 3");  // floats read back exactly (servers before 12)
        } catch (...) {
            PQfinish(conn_);
            throw;
        }
    }
    ~PgConnection() override {
        clear_cache();
        PQfinish(conn_);
    }
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    const sql::Dialect& dialect() const override { return sql::dialect_for("postgresql"); }
    std::unique_ptr<Statement> prepare_uncached(const std::string& sql) override {
        return std::make_unique<PgStatement>(conn_, sql, prepared_ ? "dorm_" + std::to_string(++counter_) : "");
    }
    void execute(const std::string& sql) override {
        PGresult* r = PQexec(conn_, sql.c_str());
        auto st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            std::string copy = sql;
            struct H {
                PGresult* r;
                ~H() { PQclear(r); }
            } h{r};
            raise(conn_, r, copy);
        }
        PQclear(r);
    }
    bool alive() override { return PQstatus(conn_) == CONNECTION_OK; }

   private:
    PGconn* conn_ = nullptr;
    bool prepared_;
    std::uint64_t counter_ = 0;
};

// libpq reads a port with atoi at connect time; checked here it is a ConfigError at once.
void check_ports(std::string_view ports, const std::string& url) {
    while (true) {  // a comma-separated list, one per host
        const auto comma = ports.find(',');
        const std::string_view p = ports.substr(0, comma);
        unsigned n = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
        if (!p.empty() && (ec != std::errc() || end != p.data() + p.size() || n == 0 || n > 65535))
            throw ConfigError("bad database URL '" + mask_url(url) + "': port '" + std::string(p) +
                              "' is not a number from 1 to 65535");
        if (comma == std::string_view::npos) return;
        ports = ports.substr(comma + 1);
    }
}

}  // namespace

std::unique_ptr<Connection> open_postgresql(const std::string& conninfo, bool prepared) {
    return std::make_unique<PgConnection>(conninfo, prepared);
}

void check_postgresql_conninfo(const std::string& conninfo, const std::string& url) {
    char* err = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
    if (!options) {
        std::string why = err ? err : "out of memory";
        PQfreemem(err);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        throw ConfigError("bad database URL '" + mask_url(url) + "': " + why);
    }
    struct Free {
        PQconninfoOption* o;
        ~Free() { PQconninfoFree(o); }
    } freed{options};
    for (const PQconninfoOption* o = options; o->keyword; ++o)
        if (o->val && std::string_view(o->keyword) == "port") check_ports(o->val, url);
}

}  // namespace dorm::detail
