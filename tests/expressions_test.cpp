// Golden SQL for annotations, GROUP BY, HAVING, subqueries and windows, per dialect (no database).
#include <doctest/doctest.h>

#include "support/relations.hpp"

using namespace dorm;
using rel::Post;
using rel::Site;

namespace {
std::string lite(const sql::Select& s) { return sql::compile(s, sql::dialect_for("sqlite")).text; }
std::string pg(const sql::Select& s) { return sql::compile(s, sql::dialect_for("postgresql")).text; }
struct Registered {
    Registered() { rel::register_all(); }
};
}  // namespace

TEST_CASE_FIXTURE(Registered, "annotate(Count) over a reverse relation: LEFT OUTER JOIN, GROUP BY, HAVING") {
    Query q(Site::model_meta());
    q.add_annotation("n", *Count("posts").node());
    q.add_filter("n__gte", 2, false);
    q.set_ordering({"-n"});
    const std::string cols = R"("rel_site"."id", "rel_site"."name", "rel_site"."owner_id")";
    CHECK(lite(q.select()) ==
          "SELECT " + cols + R"(, COUNT("rel_post"."id") AS "n" FROM "rel_site" LEFT OUTER JOIN "rel_post" ON ("rel_site"."id" = "rel_post"."site_id") GROUP BY )" +
              cols + R"( HAVING COUNT("rel_post"."id") >= ? ORDER BY "n" DESC)");
    CHECK(pg(q.select()).find(R"(HAVING COUNT("rel_post"."id") >= $1 ORDER BY "n" DESC)") != std::string::npos);
}

TEST_CASE_FIXTURE(Registered, "values().annotate() groups by the values and the ordering fields") {
    Query q(Post::model_meta());
    q.set_group_by({"site__name"});
    q.add_annotation("best", *Max("rating").node());
    q.set_ordering({"site__name"});
    q.set_values({"site__name", "best"});
    CHECK(lite(q.select()) ==
          R"(SELECT "rel_site"."name", MAX("rel_post"."rating") AS "best" FROM "rel_post" INNER JOIN "rel_site" ON ("rel_post"."site_id" = "rel_site"."id") GROUP BY "rel_site"."name" ORDER BY "rel_site"."name" ASC)");
}

TEST_CASE_FIXTURE(Registered, "aggregates with a filter: FILTER (WHERE ...) on both backends") {
    Query q(Post::model_meta());
    Selection what{Selection::Kind::Aggregate, {{"good", Count("id", {.filter = Q("rating__gte", 4)}).node()}}};
    auto s = q.build(what);
    CHECK(lite(s) == R"(SELECT COUNT("rel_post"."id") FILTER (WHERE "rel_post"."rating" >= ?) AS "good" FROM "rel_post")");
    CHECK(pg(s) == R"(SELECT COUNT("rel_post"."id") FILTER (WHERE "rel_post"."rating" >= $1) AS "good" FROM "rel_post")");
}

TEST_CASE_FIXTURE(Registered, "Exists with OuterRef correlates to the outer table") {
    Query inner(Post::model_meta());
    inner.add_filter("site", Operand(OuterRef("id")), false);
    Query q(Site::model_meta());
    q.add_filter(Exists(dorm::QuerySet<Post>(inner)), false);
    auto text = lite(q.select());
    CHECK(text.find(R"(WHERE EXISTS(SELECT ? AS "a" FROM "rel_post" WHERE "rel_post"."site_id" = "rel_site"."id" LIMIT 1))") !=
          std::string::npos);
}

TEST_CASE_FIXTURE(Registered, "a filter on a window annotation wraps the query") {
    Query q(Post::model_meta());
    q.add_annotation("rank", *Window(Rank(), {.partition_by = {"site"}, .order_by = {"-rating"}}).node());
    q.add_filter("rank", 1, false);
    auto text = pg(q.select());
    CHECK(text.starts_with(R"(SELECT "subquery"."__col1" AS "__col1", "subquery"."__col2" AS "__col2", )"));
    CHECK(text.find(R"(RANK() OVER (PARTITION BY "rel_post"."site_id" ORDER BY "rel_post"."rating" DESC) AS "rank")") != std::string::npos);
    CHECK(text.find(R"(FROM (SELECT "rel_post"."id" AS "__col1", )") != std::string::npos);
    CHECK(text.ends_with(R"() "subquery" WHERE "subquery"."rank" = $1 ORDER BY "subquery"."__col5" ASC)"));
}

