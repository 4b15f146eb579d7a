// Fuzzes values(a, b, c) and values_list(a): field names and paths through relations, then
// an annotate() and a filter on the values queryset. Input: one mode byte, then names
// separated by '\n'. Invariants as in filter.cpp (fuzz/README.md); the statement is read
// through CaptureQueries, as ValuesQuerySet has no sql().

#include "common.hpp"

namespace {

dorm::ValuesQuerySet values_of(const std::vector<std::string>& n, unsigned mode) {
    auto qs = (mode & 1) ? fz::Blog::objects().all() : fz::Blog::objects().filter("pk__gte", 0);
    if (mode & 2) {
        auto e = fz::Entry::objects().all();
        switch (n.size()) {
            case 1: return e.values(n[0]);
            case 2: return e.values(n[0], n[1]);
            default: return e.values(n[0], n[1], n[2]);
        }
    }
    switch (n.size()) {
        case 1: return qs.values(n[0]);
        case 2: return qs.values(n[0], n[1]);
        default: return qs.values(n[0], n[1], n[2]);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size < 1 || size > 512) return 0;
    const unsigned mode = data[0];
    const auto names = fuzz::split_lines(data + 1, size - 1, 3);
    fuzz::guarded([&] {
        dorm::CaptureQueries cq;
        auto check = [&] {
            for (const auto& q : cq.queries())
                for (const auto& n : names) fuzz::check_sql(n, q.sql, "values");
            cq.clear();
        };
        try {
            auto qs = values_of(names, mode);
            if (mode & 4) qs = qs.annotate("n_rows", dorm::Count("pk"));
            if (mode & 8) qs = qs.filter(names[0], dorm::Value("x"));
            if (mode & 16) qs = qs.order_by(names.back());
            (void)qs.to_json();
            check();
            (void)qs.count();
            check();
            if (mode & 32) {
                (void)fz::Entry::objects().values_list<std::string>(names[0]);
                check();
            }
        } catch (const dorm::OperationalError& e) {
            for (const auto& q : cq.queries()) fuzz::check_database_accepts(e, q.sql);
            check();
            throw;
        } catch (...) {
            check();
            throw;
        }
    });
    return 0;
}
