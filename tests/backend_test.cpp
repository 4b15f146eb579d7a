// The backends under the query path: URLs refused with a ConfigError, the bounded
// prepared-statement cache, Unicode regular expressions, per-connection session setup.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Author;
using testmodels::Counter;

namespace {

// connect() must refuse the URL with a ConfigError naming what is wrong, and the password
// ("secret", or the "cret" left of a broken one) must not appear in the message.
void check_refused(const std::string& url, const std::string& expected) {
    INFO("URL: " << url);
    try {
        connect(url, {.alias = "bad"});
        FAIL("accepted");
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        CHECK_MESSAGE(what.find(expected) != std::string::npos, what);
        CHECK_MESSAGE(what.find("cret") == std::string::npos, what);
    } catch (const std::exception& e) {
        FAIL("not a ConfigError: " << e.what());
    }
    CHECK_FALSE(is_connected("bad"));
}

// A URL that parses but names no reachable server: an OperationalError, password masked.
void check_unreachable(const std::string& url) {
    INFO("URL: " << url);
    try {
        connect(url, {.alias = "bad"});
        FAIL("connected");
    } catch (const OperationalError& e) {
        CHECK_MESSAGE(std::string(e.what()).find("cret") == std::string::npos, e.what());
    } catch (const std::exception& e) {
        FAIL("not an OperationalError: " << e.what());
    }
    CHECK_FALSE(is_connected("bad"));
}

// Prepared statements the alias's connection (of this thread) holds, from the database's own
// view of them; the counting statement is one of them.
std::int64_t prepared_statements(const std::string& alias) {
    const std::string view = vendor(alias) == "postgresql" ? "pg_prepared_statements" : "sqlite_stmt";
    auto rows = Counter::objects().using_db(alias).raw(
        "SELECT 1 AS id, 'prepared' AS name, count(*) AS value FROM " + view);
    return rows.at(0).value;
}

// n ids for an IN list: the first `real` are rows' ids, the rest match nothing.
std::vector<std::int64_t> ids(const std::vector<std::int64_t>& real, std::size_t n) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(i < real.size() ? real[i] : -std::int64_t(i) - 1);
    return out;
}

std::vector<std::int64_t> make_counters(const std::string& alias, int n) {
    std::vector<std::int64_t> out;
    for (int i = 0; i < n; ++i)
        out.push_back(Counter::objects().using_db(alias).create([&](Counter& c) {
            c.name = "c" + std::to_string(i);
            c.value = i;
        }).id);
    return out;
}

// An alias on the test database with its own statement cache size.
struct CacheAlias {
    std::string name;
    CacheAlias(std::string alias, std::size_t size) : name(std::move(alias)) {
        connect(testdb::url(), {.alias = name, .statement_cache_size = size});
        create_tables(name);
        Counter::objects().using_db(name).erase();
    }
    ~CacheAlias() { disconnect(name); }
    CacheAlias(const CacheAlias&) = delete;
    CacheAlias& operator=(const CacheAlias&) = delete;
};

template <class QS>
std::set<std::string> author_names(const QS& qs) {
    std::set<std::string> out;
    for (const Author& a : qs) out.insert(a.name);
    return out;
}

void make_authors(std::initializer_list<const char*> names) {
    for (const char* n : names) Author::objects().create([&](Author& a) { a.name = n; });
}

}  // namespace

// ---- URLs ------------------------------------------------------------------------------

TEST_CASE("bad percent-encoding in any part of a URL is a ConfigError, never invalid_argument") {
    check_refused("postgresql://u:%zz@h/db", "malformed percent-encoding in the password");
    check_refused("postgresql://u:%zz@h/db", "'postgresql://u:***@h/db'");
    check_refused("postgresql://u:se%zzcret@h/db", "in the password (expected %XX");
    check_refused("postgresql://u:secret%4@h/db", "malformed percent-encoding in the password");
    check_refused("postgresql://u%zz:secret@h/db", "in the user ('%zz')");
    check_refused("postgresql://u:secret@h%G1/db", "in the host ('%G1')");
    check_refused("postgresql://u:secret@h/d%2", "in the database name ('%2')");
    check_refused("postgresql://u:secret@h/d%00b", "in the database name ('%00')");
    check_refused("postgresql://u:secret@h/db?application_name=a%zz", "in the option application_name ('%zz')");
    check_refused("postgresql://u@h/db?password=se%zzcret", "in the option password (expected %XX");
}

