// Golden SQL for what each dialect says on the backends' behalf: session setup, BEGIN,
// foreign keys, freeing prepared statements. No database.
#include <doctest/doctest.h>
#include <dorm/sql/dialect.hpp>

using namespace dorm::sql;

namespace {
const Dialect& lite = dialect_for("sqlite");
const Dialect& pg = dialect_for("postgresql");
}  // namespace

TEST_CASE("a new connection turns on SQLite's foreign keys and puts PostgreSQL in UTC") {
    CHECK(lite.session_setup_sql() == std::vector<std::string>{"PRAGMA foreign_keys = ON"});
    CHECK(pg.session_setup_sql() == std::vector<std::string>{"SET TIME ZONE 'UTC'"});
}

TEST_CASE("atomic blocks begin IMMEDIATE on SQLite and plainly on PostgreSQL") {
    CHECK(lite.begin_sql() == "BEGIN IMMEDIATE");
    CHECK(pg.begin_sql() == "BEGIN");
}

TEST_CASE("foreign keys are deferred to commit on both dialects, quoted from metadata") {
    for (const Dialect* d : {&lite, &pg}) {
        CHECK(d->references_sql("blog_author", "id") ==
              R"(REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED)");
        CHECK(d->references_sql(R"(we"ird)", "pk") ==
              R"(REFERENCES "we""ird" ("pk") DEFERRABLE INITIALLY DEFERRED)");
    }
    CHECK(pg.foreign_key_constraint_sql("blog_blog", "blog_blog_owner_id_76443514_fk_blog_author_id",
                                        "owner_id", "blog_author", "id") ==
          R"(ALTER TABLE "blog_blog" ADD CONSTRAINT "blog_blog_owner_id_76443514_fk_blog_author_id" FOREIGN KEY ("owner_id") REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED)");
    CHECK(lite.inline_references());
    CHECK_FALSE(pg.inline_references());
}

TEST_CASE("only PostgreSQL has server-side prepared statements to deallocate") {
    CHECK(pg.deallocate_sql("dorm_12") == R"(DEALLOCATE "dorm_12")");
    CHECK(lite.deallocate_sql("dorm_12").empty());
}
