// Expressions: Case/When and database functions in annotate, filter, order_by and update,
// and the names that reach SQL text checked against hostile input.
#include <doctest/doctest.h>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::Author;
using testmodels::ymd;

namespace {
struct Rows : testdb::Fresh {
    Rows() {
        int i = 0;
        for (auto [name, age] : {std::pair{"ann", 40}, std::pair{"Bo", 30}, std::pair{"carla", 20}})
            Author::objects().create([&](Author& a) {
                a.name = name;
                a.age = age;
                if (i++ == 0) a.email = "ann@x";
            });
        int r = 1;
        for (const char* h : {"low", "mid", "high"})
            Article::objects().create([&](Article& a) {
                a.headline = h;
                a.rating = r;
                a.n_comments = r == 3 ? std::optional<int>() : std::optional<int>(r * 10);
                a.pub_date = ymd(2026, unsigned(r * 2), 15);
                r += 2;
            });
    }
};
}  // namespace

TEST_CASE_FIXTURE(Rows, "Case/When annotates a value per row") {
    auto v = Article::objects()
                 .annotate("grade", Case({When(Q("rating__gte", 4), "good"), When(Q("rating__lte", 2), "bad")}, "ok"))
                 .order_by("rating").to_vector();
    REQUIRE(v.size() == 3);
    CHECK(v[0].annotation<std::string>("grade") == "bad");
    CHECK(v[1].annotation<std::string>("grade") == "ok");
    CHECK(v[2].annotation<std::string>("grade") == "good");
}

TEST_CASE_FIXTURE(Rows, "Coalesce, Upper, Length, Concat, Greatest, Least, Abs, Round, Cast, Func") {
    auto a = Author::objects().annotate("shout", Upper(F("name")))
                 .annotate("len", Length(F("name")))
                 .annotate("label", Concat(F("name"), "/", F("email")))
                 .annotate("contact", Coalesce(F("email"), F("name")))
                 .annotate("big", Greatest(F("age"), 35))
                 .annotate("small", Least(F("age"), 35))
                 .annotate("neg", Abs(F("age") - 100))
                 .annotate("txt", Cast(F("age"), "text"))
                 .annotate("f", Func("ABS", F("age") - 50))
                 .order_by(Length(F("name")).desc(), "name").to_vector();
    REQUIRE(a.size() == 3);
    CHECK(a[0].name == "carla");
    CHECK(a[0].annotation<std::string>("shout") == "CARLA");
    CHECK(a[0].annotation<std::int64_t>("len") == 5);
    CHECK(a[1].annotation<std::string>("label") == "ann/ann@x");
    CHECK(a[0].annotation<std::string>("label") == "carla/");  // NULL counts as '' (Django's Concat)
    CHECK(a[1].annotation<std::string>("contact") == "ann@x");
    CHECK(a[0].annotation<std::string>("contact") == "carla");
    CHECK(a[0].annotation<std::int64_t>("big") == 35);
    CHECK(a[1].annotation<std::int64_t>("small") == 35);
    CHECK(a[2].annotation<std::int64_t>("neg") == 70);
    CHECK(a[2].annotation<std::string>("txt") == "30");
    CHECK(a[0].annotation<std::int64_t>("f") == 30);
    auto r = Article::objects().annotate("r", Round(F("score") * 3, 1)).first();
    CHECK(r->annotation<double>("r") == doctest::Approx(4.5));
}

TEST_CASE_FIXTURE(Rows, "expressions on the right of lookups, in update, and Trunc") {
    CHECK(Author::objects().filter("age__gt", Length(F("name")) * 8).count() == 2);
    Article::objects().filter("headline", "mid").update({{"n_comments", Coalesce(F("n_comments"), 0) + 1}});
    CHECK(Article::objects().get("headline", "mid").n_comments == 1);
    auto months = Article::objects().annotate("month", Trunc("pub_date", "month")).order_by("pub_date")
                      .values_list<std::string>("headline");
    CHECK(months.size() == 3);
    auto t = Article::objects().annotate("m", Trunc("pub_date", "month")).get("headline", "high");
    CHECK(t.annotation<Date>("m") == ymd(2026, 10, 1));
    auto y = Article::objects().annotate("y", Trunc("pub_date", "year")).get("headline", "low");
    CHECK(y.annotation<Date>("y") == ymd(2026, 1, 1));
}

TEST_CASE_FIXTURE(Rows, "hostile names at every place a name reaches SQL: a dorm error, nothing touched") {
    const std::string evil = "x\") ; DROP TABLE \"article\"; --";
    CHECK_THROWS_AS((void)Article::objects().annotate("n", Func("ABS); DROP TABLE article; --", F("rating"))), FieldError);
    CHECK_THROWS_AS((void)Article::objects().annotate("n", Cast(F("rating"), "text); DROP TABLE article; --")), FieldError);
    CHECK_THROWS_AS((void)Article::objects().annotate("n", Trunc("pub_date", "month') FROM article; --")), FieldError);
    CHECK_THROWS_AS((void)Article::objects().annotate(evil, Count("id")), FieldError);
    CHECK_THROWS_AS((void)Article::objects().order_by(evil), FieldError);
    CHECK_THROWS_AS((void)Article::objects().values(evil), FieldError);
    CHECK_THROWS_AS((void)Article::objects().filter(evil, 1), FieldError);
    CHECK_THROWS_AS((void)Article::objects().aggregate(Max(evil)), FieldError);
    CHECK(Article::objects().count() == 3);
}
