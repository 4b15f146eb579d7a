// Fuzzes annotation names (the one name a program may take from outside that dorm writes into
// SQL, as a quoted column alias) and the path an aggregate or expression reads. Input: one mode
// byte, then "name\npath".
// Invariants (fuzz/README.md): only dorm::Error escapes; the path follows the token rule of
// fuzz::check_sql; and the name is differential: the SQL with the fuzzed name is exactly the
// SQL with a neutral placeholder name, with the placeholder's quoted form replaced by the
// name's quoted form ("" doubled) — so the name can only ever appear as one quoted identifier.

#include "common.hpp"

namespace {

constexpr const char* kPlaceholder = "zqxjk_placeholder";

std::string quoted(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
    return s;
}

dorm::Expression expression(unsigned kind, const std::string& path) {
    switch (kind) {
        case 0: return dorm::Count(path);
        case 1: return dorm::Sum(path);
        case 2: return dorm::Max(path);
        case 3: return dorm::F(path);
        case 4: return dorm::Lower(dorm::F(path));
        default: return dorm::Count(path, {.distinct = true});
    }
}

dorm::QuerySet<fz::Blog> build(const std::string& name, const std::string& path, unsigned mode) {
    auto qs = fz::Blog::objects().annotate(name, expression(mode % 6, path));
    if (mode & 8) qs = qs.filter(name + "__gte", 0);
    if (mode & 16) qs = qs.order_by("-" + name);
    return qs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size < 1 || size > 512) return 0;
    const unsigned mode = data[0];
    const auto parts = fuzz::split_lines(data + 1, size - 1, 2);
    const std::string& name = parts[0];
    const std::string path = parts.size() > 1 ? parts[1] : "entries";
    fuzz::guarded([&] {
        std::string reference;
        try {
            reference = build(kPlaceholder, path, mode).sql().text;
        } catch (const dorm::Error&) {
            return;  // the path (not the name) is wrong: the path harnesses cover that
        }
        const auto qs = build(name, path, mode);  // may throw FieldError for the name
        const std::string sql = qs.sql().text;
        fuzz::check_sql(path, sql, "annotate path");
        const std::string expected = replace_all(reference, quoted(kPlaceholder), quoted(name));
        if (name != kPlaceholder && sql != expected)
            fuzz::fail("annotate('" + name + "'): the SQL differs from the placeholder's beyond the quoted name:\n  " +
                       sql + "\n  expected " + expected);
        fuzz::run_captured(path, "annotate", [&] {
            try {
                (void)qs.to_vector();
                if (mode & 32) (void)qs.values(name).to_json();
            } catch (const dorm::OperationalError& e) {
                fuzz::check_database_accepts(e, sql);
                throw;
            }
        });
    });
    return 0;
}
