#pragma once
// What every harness shares (fuzz/README.md): the database they query (in-memory SQLite with
// the fz models and a few rows), the exception rule, and the rule that fuzzed text never
// reaches SQL text outside a bound parameter.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <dorm/dorm.hpp>
#include <dorm/sql/lookups.hpp>

#include "models.hpp"

namespace fuzz {

[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "\n==== fuzz invariant broken: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

/// Runs one input. Invariant 1: every exception that escapes dorm is a dorm::Error; anything
/// else (std::out_of_range, nlohmann's json exceptions, std::bad_variant_access, ...) aborts.
template <class Fn>
void guarded(Fn&& fn) {
    try {
        fn();
    } catch (const dorm::Error&) {
    } catch (const std::exception& e) {
        fail(std::string("an exception that is not a dorm::Error escaped: ") + typeid(e).name() + ": " +
             e.what());
    } catch (...) {
        fail("an exception that is not a std::exception escaped");
    }
}

/// The in-memory database the harnesses query: registered models, tables, a few rows (so
/// that transforms and joins run on data, not only on empty tables). Once per process.
inline void setup_database() {
    static const bool done = [] {
        fz::register_all();
        dorm::connect("sqlite3://:memory:");
        dorm::create_tables();
        fz::Author ann;
        ann.name = "Ann";
        ann.email = "ann@example.com";
        ann.age = 40;
        ann.save();
        fz::Blog blog;
        blog.name = "Cheese";
        blog.tagline = "All about cheese";
        blog.owner = ann;
        blog.save();
        fz::Tag tag;
        tag.slug = "brie";
        tag.label = "Brie";
        tag.save();
        for (int i = 0; i < 3; ++i) {
            fz::Entry e;
            e.blog = blog;
            e.headline = "Entry " + std::to_string(i);
            e.body_text = "Body of entry " + std::to_string(i);
            e.pub_date = dorm::Date{std::chrono::year{2024}, std::chrono::month{unsigned(i + 1)},
                                    std::chrono::day{15}};
            e.rating = i;
            e.score = 1.5 * i;
            e.price = dorm::Decimal("12.50");
            e.meta = dorm::Json{{"k", i}, {"tags", {"a", "b"}}};
            e.save();
            e.authors.add(ann);
            e.tags.add(tag);
        }
        return true;
    }();
    (void)done;
}

/// The annotation names the harnesses themselves give (legitimately in their SQL).
inline constexpr const char* kHarnessNames[] = {"n_entries", "n_rows"};

/// The names the SQL may legitimately contain: every model, table, field, column, relation and
/// reverse relation name of the registered models, "pk", every lookup and transform name, and
/// kHarnessNames, separated by \x01 (which no input token can span, see tokens()).
inline const std::string& vocabulary() {
    static const std::string v = [] {
        std::string s = "\x01pk\x01";
        for (const char* n : kHarnessNames) (s += n) += '\x01';
        auto add = [&](std::string_view x) {
            s += x;
            s += '\x01';
        };
        for (const dorm::ModelMeta* m : dorm::registered_models()) {
            add(m->name);
            add(m->table);
            add(m->label());
            add(m->app_label);
            for (const auto& f : m->fields) {
                add(f.name);
                add(f.column);
                if (f.relation) {
                    add(f.relation->related_name);
                    add(f.relation->related_query_name);
                    add(f.relation->through_table);
                    if (f.relation->through) add(f.relation->through->table);
                }
            }
            for (const auto& r : m->reverse) {
                add(r.name);
                add(r.query_name);
            }
        }
        const std::string choices = dorm::sql::lookup_choices();  // "a, b, c"
        for (std::size_t p = 0; p <= choices.size();) {
            auto comma = choices.find(", ", p);
            if (comma == std::string::npos) comma = choices.size();
            add(std::string_view(choices).substr(p, comma - p));
            p = comma + 2;
        }
        return s;
    }();
    return v;
}

inline bool in_vocabulary(std::string_view t) { return vocabulary().find(t) != std::string::npos; }

inline bool is_identifier_text(std::string_view t) {
    for (char c : t)
        if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return false;
    return true;
}

/// Invariant 2, the rule for fuzzed names (paths, orderings, values() fields):
///   The tokens of an input are the input itself (without a leading '-' or '?' of an ordering)
///   and each of its "__"-separated segments. A token is exempt when
///     (a) it is shorter than 4 characters (too short not to occur by chance in any SQL), or
///     (b) it is a substring of vocabulary() (a name the SQL may contain legitimately), or
///     (c) it consists of identifier characters only and each of its "__" segments is exempt
///         (a path of known names, such as "blog__name", which dorm may use as a quoted
///         column alias).
///   No other token may occur in the generated SQL text. Such a token can only have reached
///   the SQL by being copied from the input: the SQL is made of metadata names, lookups,
///   keywords and placeholders, and values are bound parameters.
inline std::vector<std::string> tokens(std::string_view input) {
    std::vector<std::string> out;
    while (!input.empty() && (input.front() == '-' || input.front() == '?')) input.remove_prefix(1);
    out.emplace_back(input);
    for (std::size_t p = 0;;) {
        const auto sep = input.find("__", p);
        out.emplace_back(input.substr(p, sep == std::string_view::npos ? sep : sep - p));
        if (sep == std::string_view::npos) break;
        p = sep + 2;
    }
    return out;
}

inline bool exempt(std::string_view t) {
    if (t.size() < 4 || in_vocabulary(t)) return true;
    if (!is_identifier_text(t) || t.find("__") == std::string_view::npos) return false;
    for (const auto& seg : tokens(t))
        if (seg != t && !(seg.size() < 4 || in_vocabulary(seg))) return false;
    return true;
}

/// Aborts when a non-exempt token of `input` occurs in `sql` (what: the harness's context).
/// `baseline`, when given, is the SQL of the same call without this input: a token it already
/// holds (a run of quoted names and punctuation, say) did not come from the input.
inline void check_sql(std::string_view input, const std::string& sql, std::string_view what,
                      const std::string* baseline = nullptr) {
    for (const auto& t : tokens(input)) {
        if (exempt(t) || sql.find(t) == std::string::npos) continue;
        if (baseline && baseline->find(t) != std::string::npos) continue;
        fail(std::string(what) + ": the input token '" + t + "' occurs in the SQL text: " + sql);
    }
}

/// A bound value's text never occurs in the SQL text (same length rule as names).
inline void check_value_not_in_sql(std::string_view value, const std::string& sql, std::string_view what,
                                   const std::string* baseline = nullptr) {
    if (value.size() < 4 || in_vocabulary(value)) return;
    if (baseline && baseline->find(value) != std::string::npos) return;  // (as in check_sql)
    if (sql.find(value) != std::string::npos)
        fail(std::string(what) + ": the bound value '" + std::string(value) + "' occurs in the SQL text: " + sql);
}

/// The input split at '\n' into at most `n` parts (the last takes the rest).
inline std::vector<std::string> split_lines(const std::uint8_t* data, std::size_t size, std::size_t n) {
    std::string_view s(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> out;
    while (out.size() + 1 < n) {
        auto nl = s.find('\n');
        if (nl == std::string_view::npos) break;
        out.emplace_back(s.substr(0, nl));
        s.remove_prefix(nl + 1);
    }
    out.emplace_back(s);
    return out;
}

/// Runs a statement through the executor with CaptureQueries and checks every captured SQL.
template <class Fn>
void run_captured(std::string_view input, std::string_view what, Fn&& fn) {
    dorm::CaptureQueries cq;
    try {
        fn();
    } catch (...) {
        for (const auto& q : cq.queries()) check_sql(input, q.sql, what);
        throw;
    }
    for (const auto& q : cq.queries()) check_sql(input, q.sql, what);
}

}  // namespace fuzz

namespace fuzz {

/// Invariant 3: SQL that dorm compiled is SQL the database accepts. A syntax error, an unknown
/// column, table or function means the compiler wrote something wrong; other database errors
/// (a value SQLite refuses, such as bad JSON or a bad regular expression) are the data's.
inline void check_database_accepts(const std::exception& e, const std::string& sql) {
    const std::string what = e.what();
    // The pattern's own text follows (it may say "incomplete input" itself): the data's error.
    if (what.starts_with("invalid regular expression")) return;
    for (const char* bad : {"syntax error", "no such column", "no such table", "no such function",
                            "unrecognized token", "incomplete input", "ambiguous column"})
        if (what.find(bad) != std::string::npos)
            fail("SQLite refused SQL dorm compiled (" + what + "): " + sql);
}

}  // namespace fuzz
