#pragma once
// Reading a live database's schema (Django's connection.introspection): its tables, their
// columns, foreign keys, indexes and checks, and C++ model code for them (inspectdb). It
// knows the database only through its catalog; it must not know models, migration state or
// how schemas are compared (migrate --check and squashmigrations do that with what it reads).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dorm/value.hpp"

namespace dorm {

/// One column as the database holds it.
struct ColumnInfo {
    std::string name;
    /// dorm's column kind for db_type: the reverse of the dialects' column types (SQLite's
    /// char(32) is a Uuid, its text with a JSON_VALID check a Json; an unknown type is Text).
    ColumnType type = ColumnType::Text;
    /// The type as DDL spells it, lower case, in the spelling dorm's dialect writes:
    /// "varchar(32)", "numeric(10, 2)", "bigint", "timestamp with time zone" (PostgreSQL's
    /// serial/bigserial read back as integer/bigint with auto_increment).
    std::string db_type;
    bool nullable = true;
    bool primary_key = false;
    /// The database assigns it: SQLite's INTEGER PRIMARY KEY (rowid, with or without
    /// AUTOINCREMENT), PostgreSQL's nextval() default or identity column.
    bool auto_increment = false;
    /// A single-column unique constraint or unique index (not partial, not the primary key).
    bool unique = false;
    std::optional<std::size_t> max_length;          ///< varchar(n) (char(n) unless a Uuid)
    std::optional<int> max_digits, decimal_places;  ///< numeric(p, s); SQLite's decimal has none
};

/// A single-column foreign key.
struct ForeignKeyInfo {
    std::string column, target_table, target_column;
};

/// An index, a unique constraint or the primary key.
struct IndexInfo {
    /// The database's name; SQLite's primary key is "__primary__" (as Django names it), a
    /// named UNIQUE table constraint on SQLite its CONSTRAINT name.
    std::string name;
    std::vector<std::string> columns;  ///< in index order, "-col" for descending
    bool unique = false;
    bool primary_key = false;
    std::string condition;  ///< a partial index's WHERE text, "" if none
};

/// A named table CHECK constraint (SQLite's JSON_VALID column checks are the Json type).
struct CheckInfo {
    std::string name;  ///< "" for an unnamed check on SQLite
    std::string sql;   ///< the condition inside CHECK (...), as the database keeps it
};

struct TableInfo {
    std::string name;
    std::vector<ColumnInfo> columns;           ///< in table order
    std::vector<ForeignKeyInfo> foreign_keys;  ///< in column order
    std::vector<IndexInfo> indexes;            ///< by name; unique constraints and the pk too
    std::vector<CheckInfo> checks;             ///< by name
};

/// The user tables of an alias, sorted; no sqlite_* internals, no views.
/// ```
/// for (const auto& t : dorm::table_names()) std::cout << t << "\n";
/// ```
[[nodiscard]] std::vector<std::string> table_names(const std::string& alias = "default");

/// Columns, foreign keys, indexes and checks of one table; OperationalError when it does not
/// exist.
/// ```
/// dorm::TableInfo t = dorm::describe_table("blog_entry");
/// t.columns[0].db_type;   // "integer"
/// ```
[[nodiscard]] TableInfo describe_table(const std::string& table, const std::string& alias = "default");

/// C++ model code for these tables (every table but dorm_migrations when empty), as Django's
/// inspectdb writes Python: a header in namespace `inspected`, one struct per table
/// (blog_entry -> BlogEntry) declared after the tables it refers to, and an
/// `inspected::register_models()` that registers them in that order. Foreign keys become
/// `dorm::ForeignKey<Target>` with `.on_delete(dorm::DoNothing)`; nullability, uniqueness,
/// max_length, indexes and unique constraints are kept; what dorm cannot declare from the
/// catalog alone (partial indexes, checks, keys to tables not inspected, cycles) is a comment.
/// ```
/// std::ofstream("models.hpp") << dorm::inspectdb({"blog_entry", "blog_blog"});
/// ```
[[nodiscard]] std::string inspectdb(const std::vector<std::string>& tables = {},
                                    const std::string& alias = "default");

}  // namespace dorm
