// dorm::FilterSet<T> query strings (include/dorm/web/filterset.hpp).
// Input: a query string "k=v&k2=v2" (no percent-decoding: the app has decoded it), applied by
// a FilterSet<fz::Entry> whitelisting a few fields, lookups and orderings.
// Invariants (fuzz/README.md): only dorm::Error escapes (a bad parameter is a
// ValidationError); every key and value follows fuzz::check_sql / check_value_not_in_sql on
// the SQL the filtered queryset runs; SQLite accepts the SQL dorm compiled.

#include "common.hpp"

#include <dorm/web/filterset.hpp>

namespace {

dorm::QueryParams parse(std::string_view s) {
    dorm::QueryParams out;
    while (!s.empty()) {
        const auto amp = s.find('&');
        const std::string_view kv = s.substr(0, amp);
        const auto eq = kv.find('=');
        out.emplace_back(std::string(kv.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
        if (amp == std::string_view::npos) break;
        s.remove_prefix(amp + 1);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size > 1024) return 0;
    const auto params = parse(std::string_view(reinterpret_cast<const char*>(data), size));
    static const dorm::FilterSet<fz::Entry> filters({
        .fields = {{"rating", {"exact", "gte", "lte", "in", "range"}},
                   {"headline", {"exact", "icontains", "startswith"}},
                   {"pub_date", {"exact", "year", "gte"}},
                   {"blog__name", {"exact", "iexact"}},
                   {"published", {"exact"}},
                   {"n_comments", {"isnull"}}},
        .ordering = {"pub_date", "rating", "headline", "blog__name"},
    });
    fuzz::guarded([&] {
        auto qs = filters.apply(fz::Entry::objects().all(), params);
        const dorm::Sql sql = qs.sql();
        for (const auto& [k, v] : params) {
            // The SQL without this parameter: a key that names nothing is ignored, and quoted
            // names with punctuation ("rating", ...) are there whatever the input.
            dorm::QueryParams others;
            for (const auto& p : params)
                if (p.first != k) others.push_back(p);
            std::string baseline;
            try {
                baseline = filters.apply(fz::Entry::objects().all(), others).sql().text;
            } catch (const dorm::Error&) {  // another parameter is bad: no baseline
            }
            fuzz::check_sql(k, sql.text, "FilterSet key", &baseline);
            fuzz::check_value_not_in_sql(v, sql.text, "FilterSet value", &baseline);
        }
        try {
            (void)qs.to_vector();
        } catch (const dorm::OperationalError& e) {
            fuzz::check_database_accepts(e, sql.text);
            throw;
        }
    });
    return 0;
}
