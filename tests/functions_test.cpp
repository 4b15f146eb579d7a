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

TEST_CASE_FIXTURE(Rows, "Lower, Substr and Trim in annotate, filter and update") {
    CaptureQueries q;
    auto a = Author::objects()
                 .annotate("low", Lower(F("name")))
                 .annotate("mid", Substr(F("name"), 2, 3))
                 .order_by(Lower(F("name")))
                 .to_vector();
    REQUIRE(a.size() == 3);
    CHECK(q.count() == 1);
    CHECK(a[0].name == "ann");
    CHECK(a[1].name == "Bo");  // ordered by the lower-case name
    CHECK(a[1].annotation<std::string>("low") == "bo");
    CHECK(a[2].annotation<std::string>("mid") == "arl");  // 1-based, 3 characters of "carla"
    CHECK(a[1].annotation<std::string>("mid") == "o");    // shorter than asked
    CHECK(Author::objects().filter("name", Lower(F("name"))).count() == 2);  // ann, carla
    Author::objects().filter("name", "Bo").update({{"name", Concat("  ", F("name"), " \t ")}});
    CHECK(Author::objects().get("age", 30).name == "  Bo \t ");
    auto t = Author::objects().annotate("t", Trim(F("name"))).get("age", 30);
    CHECK(t.annotation<std::string>("t") == "Bo \t");  // TRIM takes spaces only, as in SQL
    Author::objects().filter("age", 30).update({{"name", Trim(F("name"))}});
    CHECK(Author::objects().filter("name", "Bo \t").count() == 1);
}

TEST_CASE_FIXTURE(Rows, "Now() is the database's current time, in UTC") {
    using namespace std::chrono;
    const auto before = floor<seconds>(system_clock::now()) - seconds(2);
    auto a = Article::objects().annotate("now", Now()).order_by("rating").to_vector();
    const auto after = system_clock::now() + seconds(2);
    REQUIRE(a.size() == 3);
    const auto now = a[0].annotation<DateTime>("now");
    CHECK(now >= before);
    CHECK(now <= after);
    Article::objects().update({{"created", DateTime(sys_days{year{2100} / January / 1})}});
    Article::objects().filter("headline", "mid").update({{"created", DateTime(sys_days{year{2020} / January / 1})}});
    CHECK(Article::objects().filter("created__lt", Now()).values_list<std::string>("headline") ==
          std::vector<std::string>{"mid"});
    Article::objects().filter("headline", "low").update({{"created", Now()}});
    const auto stamped = *Article::objects().get("headline", "low").created;
    CHECK(stamped >= before);
    CHECK(stamped <= after);
}

TEST_CASE_FIXTURE(Rows, "ranking and distribution windows: DenseRank, PercentRank, CumeDist, NTile") {
    Article::objects().create([](Article& a) {  // ratings 1, 3, 5, 5
        a.headline = "top";
        a.rating = 5;
        a.pub_date = ymd(2026, 12, 1);
    });
    auto v = Article::objects()
                 .annotate("dense", Window(DenseRank(), {.order_by = {"-rating"}}))
                 .annotate("rank", Window(Rank(), {.order_by = {"-rating"}}))
                 .annotate("pct", Window(PercentRank(), {.order_by = {"rating"}}))
                 .annotate("cume", Window(CumeDist(), {.order_by = {"rating"}}))
                 .annotate("tile", Window(NTile(2), {.order_by = {"rating", "headline"}}))
                 .order_by("rating", "headline")
                 .to_vector();
    REQUIRE(v.size() == 4);
    auto ints = [&](const char* name) {
        std::vector<std::int64_t> out;
        for (const auto& a : v) out.push_back(a.annotation<std::int64_t>(name));
        return out;
    };
    auto reals = [&](const char* name) {
        std::vector<double> out;
        for (const auto& a : v) out.push_back(a.annotation<double>(name));
        return out;
    };
    using Ints = std::vector<std::int64_t>;
    using Reals = std::vector<double>;
    // rows: low 1, mid 3, high 5, top 5
    CHECK(ints("dense") == Ints{3, 2, 1, 1});
    CHECK(ints("rank") == Ints{4, 3, 1, 1});
    CHECK(reals("pct") == Reals{0.0, 1.0 / 3, 2.0 / 3, 2.0 / 3});
    CHECK(reals("cume") == Reals{0.25, 0.5, 1.0, 1.0});
    CHECK(ints("tile") == Ints{1, 1, 2, 2});
    auto best = Article::objects().annotate("dense", Window(DenseRank(), {.order_by = {"-rating"}})).filter("dense", 1);
    CHECK(best.count() == 2);
}

TEST_CASE_FIXTURE(Rows, "value windows: Lead, FirstValue, LastValue, NthValue") {
    Article::objects().create([](Article& a) {  // ratings 1, 3, 5, 5
        a.headline = "top";
        a.rating = 5;
        a.pub_date = ymd(2026, 12, 1);
    });
    const WindowOptions by_rating{.order_by = {"rating", "headline"}};
    auto v = Article::objects()
                 .annotate("next", Window(Lead(F("rating")), by_rating))
                 .annotate("next2", Window(Lead(F("rating"), 2, 0), by_rating))
                 .annotate("first", Window(FirstValue(F("headline")), by_rating))
                 .annotate("last", Window(LastValue(F("rating")), {.order_by = {"rating"}}))
                 .annotate("second", Window(NthValue(F("headline"), 2), by_rating))
                 .order_by("rating", "headline")
                 .to_vector();
    REQUIRE(v.size() == 4);
    std::vector<std::string> heads;
    for (const auto& a : v) heads.push_back(a.headline);
    CHECK(heads == std::vector<std::string>{"low", "mid", "high", "top"});
    CHECK(v[0].annotation<std::int64_t>("next") == 3);
    CHECK(v[2].annotation<std::int64_t>("next") == 5);
    CHECK(v[3].annotation<Value>("next").is_null());  // no next row
    CHECK(v[1].annotation<std::int64_t>("next2") == 5);
    CHECK(v[2].annotation<std::int64_t>("next2") == 0);  // the default
    for (const auto& a : v) CHECK(a.annotation<std::string>("first") == "low");
    // The default frame ends at the current row's last peer: both 5s see 5.
    CHECK(v[0].annotation<std::int64_t>("last") == 1);
    CHECK(v[1].annotation<std::int64_t>("last") == 3);
    CHECK(v[2].annotation<std::int64_t>("last") == 5);
    CHECK(v[3].annotation<std::int64_t>("last") == 5);
    CHECK(v[0].annotation<Value>("second").is_null());  // the frame holds one row yet
    CHECK(v[1].annotation<std::string>("second") == "mid");
    CHECK(v[3].annotation<std::string>("second") == "mid");
}
