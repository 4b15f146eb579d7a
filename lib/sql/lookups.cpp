// The registry of lookups and transforms: built-ins at start, the program's own added with
// register_lookup()/register_transform(). Read on every filter, written rarely.
#include "dorm/sql/lookups.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <shared_mutex>

#include "dorm/error.hpp"

namespace dorm::sql {

namespace {

struct Registry {
    std::shared_mutex mutex;
    std::deque<LookupDef> lookups;       // a deque: pointers stay valid as it grows
    std::deque<TransformDef> transforms;

    Registry() {
        using O = LookupDef::Operand;
        for (const char* n : {"exact", "gt", "gte", "lt", "lte"}) lookups.push_back({n, O::One, false, {}});
        for (const char* n : {"iexact", "contains", "icontains", "startswith", "istartswith", "endswith",
                              "iendswith", "regex", "iregex"})
            lookups.push_back({n, O::One, true, {}});
        lookups.push_back({"in", O::List, false, {}});
        lookups.push_back({"range", O::Pair, false, {}});
        lookups.push_back({"isnull", O::Bool, false, {}});
        const std::vector<ColumnType> dates = {ColumnType::Date, ColumnType::DateTime};
        for (const char* n : {"year", "month", "day", "week_day", "quarter"})
            transforms.push_back({n, dates, ColumnType::Integer, {}});
        for (const char* n : {"hour", "minute", "second"})
            transforms.push_back({n, {ColumnType::DateTime}, ColumnType::Integer, {}});
        transforms.push_back({"date", {ColumnType::DateTime}, ColumnType::Date, {}});
    }
    bool taken(std::string_view name) const {
        return std::any_of(lookups.begin(), lookups.end(), [&](const LookupDef& d) { return d.name == name; }) ||
               std::any_of(transforms.begin(), transforms.end(), [&](const TransformDef& d) { return d.name == name; });
    }
};

Registry& registry() {
    static Registry r;
    return r;
}

void check_name(const std::string& name, const std::string& sql_template) {
    bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name.find("__") == std::string::npos;
    for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) throw FieldError("'" + name + "' is not a valid lookup or transform name (lower-case letters, digits, _)");
    if (sql_template.find("{lhs}") == std::string::npos)
        throw FieldError("the SQL of lookup or transform '" + name + "' must contain {lhs}");
    if (registry().taken(name)) throw FieldError("a lookup or transform named '" + name + "' exists already");
}

}  // namespace

const LookupDef* find_lookup(std::string_view name) {
    auto& r = registry();
    std::shared_lock lock(r.mutex);
    for (const auto& d : r.lookups)
        if (d.name == name) return &d;
    return nullptr;
}

const TransformDef* find_transform(std::string_view name) {
    auto& r = registry();
    std::shared_lock lock(r.mutex);
    for (const auto& d : r.transforms)
        if (d.name == name) return &d;
    return nullptr;
}

void add_lookup(LookupDef def) {
    std::unique_lock lock(registry().mutex);
    check_name(def.name, def.sql_template);
    registry().lookups.push_back(std::move(def));
}

void add_transform(TransformDef def) {
    std::unique_lock lock(registry().mutex);
    check_name(def.name, def.sql_template);
    registry().transforms.push_back(std::move(def));
}

std::string lookup_choices() {
    auto& r = registry();
    std::vector<std::string> names;
    {
        std::shared_lock lock(r.mutex);
        for (const auto& d : r.lookups) names.push_back(d.name);
        for (const auto& d : r.transforms) names.push_back(d.name);
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string render_template(std::string_view sql_template, std::string_view lhs, std::string_view rhs) {
    std::string out;
    out.reserve(sql_template.size() + lhs.size() + rhs.size());
    for (std::size_t i = 0; i < sql_template.size();) {
        if (sql_template.compare(i, 5, "{lhs}") == 0) {
            out += lhs;
            i += 5;
        } else if (sql_template.compare(i, 5, "{rhs}") == 0) {
            out += rhs;
            i += 5;
        } else {
            out += sql_template[i++];
        }
    }
    return out;
}

}  // namespace dorm::sql

namespace dorm {

void register_lookup(const std::string& name, const std::string& sql_template) {
    if (sql_template.find("{rhs}") == std::string::npos)
        throw FieldError("the SQL of lookup '" + name + "' must contain {rhs}");
    sql::add_lookup({name, sql::LookupDef::Operand::One, false, sql_template});
}

void register_transform(const std::string& name, const std::string& sql_template) {
    sql::add_transform({name, {}, std::nullopt, sql_template});
}

}  // namespace dorm
