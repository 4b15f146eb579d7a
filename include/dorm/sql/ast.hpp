#pragma once
// The SQL tree: tables, columns, parameters and predicates. It knows nothing of C++ model
// types; the query builder (query.hpp) produces it and the compiler renders it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dorm/value.hpp"

namespace dorm::sql {

/// Storage class of a column, as far as rendering SQL and DDL needs to know.
using ColumnType = dorm::ColumnType;

struct Select;
struct Node;
using Expr = std::shared_ptr<const Node>;

enum class Kind {
    Column,     ///< table.name
    Param,      ///< a bound value
    ParamList,  ///< (?, ?, ...) from args
    Star,       ///< *
    Binary,     ///< args[0] name args[1]  (arithmetic, comparison)
    And,
    Or,
    Not,
    Lookup,     ///< a named lookup (exact, contains, ...) rendered by the dialect
    Transform,  ///< a named transform (year, month, date, ...) rendered by the dialect
    IsNull,     ///< args[0] IS NULL (name == "not": IS NOT NULL)
    Func,       ///< name(args...)
    Cast,       ///< args[0] converted to `type`, in the dialect's spelling
    Trunc,      ///< args[0] (of `type`) truncated to the start of its `name` (year, ..., day)
    Never,      ///< matches no row: the query need not run
    Always,     ///< matches every row
    Subquery,   ///< (SELECT ...)
    Case,       ///< CASE WHEN args[0] THEN args[1] ... ELSE args.back() END
    OuterRef,   ///< a column of the enclosing query, replaced when the subquery is embedded
    Exists,     ///< EXISTS(SELECT ...)
    Window,     ///< args[0] OVER (PARTITION BY args[1..] ORDER BY window_order)
};

struct Node {
    Kind kind;
    std::string name;   ///< column, operator, lookup, transform or function name
    std::string table;  ///< column qualifier (empty: unqualified)
    Value value;        ///< Param
    std::vector<Expr> args;
    std::shared_ptr<const Select> select;  ///< Subquery
    ColumnType type = ColumnType::Text;    ///< Column/Transform/Trunc: what the dialect
                                           ///< renders for; Cast: the target type
    bool aggregate = false;                ///< Func: an aggregate (rows are grouped around it)
    bool distinct = false;                 ///< Func (aggregates): NAME(DISTINCT ...)
    Expr filter;                           ///< Func (aggregates): FILTER (WHERE ...)
    std::vector<std::pair<Expr, bool>> window_order;  ///< Window: ORDER BY terms (desc)
    const std::string* sql_template = nullptr;        ///< Lookup/Transform: registered SQL
};

// Builders: small and cheap, they only allocate the node.
Expr column(std::string table, std::string name, ColumnType type);
Expr param(Value v);
Expr param_list(std::vector<Value> values);
Expr star();
Expr binary(std::string op, Expr lhs, Expr rhs);
Expr and_(std::vector<Expr> parts);  ///< folds Never/Always; one part returns it
Expr or_(std::vector<Expr> parts);
Expr not_(Expr e);
/// A lookup/transform by name: built in (the dialect renders it) or a registered template.
Expr lookup(std::string name, Expr lhs, Expr rhs, const std::string* sql_template = nullptr);
Expr transform(std::string name, Expr lhs, ColumnType type, const std::string* sql_template = nullptr);
Expr is_null(Expr e, bool negated = false);
Expr func(std::string name, std::vector<Expr> args);
/// arg converted to `target` (CAST(arg AS ...) or the vendor's spelling).
Expr cast(Expr arg, ColumnType target);
/// arg truncated to the start of its `kind` (year, quarter, month, week, day); typed as arg.
Expr trunc(std::string kind, Expr arg);
/// A random number per row (ORDER BY ?).
Expr random();
/// A copy of e whose value type is `type`.
Expr typed(const Expr& e, ColumnType type);
/// An aggregate: NAME([DISTINCT] arg) [FILTER (WHERE filter)].
Expr aggregate(std::string name, Expr arg, bool distinct, Expr filter, ColumnType type);
Expr never();
Expr always();
Expr subquery(std::shared_ptr<const Select> s);
Expr case_(std::vector<Expr> when_then_else, ColumnType type);
Expr outer_ref(std::string path);
Expr exists(std::shared_ptr<const Select> s);
/// The tree with every OuterRef replaced by resolve(path) (shared where unchanged).
Expr replace_outer(const Expr& e, const std::function<Expr(const std::string&)>& resolve);
void replace_outer(Select& s, const std::function<Expr(const std::string&)>& resolve);

[[nodiscard]] inline bool is_never(const Expr& e) { return e && e->kind == Kind::Never; }

struct SelectItem {
    Expr expr;
    std::string alias;  ///< empty: none
};

struct OrderBy {
    Expr expr;
    bool descending = false;
};

struct Join {
    std::string table;
    std::string alias;  ///< equal to table unless the table is joined twice
    bool outer = false; ///< LEFT OUTER JOIN
    Expr on;
};

struct Select {
    std::string from;
    std::vector<Join> joins;
    std::shared_ptr<const Select> from_subquery;  ///< FROM (SELECT ...) "subquery" instead
    std::vector<SelectItem> columns;
    /// Used instead of `columns` when set: a list shared by many queries (a model's
    /// columns), which the compiler renders once per dialect and thread, then reuses.
    std::shared_ptr<const std::vector<SelectItem>> shared_columns;
    bool distinct = false;
    Expr where;  ///< null: no WHERE
    std::vector<Expr> group_by;
    Expr having;
    std::vector<OrderBy> order_by;
    std::optional<std::int64_t> limit;
    std::int64_t offset = 0;
    bool for_update = false;
    /// UNION [ALL] / INTERSECT / EXCEPT members, before ORDER BY and LIMIT.
    std::vector<std::pair<std::string, std::shared_ptr<const Select>>> compound;
};

struct Insert {
    std::string table;
    std::vector<std::string> columns;
    std::vector<std::vector<Expr>> rows;  ///< empty rows with no columns: DEFAULT VALUES
    std::string returning;                ///< column to return where the dialect can
};

struct Update {
    std::string table;
    std::vector<std::pair<std::string, Expr>> set;
    Expr where;
};

struct Delete {
    std::string table;
    Expr where;
};

}  // namespace dorm::sql
