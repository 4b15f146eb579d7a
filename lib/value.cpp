#include "dorm/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "dorm/error.hpp"
#include "dorm/row.hpp"

namespace dorm {

Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;
Value::~Value() = default;
bool Value::operator==(const Value& o) const { return v_ == o.v_; }

namespace {
template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}
}  // namespace

void format_date_to(const Date& d, char* b) {
    int y = int(d.year());
    unsigned m = unsigned(d.month()), dd = unsigned(d.day());
    b[0] = char('0' + y / 1000 % 10);
    b[1] = char('0' + y / 100 % 10);
    b[2] = char('0' + y / 10 % 10);
    b[3] = char('0' + y % 10);
    b[4] = '-';
    b[5] = char('0' + m / 10);
    b[6] = char('0' + m % 10);
    b[7] = '-';
    b[8] = char('0' + dd / 10);
    b[9] = char('0' + dd % 10);
}

std::string format_date(const Date& d) {
    std::string s(10, '\0');
    format_date_to(d, s.data());
    return s;
}

std::string format_datetime(const DateTime& t) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    Date d{day};
    hh_mm_ss<microseconds> hms{t - day};
    char buf[40];
    format_date_to(d, buf);
    int n = std::snprintf(buf + 10, sizeof buf - 10, " %02d:%02d:%02d", int(hms.hours().count()),
                          int(hms.minutes().count()), int(hms.seconds().count()));
    std::string s(buf, std::size_t(10 + n));
    if (auto us = hms.subseconds().count(); us != 0) {
        char f[8];
        std::snprintf(f, sizeof f, ".%06d", int(us));
        s += f;
    }
    return s;
}

std::optional<Date> parse_date(std::string_view s) {
    int y, m, d;
    if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) ||
        !digits(s, 5, 2, m) || !digits(s, 8, 2, d))
        return std::nullopt;
    Date out{std::chrono::year{y}, std::chrono::month{unsigned(m)}, std::chrono::day{unsigned(d)}};
    if (!out.ok()) return std::nullopt;
    return out;
}

std::optional<DateTime> parse_datetime(std::string_view s) {
    auto d = parse_date(s);
    if (!d) return std::nullopt;
    using namespace std::chrono;
    DateTime t = time_point_cast<microseconds>(sys_days{*d});
    if (s.size() == 10) return t;
    if (s[10] != ' ' && s[10] != 'T') return std::nullopt;
    int hh, mm, ss = 0;
    if (!digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, mm))
        return std::nullopt;
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!digits(s, pos + 1, 2, ss)) return std::nullopt;
        pos += 3;
    }
    long us = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int ndig = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (ndig < 6) {
                us = us * 10 + (s[pos] - '0');
                ++ndig;
            }
            ++pos;
        }
        for (; ndig < 6; ++ndig) us *= 10;
    }
    t += hours{hh} + minutes{mm} + seconds{ss} + microseconds{us};
    if (pos < s.size()) {
        if (s[pos] == 'Z') return t;
        if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
        int sign = s[pos] == '-' ? -1 : 1, oh = 0, om = 0;
        if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size() && !digits(s, pos, 2, om)) return std::nullopt;
        t -= sign * (hours{oh} + minutes{om});
    }
    return t;
}

std::int64_t Value::as_int() const {
    return std::visit(
        overloaded{[](bool b) -> std::int64_t { return b; },
                   [](std::int64_t i) { return i; },
                   [this](double d) -> std::int64_t {
                       // out of [-2^63, 2^63) (or inf) the conversion would be undefined
                       if (std::trunc(d) != d || d < -0x1p63 || d >= 0x1p63)
                           throw FieldError("expected an integer but got " + repr());
                       return static_cast<std::int64_t>(d);
                   },
                   [this](const std::string& s) -> std::int64_t {
                       std::int64_t out = 0;
                       auto r = std::from_chars(s.data(), s.data() + s.size(), out);
                       if (r.ec != std::errc() || r.ptr != s.data() + s.size())
                           throw FieldError("expected an integer but got " + repr());
                       return out;
                   },
                   [this](const Decimal& d) -> std::int64_t {
                       if (d.quantize(0) != d) throw FieldError("expected an integer but got " + repr());
                       return Value(d.quantize(0).to_string()).as_int();
                   },
                   [this](const auto&) -> std::int64_t {
                       throw FieldError("expected an integer but got " + repr());
                   }},
        v_);
}

double Value::as_double() const {
    return std::visit(overloaded{[](bool b) -> double { return b; },
                                 [](std::int64_t i) { return double(i); },
                                 [](double d) { return d; },
                                 [](const Decimal& d) { return d.to_double(); },
                                 [this](const std::string& s) -> double {
                                     try {
                                         std::size_t n = 0;
                                         double d = std::stod(s, &n);
                                         if (n == s.size()) return d;
                                     } catch (const std::exception&) {
                                     }
                                     throw FieldError("expected a number but got " + repr());
                                 },
                                 [this](const auto&) -> double {
                                     throw FieldError("expected a number but got " + repr());
                                 }},
                      v_);
}

std::string Value::to_string() const {
    return std::visit(overloaded{[](std::monostate) { return std::string("NULL"); },
                                 [](bool b) { return std::string(b ? "true" : "false"); },
                                 [](std::int64_t i) { return std::to_string(i); },
                                 [](double d) {
                                     char buf[32];
                                     std::snprintf(buf, sizeof buf, "%.17g", d);
                                     return std::string(buf);
                                 },
                                 [](const std::string& s) { return s; },
                                 [](const Date& d) { return format_date(d); },
                                 [](const DateTime& t) { return format_datetime(t); },
                                 [](const Blob& b) {
                                     return std::string(reinterpret_cast<const char*>(b.data()),
                                                        b.size());
                                 },
                                 [](const JsonText& j) { return j.text; },
                                 [](const Decimal& d) { return d.to_string(); },
                                 [](const Uuid& u) { return u.to_string(); }},
                      v_);
}

