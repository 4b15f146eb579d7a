// SQLite's SQL: Django's operators, except that contains/startswith/endswith use GLOB so
// that they are case-sensitive as on every other backend.
#include "dorm/error.hpp"
#include "dorm/sql/dialect.hpp"

namespace dorm::sql {

namespace {

// GLOB has no escape character: a special character is matched by a one-letter class.
std::string escape_glob(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[') {
            out += '[';
            out += c;
            out += ']';
        } else {
            out += c;
        }
    }
    return out;
}

class SqliteDialect final : public Dialect {
   public:
    std::string_view vendor() const override { return "sqlite"; }
    const Features& features() const override {
        static const Features f{.returning = false,
                                .select_for_update = false,
                                .filter_clause = true,
                                .max_params = 999};
        return f;
    }
    void placeholder(std::string& out, std::size_t) const override { out += '?'; }

    void limit_offset(std::string& out, std::optional<std::int64_t> limit,
                      std::int64_t offset) const override {
        out += " LIMIT " + std::to_string(limit ? *limit : -1);
        if (offset) out += " OFFSET " + std::to_string(offset);
    }

    Value lookup_value(std::string_view name, const Value& v) const override {
        if (!v.is<std::string>()) return Dialect::lookup_value(name, v);
        const std::string& s = v.get<std::string>();
        const bool lead = name == "contains" || name == "endswith";
        const bool trail = name == "contains" || name == "startswith";
        if (!lead && !trail) return Dialect::lookup_value(name, v);
        std::string pattern;
        if (lead) pattern += '*';
        pattern += escape_glob(s);
        if (trail) pattern += '*';
        return pattern;
    }

    void lookup(std::string& out, std::string_view name, const std::string& lhs,
                const std::string& rhs) const override {
        out += lhs;
        if (name == "exact") out += " = " + rhs;
        else if (name == "gt") out += " > " + rhs;
        else if (name == "gte") out += " >= " + rhs;
        else if (name == "lt") out += " < " + rhs;
        else if (name == "lte") out += " <= " + rhs;
        else if (name == "in") out += " IN " + rhs;
        else if (name == "range") out += " BETWEEN " + rhs;
        else if (name == "contains" || name == "startswith" || name == "endswith")
            out += " GLOB " + rhs;
        else if (name == "iexact" || name == "icontains" || name == "istartswith" ||
                 name == "iendswith")
            out += " LIKE " + rhs + " ESCAPE '\\'";
        else if (name == "regex") out += " REGEXP " + rhs;
        else if (name == "iregex") out += " REGEXP '(?i)' || " + rhs;
        else throw FieldError("unsupported lookup '" + std::string(name) + "' on SQLite");
    }

    void transform(std::string& out, std::string_view name, const std::string& lhs,
                   ColumnType) const override {
        auto part = [&](const char* fmt) {
            out += "CAST(strftime('";
            out += fmt;
            out += "', " + lhs + ") AS INTEGER)";
        };
        if (name == "year") part("%Y");
        else if (name == "month") part("%m");
        else if (name == "day") part("%d");
        else if (name == "hour") part("%H");
        else if (name == "minute") part("%M");
        else if (name == "second") part("%S");
        else if (name == "week_day") {
            out += '(';
            part("%w");
            out += " + 1)";
        } else if (name == "quarter") {
            out += "((";
            part("%m");
            out += " + 2) / 3)";
        } else if (name == "date") out += "date(" + lhs + ")";
        else throw FieldError("unsupported transform '" + std::string(name) + "' on SQLite");
    }

    bool function(std::string& out, std::string_view name, const std::vector<std::string>& a,
                  ColumnType) const override {
        auto join = [&](const char* sep, const char* wrap_l, const char* wrap_r) {
            for (std::size_t i = 0; i < a.size(); ++i) out += (i ? sep : "") + std::string(wrap_l) + a[i] + wrap_r;
        };
        if (name == "GREATEST" || name == "LEAST") {
            out += name == "GREATEST" ? "MAX(" : "MIN(";
            join(", ", "", "");
            out += ')';
        } else if (name == "CONCAT") {  // Django's ConcatPair: NULL parts count as ''
            out += '(';
            join(" || ", "COALESCE(", ", '')");
            out += ')';
        } else if (name == "NOW") {
            out += "CURRENT_TIMESTAMP";
        } else {
            return false;
        }
        return true;
    }

