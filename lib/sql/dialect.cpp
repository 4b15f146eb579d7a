#include "dorm/sql/dialect.hpp"

#include "dorm/error.hpp"

namespace dorm::sql {

const Dialect& sqlite_dialect();
const Dialect& postgresql_dialect();

std::string Dialect::quote(std::string_view ident) const {
    std::string out;
    out.reserve(ident.size() + 2);
    out += '"';
    for (char c : ident) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
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
    auto text = [&] { return escape_like(v.to_string()); };
    if (name == "iexact") return text();
    if (name == "contains" || name == "icontains") return "%" + text() + "%";
    if (name == "startswith" || name == "istartswith") return text() + "%";
    if (name == "endswith" || name == "iendswith") return "%" + text();
    return v;
}

const Dialect& dialect_for(std::string_view vendor) {
    if (vendor == "sqlite" || vendor == "sqlite3") return sqlite_dialect();
    if (vendor == "postgresql" || vendor == "postgres") return postgresql_dialect();
    throw ConfigError("no SQL dialect for '" + std::string(vendor) +
                      "' (choices: postgresql, sqlite)");
}

}  // namespace dorm::sql