std::string Value::repr() const {
    if (is_null()) return "NULL";
    if (is<bool>() || is<std::int64_t>() || is<double>() || is<Decimal>()) return to_string();
    if (is<Blob>()) return "<" + std::to_string(get<Blob>().size()) + " bytes>";
    return "'" + to_string() + "'";
}

const char* Value::type_name() const {
    static const char* const names[] = {"NULL", "bool", "integer", "real",    "text", "date",
                                        "datetime", "blob", "json", "decimal", "uuid"};
    return names[v_.index()];
}

Date value_traits<Date>::from_value(const Value& v) {
    if (v.is<Date>()) return v.get<Date>();
    if (v.is<DateTime>()) return Date{std::chrono::floor<std::chrono::days>(v.get<DateTime>())};
    if (v.is<std::string>())
        if (auto d = parse_date(v.get<std::string>())) return *d;
    throw FieldError("expected a date (YYYY-MM-DD) but got " + v.repr());
}

DateTime value_traits<DateTime>::from_value(const Value& v) {
    if (v.is<DateTime>()) return v.get<DateTime>();
    if (v.is<Date>())
        return std::chrono::time_point_cast<std::chrono::microseconds>(
            std::chrono::sys_days{v.get<Date>()});
    if (v.is<std::string>())
        if (auto t = parse_datetime(v.get<std::string>())) return *t;
    throw FieldError("expected a datetime (YYYY-MM-DD HH:MM:SS) but got " + v.repr());
}

Blob value_traits<Blob>::from_value(const Value& v) {
    if (v.is<Blob>()) return v.get<Blob>();
    if (v.is<std::string>()) {
        const auto& s = v.get<std::string>();
        Blob b(s.size());
        for (std::size_t i = 0; i < s.size(); ++i) b[i] = std::byte(s[i]);
        return b;
    }
    throw FieldError("expected binary data but got " + v.repr());
}

void Binder::bind(int i, const Value& v) {
    std::visit(overloaded{[&](std::monostate) { bind_null(i); },
                          [&](bool b) { bind_bool(i, b); },
                          [&](std::int64_t x) { bind_int64(i, x); },
                          [&](double d) { bind_double(i, d); },
                          [&](const std::string& s) { bind_text(i, s); },
                          [&](const Date& d) { bind_date(i, d); },
                          [&](const DateTime& t) { bind_datetime(i, t); },
                          [&](const Blob& b) { bind_blob(i, b); },
                          [&](const JsonText& j) { bind_json(i, j.text); },
                          [&](const Decimal& d) { bind_decimal(i, d); },
                          [&](const Uuid& u) { bind_uuid(i, u); }},
               v.storage());
}

void Binder::bind_copy(int i, const Value& v) {
    if (v.is<std::string>()) bind_text_copy(i, v.get<std::string>());
    else if (v.is<Blob>()) bind_blob_copy(i, v.get<Blob>());
    else bind(i, v);
}

Decimal value_traits<Decimal>::from_value(const Value& v) {
    if (v.is<Decimal>()) return v.get<Decimal>();
    if (v.is<std::int64_t>()) return Decimal(v.get<std::int64_t>());
    if (v.is<double>()) return Decimal::from_sqlite_real(v.get<double>());
    if (v.is<std::string>()) {
        try {
            return Decimal(v.get<std::string>());
        } catch (const ValidationError&) {
        }
    }
    throw FieldError("expected a decimal number but got " + v.repr());
}

Uuid value_traits<Uuid>::from_value(const Value& v) {
    if (v.is<Uuid>()) return v.get<Uuid>();
    if (v.is<std::string>()) {
        try {
            return Uuid::parse(v.get<std::string>());
        } catch (const ValidationError&) {
        }
    }
    throw FieldError("expected a UUID but got " + v.repr());
}

void throw_out_of_range(std::int64_t value, std::int64_t min, std::uint64_t max) {
    throw FieldError("integer " + std::to_string(value) + " is out of range (" + std::to_string(min) + " to " +
                     std::to_string(max) + ")");
}

void throw_unknown_enum(const std::string& value, const std::string& choices) {
    throw FieldError(value + " is not one of the choices " + choices);
}

Decimal Row::get_decimal(int col) const { return value_traits<Decimal>::from_value(get_value(col)); }

Uuid Row::get_uuid(int col) const { return Uuid::parse(get_text(col)); }

Value read_typed(const Row& r, int col, ColumnType type) {
    if (r.is_null(col)) return Value();
    switch (type) {
        case ColumnType::Boolean: return Value(r.get_bool(col));
        case ColumnType::Integer:
        case ColumnType::BigInt: return Value(r.get_int64(col));
        case ColumnType::Real: return Value(r.get_double(col));
        case ColumnType::Decimal: return Value(r.get_decimal(col));
        case ColumnType::Varchar:
        case ColumnType::Text: return Value(std::string(r.get_text(col)));
        case ColumnType::Date: return Value(r.get_date(col));
        case ColumnType::DateTime: return Value(r.get_datetime(col));
        case ColumnType::Uuid: return Value(r.get_uuid(col));
        case ColumnType::Json: return Value(JsonText{std::string(r.get_text(col))});
        case ColumnType::Blob: return Value(r.get_blob(col));
    }
    return r.get_value(col);
}

}  // namespace dorm