    void cast(std::string& out, const std::string& arg, ColumnType target) const override {
        if (target == ColumnType::Date) out += "date(" + arg + ")";
        else if (target == ColumnType::DateTime) out += "datetime(" + arg + ")";
        else {
            const char* st = target == ColumnType::Text || target == ColumnType::Varchar || target == ColumnType::Uuid
                                 ? "TEXT"
                             : target == ColumnType::Real    ? "REAL"
                             : target == ColumnType::Decimal ? "NUMERIC"
                                                             : "INTEGER";
            out += "CAST(" + arg + " AS " + st + ")";
        }
    }

    void trunc(std::string& out, std::string_view kind, const std::string& arg,
               ColumnType type) const override {
        const std::string fn = type == ColumnType::DateTime ? "datetime(" : "date(";
        if (kind == "year") out += fn + arg + ", 'start of year')";
        else if (kind == "month") out += fn + arg + ", 'start of month')";
        else if (kind == "day") out += fn + arg + ", 'start of day')";
        else if (kind == "week") out += fn + arg + ", 'weekday 0', '-6 days', 'start of day')";
        else if (kind == "quarter")
            out += fn + arg + ", 'start of year', '+' || ((CAST(strftime('%m', " + arg +
                   ") AS INTEGER) - 1) / 3 * 3) || ' months')";
        else throw FieldError("unsupported Trunc kind '" + std::string(kind) + "' on SQLite");
    }

    std::string column_type(const ColumnDef& c) const override {
        std::string s;
        switch (c.type) {
            case ColumnType::Boolean: s = "bool"; break;
            case ColumnType::Integer: s = "integer"; break;
            case ColumnType::BigInt: s = c.auto_increment ? "integer" : "bigint"; break;
            case ColumnType::Real: s = "real"; break;
            case ColumnType::Varchar: s = "varchar(" + std::to_string(c.max_length.value_or(255)) + ")"; break;
            case ColumnType::Text: s = "text"; break;
            case ColumnType::Date: s = "date"; break;
            case ColumnType::DateTime: s = "datetime"; break;
            case ColumnType::Json: s = "text"; break;
            case ColumnType::Blob: s = "BLOB"; break;
            case ColumnType::Decimal: s = "decimal"; break;
            case ColumnType::Uuid: s = "char(32)"; break;
        }
        return s;
    }

    std::string column_definition(const ColumnDef& c) const override {
        std::string s = column_type(c);
        s += c.nullable ? " NULL" : " NOT NULL";
        if (c.primary_key) {
            s += " PRIMARY KEY";
            if (c.auto_increment) s += " AUTOINCREMENT";
        } else if (c.unique) {
            s += " UNIQUE";
        }
        if (c.type == ColumnType::Json)
            s += " CHECK ((JSON_VALID(" + quote(c.name) + ") OR " + quote(c.name) + " IS NULL))";
        return s;
    }

    // As Django's SQLite schema editor: booleans as 1/0, a decimal field's value as text
    // (what the column's affinity turns into a number), UUIDs as their hex.
    void literal(std::string& out, const Value& v) const override {
        if (v.is<bool>()) out += v.get<bool>() ? "1" : "0";
        else if (v.is<Decimal>()) Dialect::literal(out, Value(v.get<Decimal>().to_string()));
        else if (v.is<Uuid>()) Dialect::literal(out, Value(v.get<Uuid>().hex()));
        else Dialect::literal(out, v);
    }

    // Table rebuilds copy rows between tables that reference each other: foreign keys are
    // off around a schema change (outside its transaction, where SQLite honours it) and
    // checked before it commits, as Django's schema editor does.
    std::vector<std::string> schema_change_begin_sql() const override { return {"PRAGMA foreign_keys = OFF"}; }
    std::vector<std::string> schema_change_end_sql() const override { return {"PRAGMA foreign_keys = ON"}; }
    std::string foreign_key_check_sql() const override { return "PRAGMA foreign_key_check"; }

    std::size_t max_name_length() const override { return 200; }
    std::string explain_prefix() const override { return "EXPLAIN QUERY PLAN "; }
    bool inline_references() const override { return true; }
    std::string table_exists_sql() const override {
        return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
    }
    std::string references_sql(const std::string& target_table,
                               const std::string& target_column) const override {
        return "REFERENCES " + quote(target_table) + " (" + quote(target_column) +
               ") DEFERRABLE INITIALLY DEFERRED";
    }
    // SQLite leaves foreign keys unchecked unless each connection asks for them.
    std::vector<std::string> session_setup_sql() const override {
        return {"PRAGMA foreign_keys = ON"};
    }
    // IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy timeout
    // instead of deadlocking when both try to upgrade a read lock.
    std::string begin_sql() const override { return "BEGIN IMMEDIATE"; }
};

}  // namespace

const Dialect& sqlite_dialect() {
    static const SqliteDialect d;
    return d;
}

}  // namespace dorm::sql
