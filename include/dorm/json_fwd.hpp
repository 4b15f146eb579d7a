#pragma once
// dorm::Json named, not defined: for headers that only declare functions taking or returning
// Json. Costs nlohmann's json_fwd.hpp, not its 130,000-line json.hpp; include dorm/json.hpp
// where a Json is built, read or held by value.

#include <nlohmann/json_fwd.hpp>

#include "dorm/value.hpp"

namespace dorm {

using Json = nlohmann::json;

/// A Json member as a Value: the document as JsonText (lib/field.cpp).
template <>
struct value_traits<Json> {
    static Value to_value(const Json& j);
    static Json from_value(const Value& v);
};

/// A Value as JSON: numbers and text as themselves, dates as ISO strings, JSON parsed.
Json to_json(const Value& v);

}  // namespace dorm
