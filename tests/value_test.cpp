#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <dorm/dorm.hpp>

using namespace dorm;
using namespace std::chrono;

TEST_CASE("dates and datetimes format as Django stores them on SQLite") {
    CHECK(format_date(Date{year{2026}, month{3}, day{7}}) == "2026-03-07");
    DateTime t = time_point_cast<microseconds>(sys_days{Date{year{2026}, month{1}, day{2}}}) +
                 hours{3} + minutes{4} + seconds{5};
    CHECK(format_datetime(t) == "2026-01-02 03:04:05");
    CHECK(format_datetime(t + microseconds{120}) == "2026-01-02 03:04:05.000120");
}

TEST_CASE("parsing accepts Django's and PostgreSQL's text and rejects garbage") {
    CHECK(parse_date("2026-12-31") == Date{year{2026}, month{12}, day{31}});
    CHECK_FALSE(parse_date("2026-13-01"));
    CHECK_FALSE(parse_date("yesterday"));
    auto t = parse_datetime("2026-01-02 03:04:05.5+01:00");
    REQUIRE(t);
    CHECK(format_datetime(*t) == "2026-01-02 02:04:05.500000");
    CHECK(parse_datetime("2026-01-02T03:04")); 
    CHECK_FALSE(parse_datetime("2026-01-02 xx"));
}

TEST_CASE("Value converts what filters take and says what it holds") {
    CHECK(Value(3).is<std::int64_t>());
    CHECK(Value("x").is<std::string>());
    CHECK(Value(true).is<bool>());
    CHECK(Value(nullptr).is_null());
    CHECK(Value(std::optional<int>{}).is_null());
    CHECK(Value(std::optional<int>{4}).as_int() == 4);
    CHECK(Value("42").as_int() == 42);
    CHECK_THROWS_AS((void)Value("4x").as_int(), FieldError);
    // whole doubles beyond int64 are refused, not converted (undefined behaviour; UBSan found it)
    CHECK(Value(-0x1p63).as_int() == INT64_MIN);
    CHECK_THROWS_AS((void)Value(0x1p63).as_int(), FieldError);
    CHECK_THROWS_AS((void)Value(1e300).as_int(), FieldError);
    CHECK_THROWS_AS((void)Value(-1e300).as_int(), FieldError);
    CHECK_THROWS_AS((void)Value(std::numeric_limits<double>::infinity()).as_int(), FieldError);
    CHECK(Value("it's").repr() == "'it's'");
    CHECK(Value(2.5).as_double() == 2.5);
    CHECK(Value(Json{{"a", 1}}).get<JsonText>().text == R"({"a":1})");
}
