#include "dorm/expressions.hpp"

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

Expression operator+(const Expression& a, const Expression& b) { return binary("+", a, b); }
Expression operator-(const Expression& a, const Expression& b) { return binary("-", a, b); }
Expression operator*(const Expression& a, const Expression& b) { return binary("*", a, b); }
Expression operator/(const Expression& a, const Expression& b) { return binary("/", a, b); }

}  // namespace dorm
