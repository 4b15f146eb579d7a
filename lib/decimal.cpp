#include "dorm/decimal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <ostream>
#include <system_error>

#include "dorm/error.hpp"

namespace dorm {
namespace {

// Beyond PostgreSQL's numeric (131072 digits before the point, 16383 after): a typo such
// as "1e999999999" must not allocate a gigabyte.
constexpr long long kMaxDigits = 262144;

[[noreturn]] void bad_text(std::string_view text) {
    std::string shown(text.substr(0, 100));
    if (text.size() > 100) shown += "...";
    throw ValidationError("__all__", "'" + shown + "' value must be a decimal number.");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string strip_leading_zeros(std::string s) {
    auto first = s.find_first_not_of('0');
    if (first == std::string::npos) return "0";
    s.erase(0, first);
    return s;
}

// Magnitudes of the same scale, without leading zeros.
int compare_magnitude(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string add_magnitude(const std::string& a, const std::string& b) {
    std::string out;
    out.reserve(std::max(a.size(), b.size()) + 1);
    int carry = 0;
    for (std::size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
        int d = carry;
        if (i < a.size()) d += a[a.size() - 1 - i] - '0';
        if (i < b.size()) d += b[b.size() - 1 - i] - '0';
        out.push_back(static_cast<char>('0' + d % 10));
        carry = d / 10;
    }
    std::reverse(out.begin(), out.end());
    return strip_leading_zeros(std::move(out));
}

// a - b with a >= b.
std::string subtract_magnitude(const std::string& a, const std::string& b) {
    std::string out;
    out.reserve(a.size());
    int borrow = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        int d = (a[a.size() - 1 - i] - '0') - borrow;
        if (i < b.size()) d -= b[b.size() - 1 - i] - '0';
        borrow = d < 0 ? 1 : 0;
        out.push_back(static_cast<char>('0' + d + 10 * borrow));
    }
    std::reverse(out.begin(), out.end());
    return strip_leading_zeros(std::move(out));
}

// Drops the last `k` digits of a magnitude, rounding half to even.
std::string round_off(std::string digits, std::size_t k) {
    if (k == 0) return digits;
    if (digits.size() <= k) digits.insert(0, k + 1 - digits.size(), '0');
    std::string kept = digits.substr(0, digits.size() - k);
    std::string_view dropped = std::string_view(digits).substr(digits.size() - k);
    bool up = false;
    if (dropped[0] > '5') {
        up = true;
    } else if (dropped[0] == '5') {
        bool beyond = dropped.find_first_not_of('0', 1) != std::string_view::npos;
        up = beyond || ((kept.back() - '0') % 2 == 1);
    }
    if (up) {
        std::size_t i = kept.size();
        while (i > 0 && kept[i - 1] == '9') kept[--i] = '0';
        if (i == 0) {
            kept.insert(0, 1, '1');
        } else {
            ++kept[i - 1];
        }
    }
    return strip_leading_zeros(std::move(kept));
}

}  // namespace

Decimal Decimal::from_parts(bool negative, std::string digits, int scale) {
    Decimal d;
    d.digits_ = strip_leading_zeros(std::move(digits));
    d.scale_ = scale;
    d.negative_ = negative && d.digits_ != "0";
    return d;
}

void Decimal::set_signed(long long v) {
    negative_ = v < 0;
    // Through unsigned so that the most negative value negates without overflow.
    auto magnitude = static_cast<unsigned long long>(v);
    if (negative_) magnitude = 0ULL - magnitude;
    digits_ = std::to_string(magnitude);
}

void Decimal::set_unsigned(unsigned long long v) { digits_ = std::to_string(v); }

Decimal::Decimal(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    bool negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    std::string digits;
    long long fraction = 0;
    bool any = false;
    for (; i < n && is_digit(text[i]); ++i, any = true) digits.push_back(text[i]);
    if (i < n && text[i] == '.') {
        for (++i; i < n && is_digit(text[i]); ++i, any = true, ++fraction) {
            digits.push_back(text[i]);
        }
    }
    if (!any) bad_text(text);
    long long exponent = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exponent_negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) exponent_negative = text[i++] == '-';
        if (i == n || !is_digit(text[i])) bad_text(text);
        for (; i < n && is_digit(text[i]); ++i) {
            // Saturate: anything this large is refused below.
            if (exponent < 10 * kMaxDigits) exponent = exponent * 10 + (text[i] - '0');
        }
        if (exponent_negative) exponent = -exponent;
    }
    if (i != n) bad_text(text);

