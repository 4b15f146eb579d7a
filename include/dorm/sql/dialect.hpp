#pragma once
// What differs between database vendors, and nothing else: quoting, placeholders, lookup
// and transform SQL, column types. Generic code asks features(); vendor text lives only in
// lib/sql/dialects/.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dorm/sql/ast.hpp"

namespace dorm::sql {

struct Features {
    bool returning = false;             ///< INSERT ... RETURNING
    bool select_for_update = false;
    bool filter_clause = false;         ///< aggregate FILTER (WHERE ...)
    std::size_t max_params = 999;       ///< bound parameters per statement
    bool intersect_except_all = false;  ///< INTERSECT ALL / EXCEPT ALL
    bool server_side_cursors = false;   ///< DECLARE ... CURSOR / FETCH (iterator() streams by chunks)
    bool alter_columns = false;         ///< ALTER COLUMN TYPE / NULL; else migrations rebuild the table
    bool concurrent_indexes = false;    ///< CREATE INDEX CONCURRENTLY (outside a transaction)
    bool nulls_sort_high = false;       ///< NULL after every value in ascending order (keyset pages)
};

/// Everything the DDL renderer needs of one column.
struct ColumnDef {
    std::string name;
    ColumnType type = ColumnType::Text;
    std::optional<std::size_t> max_length;
    std::optional<int> max_digits, decimal_places;  ///< Decimal
    bool nullable = false;
    bool primary_key = false;
    bool auto_increment = false;
    bool unique = false;
};

class Dialect {
   public:
    virtual ~Dialect() = default;
    [[nodiscard]] virtual std::string_view vendor() const = 0;
    [[nodiscard]] virtual const Features& features() const = 0;

    /// Quotes an identifier ("name", doubling embedded quotes).
    [[nodiscard]] std::string quote(std::string_view ident) const {
        std::string out;
        quote_to(out, ident);
        return out;
    }
    /// Appends the quoted identifier to out (the compiler's path: no temporary string).
    virtual void quote_to(std::string& out, std::string_view ident) const;
    /// The n-th (0-based) parameter placeholder.
    virtual void placeholder(std::string& out, std::size_t n) const = 0;

    /// Renders `lhs <lookup> rhs` for a named lookup (exact, iexact, contains, ...).
    virtual void lookup(std::string& out, std::string_view name, const std::string& lhs,
                        const std::string& rhs) const = 0;
    /// The parameter a pattern lookup binds: "%abc%" for contains, with escapes.
    [[nodiscard]] virtual Value lookup_value(std::string_view name, const Value& v) const;
    /// A transform of a date/datetime column: year, month, day, week_day, quarter, hour,
    /// minute, second, date.
    virtual void transform(std::string& out, std::string_view name, const std::string& lhs,
                           ColumnType type) const = 0;

    /// Appends LIMIT/OFFSET (numbers the query builder computed, never user text).
    virtual void limit_offset(std::string& out, std::optional<std::int64_t> limit,
                              std::int64_t offset) const;

    /// Renders a function whose spelling differs by vendor (GREATEST, CONCAT, NOW, ...);
    /// false: the generic NAME(args) applies.
    virtual bool function(std::string& out, std::string_view name, const std::vector<std::string>& args,
                          ColumnType type) const = 0;
    /// Renders `arg` converted to `target` (Cast(x, "text")).
    virtual void cast(std::string& out, const std::string& arg, ColumnType target) const = 0;
    /// Renders `arg` (a Date or DateTime `type`) truncated to the start of its `kind`: year,
    /// quarter, month, week (Monday) or day; throws FieldError for any other kind.
    virtual void trunc(std::string& out, std::string_view kind, const std::string& arg,
                       ColumnType type) const = 0;