TEST_CASE("a port that is not a number from 1 to 65535 is a ConfigError, in URL and key=value forms") {
    check_refused("postgresql://u:secret@h:99999/db", "port '99999' is not a number from 1 to 65535");
    check_refused("postgresql://u:secret@h:abc/db", "port 'abc' is not a number");
    check_refused("postgresql://u:secret@h:0/db", "port '0' is not a number");
    check_refused("postgresql://u:secret@h:-1/db", "port '-1' is not a number");
    check_refused("postgresql://u:secret@h:/db", "empty port after ':'");
    check_refused("postgresql://u:secret@[::1]:70000/db", "port '70000'");
    check_refused("postgresql://host=h port=abc password=secret", "port 'abc' is not a number");
    check_refused("postgresql://host=h password='sec ret' port=70000", "port '70000'");
}

TEST_CASE("schemes, options and hosts that cannot be read are ConfigErrors with the password masked") {
    check_refused("", "malformed database URL ''");
    check_refused("://u:secret@h/db", "malformed database URL");
    check_refused("postgresql:/u:secret@h/db", "malformed database URL");
    check_refused("mysql://u:secret@h/db", "unknown database scheme 'mysql' in 'mysql://u:***@h/db'");
    check_refused("postgresql://", "names no server");
    check_refused("sqlite3://", "names no file");
    check_refused("postgresql://u:secret@h/db?sslmode", "malformed option 'sslmode' (expected key=value)");
    check_refused("postgresql://u:secret@h/db?=x", "malformed option '=x'");
    check_refused("postgresql://u:secret@h/db?bogus=1", "invalid connection option \"bogus\"");
    check_refused("postgresql://host=h password=secret bogus=1", "invalid connection option \"bogus\"");
    check_refused("postgresql://host=h password=secret bogus=1", "password=***");
    check_refused("postgresql://host=h dbname='x password=secret", "unterminated quoted string");
    check_refused("postgresql://u:secret@[::1/db", "'[' without ']' around the IPv6 host");
    check_refused("postgresql://u:secret@[::1]5432/db", "unexpected '5432' after the IPv6 host");
    check_refused("sqlite3://:memory:?statement_cache_size=abc", "statement_cache_size 'abc' is not a number");
    check_refused("sqlite3://:memory:?statement_cache_size=-1", "statement_cache_size '-1' is not a number");
}

TEST_CASE("well-formed URLs get past parsing: a server that is not there is an OperationalError") {
    check_unreachable("postgresql://u:s%40cret@127.0.0.1:1/d%62?connect_timeout=2");
    check_unreachable("POSTGRESQL://u:secret@127.0.0.1:1/db?connect_timeout=2");
    check_unreachable("postgresql://u:secret@[::1]:1/db?connect_timeout=2");
    check_unreachable("postgresql://127.0.0.1:1?connect_timeout=2&password=secret");
}

TEST_CASE("mask_url hides passwords with '@' in them, quoted ones and ones in the query") {
    CHECK(mask_url("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db");
    CHECK(mask_url("postgresql://host=h password='a b\\' c' dbname=x") ==
          "postgresql://host=h password=*** dbname=x");
    CHECK(mask_url("postgresql://h/db?password=secret&sslmode=require") ==
          "postgresql://h/db?password=***&sslmode=require");
    CHECK(mask_url("postgresql://u@h/db?x=a@b") == "postgresql://u@h/db?x=a@b");
    // a '?' in a (malformed) scheme is not the query's: the password is still masked
    CHECK(mask_url("post?gres://u:secret@h/db") == "post?gres://u:***@h/db");
    // no '@' before a '?' (a second "://" after one; found by fuzz/url.cpp): masked to the last '@'
    CHECK(mask_url("x://h?d://h:%2Fsecret@") == "x://h?d:***@");
    CHECK(mask_url("p@b://:x@?g://h:secret@") == "p@b://:***@");
    // a bad URL's message quotes the piece it could not read, masked too (found by fuzz/url.cpp)
    for (const char* bad : {"postgresql://~p:x@?g://h:secret@", "postgres://t:x@hport=$$?://:secret@hport"}) {
        CAPTURE(bad);
        try {
            connect(bad, {.alias = "masked"});
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()).find("secret") == std::string::npos);
        }
    }
    // in the key=value form '&' belongs to the value (found by fuzz/url.cpp)
    CHECK(mask_url("postgresql://host=h password=&se&cret port=1") == "postgresql://host=h password=*** port=1");
    try {
        connect("po?stgres://u:secret@h/db");
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("secret") == std::string::npos);
    }
}

