// The query builder: path resolution, values checked per field, golden SQL (no database).
#include <doctest/doctest.h>

#include "support/models.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::ymd;

namespace {
const sql::Dialect& lite = sql::dialect_for("sqlite");
Query articles() { return Query(Article::model_meta()); }
std::string where_of(const Query& q) { return sql::compile(q.where(), lite).text; }
}  // namespace

TEST_CASE("__year on a date column becomes a range over the whole year") {
    Query q = articles();
    q.add_filter("pub_date__year", 2026, false);
    auto s = sql::compile(q.where(), lite);
    CHECK(s.text == R"("article"."pub_date" BETWEEN ? AND ?)");
    CHECK(s.params == std::vector<Value>{Value(ymd(2026, 1, 1)), Value(ymd(2026, 12, 31))});
}

TEST_CASE("__year on a datetime column reaches the last microsecond") {
    Query q = articles();
    q.add_filter("mod_date__year__gte", 2026, false);
    q.add_filter("mod_date__year", 2025, false);
    auto s = sql::compile(q.where(), lite);
    REQUIRE(s.params.size() == 3);
    CHECK(s.params[0].to_string() == "2026-01-01 00:00:00");
    CHECK(s.params[2].to_string() == "2025-12-31 23:59:59.999999");
}

TEST_CASE("other transforms extract a part and compare it") {
    Query q = articles();
    q.add_filter("pub_date__month__lte", 6, false);
    CHECK(where_of(q) == R"(CAST(strftime('%m', "article"."pub_date") AS INTEGER) <= ?)");
    Query h = articles();
    CHECK_THROWS_WITH_AS(h.add_filter("pub_date__hour", 3, false),
                         doctest::Contains("Article.pub_date is a date"), FieldError);
}

TEST_CASE("exclude on a nullable column keeps NULL rows out of the match") {
    Query q = articles();
    q.add_filter("n_comments", 4, true);
    CHECK(where_of(q) == R"(NOT ("article"."n_comments" = ? AND "article"."n_comments" IS NOT NULL))");
    Query r = articles();
    r.add_filter("rating", 4, true);
    CHECK(where_of(r) == R"(NOT ("article"."rating" = ?))");
}

TEST_CASE("an unknown field or lookup names the model and lists the choices") {
    Query q = articles();
    CHECK_THROWS_WITH_AS(q.add_filter("raiting__gte", 3, false),
                         "Article has no field 'raiting' in 'raiting__gte' (choices: author_id, "
                         "body_text, created, data, headline, id, meta, mod_date, n_comments, "
                         "pub_date, published, rating, score, status)",
                         FieldError);
    CHECK_THROWS_WITH_AS(q.add_filter("rating__gtx", 3, false),
                         doctest::Contains("Article.rating has no lookup 'gtx' in 'rating__gtx' (choices: contains, date, day,"),
                         FieldError);
}

TEST_CASE("a value of the wrong type is refused before any SQL") {
    Query q = articles();
    CHECK_THROWS_WITH_AS(q.add_filter("rating", "many", false),
                         "Field 'Article.rating' expected an integer but got 'many' (text)",
                         FieldError);
    CHECK_THROWS_WITH_AS(q.add_filter("pub_date", "soon", false),
                         doctest::Contains("Field 'Article.pub_date' expected a date"), FieldError);
    CHECK_THROWS_AS(q.add_filter("rating__in", 3, false), FieldError);
    CHECK_THROWS_AS(q.add_filter("rating__range", {1, 2, 3}, false), FieldError);
    CHECK_THROWS_AS(q.add_filter("rating__gt", nullptr, false), FieldError);
    q.add_filter("rating", "4", false);  // numeric text is a number, as in Django
    CHECK(sql::compile(q.where(), lite).params[0] == Value(4));
}

TEST_CASE("an empty __in matches nothing; excluded, it matches everything") {
    Query q = articles();
    q.add_filter("id__in", Operand{}, false);
    CHECK(q.matches_nothing());
    Query e = articles();
    e.add_filter("id__in", Operand{}, true);
    CHECK_FALSE(e.matches_nothing());
    CHECK(e.where()->kind == sql::Kind::Always);
    Query o = articles();
    o.add_filter(Q("id__in", Operand{}) | Q("rating", 5), false);
    CHECK(where_of(o) == R"("article"."rating" = ?)");
}

TEST_CASE("Q trees render with AND, OR and NOT") {
    Query q = articles();
    q.add_filter(Q("rating__gte", 4) | ~Q("headline", "Misc"), false);
    CHECK(where_of(q) == R"("article"."rating" >= ? OR NOT ("article"."headline" = ?))");
}

TEST_CASE("F expressions compare columns with arithmetic") {
    Query q = articles();
    q.add_filter("rating__gt", F("score") * 2, false);
    CHECK(where_of(q) == R"("article"."rating" > ("article"."score" * ?))");
}

TEST_CASE("count() of a slice counts the slice, in its order, through a subquery") {
    Query q = articles();
    q.apply_slice(2, 5);
    CHECK(sql::compile(q.build(Selection::count()), lite).text ==
          R"(SELECT COUNT(*) AS "__count" FROM (SELECT "article"."id", "article"."author_id", "article"."headline", "article"."body_text", "article"."pub_date", "article"."mod_date", "article"."created", "article"."rating", "article"."n_comments", "article"."published", "article"."score", "article"."status", "article"."meta", "article"."data" FROM "article" ORDER BY "article"."pub_date" DESC, "article"."headline" ASC LIMIT 3 OFFSET 2) "subquery")");
}

TEST_CASE("slices narrow relative to each other as Python slices do; [0:0] is empty") {
    Query q = articles();
    q.apply_slice(10, 20);
    q.apply_slice(2, 5);
    CHECK(q.low() == 12);
    CHECK(q.high() == 15);
    Query z = articles();
    z.apply_slice(0, 0);
    CHECK(z.matches_nothing());
}

TEST_CASE("the default ordering applies until order_by replaces it") {
    Query q = articles();
    CHECK(sql::compile(q.select(), lite).text.ends_with(R"(ORDER BY "article"."pub_date" DESC, "article"."headline" ASC)"));
    q.reverse();
    CHECK(sql::compile(q.select(), lite).text.ends_with(R"(ORDER BY "article"."pub_date" ASC, "article"."headline" DESC)"));
    q.clear_ordering();
    CHECK(sql::compile(q.select(), lite).text.find("ORDER BY") == std::string::npos);
    CHECK_THROWS_AS(q.set_ordering({"-nope"}), FieldError);
}
