#include "dorm/expressions.hpp"

#include "dorm/aggregates.hpp"
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

namespace detail {
Expression function(std::string name, std::vector<Expression> args) {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Function;
    n->name = std::move(name);
    for (auto& a : args) n->args.push_back(a.node());
    return Expression(std::move(n));
}
}  // namespace detail

Expression Cast(const Expression& e, const std::string& type) {
    return detail::function("CAST:" + type, {e});
}

Expression Trunc(const std::string& field, const std::string& kind) {
    return detail::function("TRUNC:" + kind, {F(field)});
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
