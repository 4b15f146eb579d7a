#include "dorm/field.hpp"

#include "dorm/error.hpp"
#include "dorm/json.hpp"

namespace dorm {

FieldBuilder& FieldBuilder::max_length(std::size_t n) {
    f().max_length = n;
    if (f().type == sql::ColumnType::Text) f().type = sql::ColumnType::Varchar;
    return *this;
}
FieldBuilder& FieldBuilder::unique() {
    f().unique = true;
    return *this;
}
FieldBuilder& FieldBuilder::db_index() {
    f().db_index = true;
    return *this;
}
FieldBuilder& FieldBuilder::default_value(Value v) {
    f().default_value = std::move(v);
    return *this;
}
FieldBuilder& FieldBuilder::primary_key() {
    f().primary_key = true;
    return *this;
}
FieldBuilder& FieldBuilder::db_column(std::string name) {
    f().column = std::move(name);
    return *this;
}
FieldBuilder& FieldBuilder::choices(std::vector<std::pair<Value, std::string>> c) {
    f().choices = std::move(c);
    return *this;
}
FieldBuilder& FieldBuilder::blank() {
    f().blank = true;
    return *this;
}
FieldBuilder& FieldBuilder::validators(std::vector<Validator> v) {
    f().validators = std::move(v);
    return *this;
}
FieldBuilder& FieldBuilder::auto_now() {
    if (f().type != sql::ColumnType::DateTime && f().type != sql::ColumnType::Date)
        throw ConfigError(m_.name + "." + f().name + ": auto_now() needs a Date or DateTime member");
    f().auto_now = true;
    return *this;
}
FieldBuilder& FieldBuilder::auto_now_add() {
    if (f().type != sql::ColumnType::DateTime && f().type != sql::ColumnType::Date)
        throw ConfigError(m_.name + "." + f().name + ": auto_now_add() needs a Date or DateTime member");
    f().auto_now_add = true;
    return *this;
}
FieldBuilder& FieldBuilder::null() {
    f().nullable = true;
    return *this;
}

void field_io<Json>::read(Json& m, const Row& r, int c) {
    if (r.is_null(c)) {
        m = nullptr;
        return;
    }
    auto t = r.get_text(c);
    m = Json::parse(t.begin(), t.end(), nullptr, false);
    if (m.is_discarded())
        throw OperationalError("malformed JSON in column " + std::to_string(c) + ": '" + std::string(t) + "'");
}

void field_io<Json>::bind(const Json& m, Binder& b, int i) { b.bind_json(i, m.dump()); }

Value value_traits<Json>::to_value(const Json& j) { return Value(JsonText{j.dump()}); }

Json value_traits<Json>::from_value(const Value& v) {
    if (v.is_null()) return nullptr;
    if (v.is<JsonText>()) return Json::parse(v.get<JsonText>().text);
    if (v.is<std::string>()) {
        auto j = Json::parse(v.get<std::string>(), nullptr, false);
        if (!j.is_discarded()) return j;
        return v.get<std::string>();
    }
    return to_json(v);
}

Json to_json(const Value& v) {
    if (v.is_null()) return nullptr;
    if (v.is<bool>()) return v.get<bool>();
    if (v.is<std::int64_t>()) return v.get<std::int64_t>();
    if (v.is<double>()) return v.get<double>();
    if (v.is<JsonText>()) return Json::parse(v.get<JsonText>().text);
    return v.to_string();
}

}  // namespace dorm