    digits = strip_leading_zeros(std::move(digits));
    long long scale = fraction - exponent;
    if (scale < 0) {
        if (digits != "0") {
            if (static_cast<long long>(digits.size()) - scale > kMaxDigits) {
                throw ValidationError(
                    "__all__", "'" + std::string(text) + "' has too many digits for a decimal.");
            }
            digits.append(static_cast<std::size_t>(-scale), '0');
        }
        scale = 0;
    }
    if (scale > kMaxDigits || static_cast<long long>(digits.size()) > kMaxDigits) {
        throw ValidationError("__all__",
                              "'" + std::string(text) + "' has too many digits for a decimal.");
    }
    *this = from_parts(negative, std::move(digits), static_cast<int>(scale));
}

std::string Decimal::to_string() const {
    std::string out;
    const std::size_t length = digits_.size();
    const auto scale = static_cast<std::size_t>(scale_);
    out.reserve(length + scale + 3);
    if (negative_) out.push_back('-');
    if (scale == 0) {
        out += digits_;
    } else if (length > scale) {
        out.append(digits_, 0, length - scale);
        out.push_back('.');
        out.append(digits_, length - scale);
    } else {
        out += "0.";
        out.append(scale - length, '0');
        out += digits_;
    }
    return out;
}

int Decimal::digits() const { return std::max(static_cast<int>(digits_.size()), scale_); }

Decimal Decimal::quantize(int places) const {
    if (places < 0)
        throw Error("Decimal::quantize: places must be >= 0, not " + std::to_string(places));
    if (places >= scale_) {
        std::string digits = digits_;
        if (!is_zero()) digits.append(static_cast<std::size_t>(places - scale_), '0');
        return from_parts(negative_, std::move(digits), places);
    }
    return from_parts(negative_, round_off(digits_, static_cast<std::size_t>(scale_ - places)),
                      places);
}

bool Decimal::fits(int max_digits, int decimal_places) const {
    return digits() <= max_digits && scale_ <= decimal_places &&
           whole_digits() <= max_digits - decimal_places;
}

double Decimal::to_double() const {
    const std::string text = to_string();
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range) {
        v = whole_digits() > 0 ? std::numeric_limits<double>::infinity() : 0.0;
        if (negative_) v = -v;
    }
    return v;
}

Decimal Decimal::from_sqlite_real(double v) {
    if (!std::isfinite(v)) {
        throw ValidationError("__all__", std::string("'") + (std::isnan(v) ? "nan" : "inf") +
                                             "' value must be a decimal number.");
    }
    // A double's exact decimal expansion is finite: at most 309 digits before the point
    // and 1074 after. libstdc++'s to_chars prints it exactly at that precision.
    char buffer[1500];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 1074);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    bool negative = !text.empty() && text[0] == '-';
    if (negative) text.remove_prefix(1);
    auto point = text.find('.');
    std::string_view whole = text.substr(0, point);
    std::string_view fraction =
        point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
    auto last = fraction.find_last_not_of('0');
    fraction = last == std::string_view::npos ? std::string_view{} : fraction.substr(0, last + 1);
    std::string digits = strip_leading_zeros(std::string(whole) + std::string(fraction));
    auto scale = static_cast<long long>(fraction.size());

    // decimal.Context(prec=15): keep 15 significant digits; a carry out of the top digit
    // (9.99...9 -> 10.0...0) drops one more, as Python's _fix does.
    constexpr std::size_t kPrecision = 15;
    if (digits.size() > kPrecision) {
        std::size_t drop = digits.size() - kPrecision;
        digits = round_off(std::move(digits), drop);
        scale -= static_cast<long long>(drop);
        if (digits.size() > kPrecision) {
            digits.pop_back();
            --scale;
        }
        if (scale < 0) {
            digits.append(static_cast<std::size_t>(-scale), '0');
            scale = 0;
        }
    }
    return from_parts(negative, std::move(digits), static_cast<int>(scale));
}

