#include "dorm/sql/dialect.hpp"

#include <charconv>

#include "dorm/error.hpp"

namespace dorm::sql {

const Dialect& sqlite_dialect();
const Dialect& postgresql_dialect();

void Dialect::quote_to(std::string& out, std::string_view ident) const {
    // Neither SQLite nor PostgreSQL can take a NUL in a name, and the statement's text would
    // end at it (an annotation name "n\0" cut the SELECT short; found by fuzz/annotate.cpp).
    if (ident.find('\0') != std::string_view::npos)
        throw FieldError("a name cannot contain a NUL character: '" +
                         std::string(ident.substr(0, ident.find('\0'))) + "\\0...'");
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

void Dialect::literal(std::string& out, const Value& v) const {
    if (v.is_null()) {
        out += "NULL";
    } else if (v.is<bool>()) {
        out += v.get<bool>() ? "true" : "false";
    } else if (v.is<std::int64_t>() || v.is<Decimal>()) {
        out += v.to_string();
    } else if (v.is<double>()) {  // the shortest text that reads back the same, as Python's repr
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
        std::string_view t(buf, std::size_t(r.ptr - buf));
        out.append(t);
        if (t.find_first_of(".e") == std::string_view::npos) out += ".0";
    } else {
        out += '\'';
        for (char c : v.to_string()) {
            if (c == '\'') out += '\'';
            out += c;
        }
        out += '\'';
    }
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
