#pragma once
// Private to lib/: what the query builder's source files share — path and lookup names,
// the path walk's state, and value checks' wording.

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "dorm/query.hpp"
#include "dorm/sql/lookups.hpp"

namespace dorm::query_detail {

using sql::ColumnType;

inline bool is_lookup(std::string_view s) { return sql::find_lookup(s) != nullptr; }
inline bool is_transform(std::string_view s) { return sql::find_transform(s) != nullptr; }

inline std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = path.find("__", start);
        if (pos == std::string_view::npos) {
            parts.push_back(path.substr(start));
            return parts;
        }
        parts.push_back(path.substr(start, pos - start));
        start = pos + 2;
    }
}

inline const char* type_label(ColumnType t) {
    switch (t) {
        case ColumnType::Boolean: return "a boolean";
        case ColumnType::Integer:
        case ColumnType::BigInt: return "an integer";
        case ColumnType::Real: return "a number";
        case ColumnType::Varchar:
        case ColumnType::Text: return "text";
        case ColumnType::Date: return "a date (YYYY-MM-DD)";
        case ColumnType::DateTime: return "a datetime (YYYY-MM-DD HH:MM:SS)";
        case ColumnType::Json: return "JSON";
        case ColumnType::Decimal: return "a decimal number";
        case ColumnType::Uuid: return "a UUID";
        case ColumnType::Blob: return "binary data";
    }
    return "a value";
}

// Django's YearLookup: `__year` on a date column becomes a range of the column itself, so
// an index on it is used and the whole last day (to its last microsecond) is covered.
inline sql::Expr year_bounds(const sql::Expr& col, ColumnType type, std::string_view lookup,
                      std::int64_t year) {
    using namespace std::chrono;
    Date first{std::chrono::year{int(year)}, January, std::chrono::day{1}};
    Date last{std::chrono::year{int(year)}, December, std::chrono::day{31}};
    Value lo = first, hi = last;
    if (type == ColumnType::DateTime) {
        lo = time_point_cast<microseconds>(sys_days{first});
        hi = time_point_cast<microseconds>(sys_days{last}) + days{1} - microseconds{1};
    }
    if (lookup == "exact")
        return sql::lookup("range", col, sql::param_list({std::move(lo), std::move(hi)}));
    if (lookup == "gt") return sql::lookup("gt", col, sql::param(std::move(hi)));
    if (lookup == "gte") return sql::lookup("gte", col, sql::param(std::move(lo)));
    if (lookup == "lt") return sql::lookup("lt", col, sql::param(std::move(lo)));
    return sql::lookup("lte", col, sql::param(std::move(hi)));
}


inline bool is_operator(std::string_view s) { return is_lookup(s) || is_transform(s); }

inline std::string path_choices(const ModelMeta& m) {
    std::vector<std::string> names;
    for (const auto& f : m.fields) names.push_back(f.name);
    for (const auto& r : m.reverse)
        if (r.name != "+") names.push_back(r.name);
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Whether a select item is (or computes over) an aggregate: it is not grouped by. A window
// over an aggregate is computed after grouping, so it is not one.
inline bool contains_aggregate(const sql::Expr& e) {
    if (!e || e->kind == sql::Kind::Window || e->kind == sql::Kind::Subquery || e->kind == sql::Kind::Exists)
        return false;
    if (e->aggregate) return true;
    return std::any_of(e->args.begin(), e->args.end(), [](const sql::Expr& a) { return contains_aggregate(a); });
}

// The same column (or the same expression node).
inline bool same_column(const sql::Expr& a, const sql::Expr& b) {
    return a == b || (a->kind == sql::Kind::Column && b->kind == sql::Kind::Column &&
                      a->table == b->table && a->name == b->name);
}

// The type an aggregate returns over values of `type`.
inline ColumnType aggregate_type(std::string_view name, ColumnType type) {
    if (name == "COUNT") return ColumnType::BigInt;
    if (name == "AVG" || name == "STDDEV_POP" || name == "VAR_POP") return ColumnType::Real;
    if (name == "SUM" && type == ColumnType::Integer) return ColumnType::BigInt;
    return type;
}

}  // namespace dorm::query_detail

namespace dorm {

struct Query::Walk {
    const ModelMeta* model = nullptr;
    std::string alias;
    const FieldMeta* field = nullptr;  ///< the field whose column ends the path
    sql::Expr column;
    std::size_t next = 0;  ///< first part after the field: transforms and the lookup
    bool multi = false;    ///< crossed a to-many relation
    bool outer = false;    ///< reached through a LEFT OUTER JOIN
    bool promote = false;  ///< joins made here may miss (OR, NOT, isnull): LEFT OUTER
    bool reuse_any = false;  ///< outside filter(): any existing join is reused, as Django
};

}  // namespace dorm
