// FilterSet (API.md §13): whitelisted filters from query strings, values converted by field
// type, every bad parameter a ValidationError naming it, the custom QuerySet kept. Both backends.
#include <doctest/doctest.h>

#include <type_traits>

#include "../support/web.hpp"

using namespace dorm;
using web::Blog, web::Entry, web::EntryQuerySet;
using testmodels::ymd;

namespace {
struct Seeded : web::Fresh {
    Blog cooking = web::blog("Cooking daily"), cars = web::blog("Cars");
    Entry soup = web::entry(cooking, "Soup", 5, ymd(2026, 5, 1));
    Entry bread = web::entry(cooking, "Bread", 3, ymd(2025, 4, 2));
    Entry engine = web::entry(cars, "Engine", 4, ymd(2026, 1, 9));
    Entry draft = web::entry(cooking, "Draft", 5, ymd(2026, 6, 1), false);
};

FilterSet<Entry> entry_filters() {
    return FilterSet<Entry>({
        .fields = {{"rating", {"exact", "gte", "lte"}}, {"blog__name", {"exact", "icontains"}},
                   {"pub_date", {"exact", "year", "gte", "lte"}}, {"id", {"in"}},
                   {"published", {"exact"}}, {"n_comments", {"isnull"}}},
        .ordering = {"pub_date", "rating", "headline"},
    });
}

std::vector<std::string> headlines(const EntryQuerySet& qs) {
    std::vector<std::string> out;
    for (const Entry& e : qs) out.push_back(e.headline);
    return out;
}

ValidationError rejected(const QueryParams& params) {
    try {
        (void)entry_filters().apply(Entry::objects().live(), params);
    } catch (const ValidationError& e) {
        return e;
    }
    FAIL("no ValidationError for these parameters");
    return ValidationError("", "");
}
}  // namespace

TEST_CASE_FIXTURE(Seeded, "the API.md §13 filter: converted values, a comma list, ordering, the custom QuerySet kept") {
    FilterSet<Entry> filters = entry_filters();
    QueryParams params = {{"rating__gte", "3"}, {"blog__name__icontains", "COOK"},
                          {"ordering", "-pub_date,headline"}, {"page", "2"}};
    CaptureQueries building;
    EntryQuerySet qs = filters.apply(Entry::objects().live(), params);
    static_assert(std::is_same_v<decltype(filters.apply(Entry::objects().live(), params)), EntryQuerySet>);
    CHECK(building.count() == 0);  // lazy: nothing runs until the rows are asked for
    CHECK(headlines(qs) == std::vector<std::string>{"Soup", "Bread"});
    CHECK(qs.count() == 2);
    CHECK(qs.exists());
    CHECK(headlines(qs.live().filter("rating", 5)) == std::vector<std::string>{"Soup"});

    CHECK(headlines(filters.apply(Entry::objects().all(), {{"id__in", std::to_string(soup.id) + "," + std::to_string(engine.id)},
                                                           {"ordering", "rating"}})) ==
          std::vector<std::string>{"Engine", "Soup"});
    CHECK(headlines(filters.apply(Entry::objects().all(), {{"pub_date__year", "2026"}, {"ordering", "pub_date"}})) ==
          std::vector<std::string>{"Engine", "Soup", "Draft"});
    CHECK(headlines(filters.apply(Entry::objects().all(), {{"pub_date__gte", "2026-01-09"}, {"pub_date__lte", "2026-05-01"}})) ==
          std::vector<std::string>{"Soup", "Engine"});
    CHECK(headlines(filters.apply(Entry::objects().all(), {{"published", "false"}})) == std::vector<std::string>{"Draft"});
    CHECK(headlines(filters.apply(Entry::objects().all(), {{"rating", "4"}})) == std::vector<std::string>{"Engine"});
    CHECK(filters.apply(Entry::objects().all(), {{"n_comments__isnull", "true"}}).count() == 4);
    CHECK(filters.apply(Entry::objects().all(), {{"blog__name", "Cars"}}).values("headline").size() == 1);
    // As a subquery: the blogs with a filtered entry.
    CHECK(Blog::objects().filter("entries__in", filters.apply(Entry::objects().all(), {{"rating__lte", "3"}})).count() == 1);
}

