#pragma once
// dorm::Value: one database value, type-erased, with the value_traits<T> hook that maps
// C++ member types onto it. Knows nothing of models, SQL text or backends.

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dorm {

using Date = std::chrono::year_month_day;                                 ///< a calendar date
using DateTime = std::chrono::sys_time<std::chrono::microseconds>;        ///< UTC, microseconds
using Blob = std::vector<std::byte>;                                      ///< binary data

/// A JSON document carried as its text (keeps nlohmann out of this header).
struct JsonText {
    std::string text;
    bool operator==(const JsonText&) const = default;
};

class Value;

/// Specialise to let a C++ type travel as a Value: `static Value to_value(const T&)`,
/// `static T from_value(const Value&)`.
template <class T>
struct value_traits;

template <class T>
concept ValueConvertible = requires(const T& t) {
    { value_traits<T>::to_value(t) } -> std::convertible_to<Value>;
};

/// Types Value holds directly (its own constructors take them).
template <class T>
concept DirectValue = std::is_arithmetic_v<T> || std::same_as<T, std::string> ||
                      std::same_as<T, std::string_view> || std::same_as<T, Date> ||
                      std::same_as<T, DateTime> || std::same_as<T, Blob> ||
                      std::same_as<T, JsonText>;

/// One database value: NULL, bool, integer, real, text, date, datetime, blob or JSON.
class Value {
   public:
    using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, Date,
                                 DateTime, Blob, JsonText>;

    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool b) : v_(b) {}
    template <std::integral I>
        requires(!std::same_as<I, bool> && !std::same_as<I, char>)
    Value(I i) : v_(static_cast<std::int64_t>(i)) {}
    Value(double d) : v_(d) {}
    Value(float d) : v_(double(d)) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(Date d) : v_(d) {}
    Value(DateTime t) : v_(t) {}
    Value(Blob b) : v_(std::move(b)) {}
    Value(JsonText j) : v_(std::move(j)) {}
    template <ValueConvertible T>
        requires(!DirectValue<T>)
    Value(const T& t) : Value(value_traits<T>::to_value(t)) {}

    [[nodiscard]] bool is_null() const { return v_.index() == 0; }
    template <class T>
    [[nodiscard]] bool is() const { return std::holds_alternative<T>(v_); }
    template <class T>
    [[nodiscard]] const T& get() const { return std::get<T>(v_); }
    [[nodiscard]] const Storage& storage() const { return v_; }

    /// As an integer (bool, integer, integral real or numeric text); throws FieldError otherwise.
    [[nodiscard]] std::int64_t as_int() const;
    /// As a real number; throws FieldError when not numeric.
    [[nodiscard]] double as_double() const;
    /// Text form: dates as YYYY-MM-DD, datetimes as YYYY-MM-DD HH:MM:SS[.ffffff].
    [[nodiscard]] std::string to_string() const;
    /// How messages quote it: 'text', 42, NULL.
    [[nodiscard]] std::string repr() const;
    /// The name of its type, for messages: "integer", "text", ...
    [[nodiscard]] const char* type_name() const;

    bool operator==(const Value&) const = default;

   private:
    Storage v_;
};

/// Date and datetime text in Django's storage formats.
std::string format_date(const Date& d);
std::string format_datetime(const DateTime& t);
/// Writes YYYY-MM-DD into out[10] without a terminator (the hot path).
void format_date_to(const Date& d, char* out);
/// Parse YYYY-MM-DD (trailing time ignored); nullopt when malformed.
std::optional<Date> parse_date(std::string_view s);
/// Parse YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][+HH[:MM]|Z]; nullopt when malformed.
std::optional<DateTime> parse_datetime(std::string_view s);

// ---- value_traits for the member types of API.md §2 ----------------------------------

template <class T>
    requires std::is_arithmetic_v<T>
struct value_traits<T> {
    static Value to_value(const T& t) {
        if constexpr (std::is_same_v<T, bool>) return Value(t);
        else if constexpr (std::is_integral_v<T>) return Value(static_cast<std::int64_t>(t));
        else return Value(static_cast<double>(t));
    }
    static T from_value(const Value& v) {
        if constexpr (std::is_same_v<T, bool>) return v.as_int() != 0;
        else if constexpr (std::is_integral_v<T>) return static_cast<T>(v.as_int());
        else return static_cast<T>(v.as_double());
    }
};

template <>
struct value_traits<std::string> {
    static Value to_value(const std::string& s) { return Value(s); }
    static std::string from_value(const Value& v) { return v.to_string(); }
};
template <>
struct value_traits<Date> {
    static Value to_value(const Date& d) { return Value(d); }
    static Date from_value(const Value& v);
};
template <>
struct value_traits<DateTime> {
    static Value to_value(const DateTime& d) { return Value(d); }
    static DateTime from_value(const Value& v);
};
template <>
struct value_traits<Blob> {
    static Value to_value(const Blob& b) { return Value(b); }
    static Blob from_value(const Value& v);
};
template <class T>
struct value_traits<std::optional<T>> {
    static Value to_value(const std::optional<T>& o) {
        return o ? value_traits<T>::to_value(*o) : Value();
    }
    static std::optional<T> from_value(const Value& v) {
        if (v.is_null()) return std::nullopt;
        return value_traits<T>::from_value(v);
    }
};

/// Convert a Value to T through value_traits (Value itself passes through).
template <class T>
T value_as(const Value& v) {
    if constexpr (std::is_same_v<T, Value>) return v;
    else return value_traits<T>::from_value(v);
}

}  // namespace dorm
