#include "dorm/expressions.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string_view>

#include "dorm/aggregates.hpp"
#include "dorm/error.hpp"
#include "dorm/functions.hpp"

namespace dorm {

namespace {
Expression binary(const char* op, const Expression& a, const Expression& b) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Binary;
    n->name = op;
    n->args = {a.node(), b.node()};
    return Expression(std::move(n));
}
}  // namespace

Expression::Expression(Value v) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Literal;
    n->value = std::move(v);
    node_ = std::move(n);
}

F::F(std::string path) : Expression(std::shared_ptr<const ExpressionNode>()) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Field;
    n->name = std::move(path);
    *static_cast<Expression*>(this) = Expression(std::move(n));
}

Aggregate::Aggregate(std::string function, std::string path, AggregateOptions options)
    : Expression(std::shared_ptr<const ExpressionNode>()) {
    if (path == "*" && function != "COUNT")  // as Django: only Count takes '*', and not distinct
        throw FieldError(function + "('*'): only Count takes '*'");
    if (path == "*" && options.distinct) throw FieldError("Count('*', distinct): star cannot be used with distinct");
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Aggregate;
    n->name = function;
    n->distinct = options.distinct;
    if (options.filter) n->filter = std::make_shared<const Q>(*options.filter);
    auto field = std::make_shared<ExpressionNode>();
    field->kind = ExpressionNode::Kind::Field;
    field->name = path;
    n->args.push_back(std::move(field));
    static const std::pair<const char*, const char*> short_names[] = {
        {"COUNT", "count"}, {"SUM", "sum"}, {"AVG", "avg"}, {"MIN", "min"},
        {"MAX", "max"}, {"STDDEV_POP", "stddev"}, {"VAR_POP", "variance"}};
    for (auto [sql_name, short_name] : short_names)
        if (function == sql_name) default_name_ = path + "__" + short_name;
    *static_cast<Expression*>(this) = Expression(std::move(n));
}

OuterRef::OuterRef(std::string path) : Expression(std::shared_ptr<const ExpressionNode>()) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::OuterRef;
    n->name = std::move(path);
    *static_cast<Expression*>(this) = Expression(std::move(n));
}

namespace detail {
Expression subquery(std::shared_ptr<const Query> q, std::vector<std::string> fields, bool exists) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = exists ? ExpressionNode::Kind::Exists : ExpressionNode::Kind::Subquery;
    n->query = std::move(q);
    n->fields = std::move(fields);
    return Expression(std::move(n));
}
}  // namespace detail

OrderExpression Expression::asc() const { return {node_, false}; }
OrderExpression Expression::desc() const { return {node_, true}; }

// Names that reach SQL text are checked here, when the expression is built, never quoted
// blindly: Func names must be identifiers, Cast types and Trunc kinds come from fixed lists
// (Django's CVEs of 2021-22 were such strings).
namespace detail {
void check_function_name(const std::string& name, bool user) {
    if (user) {
        bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
        for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
        if (!ok) throw FieldError("Func('" + name + "'): not a valid SQL function name (letters, digits, _)");
        return;
    }
    static constexpr std::string_view builtin[] = {
        "COALESCE", "CONCAT", "GREATEST", "LEAST", "UPPER", "LOWER", "LENGTH", "TRIM", "ABS", "ROUND",
        "SUBSTR", "NOW", "ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE",
        "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE"};
    if (std::find(std::begin(builtin), std::end(builtin), name) == std::end(builtin))
        throw FieldError("unknown function '" + name + "'");
}

namespace {
Expression make_function(std::string name, std::vector<Expression> args, bool user) {
    check_function_name(name, user);
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Function;
    n->name = std::move(name);
    n->user_function = user;
    for (auto& a : args) n->args.push_back(a.node());
    return Expression(std::move(n));
}
}  // namespace

Expression function(std::string name, std::vector<Expression> args) {
    return make_function(std::move(name), std::move(args), false);
}
Expression user_function(std::string name, std::vector<Expression> args) {
    return make_function(std::move(name), std::move(args), true);
}
}  // namespace detail

Expression Cast(const Expression& e, const std::string& type) {
    static const std::pair<std::string_view, sql::ColumnType> types[] = {
        {"integer", sql::ColumnType::Integer}, {"bigint", sql::ColumnType::BigInt},
        {"real", sql::ColumnType::Real},     {"double", sql::ColumnType::Real},
        {"text", sql::ColumnType::Text},       {"date", sql::ColumnType::Date},
        {"datetime", sql::ColumnType::DateTime}, {"boolean", sql::ColumnType::Boolean}};
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Cast;
    n->args.push_back(e.node());
    for (const auto& [name, t] : types)
        if (name == type) {
            n->cast_to = t;
            return Expression(std::move(n));
        }
    throw FieldError("Cast type '" + type +
                     "' is not one of integer, bigint, real, double, text, date, datetime, boolean");
}

Expression Trunc(const std::string& field, const std::string& kind) {
    static constexpr std::string_view kinds[] = {"year", "quarter", "month", "week", "day"};
    if (std::find(std::begin(kinds), std::end(kinds), kind) == std::end(kinds))
        throw FieldError("Trunc kind '" + kind + "' is not one of year, quarter, month, week, day");
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Trunc;
    n->name = kind;
    n->args.push_back(F(field).node());
    return Expression(std::move(n));
}

Expression Window(const Expression& fn, WindowOptions options) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Window;
    n->args.push_back(fn.node());
    n->fields = std::move(options.partition_by);
    n->order = std::move(options.order_by);
    return Expression(std::move(n));
}

Expression Case(std::initializer_list<When> whens, Expression otherwise) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Case;
    for (const When& w : whens) {
        n->conditions.push_back(std::make_shared<const Q>(w.condition));
        n->args.push_back(w.then.node());
    }
    n->args.push_back(otherwise.node());
    return Expression(std::move(n));
}

Expression operator+(const Expression& a, const Expression& b) { return binary("+", a, b); }
Expression operator-(const Expression& a, const Expression& b) { return binary("-", a, b); }
Expression operator*(const Expression& a, const Expression& b) { return binary("*", a, b); }
Expression operator/(const Expression& a, const Expression& b) { return binary("/", a, b); }

}  // namespace dorm
