#pragma once
// Expressions over a model's fields, before they are resolved to columns: F("rating") * 2.
// The query builder resolves them against a ModelMeta into the SQL tree.

#include <memory>
#include <string>
#include <vector>

#include "dorm/sql/ast.hpp"
#include "dorm/value.hpp"

namespace dorm {

class Q;
class Query;

/// One node of an expression. Names that reach SQL text are checked when the node is built
/// (Func names are identifiers, Cast targets and Trunc kinds come from fixed lists), so a
/// node never carries its kind inside a string.
struct ExpressionNode {
    enum class Kind {
        Field, Literal, Binary, Aggregate, Function, Cast, Trunc, Case, OuterRef, Subquery, Exists, Window
    };
    Kind kind;
    /// Field: the path; Binary: the operator; Aggregate/Function: its name; Trunc: the kind
    /// (year, quarter, month, week, day).
    std::string name;
    Value value;  ///< Literal
    sql::ColumnType cast_to = sql::ColumnType::Text;  ///< Cast: the target type
    bool user_function = false;  ///< Function: Func("name", ...), not a built-in
    std::vector<std::shared_ptr<const ExpressionNode>> args;
    bool distinct = false;           ///< Aggregate: COUNT(DISTINCT ...)
    std::shared_ptr<const Q> filter; ///< Aggregate: only rows matching it (FILTER (WHERE ...))
    std::vector<std::shared_ptr<const Q>> conditions;  ///< Case: one per When, args[i] its result
    std::shared_ptr<const Query> query;              ///< Subquery/Exists
    std::vector<std::string> fields;                 ///< Subquery: values() fields; Window: PARTITION BY
    std::vector<std::string> order;                  ///< Window: ORDER BY ("-rating")
};

struct OrderExpression;

/// Any expression: a field reference, a value, or arithmetic over them.
class Expression {
   public:
    Expression(Value v);
    template <class T>
        requires(std::constructible_from<Value, const T&> && !std::same_as<T, Value>)
    Expression(const T& v) : Expression(Value(v)) {}
    explicit Expression(std::shared_ptr<const ExpressionNode> n) : node_(std::move(n)) {}
    [[nodiscard]] const std::shared_ptr<const ExpressionNode>& node() const { return node_; }
    /// For order_by(): ascending / descending by this expression.
    [[nodiscard]] OrderExpression asc() const;
    [[nodiscard]] OrderExpression desc() const;

   private:
    std::shared_ptr<const ExpressionNode> node_;
};

/// An expression with a direction, for order_by(Length(F("name")).desc()).
struct OrderExpression {
    std::shared_ptr<const ExpressionNode> node;
    bool descending = false;
};

/// In a subquery: a field of the outer query's row, OuterRef("id").
struct OuterRef : Expression {
    explicit OuterRef(std::string path);
};

/// A reference to a field of the row: F("n_comments") + 1.
struct F : Expression {
    explicit F(std::string path);
};

Expression operator+(const Expression& a, const Expression& b);
Expression operator-(const Expression& a, const Expression& b);
Expression operator*(const Expression& a, const Expression& b);
Expression operator/(const Expression& a, const Expression& b);

}  // namespace dorm
