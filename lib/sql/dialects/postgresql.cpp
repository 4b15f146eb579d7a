// PostgreSQL's SQL, as Django emits it: UPPER(...) for the case-insensitive lookups,
// ~ and ~* for regular expressions, EXTRACT for date parts, $n placeholders.
#include "dorm/error.hpp"
#include "dorm/sql/dialect.hpp"

namespace dorm::sql {

namespace {

class PostgresqlDialect final : public Dialect {
   public:
    std::string_view vendor() const override { return "postgresql"; }
    const Features& features() const override {
        static const Features f{.returning = true,
                                .select_for_update = true,
                                .filter_clause = true,
                                .max_params = 65535,
                                .intersect_except_all = true,
                                .server_side_cursors = true,
                                .alter_columns = true,
                                .concurrent_indexes = true,
                                .nulls_sort_high = true};
        return f;
    }
    std::string declare_cursor_sql(const std::string& name, const std::string& select, bool hold) const override {
        return "DECLARE " + quote(name) + " NO SCROLL CURSOR" + (hold ? " WITH HOLD" : "") + " FOR " + select;
    }
    std::string fetch_cursor_sql(const std::string& name, std::size_t n) const override {
        return "FETCH FORWARD " + std::to_string(n) + " FROM " + quote(name);
    }
    std::string close_cursor_sql(const std::string& name) const override { return "CLOSE " + quote(name); }
    void placeholder(std::string& out, std::size_t n) const override {
        out += '$';
        out += std::to_string(n + 1);
    }

    void lookup(std::string& out, std::string_view name, const std::string& lhs,
                const std::string& rhs) const override {
        if (name == "exact") out += lhs + " = " + rhs;
        else if (name == "gt") out += lhs + " > " + rhs;
        else if (name == "gte") out += lhs + " >= " + rhs;
        else if (name == "lt") out += lhs + " < " + rhs;
        else if (name == "lte") out += lhs + " <= " + rhs;
        else if (name == "in") out += lhs + " IN " + rhs;
        else if (name == "range") out += lhs + " BETWEEN " + rhs;
        else if (name == "contains" || name == "startswith" || name == "endswith")
            out += lhs + "::text LIKE " + rhs;
        else if (name == "iexact" || name == "icontains" || name == "istartswith" ||
                 name == "iendswith")
            out += "UPPER(" + lhs + "::text) LIKE UPPER(" + rhs + ")";
        else if (name == "regex") out += lhs + "::text ~ " + rhs;
        else if (name == "iregex") out += lhs + "::text ~* " + rhs;
        else throw FieldError("unsupported lookup '" + std::string(name) + "' on PostgreSQL");
    }

    void transform(std::string& out, std::string_view name, const std::string& lhs,
                   ColumnType type) const override {
        std::string src = type == ColumnType::DateTime ? lhs + " AT TIME ZONE 'UTC'" : lhs;
        auto extract = [&](const char* part) {
            out += "EXTRACT('";
            out += part;
            out += "' FROM " + src + ")";
        };
        if (name == "year" || name == "month" || name == "day" || name == "hour" ||
            name == "minute" || name == "quarter")
            extract(std::string(name).c_str());
        else if (name == "second") {  // EXTRACT keeps the fraction (59.999999); a second is whole
            out += "FLOOR(";
            extract("second");
            out += ')';
        }
        else if (name == "week_day") {
            out += '(';
            extract("dow");
            out += " + 1)";
        } else if (name == "date") out += "(" + src + ")::date";
        else throw FieldError("unsupported transform '" + std::string(name) + "' on PostgreSQL");
    }

    bool function(std::string& out, std::string_view name, const std::vector<std::string>& a,
                  ColumnType) const override {
        if (name == "CONCAT") {  // parameters have no type of their own: cast to text
            out += "CONCAT(";
            for (std::size_t i = 0; i < a.size(); ++i) out += (i ? ", (" : "(") + a[i] + ")::text";
            out += ')';
        } else if (name == "NOW") {
            out += "STATEMENT_TIMESTAMP()";
        } else if (name == "ROUND") {
            out += "ROUND((" + a[0] + ")::numeric, " + a[1] + ")";
        } else if (name == "UPPER" || name == "LOWER" || name == "LENGTH" || name == "TRIM") {
            out += std::string(name) + "((" + a[0] + ")::text)";
        } else {
            return false;
        }
        return true;
    }

    void cast(std::string& out, const std::string& arg, ColumnType target) const override {
        const char* pt = "integer";
        switch (target) {
            case ColumnType::Text: pt = "text"; break;
            case ColumnType::Date: pt = "date"; break;
            case ColumnType::DateTime: pt = "timestamp with time zone"; break;
            case ColumnType::Boolean: pt = "boolean"; break;
            case ColumnType::BigInt: pt = "bigint"; break;
            case ColumnType::Real: pt = "double precision"; break;
            case ColumnType::Decimal: pt = "numeric"; break;
            case ColumnType::Uuid: pt = "uuid"; break;
            default: break;
        }
        out += "(" + arg + ")::" + pt;
    }

