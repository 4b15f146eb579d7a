// annotate() and aggregate(): GROUP BY, HAVING, subqueries, Django's names and empty sets.
#include <doctest/doctest.h>

#include "support/db.hpp"
#include "support/relations.hpp"

using namespace dorm;
using rel::Person;
using rel::Post;
using rel::Site;

namespace {
struct Data : testdb::Fresh {
    Person ann, bob;
    Site cooking, misc, empty;
    Data() {
        rel::fresh_tables();
        ann = Person::objects().create([](Person& p) { p.name = "Ann"; p.age = 40; });
        bob = Person::objects().create([](Person& p) { p.name = "Bob"; p.age = 30; });
        cooking = Site::objects().create([&](Site& s) { s.name = "Cooking"; s.owner = ann; });
        misc = Site::objects().create([&](Site& s) { s.name = "Misc"; s.owner = bob; });
        empty = Site::objects().create([&](Site& s) { s.name = "Empty"; s.owner = bob; });
        int ratings[] = {5, 4, 1};
        int i = 0;
        for (int r : ratings)
            Post::objects().create([&](Post& p) {
                p.site = i < 2 ? cooking : misc;
                p.headline = "p" + std::to_string(i++);
                p.rating = r;
            }).authors.add(ann, bob);
    }
};
}  // namespace

TEST_CASE_FIXTURE(Data, "annotate(Count) over a reverse relation: LEFT OUTER JOIN, GROUP BY, HAVING") {
    auto sites = Site::objects().annotate("n", Count("posts")).order_by("-n", "name");
    CaptureQueries q;
    auto v = sites.to_vector();
    REQUIRE(v.size() == 3);
    CHECK(q.count() == 1);
    CHECK(q.queries()[0].sql.find("LEFT OUTER JOIN \"rel_post\"") != std::string::npos);
    CHECK(q.queries()[0].sql.find("GROUP BY") != std::string::npos);
    CHECK(v[0].name == "Cooking");
    CHECK(v[0].annotation<std::int64_t>("n") == 2);
    CHECK(v[2].annotation<std::int64_t>("n") == 0);  // no posts: counted as 0
    auto busy = Site::objects().annotate("n", Count("posts")).filter("n__gte", 2);
    CHECK(busy.sql().text.find("HAVING COUNT(") != std::string::npos);
    CHECK(busy.count() == 1);
    CHECK(busy[0].name == "Cooking");
    CHECK_THROWS_AS((void)v[0].annotation<std::int64_t>("nope"), FieldError);
    CHECK_THROWS_AS((void)Site::objects().annotate("name", Count("posts")), FieldError);
}

TEST_CASE_FIXTURE(Data, "two to-many joins inflate counts; distinct counts do not") {
    auto s = Site::objects().annotate("posts_n", Count("posts", {.distinct = true}))
                 .annotate("authors_n", Count("posts__authors", {.distinct = true}))
                 .get("name", "Cooking");
    CHECK(s.annotation<std::int64_t>("posts_n") == 2);
    CHECK(s.annotation<std::int64_t>("authors_n") == 2);
}

TEST_CASE_FIXTURE(Data, "aggregate(): default names, filters, empty sets") {
    Json r = Post::objects().aggregate(Avg("rating"), Max("rating"), Count("id"), Sum("rating"));
    CHECK(r["rating__avg"].get<double>() == doctest::Approx(10.0 / 3));
    CHECK(r["rating__max"] == 5);
    CHECK(r["id__count"] == 3);
    CHECK(r["rating__sum"] == 10);
    Json named = Post::objects().aggregate({{"good", Count("id", {.filter = Q("rating__gte", 4)})}});
    CHECK(named["good"] == 2);
    CHECK_THROWS_AS((void)Post::objects().aggregate(Count("id", {.filter = Q("rating", 1)})), FieldError);
    Json none = Post::objects().filter("rating", 99).aggregate(Count("id"), Avg("rating"));
    CHECK(none["id__count"] == 0);
    CHECK(none["rating__avg"].is_null());
    CaptureQueries q;
    Json nothing = Post::objects().filter("id__in", {}).aggregate(Count("id"), Max("rating"));
    CHECK(nothing["id__count"] == 0);
    CHECK(nothing["rating__max"].is_null());
    CHECK(q.count() == 0);
    Json across = Post::objects().aggregate(Max("site__owner__age"));
    CHECK(across["site__owner__age__max"] == 40);
}

TEST_CASE_FIXTURE(Data, "'*' is Count's alone, and not distinct: a FieldError before any SQL (found by fuzz/annotate)") {
    CHECK(Post::objects().aggregate(Count("*"))["*__count"] == 3);
    CaptureQueries q;
    CHECK_THROWS_WITH_AS((void)Post::objects().annotate("n", Count("*", {.distinct = true})).count(),
                         doctest::Contains("star cannot be used with distinct"), FieldError);
    CHECK_THROWS_AS((void)Post::objects().aggregate(Sum("*")), FieldError);
    CHECK_THROWS_AS((void)Post::objects().slice(0, 2).aggregate(Count("*", {.distinct = true})), FieldError);
    CHECK(q.count() == 0);
}

