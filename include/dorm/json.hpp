#pragma once
// dorm::Json (nlohmann::json) as a Value and as a model member type.

#include <nlohmann/json.hpp>

#include "dorm/value.hpp"

namespace dorm {

using Json = nlohmann::json;

template <>
struct value_traits<Json> {
    static Value to_value(const Json& j) { return Value(JsonText{j.dump()}); }
    static Json from_value(const Value& v);
};

/// A Value as JSON: numbers and text as themselves, dates as ISO strings, JSON parsed.
Json to_json(const Value& v);

}  // namespace dorm
