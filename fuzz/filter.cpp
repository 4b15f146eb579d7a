// Fuzzes filter(path, value) / exclude(path, value): the path walks the fz models' fields,
// relations, transforms and lookups; the value is text from the input in one of several
// shapes. Input: one mode byte, then "path\nvalue". Invariants (fuzz/README.md): only
// dorm::Error escapes; no input token outside the exemptions of fuzz::check_sql and no bound
// value occurs in the SQL text; SQL that compiled is accepted by SQLite.

#include <cstdlib>

#include "common.hpp"

namespace {

dorm::Operand operand(unsigned kind, const std::string& text) {
    switch (kind) {
        case 0: return dorm::Value(text);
        case 1: return dorm::Value(std::int64_t(std::strtoll(text.c_str(), nullptr, 10)));
        case 2: return dorm::Value(!text.empty() && text[0] == 't');
        case 3: return dorm::Value(std::strtod(text.c_str(), nullptr));
        case 4: return dorm::Value();
        case 5: {  // a list: comma-separated texts
            std::vector<std::string> items;
            for (std::size_t p = 0;;) {
                auto c = text.find(',', p);
                items.push_back(text.substr(p, c == std::string::npos ? c : c - p));
                if (c == std::string::npos) break;
                p = c + 1;
            }
            return items;
        }
        case 6: return dorm::F(text);  // a second fuzzed path, on the right side
        default: return dorm::Value(std::vector<std::byte>(4, std::byte{0x41}));
    }
}

template <class M>
void run(unsigned mode, const std::string& path, const std::string& text) {
    const unsigned kind = mode & 7;
    const dorm::Operand v = operand(kind, text);
    auto base = M::objects().all();
    auto qs = (mode & 8) ? base.exclude(path, v) : base.filter(path, v);
    if (mode & 16) qs = qs.filter("pk__gte", 0);  // combined with a second condition
    const dorm::Sql sql = qs.sql();
    fuzz::check_sql(path, sql.text, "filter");
    if (kind == 6) fuzz::check_sql(text, sql.text, "filter F()");
    if (kind == 0 || kind == 5) fuzz::check_value_not_in_sql(text, sql.text, "filter");
    fuzz::run_captured(path, "filter", [&] {
        try {
            (void)qs.count();
            (void)qs.to_vector();
        } catch (const dorm::OperationalError& e) {
            fuzz::check_database_accepts(e, sql.text);
            throw;
        }
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size < 1 || size > 512) return 0;
    const unsigned mode = data[0];
    const auto parts = fuzz::split_lines(data + 1, size - 1, 2);
    const std::string& path = parts[0];
    const std::string text = parts.size() > 1 ? parts[1] : "";
    fuzz::guarded([&] {
        switch ((mode >> 5) & 3) {
            case 0:
            case 1: run<fz::Entry>(mode, path, text); break;
            case 2: run<fz::Blog>(mode, path, text); break;
            default: run<fz::Author>(mode, path, text); break;
        }
    });
    return 0;
}
