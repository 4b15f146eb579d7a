#pragma once
// JSON values as Values of a column type, as Django's fields' to_python accept them: the one
// converter for fixtures, request bodies and query strings (private to lib/).

#include <string>

#include "dorm/json.hpp"
#include "dorm/meta.hpp"

namespace dorm::detail {

/// A value that does not fit its field: the reason, wrapped with the caller's context.
struct BadValue {
    std::string why;
};

/// v as a Value of column type t ("3" and 3 alike for an integer); BadValue when it does not fit.
Value typed_value(const Json& v, sql::ColumnType t);
/// v for field f: null where the field allows it, else typed_value of the stored type.
Value field_value(const Json& v, const FieldMeta& f);

}  // namespace dorm::detail
