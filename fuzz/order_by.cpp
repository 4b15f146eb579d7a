// Fuzzes order_by(a, b, c): up to three orderings ("-field", "?", "relation__field", ...) on
// a model, its values() and an annotated queryset. Input: one mode byte, then names separated
// by '\n'. Invariants as in filter.cpp (fuzz/README.md).

#include "common.hpp"

namespace {

template <class QS>
void check_and_run(const QS& qs, const std::vector<std::string>& names) {
    const dorm::Sql sql = qs.sql();
    for (const auto& n : names) fuzz::check_sql(n, sql.text, "order_by");
    for (const auto& n : names)
        fuzz::run_captured(n, "order_by", [&] {
            try {
                (void)qs.to_vector();
            } catch (const dorm::OperationalError& e) {
                fuzz::check_database_accepts(e, sql.text);
                throw;
            }
        });
}

template <class QS>
QS ordered(const QS& qs, const std::vector<std::string>& n) {
    switch (n.size()) {
        case 1: return qs.order_by(n[0]);
        case 2: return qs.order_by(n[0], n[1]);
        default: return qs.order_by(n[0], n[1], n[2]);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size < 1 || size > 512) return 0;
    const unsigned mode = data[0];
    const auto names = fuzz::split_lines(data + 1, size - 1, 3);
    fuzz::guarded([&] {
        switch (mode & 3) {
            case 0: check_and_run(ordered(fz::Entry::objects().all(), names), names); break;
            case 1: check_and_run(ordered(fz::Blog::objects().all(), names), names); break;
            case 2:
                check_and_run(ordered(fz::Blog::objects().annotate("n_entries", dorm::Count("entries")), names),
                              names);
                break;
            default: {
                auto qs = ordered(fz::Entry::objects().values("headline", "blog__name"), names);
                for (const auto& n : names) fuzz::run_captured(n, "order_by values()", [&] { (void)qs.to_json(); });
                break;
            }
        }
        if (mode & 4) {  // reversed, with a slice: the ordering is rewritten
            auto qs = ordered(fz::Entry::objects().all(), names).reverse().slice(0, 2);
            check_and_run(qs, names);
        }
    });
    return 0;
}
