// Golden SQL: the compiler and both dialects, no database.
#include <doctest/doctest.h>
#include <dorm/error.hpp>
#include <dorm/sql/compiler.hpp>

using namespace dorm;
using namespace dorm::sql;

namespace {
const Dialect& lite = dialect_for("sqlite");
const Dialect& pg = dialect_for("postgresql");
Expr col(const char* c) { return column("t", c, ColumnType::Text); }
}  // namespace

TEST_CASE("a SELECT renders quoted identifiers, placeholders per dialect and limits") {
    Select s;
    s.from = "t";
    s.columns = {{col("a"), {}}, {col("b"), {}}};
    s.where = and_({lookup("gte", col("a"), param(3)), lookup("exact", col("b"), param("x"))});
    s.order_by = {{col("a"), true}};
    s.limit = 10;
    s.offset = 20;
    Sql a = compile(s, lite);
    CHECK(a.text == R"(SELECT "t"."a", "t"."b" FROM "t" WHERE ("t"."a" >= ? AND "t"."b" = ?) ORDER BY "t"."a" DESC LIMIT 10 OFFSET 20)");
    CHECK(a.params == std::vector<Value>{Value(3), Value("x")});
    Sql b = compile(s, pg);
    CHECK(b.text == R"(SELECT "t"."a", "t"."b" FROM "t" WHERE ("t"."a" >= $1 AND "t"."b" = $2) ORDER BY "t"."a" DESC LIMIT 10 OFFSET 20)");
}

TEST_CASE("an offset without a limit needs LIMIT -1 on SQLite only") {
    Select s;
    s.from = "t";
    s.columns = {{star(), {}}};
    s.offset = 5;
    CHECK(compile(s, lite).text == R"(SELECT * FROM "t" LIMIT -1 OFFSET 5)");
    CHECK(compile(s, pg).text == R"(SELECT * FROM "t" OFFSET 5)");
}

TEST_CASE("identifiers with quotes are escaped, never trusted") {
    CHECK(lite.quote(R"(we"ird)") == R"("we""ird")");
}

TEST_CASE("pattern lookups escape wildcards and stay case-sensitive on SQLite") {
    auto render = [](const Dialect& d, const char* name, Value v) {
        return compile(lookup(name, col("h"), param(std::move(v))), d);
    };
    auto c = render(lite, "contains", "50%_off*");
    CHECK(c.text == R"("t"."h" GLOB ?)");
    CHECK(c.params[0] == Value("*50%_off[*]*"));
    auto i = render(lite, "icontains", "50%_o\\ff");
    CHECK(i.text == R"("t"."h" LIKE ? ESCAPE '\')");
    CHECK(i.params[0] == Value("%50\\%\\_o\\\\ff%"));
    CHECK(render(lite, "startswith", "ab").params[0] == Value("ab*"));
    CHECK(render(lite, "iendswith", "ab").params[0] == Value("%ab"));
    CHECK(render(lite, "iregex", "^a").text == R"("t"."h" REGEXP '(?i)' || ?)");
    auto p = render(pg, "icontains", "x_");
    CHECK(p.text == R"(UPPER("t"."h"::text) LIKE UPPER($1))");
    CHECK(p.params[0] == Value("%x\\_%"));
    CHECK(render(pg, "contains", "x").text == R"("t"."h"::text LIKE $1)");
    CHECK(render(pg, "iregex", "x").text == R"("t"."h"::text ~* $1)");
}

TEST_CASE("in, range and isnull render their lists and operators") {
    CHECK(compile(lookup("in", col("a"), param_list({1, 2, 3})), lite).text == R"("t"."a" IN (?, ?, ?))");
    CHECK(compile(lookup("range", col("a"), param_list({1, 2})), pg).text == R"("t"."a" BETWEEN $1 AND $2)");
    CHECK(compile(is_null(col("a"), true), lite).text == R"("t"."a" IS NOT NULL)");
}

TEST_CASE("never and always fold away in AND, OR and NOT") {
    Expr p = lookup("exact", col("a"), param(1));
    CHECK(is_never(and_({p, never()})));
    CHECK(or_({p, never()}) == p);
    CHECK(not_(never())->kind == Kind::Always);
    CHECK(compile(not_(or_({p, lookup("exact", col("b"), param(2))})), lite).text ==
          R"(NOT ("t"."a" = ? OR "t"."b" = ?))");
}

TEST_CASE("date transforms per dialect") {
    std::string out;
    lite.transform(out, "year", "\"d\"", ColumnType::Date);
    CHECK(out == R"(CAST(strftime('%Y', "d") AS INTEGER))");
    out.clear();
    pg.transform(out, "hour", "\"d\"", ColumnType::DateTime);
    CHECK(out == R"(EXTRACT('hour' FROM "d" AT TIME ZONE 'UTC'))");
    out.clear();
    lite.transform(out, "week_day", "\"d\"", ColumnType::Date);
    CHECK(out == R"((CAST(strftime('%w', "d") AS INTEGER) + 1))");
}

TEST_CASE("INSERT, UPDATE and DELETE") {
    Insert ins{"t", {"a", "b"}, {{param(1), param("x")}}, "id"};
    CHECK(compile(ins, lite).text == R"(INSERT INTO "t" ("a", "b") VALUES (?, ?))");
    CHECK(compile(ins, pg).text == R"(INSERT INTO "t" ("a", "b") VALUES ($1, $2) RETURNING "id")");
    Update up{"t", {{"n", binary("+", column("t", "n", ColumnType::Integer), param(1))}},
              lookup("gte", col("r"), param(3))};
    CHECK(compile(up, lite).text == R"(UPDATE "t" SET "n" = ("t"."n" + ?) WHERE "t"."r" >= ?)");
    Delete del{"t", lookup("exact", col("id"), param(7))};
    CHECK(compile(del, pg).text == R"(DELETE FROM "t" WHERE "t"."id" = $1)");
}

TEST_CASE("select_for_update is a no-op where the backend lacks row locks, as in Django") {
    Select s;
    s.from = "t";
    s.columns = {{star(), {}}};
    s.for_update = true;
    CHECK(compile(s, lite).text == R"(SELECT * FROM "t")");
    CHECK(compile(s, pg).text == R"(SELECT * FROM "t" FOR UPDATE)");
}
