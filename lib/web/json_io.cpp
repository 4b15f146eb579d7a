// Request bodies into model objects, checked field by field and then as full_clean(), with
// every problem in one ValidationError; and a model's JSON Schema (2020-12).
#include "dorm/web/json_io.hpp"

#include "../detail/json_values.hpp"
#include "../detail/utf8.hpp"
#include "dorm/error.hpp"
#include "dorm/query.hpp"
#include "dorm/queryset_core.hpp"

namespace dorm::detail {

using sql::ColumnType;

namespace {

using Errors = std::map<std::string, std::vector<std::string>>;

/// Fields the input never sets: the automatic key and the timestamps.
bool read_only(const FieldMeta& f) {
    return (f.primary_key && f.auto_increment) || f.auto_now || f.auto_now_add;
}

/// A create must name it: no NULL, no default, not blank.
bool required(const FieldMeta& f) {
    return f.has_column() && !read_only(f) && !f.nullable && !f.blank && !f.default_value &&
           !f.default_factory && f.type != ColumnType::Json;
}

std::string type_word(ColumnType t) {
    switch (t) {
        case ColumnType::Boolean: return "a boolean";
        case ColumnType::Integer:
        case ColumnType::BigInt: return "an integer";
        case ColumnType::Real: return "a number";
        case ColumnType::Decimal: return "a decimal number";
        case ColumnType::Date: return "a date (YYYY-MM-DD)";
        case ColumnType::DateTime: return "a date-time (ISO 8601)";
        case ColumnType::Uuid: return "a UUID";
        case ColumnType::Blob: return "base64 text";
        case ColumnType::Json: return "JSON";
        case ColumnType::Text:
        case ColumnType::Varchar: return "a string";
    }
    return "a value";
}

/// The row a relation value names must exist: one query per relation field set.
void check_target(const FieldMeta& f, const Value& key, const std::string& alias, Errors& errors) {
    if (key.is_null() || !f.relation) return;
    const ModelMeta& target = f.relation->target();
    Query q(target);
    q.set_alias(alias);
    q.add_filter("pk", Operand(key), false);
    if (!exists(q))
        errors[f.name].push_back("Invalid pk " + key.repr() + ": " + target.name + " does not exist.");
}

}  // namespace

Json parse_body(std::string_view body) {
    try {
        return Json::parse(body);
    } catch (const Json::parse_error& e) {
        // (the parser's message quotes the bytes it stopped at, which need not be UTF-8)
        const std::string why = e.what();
        throw ValidationError("__all__", "Malformed JSON" + (valid_utf8(why) ? ": " + why
                                                                             : " at byte " + std::to_string(e.byte)));
    } catch (const Json::exception& e) {  // a number out of range (1e309): found by fuzz/from_json
        const std::string why = e.what();
        throw ValidationError("__all__", "Malformed JSON" + (valid_utf8(why) ? ": " + why : std::string()));
    }
}

void assign_from_json(const ModelMeta& m, void* obj, const ModelBase& base, const Json& j, bool partial) {
    if (!j.is_object())
        throw ValidationError("__all__", "Expected a JSON object of " + m.name + " fields, got " +
                                             std::string(j.type_name()));
    Errors errors;
    std::vector<std::pair<const FieldMeta*, Value>> targets;
    for (const auto& [key, v] : j.items()) {
        const FieldMeta* f = m.find(key);
        if (!f || f->name != key) {
            errors[key].push_back("Unknown field (choices: " + m.field_names() + ").");
            continue;
        }
        if (read_only(*f) || (partial && f->primary_key)) continue;
        if (!f->has_column()) {
            errors[key].push_back("A ManyToMany field is not set from JSON; link the rows after saving.");
            continue;
        }
        try {
            Value value = field_value(v, *f);
            f->access->set(obj, value);
            if (f->relation) targets.emplace_back(f, std::move(value));
        } catch (const BadValue&) {
            errors[key].push_back(v.is_null() ? "This field may not be null."
                                              : "Expected " + type_word(f->key_type()) + ", got " + v.dump() + ".");
        } catch (const FieldError& e) {
            errors[key].push_back(e.what());
        }
    }
    if (!partial)
        for (const FieldMeta& f : m.fields)
            if (required(f) && !j.contains(f.name)) errors[f.name].push_back("This field is required.");
    for (const auto& [f, key] : targets)
        if (!errors.count(f->name)) check_target(*f, key, base.db_alias(), errors);
    try {
        full_clean_instance(m, obj, base);
    } catch (const ValidationError& e) {
        for (const auto& [field, messages] : e.errors)
            if (!errors.count(field)) errors[field] = messages;
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));
}

namespace {

Json type_schema(const FieldMeta& f) {
    Json s;
    switch (f.key_type()) {
        case ColumnType::Boolean: s["type"] = "boolean"; break;
        case ColumnType::Integer:
        case ColumnType::BigInt: s["type"] = "integer"; break;
        case ColumnType::Real: s["type"] = "number"; break;
        case ColumnType::Decimal:
            s["type"] = "string";
            s["pattern"] = "^-?[0-9]+(\\.[0-9]+)?$";
            break;
        case ColumnType::Date: s = {{"type", "string"}, {"format", "date"}}; break;
        case ColumnType::DateTime: s = {{"type", "string"}, {"format", "date-time"}}; break;
        case ColumnType::Uuid: s = {{"type", "string"}, {"format", "uuid"}}; break;
        case ColumnType::Blob: s = {{"type", "string"}, {"contentEncoding", "base64"}}; break;
        case ColumnType::Json: return Json::object();  // any JSON value
        case ColumnType::Text:
        case ColumnType::Varchar:
            s["type"] = "string";
            if (auto n = f.key_max_length()) s["maxLength"] = *n;
            break;
    }
    return s;
}

}  // namespace

Json json_schema(const ModelMeta& m) {
    Json properties = Json::object();
    Json required_names = Json::array();
    for (const FieldMeta& f : m.fields) {
        if (!f.has_column()) continue;
        Json s = type_schema(f);
        if (!f.choices.empty()) {
            Json choices = Json::array();
            for (const auto& [value, label] : f.choices) choices.push_back(to_json(value));
            if (f.nullable) choices.push_back(nullptr);
            s["enum"] = std::move(choices);
        }
        if (f.nullable && s.contains("type")) s["type"] = Json::array({s["type"], "null"});
        if (f.default_value) s["default"] = to_json(*f.default_value);
        if (read_only(f)) s["readOnly"] = true;
        if (f.relation) s["description"] = "the key of a " + f.relation->target().name;
        properties[f.name] = std::move(s);
        if (required(f)) required_names.push_back(f.name);
    }
    return Json{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                {"title", m.name},
                {"type", "object"},
                {"properties", std::move(properties)},
                {"required", std::move(required_names)},
                {"additionalProperties", false}};
}

}  // namespace dorm::detail
