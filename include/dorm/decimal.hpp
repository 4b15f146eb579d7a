#pragma once
// dorm::Decimal: an exact decimal number (Django's DecimalField, PostgreSQL numeric).
// A sign, a string of digits and a scale; never a double inside. Knows nothing of Value,
// fields, SQL or backends.

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace dorm {

namespace detail {
/// The integer types a Decimal converts from: not bool, not the character types.
template <class T>
concept DecimalInteger = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                         !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                         !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;
}  // namespace detail

/// An exact decimal number with a scale: `Decimal("12.30")` has the digits 1230 and the
/// scale 2, prints as `"12.30"` and equals `Decimal("12.3")` (as Python's decimal does).
/// Any number of digits (PostgreSQL's numeric keeps up to 131072 before the point).
///
///     dorm::Decimal price("12.30");
///     price + dorm::Decimal("0.7");   // 13.00
///     price.quantize(1);              // 12.3 (ROUND_HALF_EVEN)
///     price.fits(4, 2);               // true: Django's DecimalValidator(4, 2)
class Decimal {
   public:
    /// Zero, scale 0.
    Decimal() = default;

    /// An integer, scale 0: `Decimal d = 5;`.
    template <detail::DecimalInteger I>
    Decimal(I v) {  // NOLINT(google-explicit-constructor): an integer is exactly a decimal
        if constexpr (std::signed_integral<I>) {
            set_signed(static_cast<long long>(v));
        } else {
            set_unsigned(static_cast<unsigned long long>(v));
        }
    }

    /// Parses Python's decimal syntax without NaN and Infinity: an optional sign, digits
    /// with an optional point (`"12.30"`, `"-0.5"`, `"+3"`, `".5"`, `"1."`), an optional
    /// exponent (`"1E+3"`, `"1.5e-2"`). No spaces. Bad text: dorm::ValidationError naming
    /// it (under the key `"__all__"`).
    explicit Decimal(std::string_view text);

    /// The number in plain notation, keeping the scale: `"12.30"`, `"-0.5"`, `"1000"` for
    /// `"1E+3"`. Never an exponent, never a negative zero (`"-0.00"` prints `"0.00"`).
    [[nodiscard]] std::string to_string() const;

    /// Significant digits as Django's DecimalValidator counts them: whole digits plus
    /// decimal places, leading zeros of the whole part not counted (`"0.05"`: 2,
    /// `"012.30"`: 4, `"0"`: 1).
    [[nodiscard]] int digits() const;
    /// Digits after the point, trailing zeros included (`"12.30"`: 2).
    [[nodiscard]] int scale() const { return scale_; }
    /// `digits() - scale()`: digits before the point, leading zeros not counted (`"0.5"`: 0).
    [[nodiscard]] int whole_digits() const { return digits() - scale_; }

    [[nodiscard]] bool is_zero() const { return digits_ == "0"; }
    [[nodiscard]] bool is_negative() const { return negative_; }

    /// Rounded (ROUND_HALF_EVEN, Python's default) or padded to exactly `places` decimals
    /// (`places >= 0`): `Decimal("2.675").quantize(2)` is `2.68`, `Decimal("2.665")`
    /// gives `2.66`, `Decimal("1").quantize(2)` is `1.00`.
    [[nodiscard]] Decimal quantize(int places) const;

    /// Whether Django's DecimalValidator(max_digits, decimal_places) accepts the value:
    /// `digits() <= max_digits`, `scale() <= decimal_places` and
    /// `whole_digits() <= max_digits - decimal_places`.
    [[nodiscard]] bool fits(int max_digits, int decimal_places) const;

    /// The nearest double (for arithmetic outside the database; never stored).
    [[nodiscard]] double to_double() const;

    /// Reads a decimal column back from SQLite, which keeps it as a REAL, exactly as
    /// Django's converter does: the binary value rounded to 15 significant digits
    /// (`decimal.Context(prec=15).create_decimal_from_float`), then quantized to
    /// `decimal_places`. NaN or infinity: dorm::ValidationError.
    [[nodiscard]] static Decimal from_sqlite_real(double v, int decimal_places);
    /// The same without the quantize step (Django's converter for an expression that is
    /// not a plain column, such as an aggregate): `0.1` gives `0.100000000000000`.
    [[nodiscard]] static Decimal from_sqlite_real(double v);

    /// Exact sum and difference; the scale is the larger of the two.
    friend Decimal operator+(const Decimal& a, const Decimal& b);
    friend Decimal operator-(const Decimal& a, const Decimal& b);
    Decimal operator-() const;
    Decimal operator+() const { return *this; }
    Decimal& operator+=(const Decimal& b) { return *this = *this + b; }
    Decimal& operator-=(const Decimal& b) { return *this = *this - b; }

    /// Compare by numeric value: `Decimal("1.0") == Decimal("1.00")`.
    friend bool operator==(const Decimal& a, const Decimal& b);
    friend std::weak_ordering operator<=>(const Decimal& a, const Decimal& b);

    /// Equal for equal values (`"1.0"` and `"1.00"` hash alike).
    [[nodiscard]] std::size_t hash() const noexcept;

   private:
    void set_signed(long long v);
    void set_unsigned(unsigned long long v);
    static Decimal from_parts(bool negative, std::string digits, int scale);

    std::string digits_ = "0";  // the unscaled magnitude, no leading zeros; "0" for zero
    int scale_ = 0;             // digits_ holds scale_ decimals (>= 0)
    bool negative_ = false;     // never set for zero
};

/// Writes `d.to_string()`.
std::ostream& operator<<(std::ostream& os, const Decimal& d);

}  // namespace dorm

template <>
struct std::hash<dorm::Decimal> {
    std::size_t operator()(const dorm::Decimal& d) const noexcept { return d.hash(); }
};
