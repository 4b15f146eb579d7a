#include "dorm/sql/dialect.hpp"

#include "dorm/error.hpp"

namespace dorm::sql {

const Dialect& sqlite_dialect();
const Dialect& postgresql_dialect();

void Dialect::quote_to(std::string& out, std::string_view ident) const {
    out += '"';
    if (ident.find('"') == std::string_view::npos) {
        out.append(ident);
    } else {
        for (char c : ident) {
            if (c == '"') out += '"';
            out += c;
        }
    }
    out += '"';
}

void Dialect::limit_offset(std::string& out, std::optional<std::int64_t> limit,
                           std::int64_t offset) const {
    if (limit) out += " LIMIT " + std::to_string(*limit);
    if (offset) out += " OFFSET " + std::to_string(offset);
}

std::string escape_like(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

Value Dialect::lookup_value(std::string_view name, const Value& v) const {
    if (v.is_null() || !(v.is<std::string>())) {
        if (name == "exact" || name == "gt" || name == "gte" || name == "lt" || name == "lte" ||
            name == "regex" || name == "iregex")
            return v;
    }
    const bool lead = name == "contains" || name == "icontains" || name == "endswith" ||
                      name == "iendswith";
    const bool trail = name == "contains" || name == "icontains" || name == "startswith" ||
                       name == "istartswith";
    if (!lead && !trail && name != "iexact") return v;
    std::string pattern;
    if (lead) pattern += '%';
    pattern += escape_like(v.to_string());
    if (trail) pattern += '%';
    return pattern;
}

const Dialect& dialect_for(std::string_view vendor) {
    if (vendor == "sqlite" || vendor == "sqlite3") return sqlite_dialect();
    if (vendor == "postgresql" || vendor == "postgres") return postgresql_dialect();
    throw ConfigError("no SQL dialect for '" + std::string(vendor) +
                      "' (choices: postgresql, sqlite)");
}

}  // namespace dorm::sql