    void trunc(std::string& out, std::string_view kind, const std::string& arg,
               ColumnType type) const override {
        // The kind is spelled into the SQL text: only the known ones get there.
        if (kind != "year" && kind != "quarter" && kind != "month" && kind != "week" && kind != "day")
            throw FieldError("unsupported Trunc kind '" + std::string(kind) + "' on PostgreSQL");
        out += "DATE_TRUNC('" + std::string(kind) + "', " + arg + ")";
        if (type == ColumnType::Date) out += "::date";
    }

    std::string column_type(const ColumnDef& c) const override {
        std::string s;
        switch (c.type) {
            case ColumnType::Boolean: s = "boolean"; break;
            case ColumnType::Integer: s = c.auto_increment ? "serial" : "integer"; break;
            case ColumnType::BigInt: s = c.auto_increment ? "bigserial" : "bigint"; break;
            case ColumnType::Real: s = "double precision"; break;
            case ColumnType::Varchar: s = "varchar(" + std::to_string(c.max_length.value_or(255)) + ")"; break;
            case ColumnType::Text: s = "text"; break;
            case ColumnType::Date: s = "date"; break;
            case ColumnType::DateTime: s = "timestamp with time zone"; break;
            case ColumnType::Json: s = "jsonb"; break;
            case ColumnType::Blob: s = "bytea"; break;
            case ColumnType::Decimal:
                s = "numeric(" + std::to_string(c.max_digits.value_or(0)) + ", " +
                    std::to_string(c.decimal_places.value_or(0)) + ")";
                break;
            case ColumnType::Uuid: s = "uuid"; break;
        }
        return s;
    }

    std::string column_definition(const ColumnDef& c) const override {
        std::string s = column_type(c);
        s += c.nullable ? " NULL" : " NOT NULL";
        if (c.primary_key) s += " PRIMARY KEY";
        else if (c.unique) s += " UNIQUE";
        return s;
    }

    // Django's sequence_reset_sql: the sequence named by pg_get_serial_sequence($1, $2).
    std::string sequence_reset_sql(const std::string& table, const std::string& column) const override {
        const std::string col = quote(column);
        return "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(" + col + "), 1), MAX(" + col +
               ") IS NOT NULL) FROM " + quote(table);
    }
    std::string drop_column_sql(const std::string& table, const std::string& column) const override {
        return Dialect::drop_column_sql(table, column) + " CASCADE";
    }
    // Django's _alter_column_type_sql and _alter_column_null_sql.
    std::vector<std::string> alter_column_sql(const std::string& table, const ColumnDef& before,
                                              const ColumnDef& after) const override {
        std::vector<std::string> out;
        const std::string t = "ALTER TABLE " + quote(table) + " ALTER COLUMN " + quote(after.name);
        ColumnDef plain_before = before, plain_after = after;
        plain_before.auto_increment = plain_after.auto_increment = false;
        const std::string type = column_type(plain_after);
        if (column_type(plain_before) != type)
            out.push_back(t + " TYPE " + type + " USING " + quote(after.name) + "::" + type);
        if (before.nullable != after.nullable) out.push_back(t + (after.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
        return out;
    }

    std::size_t max_name_length() const override { return 63; }
    std::string explain_prefix() const override { return "EXPLAIN "; }
    std::string table_exists_sql() const override {
        return "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
               "AND table_name = $1";
    }
    std::string unique_together_sql(const std::string& table, const std::string& name,
                                    const std::string& columns) const override {
        return "ALTER TABLE " + quote(table) + " ADD CONSTRAINT " + quote(name) + " UNIQUE (" +
               columns + ")";
    }
    std::string_view like_index_opclass(ColumnType t) const override {
        if (t == ColumnType::Varchar) return "varchar_pattern_ops";
        if (t == ColumnType::Text) return "text_pattern_ops";
        return {};
    }
    std::string drop_table_sql(const std::string& table) const override {
        return "DROP TABLE IF EXISTS " + quote(table) + " CASCADE";
    }
    std::string references_sql(const std::string& target_table,
                               const std::string& target_column) const override {
        return "REFERENCES " + quote(target_table) + " (" + quote(target_column) +
               ") DEFERRABLE INITIALLY DEFERRED";
    }
    // Datetimes are stored and read as UTC whatever the server's default zone.
    std::vector<std::string> session_setup_sql() const override {
        return {"SET TIME ZONE 'UTC'"};
    }
    std::string deallocate_sql(std::string_view name) const override {
        return "DEALLOCATE " + quote(name);
    }
};

}  // namespace

const Dialect& postgresql_dialect() {
    static const PostgresqlDialect d;
    return d;
}

}  // namespace dorm::sql