Decimal Decimal::from_sqlite_real(double v, int decimal_places) {
    return from_sqlite_real(v).quantize(decimal_places);
}

Decimal operator+(const Decimal& a, const Decimal& b) {
    const int scale = std::max(a.scale_, b.scale_);
    std::string x = a.digits_, y = b.digits_;
    if (!a.is_zero()) x.append(static_cast<std::size_t>(scale - a.scale_), '0');
    if (!b.is_zero()) y.append(static_cast<std::size_t>(scale - b.scale_), '0');
    if (a.negative_ == b.negative_) {
        return Decimal::from_parts(a.negative_, add_magnitude(x, y), scale);
    }
    int c = compare_magnitude(x, y);
    if (c == 0) return Decimal::from_parts(false, "0", scale);
    if (c > 0) return Decimal::from_parts(a.negative_, subtract_magnitude(x, y), scale);
    return Decimal::from_parts(b.negative_, subtract_magnitude(y, x), scale);
}

Decimal operator-(const Decimal& a, const Decimal& b) { return a + (-b); }

Decimal Decimal::operator-() const {
    Decimal d = *this;
    d.negative_ = !negative_ && !is_zero();
    return d;
}

std::weak_ordering operator<=>(const Decimal& a, const Decimal& b) {
    if (a.negative_ != b.negative_) {
        return a.negative_ ? std::weak_ordering::less : std::weak_ordering::greater;
    }
    // Same sign: compare magnitudes, then flip for negatives.
    std::weak_ordering magnitude = std::weak_ordering::equivalent;
    if (a.is_zero() || b.is_zero()) {
        magnitude = a.is_zero() == b.is_zero()
                        ? std::weak_ordering::equivalent
                        : (a.is_zero() ? std::weak_ordering::less : std::weak_ordering::greater);
    } else {
        // No leading zeros: the position of the first digit decides, then the digits,
        // the shorter one padded with zeros.
        const long long ea = static_cast<long long>(a.digits_.size()) - a.scale_;
        const long long eb = static_cast<long long>(b.digits_.size()) - b.scale_;
        if (ea != eb) {
            magnitude = ea < eb ? std::weak_ordering::less : std::weak_ordering::greater;
        } else {
            const std::size_t n = std::max(a.digits_.size(), b.digits_.size());
            for (std::size_t i = 0; i < n; ++i) {
                char ca = i < a.digits_.size() ? a.digits_[i] : '0';
                char cb = i < b.digits_.size() ? b.digits_[i] : '0';
                if (ca != cb) {
                    magnitude = ca < cb ? std::weak_ordering::less : std::weak_ordering::greater;
                    break;
                }
            }
        }
    }
    if (a.negative_) return 0 <=> magnitude;
    return magnitude;
}

bool operator==(const Decimal& a, const Decimal& b) { return (a <=> b) == 0; }

std::size_t Decimal::hash() const noexcept {
    if (is_zero()) return 0x9e3779b97f4a7c15ULL & std::numeric_limits<std::size_t>::max();
    // Hash the value without trailing fractional zeros, so that 1.0 and 1.00 agree.
    std::string_view digits = digits_;
    int scale = scale_;
    while (scale > 0 && digits.back() == '0') {
        digits.remove_suffix(1);
        --scale;
    }
    std::size_t h = std::hash<std::string_view>{}(digits);
    h ^= static_cast<std::size_t>(scale) * 0x9e3779b9U + (h << 6) + (h >> 2);
    return negative_ ? ~h : h;
}

std::ostream& operator<<(std::ostream& os, const Decimal& d) { return os << d.to_string(); }

}  // namespace dorm