TEST_CASE_FIXTURE(testdb::Fresh, "an annotation name with a NUL or a quote is refused before any SQL") {
    // Found by fuzz/annotate.cpp: the NUL ended the statement's text inside the quoted name.
    const std::string nul("n\0x", 3);
    CHECK_THROWS_WITH_AS((void)testmodels::Author::objects().annotate(nul, Count("id")).to_vector(),
                         doctest::Contains("NUL"), FieldError);
    CaptureQueries q;
    CHECK_THROWS_WITH_AS((void)testmodels::Author::objects().annotate("a\"b", Count("id")).to_vector(),
                         doctest::Contains("not a valid annotation name"), FieldError);
    CHECK(q.count() == 0);
}

// ---- prepared statements -----------------------------------------------------------------

TEST_CASE_FIXTURE(testdb::Fresh, "1,000 distinct IN-list lengths keep the statement cache within its capacity" *
                  doctest::skip(!testdb::server_prepares())) {
    CacheAlias alias("cache16", 16);
    const auto real = make_counters(alias.name, 30);
    int wrong = 0;
    std::int64_t most = 0;
    for (std::size_t n = 1; n <= 1000; ++n) {
        const auto expected = std::int64_t(std::min<std::size_t>(n, real.size()));
        if (Counter::objects().using_db(alias.name).filter("id__in", ids(real, n)).count() != expected) ++wrong;
        if (n % 50 == 0) most = std::max(most, prepared_statements(alias.name));
    }
    CHECK(wrong == 0);
    CHECK(most <= 16);
    CHECK(prepared_statements(alias.name) == 16);  // full, and every evicted one freed
    // Lengths evicted long ago are prepared again and still right.
    CHECK(Counter::objects().using_db(alias.name).filter("id__in", ids(real, 1)).count() == 1);
    CHECK(Counter::objects().using_db(alias.name).filter("id__in", ids(real, 7)).count() == 7);
    std::vector<std::int64_t> values;
    for (const Counter& c : Counter::objects().using_db(alias.name).filter("id__in", ids(real, 3)).order_by("value"))
        values.push_back(c.value);
    CHECK(values == std::vector<std::int64_t>{0, 1, 2});
}

TEST_CASE_FIXTURE(testdb::Fresh, "a statement still being read is never evicted by the queries run meanwhile" *
                  doctest::skip(!testdb::server_prepares())) {
    CacheAlias alias("cache2", 2);
    const auto real = make_counters(alias.name, 10);
    std::int64_t seen = 0, sum = 0;
    int wrong = 0;
    for (const Counter& c : Counter::objects().using_db(alias.name).order_by("value").iterator()) {
        ++seen;
        sum += c.value;
        // Three distinct statements per row, in a cache of two, while the stream's is in use.
        for (std::size_t n = 1; n <= 3; ++n)
            if (Counter::objects().using_db(alias.name).filter("id__in", ids(real, n + std::size_t(c.value))).count() !=
                std::int64_t(std::min<std::size_t>(n + std::size_t(c.value), 10)))
                ++wrong;
    }
    CHECK(seen == 10);
    CHECK(sum == 45);
    CHECK(wrong == 0);
    CHECK(prepared_statements(alias.name) <= 2);
}

