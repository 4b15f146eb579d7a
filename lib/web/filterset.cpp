// Query-string parameters checked against a FilterSet's whitelist and turned into one Q:
// values converted by the type at the end of the path (one converter with fixtures and
// request bodies: detail::typed_value), every bad parameter named in one ValidationError.
#include "dorm/web/filterset.hpp"

#include <algorithm>
#include <map>

#include "../detail/json_values.hpp"
#include "dorm/error.hpp"
#include "dorm/query.hpp"
#include "dorm/sql/lookups.hpp"
#include "../detail/utf8.hpp"

namespace dorm::detail {

using sql::ColumnType;

namespace {

std::vector<std::string> split(std::string_view s, std::string_view sep) {
    std::vector<std::string> out;
    for (std::size_t at = 0;;) {
        std::size_t next = s.find(sep, at);
        out.emplace_back(s.substr(at, next == std::string_view::npos ? next : next - at));
        if (next == std::string_view::npos) return out;
        at = next + sep.size();
    }
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

/// What a lookup chain ("year__gte", "in") wants as its value.
struct ValueShape {
    ColumnType type;
    sql::LookupDef::Operand operand = sql::LookupDef::Operand::One;
    bool pattern = false;
};

/// The chain's shape on a field of type t; FieldError for names that are neither.
ValueShape shape_of(const ModelMeta& m, const std::string& path, const std::string& chain, ColumnType t) {
    ValueShape shape{t};
    const auto names = split(chain, "__");
    for (std::size_t i = 0; i < names.size(); ++i) {
        const bool last = i + 1 == names.size();
        if (last)
            if (const sql::LookupDef* d = sql::find_lookup(names[i])) {
                shape.operand = d->operand;
                shape.pattern = d->pattern;
                return shape;
            }
        const sql::TransformDef* tr = sql::find_transform(names[i]);
        if (!tr)
            throw FieldError(m.name + "." + path + " has no lookup '" + names[i] + "' in '" + chain +
                             "' (choices: " + sql::lookup_choices() + ")");
        shape.type = tr->output.value_or(shape.type);
    }
    return shape;
}

/// The stored type at the end of a field path (a relation: its target's key).
ColumnType path_type(const ModelMeta& m, const std::string& path) {
    const FieldMeta* f = nullptr;
    (void)Query(m).resolve_column(path, &f);
    return f->key_type();
}

std::string shown(std::string_view text) {
    if (!valid_utf8(text)) return "(not valid UTF-8)";
    const std::string_view cut = truncated_utf8(text, 40);
    return "'" + std::string(cut) + (cut.size() < text.size() ? "...'" : "'");
}

Value text_value(const std::string& text, ColumnType t) {
    if (text.find('\0') != std::string::npos) throw BadValue{"must not contain NUL characters"};
    if (!valid_utf8(text)) throw BadValue{"is not valid UTF-8"};
    return typed_value(Json(text), t);
}

/// param=text as the operand its lookup takes.
Operand operand_of(const ValueShape& s, const std::string& text) {
    using Kind = sql::LookupDef::Operand;
    switch (s.operand) {
        case Kind::Bool: return text_value(text, ColumnType::Boolean);
        case Kind::List:
        case Kind::Pair: {
            std::vector<Value> list;
            for (const auto& item : split(text, ",")) {
                if (item.empty()) throw BadValue{"has an empty item in its comma list"};
                list.push_back(text_value(item, s.type));
            }
            if (s.operand == Kind::Pair && list.size() != 2)
                throw BadValue{"takes two comma-separated values"};
            return list;
        }
        case Kind::One: break;
    }
    return text_value(text, s.pattern ? ColumnType::Text : s.type);
}

}  // namespace

void check_filterset(const ModelMeta& m, const FilterSetOptions& o) {
    for (const auto& [path, lookups] : o.fields) {
        const ColumnType t = path_type(m, path);
        for (const auto& chain : lookups) (void)shape_of(m, path, chain, t);
    }
    for (const auto& path : o.ordering) (void)path_type(m, path);
}

FilterRequest parse_filters(const ModelMeta& m, const FilterSetOptions& o, const QueryParams& params) {
    // The last value of a repeated parameter wins, as Django's QueryDict.get.
    std::map<std::string, std::string> last;
    for (const auto& [key, value] : params) last[key] = value;

    FilterRequest out;
    std::map<std::string, std::vector<std::string>> errors;
    for (const auto& [key, text] : last) {
        if (key == o.ordering_param) {
            if (o.ordering.empty()) continue;
            for (std::string term : split(text, ",")) {
                if (term.empty()) continue;
                const std::string name = term[0] == '-' ? term.substr(1) : term;
                if (std::find(o.ordering.begin(), o.ordering.end(), name) == o.ordering.end())
                    errors[key].push_back(shown(term) + " is not an allowed ordering (choices: " +
                                          joined(o.ordering) + ")");
                else
                    out.ordering.push_back(std::move(term));
            }
            out.ordered = !out.ordering.empty();
            continue;
        }
        const std::string first = key.substr(0, key.find("__"));
        const bool on_model = m.find(first) || m.find_reverse_query(first);
        bool listed_field = false;
        bool matched = false;
        for (const auto& [path, lookups] : o.fields) {
            const bool bare = key == path;
            if (!bare && key.rfind(path + "__", 0) != 0) continue;
            listed_field = true;
            const std::string chain = bare ? "exact" : key.substr(path.size() + 2);
            if (std::find(lookups.begin(), lookups.end(), chain) == lookups.end()) continue;
            matched = true;
            if (text.empty()) break;  // an empty value filters nothing, as django-filter
            try {
                const ValueShape shape = shape_of(m, path, chain, path_type(m, path));
                out.where = out.where & Q(bare ? path : key, operand_of(shape, text));
            } catch (const BadValue& e) {
                errors[key].push_back(shown(text) + " " +
                                      (e.why.rfind("expected", 0) == 0 ? "is not valid: " + e.why : e.why));
            }
            break;
        }
        if (matched || !on_model) continue;
        std::string allowed;
        for (const auto& [path, lookups] : o.fields)
            for (const auto& l : lookups) allowed += (allowed.empty() ? "" : ", ") + (l == "exact" ? path : path + "__" + l);
        errors[key].push_back(std::string(listed_field ? "this lookup" : "this field") +
                              " cannot be filtered on (allowed: " + (allowed.empty() ? "none" : allowed) + ")");
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return out;
}

}  // namespace dorm::detail
