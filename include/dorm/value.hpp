#pragma once
// dorm::Value: one database value, type-erased, with the value_traits<T> hook that maps
// C++ member types onto it. Knows nothing of models, SQL text or backends.

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dorm/decimal.hpp"
#include "dorm/uuid.hpp"

namespace dorm {

/// The kinds of column dorm knows: what a field stores and what a value_traits may name
/// (API.md §11). Django's column types per backend are the dialects' business.
enum class ColumnType { Boolean, Integer, BigInt, Real, Decimal, Text, Varchar, Date, DateTime, Json, Blob, Uuid };

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
/// `static T from_value(const Value&)`; with `static constexpr ColumnType column` as well,
/// T can be a model member (API.md §11).
template <class T>
struct value_traits;

/// Specialise for an enum stored as text (Django's TextChoices): `static constexpr
/// std::pair<E, const char*> values[] = {{E::a, "a"}, ...};`.
template <class E>
struct enum_traits;

/// An enum with enum_traits.
template <class E>
concept TextEnum = std::is_enum_v<E> && requires { enum_traits<E>::values[0].second; };

template <class T>
concept ValueConvertible = requires(const T& t) {
    { value_traits<T>::to_value(t) } -> std::convertible_to<Value>;
};

/// Types Value holds directly (its own constructors take them).
template <class T>
concept DirectValue = std::is_arithmetic_v<T> || std::same_as<T, std::string> ||
                      std::same_as<T, std::string_view> || std::same_as<T, Date> ||
                      std::same_as<T, DateTime> || std::same_as<T, Blob> ||
                      std::same_as<T, JsonText> || std::same_as<T, Decimal> || std::same_as<T, Uuid>;

/// One database value: NULL, bool, integer, real, text, date, datetime, blob, JSON,
/// decimal or UUID.
class Value {
   public:
    using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, Date,
                                 DateTime, Blob, JsonText, Decimal, Uuid>;

    Value() = default;
    // Out of line (lib/value.cpp): inline, each would compile the variant's visitors in
    // every translation unit.
    Value(const Value&);
    Value(Value&&) noexcept;
    Value& operator=(const Value&);
    Value& operator=(Value&&) noexcept;
    ~Value();
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
    Value(Decimal d) : v_(std::move(d)) {}
    Value(Uuid u) : v_(u) {}
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
    /// As a real number (a decimal rounded); throws FieldError when not numeric.
    [[nodiscard]] double as_double() const;
    /// Text form: dates as YYYY-MM-DD, datetimes as YYYY-MM-DD HH:MM:SS[.ffffff].
    [[nodiscard]] std::string to_string() const;
    /// How messages quote it: 'text', 42, NULL.
    [[nodiscard]] std::string repr() const;
    /// The name of its type, for messages: "integer", "text", ...
    [[nodiscard]] const char* type_name() const;

    bool operator==(const Value&) const;

   private:
    Storage v_;
};

/// Throws FieldError: `value` is not one of the enum's texts `choices`.
[[noreturn]] void throw_unknown_enum(const std::string& value, const std::string& choices);
/// FieldError: the integer does not fit the member it is read into.
[[noreturn]] void throw_out_of_range(std::int64_t value, std::int64_t min, std::uint64_t max);

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
        else if constexpr (std::is_integral_v<T>) {
            const std::int64_t i = v.as_int();
            if (!std::in_range<T>(i))  // never a silent wrap-around
                throw_out_of_range(i, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
            return static_cast<T>(i);
        }
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
template <>
struct value_traits<Decimal> {
    static Value to_value(const Decimal& d) { return Value(d); }
    /// From a decimal, an integer, decimal text, or a real as SQLite returns it (15
    /// significant digits, as Django reads it).
    static Decimal from_value(const Value& v);
};
template <>
struct value_traits<Uuid> {
    static Value to_value(const Uuid& u) { return Value(u); }
    /// From a Uuid or its text (hex or dashed).
    static Uuid from_value(const Value& v);
};

/// Enums with enum_traits travel as their text; an unknown text is a FieldError naming it.
template <TextEnum E>
struct value_traits<E> {
    static constexpr ColumnType column = ColumnType::Varchar;
    static Value to_value(const E& e) {
        for (const auto& [k, text] : enum_traits<E>::values)
            if (k == e) return Value(text);
        throw_unknown_enum(std::to_string(static_cast<long long>(e)), names());
    }
    static E from_value(const Value& v) {
        const std::string s = v.to_string();
        for (const auto& [k, text] : enum_traits<E>::values)
            if (s == text) return k;
        throw_unknown_enum(v.repr(), names());
    }
    /// "'draft', 'live'": the texts, for messages.
    static std::string names() {
        std::string out;
        for (const auto& [k, text] : enum_traits<E>::values)
            out += (out.empty() ? "'" : ", '") + std::string(text) + "'";
        return out;
    }
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