TEST_CASE_FIXTURE(Data, "aggregate() over annotations wraps the query in a subquery") {
    Json r = Site::objects().annotate("n", Count("posts")).aggregate(Avg("n"), Max("n"));
    CHECK(r["n__avg"].get<double>() == doctest::Approx(1.0));
    CHECK(r["n__max"] == 2);
}

TEST_CASE_FIXTURE(Data, "values().annotate() groups by the values' fields") {
    Json rows = Post::objects().values("site__name").annotate("n", Count("id")).order_by("site__name");
    CHECK(rows == Json::parse(R"([{"site__name": "Cooking", "n": 2}, {"site__name": "Misc", "n": 1}])"));
    Json by_site = Post::objects().values("site").annotate("best", Max("rating")).filter("best__gte", 2).order_by("-best");
    REQUIRE(by_site.size() == 1);
    CHECK(by_site[0]["site"] == cooking.id);
    CHECK(by_site[0]["best"] == 5);
    auto grouped = Post::objects().values("site").annotate("n", Count("id"));
    CHECK(grouped.query().annotations().size() == 1);
    // Meta.ordering (headline) is not part of a GROUP BY query
    auto text = sql::compile(grouped.query().select(), sql::dialect_for("sqlite")).text;
    CHECK(text.find("ORDER BY") == std::string::npos);
    CHECK(text.find("GROUP BY \"rel_post\".\"site_id\"") != std::string::npos);
}

TEST_CASE_FIXTURE(Data, "Subquery, OuterRef and Exists: correlated subqueries in annotate and filter") {
    auto newest = Post::objects().filter("site", OuterRef("id")).order_by("-rating");
    auto sites = Site::objects().annotate("top", Subquery(newest.values("headline").slice(0, 1))).order_by("name").to_vector();
    REQUIRE(sites.size() == 3);
    CHECK(sites[0].name == "Cooking");
    CHECK(sites[0].annotation<std::string>("top") == "p0");
    CHECK(sites[1].annotation<Value>("top").is_null());  // Empty has no posts
    CHECK(sites[2].annotation<std::string>("top") == "p2");
    auto with_five = Site::objects().filter(Exists(Post::objects().filter("site", OuterRef("id")).filter("rating", 5)));
    CHECK(with_five.count() == 1);
    CHECK(with_five.get().name == "Cooking");
    CHECK(Site::objects().exclude(Exists(Post::objects().filter("site", OuterRef("id")))).get().name == "Empty");
    CHECK(Post::objects().filter("site__in", Site::objects().filter("name__startswith", "C")).count() == 2);
    CHECK_THROWS_AS((void)Site::objects().filter("id", OuterRef("id")).count(), FieldError);
}

TEST_CASE_FIXTURE(Data, "window functions; filtering on one wraps the query (Django 3.2 refuses)") {
    auto best = Post::objects()
                    .annotate("rank", Window(Rank(), {.partition_by = {"site"}, .order_by = {"-rating"}}))
                    .filter("rank", 1)
                    .order_by("headline");
    CaptureQueries q;
    auto v = best.to_vector();
    REQUIRE(v.size() == 2);  // the best post per site
    CHECK(q.count() == 1);
    CHECK(q.queries()[0].sql.find("RANK() OVER (PARTITION BY") != std::string::npos);
    CHECK(v[0].headline == "p0");
    CHECK(v[1].headline == "p2");
    CHECK(best.count() == 2);
    auto running = Post::objects()
                       .annotate("running", Window(Sum("rating"), {.partition_by = {"site"}, .order_by = {"rating"}}))
                       .annotate("row", Window(RowNumber(), {.order_by = {"-rating"}}))
                       .annotate("prev", Window(Lag(F("rating")), {.order_by = {"rating"}}))
                       .order_by("rating").to_vector();
    REQUIRE(running.size() == 3);
    CHECK(running[0].annotation<std::int64_t>("running") == 1);  // Misc: 1
    CHECK(running[1].annotation<std::int64_t>("running") == 4);  // Cooking: 4
    CHECK(running[2].annotation<std::int64_t>("running") == 9);  // Cooking: 4 + 5
    CHECK(running[2].annotation<std::int64_t>("row") == 1);
    CHECK(running[0].annotation<Value>("prev").is_null());
    CHECK(running[1].annotation<std::int64_t>("prev") == 1);
}

TEST_CASE_FIXTURE(Data, "StdDev and Variance on every backend; earliest/latest by an expression") {
    Json r = Post::objects().aggregate(StdDev("rating"), Variance("rating"), Min("rating"));
    // ratings 5, 4, 1: mean 10/3, population variance 26/9
    CHECK(r["rating__variance"].get<double>() == doctest::Approx(26.0 / 9));
    CHECK(r["rating__stddev"].get<double>() == doctest::Approx(std::sqrt(26.0 / 9)));
    CHECK(r["rating__min"] == 1);
    CHECK(Post::objects().earliest(F("rating") * -1).headline == "p0");
    CHECK(Post::objects().latest(F("rating") * -1).headline == "p2");
}