TEST_CASE_FIXTURE(testdb::Fresh, "statement_cache_size 0 prepares every statement afresh and keeps none" *
                  doctest::skip(!testdb::server_prepares())) {
    CacheAlias alias("nocache", 0);
    const auto real = make_counters(alias.name, 5);
    for (std::size_t n = 1; n <= 20; ++n)
        CHECK(Counter::objects().using_db(alias.name).filter("id__in", ids(real, n)).count() ==
              std::int64_t(std::min<std::size_t>(n, 5)));
    CHECK(prepared_statements(alias.name) == 1);  // only the one counting
}

TEST_CASE_FIXTURE(testdb::Fresh, "statement_cache_size in the URL wins over ConnectOptions") {
    connect("sqlite3://:memory:?statement_cache_size=3", {.alias = "urlcache", .statement_cache_size = 100});
    create_tables("urlcache");
    const auto real = make_counters("urlcache", 4);
    for (std::size_t n = 1; n <= 10; ++n)
        CHECK(Counter::objects().using_db("urlcache").filter("id__in", ids(real, n)).count() ==
              std::int64_t(std::min<std::size_t>(n, 4)));
    CHECK(prepared_statements("urlcache") == 3);
    disconnect("urlcache");
}

// ---- regular expressions -----------------------------------------------------------------

TEST_CASE_FIXTURE(testdb::Fresh, "regex counts characters, not bytes: '.' and {n} see one 'ë'") {
    make_authors({"Zoë", "Zoey", "été", "ÉTÉ", "x1", "a-b"});
    CHECK(author_names(Author::objects().filter("name__regex", "^.{3}$")) ==
          std::set<std::string>{"Zoë", "a-b", "été", "ÉTÉ"});
    CHECK(author_names(Author::objects().filter("name__regex", "^Zo.$")) == std::set<std::string>{"Zoë"});
    CHECK(author_names(Author::objects().filter("name__regex", "^[ëé]")) == std::set<std::string>{"été"});
}

TEST_CASE_FIXTURE(testdb::Fresh, "\\w matches letters beyond ASCII and iregex folds Unicode case") {
    make_authors({"Zoë", "été", "ÉTÉ", "x1", "a-b"});
    CHECK(author_names(Author::objects().filter("name__regex", "^\\w+$")) ==
          std::set<std::string>{"Zoë", "x1", "été", "ÉTÉ"});
    CHECK(author_names(Author::objects().filter("name__regex", "^ÉTÉ$")) == std::set<std::string>{"ÉTÉ"});
    CHECK(author_names(Author::objects().filter("name__iregex", "^ÉTÉ$")) == std::set<std::string>{"été", "ÉTÉ"});
    CHECK(author_names(Author::objects().filter("name__iregex", "zOË")) == std::set<std::string>{"Zoë"});
}

TEST_CASE_FIXTURE(testdb::Fresh, "a bad regular expression is an OperationalError and the connection goes on") {
    make_authors({"abc"});
    CHECK_THROWS_WITH_AS((void)Author::objects().filter("name__regex", "(unclosed").count(),
                         doctest::Contains("invalid regular expression"), OperationalError);
    CHECK(Author::objects().filter("name__regex", "^a").count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "more distinct patterns than the compile cache holds all match right") {
    make_authors({"aaaaa"});
    int wrong = 0;
    for (int n = 1; n <= 150; ++n) {
        const auto expected = n <= 5 ? 1 : 0;
        if (Author::objects().filter("name__regex", "^a{" + std::to_string(n) + "}").count() != expected) ++wrong;
    }
    CHECK(wrong == 0);
    CHECK(Author::objects().filter("name__regex", "^a{5}$").count() == 1);
}

// ---- session setup -----------------------------------------------------------------------

TEST_CASE_FIXTURE(testdb::Fresh, "every SQLite connection enforces foreign keys" *
                  doctest::skip(testdb::backend() != "sqlite")) {
    auto rows = Counter::objects().raw("SELECT 1 AS id, 'fk' AS name, foreign_keys AS value FROM pragma_foreign_keys");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].value == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "every PostgreSQL connection works in UTC" *
                  doctest::skip(testdb::backend() != "postgresql")) {
    auto rows = Counter::objects().raw("SELECT 1 AS id, current_setting('TimeZone') AS name, 0 AS value");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].name == "UTC");
}
