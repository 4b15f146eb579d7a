// DDL: byte for byte what Django 3.2 emits for the same models.
#include <doctest/doctest.h>
#include <dorm/dorm.hpp>

namespace {
struct BenchAuthor : dorm::Model<BenchAuthor> {
    std::string name;
    std::optional<std::string> email;
    int age = 0;
    static void define(dorm::Schema<BenchAuthor>& s) {
        s.table("bench_author");
        s.field(&BenchAuthor::name, "name").max_length(100);
        s.field(&BenchAuthor::email, "email").max_length(254);
        s.field(&BenchAuthor::age, "age");
    }
};
struct Probe : dorm::Model<Probe> {
    std::int64_t blog_id = 0;
    std::string headline;
    dorm::Date pub_date{};
    dorm::DateTime mod_date{};
    bool published = false;
    dorm::Json meta;
    std::optional<double> score;
    std::optional<dorm::Blob> data;
    static void define(dorm::Schema<Probe>& s) {
        s.table("blog_entry");
        s.field(&Probe::blog_id, "blog_id");
        s.field(&Probe::headline, "headline").max_length(255);
        s.field(&Probe::pub_date, "pub_date").db_index();
        s.field(&Probe::mod_date, "mod_date").auto_now();
        s.field(&Probe::published, "published").default_value(false);
        s.field(&Probe::meta, "meta").unique();
        s.field(&Probe::score, "score");
        s.field(&Probe::data, "data");
        s.unique_together({"blog_id", "headline"});
    }
};
struct BlogPost : dorm::Model<BlogPost> {
    std::string title;
    static void define(dorm::Schema<BlogPost>& s) { s.field(&BlogPost::title, "title"); }
};
}  // namespace

TEST_CASE("CREATE TABLE matches Django's DDL for the benchmark's author table") {
    auto ddl = dorm::detail::create_table_sql(BenchAuthor::model_meta(), dorm::sql::dialect_for("sqlite"));
    REQUIRE(ddl.size() == 1);
    CHECK(ddl[0] == R"(CREATE TABLE "bench_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "email" varchar(254) NULL, "age" integer NOT NULL))");
}

TEST_CASE("column types, JSON checks, indexes and unique_together as Django names them") {
    auto ddl = dorm::detail::create_table_sql(Probe::model_meta(), dorm::sql::dialect_for("sqlite"));
    REQUIRE(ddl.size() == 3);
    CHECK(ddl[0] == R"(CREATE TABLE "blog_entry" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "blog_id" bigint NOT NULL, "headline" varchar(255) NOT NULL, "pub_date" date NOT NULL, "mod_date" datetime NOT NULL, "published" bool NOT NULL, "meta" text NOT NULL UNIQUE CHECK ((JSON_VALID("meta") OR "meta" IS NULL)), "score" real NULL, "data" BLOB NULL))");
    CHECK(ddl[1] == R"(CREATE UNIQUE INDEX "blog_entry_blog_id_headline_84a81ff2_uniq" ON "blog_entry" ("blog_id", "headline"))");
    CHECK(ddl[2] == R"(CREATE INDEX "blog_entry_pub_date_6c78a845" ON "blog_entry" ("pub_date"))");
}

TEST_CASE("index names hash like Django's names_digest") {
    const auto& d = dorm::sql::dialect_for("sqlite");
    CHECK(dorm::detail::index_name("bench_entry", {"pub_date"}, "", d) == "bench_entry_pub_date_511c5e7b");
    CHECK(dorm::detail::index_name("bench_blog", {"author_id"}, "", d) == "bench_blog_author_id_535d5965");
    CHECK(dorm::detail::index_name("blog_author", {"age"}, "", d) == "blog_author_age_001e1a18");
}

namespace {
struct PgAuthor : dorm::Model<PgAuthor> {
    std::string name;
    std::optional<std::string> email;
    std::string bio;
    int age = 0;
    static void define(dorm::Schema<PgAuthor>& s) {
        s.table("blog_author");
        s.field(&PgAuthor::name, "name").max_length(100).db_index();
        s.field(&PgAuthor::email, "email").max_length(254).unique();
        s.field(&PgAuthor::bio, "bio").db_index();
        s.field(&PgAuthor::age, "age").default_value(0).db_index();
        s.unique_together({"name", "age"});
    }
};
}  // namespace

TEST_CASE("PostgreSQL DDL: LIKE indexes and unique_together constraints as Django names them") {
    auto ddl = dorm::detail::create_table_sql(PgAuthor::model_meta(), dorm::sql::dialect_for("postgresql"));
    // Django 3.2's own output for the same model, statement by statement.
    std::vector<std::string> django = {
        R"(CREATE TABLE "blog_author" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "email" varchar(254) NULL UNIQUE, "bio" text NOT NULL, "age" integer NOT NULL))",
        R"(ALTER TABLE "blog_author" ADD CONSTRAINT "blog_author_name_age_4d346ae2_uniq" UNIQUE ("name", "age"))",
        R"(CREATE INDEX "blog_author_name_9e372c42" ON "blog_author" ("name"))",
        R"(CREATE INDEX "blog_author_name_9e372c42_like" ON "blog_author" ("name" varchar_pattern_ops))",
        R"(CREATE INDEX "blog_author_email_8354ab3e_like" ON "blog_author" ("email" varchar_pattern_ops))",
        R"(CREATE INDEX "blog_author_bio_36e959cf" ON "blog_author" ("bio"))",
        R"(CREATE INDEX "blog_author_bio_36e959cf_like" ON "blog_author" ("bio" text_pattern_ops))",
        R"(CREATE INDEX "blog_author_age_001e1a18" ON "blog_author" ("age"))",
    };
    CHECK(ddl == django);
}

TEST_CASE("PostgreSQL column types") {
    auto ddl = dorm::detail::create_table_sql(Probe::model_meta(), dorm::sql::dialect_for("postgresql"));
    CHECK(ddl[0] == R"(CREATE TABLE "blog_entry" ("id" bigserial NOT NULL PRIMARY KEY, "blog_id" bigint NOT NULL, "headline" varchar(255) NOT NULL, "pub_date" date NOT NULL, "mod_date" timestamp with time zone NOT NULL, "published" boolean NOT NULL, "meta" jsonb NOT NULL UNIQUE, "score" double precision NULL, "data" bytea NULL))");
}

TEST_CASE("the default table name is the type's name in snake case") {
    CHECK(BlogPost::model_meta().table == "blog_post");
    CHECK(BlogPost::model_meta().name == "BlogPost");
}
