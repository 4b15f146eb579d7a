#include "json_values.hpp"

#include <charconv>
#include <climits>
#include <optional>

#include "dorm/error.hpp"
#include "dorm/serialization.hpp"

namespace dorm::detail {

using sql::ColumnType;

namespace {
std::optional<std::int64_t> integer_text(const std::string& s) {
    std::int64_t i = 0;
    const char* b = s.data() + (!s.empty() && s[0] == '+');
    const char* e = s.data() + s.size();
    auto [p, ec] = std::from_chars(b, e, i);
    if (ec != std::errc() || p != e || b == e) return std::nullopt;
    return i;
}
}  // namespace

Value typed_value(const Json& v, ColumnType t) {
    switch (t) {
        case ColumnType::Boolean:
            if (v.is_boolean()) return v.get<bool>();
            if (v.is_number_integer() && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1))
                return v.get<std::int64_t>() == 1;
            if (v.is_string()) {
                const auto& s = v.get_ref<const std::string&>();
                if (s == "true" || s == "True" || s == "t" || s == "1") return true;
                if (s == "false" || s == "False" || s == "f" || s == "0") return false;
            }
            throw BadValue{"expected true or false"};
        case ColumnType::Integer:
        case ColumnType::BigInt:
            if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
                throw BadValue{"integer out of range"};
            if (v.is_number_integer()) return v.get<std::int64_t>();
            if (v.is_number_float()) {
                // in range before the conversion (out of range it is undefined): [-2^63, 2^63)
                const double d = v.get<double>();
                if (d >= -0x1p63 && d < 0x1p63 && d == double(std::int64_t(d))) return std::int64_t(d);
            }
            if (v.is_string())
                if (auto i = integer_text(v.get_ref<const std::string&>())) return *i;
            throw BadValue{"expected an integer"};
        case ColumnType::Real:
            if (v.is_number()) return v.get<double>();
            if (v.is_string()) {
                const auto& s = v.get_ref<const std::string&>();
                double d = 0;
                auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
                if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return d;
            }
            throw BadValue{"expected a number"};
        case ColumnType::Decimal:
            try {
                if (v.is_string()) return Decimal(v.get_ref<const std::string&>());
                if (v.is_number_integer()) return Decimal(v.get<std::int64_t>());
                if (v.is_number_float()) return Decimal(v.dump());
            } catch (const Error&) {
            }
            throw BadValue{"expected a decimal number (\"12.30\")"};
        case ColumnType::Date:
            if (v.is_string() && v.get_ref<const std::string&>().size() == 10)
                if (auto d = parse_date(v.get_ref<const std::string&>())) return *d;
            throw BadValue{"expected a date (YYYY-MM-DD)"};
        case ColumnType::DateTime:
            if (v.is_string())
                if (auto d = parse_datetime(v.get_ref<const std::string&>())) return *d;
            throw BadValue{"expected a datetime (ISO 8601: 2026-01-02T03:04:05.123Z)"};
        case ColumnType::Json: return JsonText{v.dump()};
        case ColumnType::Blob:
            if (v.is_string()) {
                try {
                    return base64_decode(v.get_ref<const std::string&>());
                } catch (const Error&) {
                }
            }
            throw BadValue{"expected base64 text"};
        case ColumnType::Uuid:
            if (v.is_string()) {
                try {
                    return Uuid::parse(v.get_ref<const std::string&>());
                } catch (const Error&) {
                }
            }
            throw BadValue{"expected a UUID"};
        case ColumnType::Text:
        case ColumnType::Varchar:
            if (v.is_string()) return v.get<std::string>();
            throw BadValue{"expected a string"};
    }
    throw BadValue{"unsupported column type"};
}

Value field_value(const Json& v, const FieldMeta& f) {
    if (v.is_null()) {
        if (f.nullable || f.type == ColumnType::Json) return Value();
        throw BadValue{"cannot be null"};
    }
    return typed_value(v, f.key_type());
}

}  // namespace dorm::detail
