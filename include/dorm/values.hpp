#pragma once
// values(): rows as JSON objects, still a chainable queryset until evaluated (API.md §5).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dorm/expressions.hpp"
#include "dorm/json.hpp"
#include "dorm/query.hpp"

namespace dorm {

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
    Query q_;
    std::vector<std::string> fields_;
    mutable std::shared_ptr<const Json> cache_;
};

}  // namespace dorm
