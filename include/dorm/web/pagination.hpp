#pragma once
// Pages of a QuerySet (API.md §13): numbered pages (one COUNT, one LIMIT/OFFSET fetch) and
// keyset pages after an opaque cursor (no OFFSET, no COUNT). Uses QuerySet's public builders;
// the arithmetic, the cursor and the keyset condition live in lib/web/pagination.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dorm/meta.hpp"
#include "dorm/q.hpp"
#include "dorm/query.hpp"

namespace dorm {

/// One numbered page: `items` are rows [(number-1)*size, number*size) of `count`.
template <class T>
struct Page {
    std::vector<T> items;
    std::int64_t number = 1;
    std::int64_t size = 0;       ///< the page size asked for
    std::int64_t count = 0;      ///< rows in the whole queryset
    std::int64_t num_pages = 1;  ///< at least 1, as Django's Paginator (an empty first page)
    [[nodiscard]] bool has_next() const { return number < num_pages; }
    [[nodiscard]] bool has_previous() const { return number > 1; }
};

/// One keyset page: `next_cursor` is what the next request passes back; nullopt on the last.
template <class T>
struct CursorPage {
    std::vector<T> items;
    std::optional<std::string> next_cursor;
    [[nodiscard]] bool has_next() const { return next_cursor.has_value(); }
};

namespace detail {
struct PageSpan {
    std::int64_t count, num_pages, offset;
};
/// Checks number and size against count (ValidationError on "page" or "page_size").
PageSpan page_span(const ModelMeta& m, std::int64_t number, std::int64_t size, std::int64_t count);

/// The keyset plan for a query: its total ordering and the rows after the cursor.
struct KeysetPlan {
    std::vector<std::string> ordering;  ///< the query's ordering, plus "-pk" when not total
    Q after;                            ///< rows after the cursor ({} for the first page)
};
KeysetPlan keyset_plan(const Query& q, std::string_view cursor, std::int64_t size);
/// The cursor that continues after obj under plan.ordering.
std::string keyset_cursor(const ModelMeta& m, const std::vector<std::string>& ordering, const void* obj);
}  // namespace detail

/// Page `number` (from 1) of `size` rows: one COUNT, then one fetch (none when empty).
/// A number out of range or a size below 1 is a ValidationError.
/// ```
/// dorm::Page<Entry> page = dorm::paginate(Entry::objects().live(), 2, 20);
/// ```
template <class QS>
[[nodiscard]] auto paginate(const QS& qs, std::int64_t number, std::int64_t size) {
    using T = typename QS::value_type;
    Page<T> page;
    detail::PageSpan span = detail::page_span(T::model_meta(), number, size, qs.count());
    page.number = number;
    page.size = size;
    page.count = span.count;
    page.num_pages = span.num_pages;
    if (span.count > span.offset) page.items = qs.slice(span.offset, span.offset + size).to_vector();
    return page;
}

/// The `size` rows after `cursor` ("" = the first page) in qs's ordering, made total by
/// adding -pk when needed: fetches size + 1 rows (the extra one says whether there is a next
/// page), no OFFSET and no COUNT, so page 10,000 costs what page 1 costs and rows inserted
/// between requests neither repeat nor vanish. Orders by fields of the model only.
/// ```
/// auto p = dorm::paginate_after(Entry::objects().order_by("-pub_date", "-id"), cursor, 20);
/// ```
template <class QS>
[[nodiscard]] auto paginate_after(const QS& qs, std::string_view cursor, std::int64_t size) {
    using T = typename QS::value_type;
    detail::KeysetPlan plan = detail::keyset_plan(qs.query(), cursor, size);
    CursorPage<T> page;
    page.items = qs.filter(plan.after).order_by(plan.ordering).slice(0, size + 1).to_vector();
    if (std::int64_t(page.items.size()) > size) {
        page.items.pop_back();
        page.next_cursor = detail::keyset_cursor(T::model_meta(), plan.ordering, &page.items.back());
    }
    return page;
}

}  // namespace dorm
