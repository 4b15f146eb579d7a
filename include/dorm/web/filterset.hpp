#pragma once
// Filters from query strings (API.md §13), the django-filter of dorm: whitelisted fields and
// lookups turned into filter()/order_by() on any QuerySet, the custom QuerySet type kept.
// Knows QuerySet's public builders only; the parsing and checking live in lib/web/.

#include <string>
#include <utility>
#include <vector>

#include "dorm/meta.hpp"
#include "dorm/q.hpp"

namespace dorm {

/// A query string as the app parsed it: ("rating__gte", "3"), ("ordering", "-pub_date").
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct FilterSetOptions {
    /// Field paths and the lookups allowed on each: {{"rating", {"exact", "gte"}}, ...}.
    std::vector<std::pair<std::string, std::vector<std::string>>> fields{};
    /// Field paths `ordering=` may name ("-pub_date,headline"); empty: no ordering parameter.
    std::vector<std::string> ordering{};
    /// The name of the ordering parameter.
    std::string ordering_param = "ordering";
};

namespace detail {
/// What a query string asks of a model: the filters as one Q, and the ordering when given.
struct FilterRequest {
    Q where;
    std::vector<std::string> ordering;
    bool ordered = false;
};
/// Checks every parameter against the options; throws ValidationError naming each bad one.
FilterRequest parse_filters(const ModelMeta& m, const FilterSetOptions& o, const QueryParams& params);
/// Checks the options themselves (unknown fields or lookups are the programmer's FieldError).
void check_filterset(const ModelMeta& m, const FilterSetOptions& o);
}  // namespace detail

/// Whitelisted filters from query-string parameters:
/// ```
/// dorm::FilterSet<Entry> filters({.fields = {{"rating", {"exact", "gte"}}}, .ordering = {"pub_date"}});
/// EntryQuerySet qs = filters.apply(Entry::objects().live(), {{"rating__gte", "3"}});
/// ```
/// Values are converted by the field's type; `__in` and `__range` take comma lists. A value
/// that does not convert, a lookup or ordering field not listed, or a parameter on a field
/// of the model that is not listed is a ValidationError naming the parameter; any other
/// parameter (`page`, `format`) is ignored.
template <class T>
class FilterSet {
   public:
    explicit FilterSet(FilterSetOptions options) : options_(std::move(options)) {
        detail::check_filterset(T::model_meta(), options_);
    }

    /// qs narrowed and ordered as params ask; a manager gives its QuerySet type.
    template <class QS>
    [[nodiscard]] auto apply(const QS& qs, const QueryParams& params) const {
        detail::FilterRequest r = detail::parse_filters(T::model_meta(), options_, params);
        auto out = qs.filter(r.where);
        if (r.ordered) out = out.order_by(r.ordering);
        return out;
    }

    [[nodiscard]] const FilterSetOptions& options() const { return options_; }

   private:
    FilterSetOptions options_;
};

}  // namespace dorm
