#pragma once
// Aggregates (API.md §5): Count, Sum, Avg, Min, Max, StdDev, Variance, for annotate() and
// aggregate(). Plain expression nodes; the query builder turns them into SQL.

#include <optional>
#include <string>

#include "dorm/expressions.hpp"
#include "dorm/q.hpp"

namespace dorm {

struct AggregateOptions {
    bool distinct = false;    ///< over distinct values only
    std::optional<Q> filter{};  ///< over the rows matching it only
};

/// An aggregate over a field path ("rating", "entries", "entries__rating", or "*").
class Aggregate : public Expression {
   public:
    Aggregate(std::string function, std::string path, AggregateOptions options);
    /// Django's default name: "<field>__<aggregate>" in lower case ("rating__avg").
    [[nodiscard]] const std::string& default_name() const { return default_name_; }

   private:
    std::string default_name_;
};

inline Aggregate Count(std::string path, AggregateOptions o = {}) { return {"COUNT", std::move(path), std::move(o)}; }
inline Aggregate Sum(std::string path, AggregateOptions o = {}) { return {"SUM", std::move(path), std::move(o)}; }
inline Aggregate Avg(std::string path, AggregateOptions o = {}) { return {"AVG", std::move(path), std::move(o)}; }
inline Aggregate Min(std::string path, AggregateOptions o = {}) { return {"MIN", std::move(path), std::move(o)}; }
inline Aggregate Max(std::string path, AggregateOptions o = {}) { return {"MAX", std::move(path), std::move(o)}; }
inline Aggregate StdDev(std::string path, AggregateOptions o = {}) { return {"STDDEV_POP", std::move(path), std::move(o)}; }
inline Aggregate Variance(std::string path, AggregateOptions o = {}) { return {"VAR_POP", std::move(path), std::move(o)}; }

/// One `{"name", aggregate}` of aggregate({...}).
struct NamedAggregate {
    NamedAggregate(std::string n, Aggregate a) : name(std::move(n)), aggregate(std::move(a)) {}
    std::string name;
    Aggregate aggregate;
};

}  // namespace dorm
