#pragma once
// Database functions and conditional expressions (API.md §5): Case/When, Coalesce, Upper,
// Lower, Length, Concat, Substr, Trim, Abs, Round, Greatest, Least, Cast, Now, Trunc, Func.
// Each is a node; the dialect renders the vendor's spelling.

#include <initializer_list>
#include <string>
#include <vector>

#include "dorm/expressions.hpp"
#include "dorm/q.hpp"
#include "dorm/query.hpp"

namespace dorm {

namespace detail {
/// A built-in function (UPPER, COALESCE, ...); throws FieldError for any other name.
Expression function(std::string name, std::vector<Expression> args);
/// Func(name, ...): throws FieldError unless name is an identifier.
Expression user_function(std::string name, std::vector<Expression> args);
/// Throws FieldError unless `name` is a built-in function name (`user`: unless it is an
/// identifier: letters, digits, underscore, not starting with a digit).
void check_function_name(const std::string& name, bool user);
}  // namespace detail

/// Calls any other database function; arguments are bound as parameters. The name must be
/// a plain identifier (letters, digits, underscore), or Func throws FieldError.
template <class... A>
Expression Func(std::string name, const A&... args) {
    return detail::user_function(std::move(name), {Expression(args)...});
}
template <class... A>
Expression Coalesce(const A&... args) { return detail::function("COALESCE", {Expression(args)...}); }
template <class... A>
Expression Concat(const A&... args) { return detail::function("CONCAT", {Expression(args)...}); }
template <class... A>
Expression Greatest(const A&... args) { return detail::function("GREATEST", {Expression(args)...}); }
template <class... A>
Expression Least(const A&... args) { return detail::function("LEAST", {Expression(args)...}); }
inline Expression Upper(const Expression& e) { return detail::function("UPPER", {e}); }
inline Expression Lower(const Expression& e) { return detail::function("LOWER", {e}); }
inline Expression Length(const Expression& e) { return detail::function("LENGTH", {e}); }
inline Expression Trim(const Expression& e) { return detail::function("TRIM", {e}); }
inline Expression Abs(const Expression& e) { return detail::function("ABS", {e}); }
inline Expression Round(const Expression& e, int digits = 0) { return detail::function("ROUND", {e, Expression(digits)}); }
inline Expression Substr(const Expression& e, int pos, int length) {
    return detail::function("SUBSTR", {e, Expression(pos), Expression(length)});
}
inline Expression Now() { return detail::function("NOW", {}); }
/// Cast(x, "text"): types from a fixed list (integer, bigint, real, double, text, date,
/// datetime, boolean); any other throws FieldError.
Expression Cast(const Expression& e, const std::string& type);
/// Trunc("pub_date", "month"): kinds year, quarter, month, week, day (a field path); any
/// other throws FieldError.
Expression Trunc(const std::string& field, const std::string& kind);

namespace detail {
Expression subquery(std::shared_ptr<const Query> q, std::vector<std::string> fields, bool exists);
}
/// A correlated subquery's single value: Subquery(qs.values("headline").slice(0, 1)).
template <class QS>
    requires requires(const QS& qs) { qs.query(); }
Expression Subquery(const QS& qs) {
    return detail::subquery(std::make_shared<const Query>(qs.query()), {}, false);  // values() or the pk
}
/// Whether a (correlated) queryset has any row: filter(Exists(...)).
template <class QS>
    requires requires(const QS& qs) { qs.query(); }
Expression Exists(const QS& qs) {
    return detail::subquery(std::make_shared<const Query>(qs.query()), {}, true);
}

/// Window functions, for Window(...): ranks and distributions over a partition.
inline Expression RowNumber() { return detail::function("ROW_NUMBER", {}); }
inline Expression Rank() { return detail::function("RANK", {}); }
inline Expression DenseRank() { return detail::function("DENSE_RANK", {}); }
inline Expression PercentRank() { return detail::function("PERCENT_RANK", {}); }
inline Expression CumeDist() { return detail::function("CUME_DIST", {}); }
inline Expression NTile(int n) { return detail::function("NTILE", {Expression(n)}); }
inline Expression Lag(const Expression& e, int offset = 1, const Expression& otherwise = Expression(Value())) {
    return detail::function("LAG", {e, Expression(offset), otherwise});
}
inline Expression Lead(const Expression& e, int offset = 1, const Expression& otherwise = Expression(Value())) {
    return detail::function("LEAD", {e, Expression(offset), otherwise});
}
inline Expression FirstValue(const Expression& e) { return detail::function("FIRST_VALUE", {e}); }
inline Expression LastValue(const Expression& e) { return detail::function("LAST_VALUE", {e}); }
inline Expression NthValue(const Expression& e, int n) { return detail::function("NTH_VALUE", {e, Expression(n)}); }

struct WindowOptions {
    std::vector<std::string> partition_by{};  ///< field paths
    std::vector<std::string> order_by{};      ///< field paths, "-" for descending
};
/// fn OVER (PARTITION BY ... ORDER BY ...); any aggregate works as fn too. Filtering on a
/// window annotation wraps the query (Django 3.2 refuses it).
Expression Window(const Expression& fn, WindowOptions options = {});

/// One branch of Case: the value when the condition holds.
struct When {
    When(Q condition, Expression then) : condition(std::move(condition)), then(std::move(then)) {}
    Q condition;
    Expression then;
};
/// CASE WHEN ... THEN ... ELSE otherwise END.
Expression Case(std::initializer_list<When> whens, Expression otherwise = Expression(Value()));

}  // namespace dorm