TEST_CASE_FIXTURE(Seeded, "parameters that name nothing of the model are ignored; an empty value filters nothing") {
    auto qs = entry_filters().apply(Entry::objects().live(), {{"page", "9"}, {"format", "json"}, {"rating__gte", ""}, {"x__y", "1"}});
    CHECK(qs.count() == 3);
}

TEST_CASE_FIXTURE(Seeded, "the last of a repeated parameter wins, as Django's QueryDict") {
    CHECK(headlines(entry_filters().apply(Entry::objects().live(), {{"rating", "3"}, {"rating", "4"}})) ==
          std::vector<std::string>{"Engine"});
}

TEST_CASE_FIXTURE(Seeded, "every bad parameter is a ValidationError naming it, never SQL") {
    SUBCASE("a value that does not convert") {
        auto e = rejected({{"rating__gte", "abc"}});
        REQUIRE(e.errors.count("rating__gte"));
        CHECK(e.errors.at("rating__gte").front() == "'abc' is not valid: expected an integer");
        CHECK(rejected({{"pub_date", "2026-13-01"}}).errors.count("pub_date"));
        CHECK(rejected({{"published", "maybe"}}).errors.count("published"));
        CHECK(rejected({{"rating", "99999999999999999999999"}}).errors.count("rating"));
        CHECK(rejected({{"id__in", "1,,2"}}).errors.count("id__in"));
        CHECK(rejected({{"id__in", "1,x"}}).errors.count("id__in"));
    }
    SUBCASE("a lookup or field that is not listed") {
        auto e = rejected({{"rating__lt", "3"}, {"headline", "Soup"}, {"blog__owner", "1"}, {"entries_x", "1"}});
        CHECK(e.errors.count("rating__lt"));
        CHECK(e.errors.count("headline"));
        CHECK(e.errors.count("blog__owner"));
        CHECK(!e.errors.count("entries_x"));  // not a field of Entry: ignored
        CHECK(e.errors.at("rating__lt").front().find("rating__gte") != std::string::npos);  // lists what is allowed
    }
    SUBCASE("an ordering field that is not listed") {
        auto e = rejected({{"ordering", "-body_text"}});
        CHECK(e.errors.at("ordering").front() == "'-body_text' is not an allowed ordering (choices: pub_date, rating, headline)");
    }
    SUBCASE("text that is not UTF-8 or holds NUL") {
        CHECK(rejected({{"blog__name__icontains", "\xff\xfe"}}).errors.at("blog__name__icontains").front() ==
              "(not valid UTF-8) is not valid UTF-8");
        CHECK(rejected({{"blog__name", std::string("a\0b", 3)}}).errors.count("blog__name"));
    }
    SUBCASE("a huge value is quoted shortened") {
        auto e = rejected({{"rating", std::string(5000, '9')}});
        CHECK(e.errors.at("rating").front().size() < 120);
    }
}

TEST_CASE_FIXTURE(Seeded, "hostile text is a bound parameter: it matches nothing and the table stays") {
    auto filters = entry_filters();
    for (std::string text : {"'; DROP TABLE web_entry; --", "\" OR 1=1 --", "%", "_", "\\"}) {
        CaptureQueries q;
        CHECK(filters.apply(Entry::objects().all(), {{"blog__name__icontains", text}}).count() == 0);
        REQUIRE(q.count() == 1);
        if (text.size() > 2) CHECK(q.queries()[0].sql.find(text) == std::string::npos);  // (% and _ are SQL's own)
    }
    CHECK(Entry::objects().count() == 4);
}

TEST_CASE("a FilterSet that names an unknown field or lookup is the programmer's FieldError") {
    web::Fresh fresh;
    CHECK_THROWS_AS(FilterSet<Entry>({.fields = {{"raiting", {"exact"}}}}), FieldError);
    CHECK_THROWS_AS(FilterSet<Entry>({.fields = {{"rating", {"gtee"}}}}), FieldError);
    CHECK_THROWS_AS(FilterSet<Entry>({.ordering = {"nope"}}), FieldError);
}
