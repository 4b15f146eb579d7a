#include <doctest/doctest.h>

#include <algorithm>
#include <dorm/error.hpp>
#include <dorm/uuid.hpp>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

using dorm::Uuid;

TEST_CASE("Uuid parses dashed and undashed hex in either case, braces and urn:uuid:") {
    const std::string expected = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    for (const char* text :
         {"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
          "6BA7B8109DAD11D180B400C04FD430C8", "6ba7b8109dad11d180b400c04fd430c8",
          "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "{6ba7b8109dad11d180b400c04fd430c8}",
          "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
          "URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430c8"}) {
        CAPTURE(text);
        Uuid u = Uuid::parse(text);
        CHECK(u.to_string() == expected);
        CHECK(u.hex() == "6ba7b8109dad11d180b400c04fd430c8");
        CHECK(u.version() == 1);
    }
    Uuid u = Uuid::parse(expected);
    CHECK(u.bytes()[0] == 0x6b);
    CHECK(u.bytes()[15] == 0xc8);
    CHECK(Uuid(u.bytes()) == u);
    CHECK(Uuid::parse(u.hex()) == u);
}

TEST_CASE("Uuid refuses bad text with a ValidationError naming it") {
    for (const char* bad :
         {"", "6ba7b810", "6ba7b810-9dad-11d1-80b4-00c04fd430c",
          "6ba7b810-9dad-11d1-80b4-00c04fd430c8a", "6ba7b8109dad11d180b400c04fd430cg",
          "6ba7b810-9dad11d1-80b4-00c04fd430c8-", "6ba7b8109-dad-11d1-80b4-00c04fd430c8",
          " 6ba7b8109dad11d180b400c04fd430c8", "6ba7b8109dad11d180b400c04fd430c8 ",
          "{6ba7b8109dad11d180b400c04fd430c8", "6ba7b8109dad11d180b400c04fd430c8}", "{}", "{",
          "urn:uuid:", "+ba7b8109dad11d180b400c04fd430c8", "0x6ba7b8109dad11d180b400c04fd430c8"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS((void)Uuid::parse(bad), dorm::ValidationError);
    }
    try {
        (void)Uuid::parse("not-a-uuid");
        FAIL("no exception");
    } catch (const dorm::ValidationError& e) {
        CHECK(std::string(e.what()).find("'not-a-uuid'") != std::string::npos);
    }
}

TEST_CASE("Uuid::v4 is random with the version and variant bits set") {
    std::unordered_set<Uuid> seen;
    for (int i = 0; i < 1000; ++i) {
        Uuid u = Uuid::v4();
        CHECK(u.version() == 4);
        CHECK((u.bytes()[8] & 0xC0) == 0x80);
        CHECK(u.to_string()[14] == '4');
        CHECK(std::string("89ab").find(u.to_string()[19]) != std::string::npos);
        CHECK_FALSE(u.is_nil());
        seen.insert(u);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("Uuid nil, ordering as Python's uuid (by integer value), hash and stream") {
    Uuid nil;
    CHECK(nil.is_nil());
    CHECK(nil.to_string() == "00000000-0000-0000-0000-000000000000");
    CHECK(nil.hex() == std::string(32, '0'));
    CHECK(nil.version() == 0);

    std::vector<Uuid> v = {Uuid::parse("ffffffff-0000-0000-0000-000000000000"),
                           Uuid::parse("00000000-0000-0000-0000-000000000001"),
                           Uuid::parse("0000000000000000ff00000000000000"), nil};
    std::sort(v.begin(), v.end());
    CHECK(v[0] == nil);
    CHECK(v[1].hex() == "00000000000000000000000000000001");
    CHECK(v[2].hex() == "0000000000000000ff00000000000000");
    CHECK(v[3].hex() == "ffffffff000000000000000000000000");
    CHECK(v[1] < v[2]);
    CHECK(v[1] != v[2]);

    Uuid a = Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    CHECK(std::hash<Uuid>{}(a) ==
          std::hash<Uuid>{}(Uuid::parse("6BA7B8109DAD11D180B400C04FD430C8")));
    std::ostringstream os;
    os << a;
    CHECK(os.str() == "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
}