    /// The column's definition in CREATE TABLE (without the name).
    [[nodiscard]] virtual std::string column_definition(const ColumnDef& c) const = 0;
    /// The type alone: `varchar(32)`, `numeric(10, 2)`, `bigserial`.
    [[nodiscard]] virtual std::string column_type(const ColumnDef& c) const = 0;
    /// ALTER statements changing a column's type and nullability (features().alter_columns).
    [[nodiscard]] virtual std::vector<std::string> alter_column_sql(const std::string& /*table*/, const ColumnDef& /*before*/,
                                                                    const ColumnDef& /*after*/) const {
        return {};
    }
    [[nodiscard]] virtual std::string drop_column_sql(const std::string& table, const std::string& column) const {
        return "ALTER TABLE " + quote(table) + " DROP COLUMN " + quote(column);
    }
    /// Moves an auto-increment key's sequence past the table's largest key, with two
    /// parameters: the quoted table and the column ("" when keys need no such care).
    [[nodiscard]] virtual std::string sequence_reset_sql(const std::string& /*table*/, const std::string& /*column*/) const {
        return {};
    }
    /// Run around a migration's transaction (before BEGIN, after COMMIT or ROLLBACK).
    [[nodiscard]] virtual std::vector<std::string> schema_change_begin_sql() const { return {}; }
    [[nodiscard]] virtual std::vector<std::string> schema_change_end_sql() const { return {}; }
    /// Rows it returns are foreign keys left pointing nowhere ("" when checked by the server).
    [[nodiscard]] virtual std::string foreign_key_check_sql() const { return {}; }
    /// A value written into DDL (CHECK constraints, partial index conditions), as Django's
    /// schema editor quotes it: only values from the program's own model declarations.
    virtual void literal(std::string& out, const Value& v) const;
    /// Longest identifier (index names are cut to it as Django cuts them).
    [[nodiscard]] virtual std::size_t max_name_length() const = 0;
    /// What precedes a SELECT to get its plan.
    [[nodiscard]] virtual std::string explain_prefix() const = 0;
    /// A query with one parameter (the table name) that returns a row if the table exists.
    [[nodiscard]] virtual std::string table_exists_sql() const = 0;
    /// unique_together: a unique index (SQLite) or a table constraint (PostgreSQL).
    [[nodiscard]] virtual std::string unique_together_sql(const std::string& table,
                                                          const std::string& name,
                                                          const std::string& columns) const {
        return "CREATE UNIQUE INDEX " + quote(name) + " ON " + quote(table) + " (" + columns + ")";
    }
    /// Foreign keys inline in CREATE TABLE (SQLite) rather than as ALTER TABLE constraints.
    [[nodiscard]] virtual bool inline_references() const { return false; }
    /// The operator class of the extra index that LIKE 'x%' can use ("" when none is needed).
    [[nodiscard]] virtual std::string_view like_index_opclass(ColumnType) const { return {}; }
    [[nodiscard]] virtual std::string drop_table_sql(const std::string& table) const {
        return "DROP TABLE IF EXISTS " + quote(table);
    }
    /// Server-side cursors (features().server_side_cursors): declare one for a SELECT
    /// (`hold`: it outlives the transaction), fetch the next n rows, close it.
    [[nodiscard]] virtual std::string declare_cursor_sql(const std::string& /*name*/, const std::string& /*select*/,
                                                         bool /*hold*/) const {
        return {};
    }
    [[nodiscard]] virtual std::string fetch_cursor_sql(const std::string& /*name*/, std::size_t /*n*/) const { return {}; }
    [[nodiscard]] virtual std::string close_cursor_sql(const std::string& /*name*/) const { return {}; }
    /// The REFERENCES clause of a foreign-key column, checked at commit as Django's are:
    /// `REFERENCES "author" ("id") DEFERRABLE INITIALLY DEFERRED`.
    [[nodiscard]] virtual std::string references_sql(const std::string& target_table,
                                                     const std::string& target_column) const = 0;
    /// A foreign key added after CREATE TABLE (dialects without inline_references()):
    /// `ALTER TABLE "t" ADD CONSTRAINT "name" FOREIGN KEY ("col") REFERENCES ...`.
    [[nodiscard]] virtual std::string foreign_key_constraint_sql(
        const std::string& table, const std::string& name, const std::string& column,
        const std::string& target_table, const std::string& target_column) const {
        return "ALTER TABLE " + quote(table) + " ADD CONSTRAINT " + quote(name) +
               " FOREIGN KEY (" + quote(column) + ") " + references_sql(target_table, target_column);
    }

    /// Statements run once on every new connection, before anything else (session settings).
    [[nodiscard]] virtual std::vector<std::string> session_setup_sql() const { return {}; }
    /// The statement that opens the outermost transaction of an atomic block.
    [[nodiscard]] virtual std::string begin_sql() const { return "BEGIN"; }
    /// Frees a server-side prepared statement by name ("" when statements are client-side).
    [[nodiscard]] virtual std::string deallocate_sql(std::string_view) const { return {}; }
};

/// The dialect for a vendor name ("sqlite", "postgresql"); throws ConfigError otherwise.
const Dialect& dialect_for(std::string_view vendor);

/// Escapes LIKE wildcards (% _ \) with a backslash.
std::string escape_like(std::string_view s);

}  // namespace dorm::sql
