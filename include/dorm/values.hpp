#pragma once
// values(): rows as JSON objects, still a chainable queryset until evaluated (API.md §5).

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "dorm/aggregates.hpp"
#include "dorm/expressions.hpp"
#include "dorm/json.hpp"
#include "dorm/query.hpp"

namespace dorm {

namespace detail {
template <class... Ts, std::size_t... I>
std::tuple<Ts...> row_tuple(const std::vector<Value>& r, std::index_sequence<I...>) {
    return std::tuple<Ts...>(value_as<Ts>(r[I])...);
}
/// values_list<Ts...>(): rows of Values as a vector of T (one type) or of tuples.
template <class... Ts>
auto typed_rows(const std::vector<std::vector<Value>>& rows) {
    if constexpr (sizeof...(Ts) == 1) {
        using V = std::tuple_element_t<0, std::tuple<Ts...>>;
        std::vector<V> out;
        out.reserve(rows.size());
        for (const auto& r : rows) out.push_back(value_as<V>(r[0]));
        return out;
    } else {
        std::vector<std::tuple<Ts...>> out;
        out.reserve(rows.size());
        for (const auto& r : rows) out.push_back(row_tuple<Ts...>(r, std::index_sequence_for<Ts...>{}));
        return out;
    }
}
}  // namespace detail

class ValuesQuerySet {
   public:
    ValuesQuerySet(Query q, std::vector<std::string> fields);

    [[nodiscard]] ValuesQuerySet filter(std::string_view path, Operand v) const;
    [[nodiscard]] ValuesQuerySet filter(const Q& q) const;
    [[nodiscard]] ValuesQuerySet exclude(std::string_view path, Operand v) const;
    [[nodiscard]] ValuesQuerySet exclude(const Q& q) const;
    template <class... S>
    [[nodiscard]] ValuesQuerySet order_by(S&&... fields) const {
        return ordered({std::string(std::forward<S>(fields))...});
    }
    [[nodiscard]] ValuesQuerySet slice(std::int64_t low, std::optional<std::int64_t> high = {}) const;
    [[nodiscard]] ValuesQuerySet distinct() const;
    /// values("blog").annotate("n", Count("id")): one row per distinct values, as Django.
    [[nodiscard]] ValuesQuerySet annotate(const std::string& name, const Expression& e) const;

    /// Runs the query once (then answers from its cache): an array of objects keyed by
    /// field name (`<relation>_id` for a foreign key when values() named no fields, as Django).
    [[nodiscard]] const Json& to_json() const;
    operator Json() const { return to_json(); }
    [[nodiscard]] std::size_t size() const { return to_json().size(); }
    /// SELECT COUNT(*) of these rows, or the cache's size when filled.
    [[nodiscard]] std::int64_t count() const;
    [[nodiscard]] bool exists() const;
    /// The rows in the opposite order (of order_by(), else of Meta.ordering).
    [[nodiscard]] ValuesQuerySet reverse() const;
    /// Aggregates over these rows as one JSON object, as QuerySet::aggregate().
    template <class... A>
        requires(std::same_as<std::decay_t<A>, Aggregate> && ...)
    [[nodiscard]] Json aggregate(const A&... aggs) const {
        std::vector<NamedAggregate> named;
        (named.emplace_back(checked_name(aggs), aggs), ...);
        return aggregate(named);
    }
    [[nodiscard]] Json aggregate(std::initializer_list<NamedAggregate> aggs) const {
        return aggregate(std::vector<NamedAggregate>(aggs));
    }
    [[nodiscard]] Json aggregate(const std::vector<NamedAggregate>& aggs) const;
    /// values(...).values_list<int64_t>("id"): these rows' fields as values (one type:
    /// a vector of it; several: a vector of tuples), as QuerySet::values_list().
    template <class... Ts, class... S>
        requires(sizeof...(Ts) == sizeof...(S) && sizeof...(Ts) > 0)
    [[nodiscard]] auto values_list(S&&... fields) const {
        auto rows = fetch_list({std::string(std::forward<S>(fields))...});
        return detail::typed_rows<Ts...>(rows);
    }
    [[nodiscard]] const Query& query() const { return q_; }
    [[nodiscard]] const std::vector<std::string>& fields() const { return fields_; }

   private:
    template <class Fn>
    ValuesQuerySet with(Fn&& fn) const {
        ValuesQuerySet c = *this;
        c.cache_.reset();
        fn(c);
        return c;
    }
    ValuesQuerySet ordered(std::vector<std::string> fields) const;
    [[nodiscard]] std::vector<std::vector<Value>> fetch_list(const std::vector<std::string>& fields) const;
    [[nodiscard]] std::string checked_name(const Aggregate& a) const;
    Query q_;
    std::vector<std::string> fields_;
    mutable std::shared_ptr<const Json> cache_;
};

}  // namespace dorm
