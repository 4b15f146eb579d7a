#pragma once
// Filter arguments: Operand (the right side of a lookup) and Q (lookups combined with
// & | ~). Plain data; resolved against a model by the query builder.

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "dorm/expressions.hpp"
#include "dorm/value.hpp"

namespace dorm {

class Query;

/// The right side of a lookup: a value, a list of values, an expression or a subquery.
class Operand {
   public:
    enum class Kind { Value, List, Expression, Subquery };

    /// `{}`: the empty list (so filter("id__in", {}) matches nothing).
    Operand() : kind_(Kind::List) {}
    template <class T>
        requires std::constructible_from<Value, const T&>
    Operand(const T& v) : kind_(Kind::Value), value_(v) {}
    Operand(std::initializer_list<Value> list) : kind_(Kind::List), list_(list) {}
    template <class T>
        requires(!std::same_as<T, std::byte>)
    Operand(const std::vector<T>& list) : kind_(Kind::List) {
        list_.reserve(list.size());
        for (const auto& x : list) list_.emplace_back(x);
    }
    Operand(const Expression& e) : kind_(Kind::Expression), expr_(e.node()) {}
    Operand(const F& e) : kind_(Kind::Expression), expr_(e.node()) {}
    /// A subquery (`blog__in` with a QuerySet).
    explicit Operand(std::shared_ptr<const Query> q) : kind_(Kind::Subquery), query_(std::move(q)) {}
    template <class QS>
        requires requires(const QS& qs) {
            { qs.query() } -> std::convertible_to<const Query&>;
        }
    Operand(const QS& qs) : Operand(std::make_shared<const Query>(qs.query())) {}
    // Out of line (lib/q.cpp): every filter() would otherwise compile them again.
    Operand(const Operand&);
    Operand(Operand&&) noexcept;
    Operand& operator=(const Operand&);
    Operand& operator=(Operand&&) noexcept;
    ~Operand();

    [[nodiscard]] Kind kind() const { return kind_; }
    [[nodiscard]] const Value& value() const { return value_; }
    [[nodiscard]] const std::vector<Value>& list() const { return list_; }
    [[nodiscard]] const std::shared_ptr<const ExpressionNode>& expression() const { return expr_; }
    [[nodiscard]] const std::shared_ptr<const Query>& query() const { return query_; }

   private:
    Kind kind_;
    Value value_;
    std::vector<Value> list_;
    std::shared_ptr<const ExpressionNode> expr_;
    std::shared_ptr<const Query> query_;
};

/// Lookups combined with & (AND), | (OR) and ~ (NOT), as Django's Q.
class Q {
   public:
    enum class Kind { Leaf, And, Or };

    Q() : kind_(Kind::And) {}  ///< matches everything
    Q(std::string path, Operand value);
    Q(const Q&);
    Q(Q&&) noexcept;
    Q& operator=(const Q&);
    Q& operator=(Q&&) noexcept;
    ~Q();

    [[nodiscard]] Q operator&(const Q& other) const { return combine(Kind::And, other); }
    [[nodiscard]] Q operator|(const Q& other) const { return combine(Kind::Or, other); }
    /// NOT this. ~~q stays two negations, as in Django: a to-many condition under any
    /// negation is a subquery per parent (split_exclude), also when the negations cancel.
    [[nodiscard]] Q operator~() const;

    [[nodiscard]] Kind kind() const { return kind_; }
    [[nodiscard]] bool negated() const { return negated_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const Operand& value() const { return value_; }
    [[nodiscard]] const std::vector<Q>& children() const { return children_; }

   private:
    [[nodiscard]] Q combine(Kind k, const Q& other) const;

    Kind kind_;
    bool negated_ = false;
    std::string path_;
    Operand value_;
    std::vector<Q> children_;
};

/// One `{"field", value_or_expression}` of update().
struct Assignment {
    Assignment(std::string f, Operand v);
    Assignment(const Assignment&);
    Assignment(Assignment&&) noexcept;
    Assignment& operator=(const Assignment&);
    Assignment& operator=(Assignment&&) noexcept;
    ~Assignment();
    std::string field;
    Operand value;
};

}  // namespace dorm