TEST_CASE_FIXTURE(Registered, "dialect spellings of functions") {
    Query q(Post::model_meta());
    q.add_annotation("g", *Greatest(F("rating"), 3).node());
    q.add_annotation("c", *Concat(F("headline"), "!").node());
    q.add_annotation("m", *Trunc("rating", "month").node());
    auto l = lite(q.select()), p = pg(q.select());
    CHECK(l.find(R"(MAX("rel_post"."rating", ?) AS "g")") != std::string::npos);
    CHECK(p.find(R"(GREATEST("rel_post"."rating", $1) AS "g")") != std::string::npos);
    CHECK(l.find(R"((COALESCE("rel_post"."headline", '') || COALESCE(?, '')) AS "c")") != std::string::npos);
    CHECK(p.find(R"(CONCAT(("rel_post"."headline")::text, ($2)::text) AS "c")") != std::string::npos);
    CHECK(p.find(R"(DATE_TRUNC('month', "rel_post"."rating"))") != std::string::npos);
}

TEST_CASE("Cast, Trunc and Func check the names they spell into SQL when they are built") {
    CHECK_THROWS_AS((void)Cast(F("x"), "evil; DROP"), FieldError);
    CHECK_THROWS_AS((void)Trunc("pub_date", "century"), FieldError);
    CHECK_THROWS_AS((void)Func("a b", F("x")), FieldError);
    CHECK_THROWS_AS((void)Func("", F("x")), FieldError);
    CHECK_THROWS_AS((void)Func("1abs", F("x")), FieldError);

    auto cast = Cast(F("x"), "double").node();
    CHECK(cast->kind == ExpressionNode::Kind::Cast);
    CHECK(cast->cast_to == sql::ColumnType::Real);
    auto trunc = Trunc("pub_date", "quarter").node();
    CHECK(trunc->kind == ExpressionNode::Kind::Trunc);
    CHECK(trunc->name == "quarter");
    auto func = Func("my_fn2", F("x")).node();
    CHECK(func->kind == ExpressionNode::Kind::Function);
    CHECK(func->user_function);
    CHECK(func->name == "my_fn2");
    CHECK_FALSE(Upper(F("x")).node()->user_function);
}

TEST_CASE_FIXTURE(Registered, "Cast and Trunc render through the dialect's cast() and trunc()") {
    Query q(Post::model_meta());
    q.add_annotation("t", *Cast(F("rating"), "text").node());
    q.add_annotation("r", *Cast(F("rating"), "real").node());
    q.add_annotation("y", *Trunc("rating", "year").node());
    q.add_annotation("f", *Func("my_fn", F("rating"), 2).node());
    auto l = lite(q.select()), p = pg(q.select());
    CHECK(l.find(R"(CAST("rel_post"."rating" AS TEXT) AS "t")") != std::string::npos);
    CHECK(p.find(R"(("rel_post"."rating")::text AS "t")") != std::string::npos);
    CHECK(l.find(R"(CAST("rel_post"."rating" AS REAL) AS "r")") != std::string::npos);
    CHECK(p.find(R"(("rel_post"."rating")::double precision AS "r")") != std::string::npos);
    CHECK(l.find(R"(date("rel_post"."rating", 'start of year') AS "y")") != std::string::npos);
    CHECK(p.find(R"(DATE_TRUNC('year', "rel_post"."rating") AS "y")") != std::string::npos);
    CHECK(l.find(R"(my_fn("rel_post"."rating", ?) AS "f")") != std::string::npos);
    CHECK(p.find(R"(my_fn("rel_post"."rating", $1) AS "f")") != std::string::npos);
}

TEST_CASE_FIXTURE(Registered, "a hand-made Function node with an unchecked name is refused when resolved") {
    auto n = std::make_shared<ExpressionNode>();
    n->kind = ExpressionNode::Kind::Function;
    n->name = "x); DROP TABLE rel_post; --";
    Query q(Post::model_meta());
    CHECK_THROWS_AS(q.add_annotation("n", *n), FieldError);
    n->user_function = true;
    CHECK_THROWS_AS(q.add_annotation("n", *n), FieldError);
}
