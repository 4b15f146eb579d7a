// values() and values_list(): rows as JSON and as typed tuples.
#include <doctest/doctest.h>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::ymd;

TEST_CASE_FIXTURE(testdb::Fresh, "values() gives JSON objects; still chainable until evaluated") {
    for (int i = 1; i <= 3; ++i)
        Article::objects().create([&](Article& a) {
            a.headline = "h" + std::to_string(i);
            a.rating = i;
            a.published = i % 2;
            a.pub_date = ymd(2026, 1, unsigned(i));
        });
    CaptureQueries q;
    auto vq = Article::objects().values("headline", "rating", "published", "pub_date")
                  .filter("rating__gte", 2).order_by("rating");
    CHECK(q.count() == 0);
    Json rows = vq;
    CHECK(q.count() == 1);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == Json{{"headline", "h2"}, {"rating", 2}, {"published", false}, {"pub_date", "2026-01-02"}});
    CHECK(rows[1]["published"] == true);
    Json all = Article::objects().values();
    CHECK(all[0].contains("body_text"));
    CHECK(Article::objects().values("headline").slice(0, 1).size() == 1);
    CHECK_THROWS_AS((void)Article::objects().values("nope"), FieldError);
}

TEST_CASE_FIXTURE(testdb::Fresh, "values_list<T...> returns typed vectors and tuples") {
    Article::objects().create([](Article& a) { a.headline = "x"; a.rating = 4; a.pub_date = ymd(2026, 2, 3); });
    auto ids = Article::objects().values_list<std::int64_t>("id");
    REQUIRE(ids.size() == 1);
    auto pairs = Article::objects().values_list<std::int64_t, std::string>("id", "headline");
    CHECK(std::get<1>(pairs[0]) == "x");
    CHECK(std::get<0>(pairs[0]) == ids[0]);
    auto dates = Article::objects().values_list<Date>("pub_date");
    CHECK(dates[0] == ymd(2026, 2, 3));
    CHECK(Article::objects().none().values_list<int>("rating").empty());
}
