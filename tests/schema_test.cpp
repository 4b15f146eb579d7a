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

namespace django_ddl {
struct Author : dorm::Model<Author> {
    std::string name;
    static void define(dorm::Schema<Author>& s) {
        s.table("blog_author");
        s.field(&Author::name, "name").max_length(100);
    }
};
struct Blog : dorm::Model<Blog> {
    std::string name;
    dorm::ForeignKey<Author> owner;
    static void define(dorm::Schema<Blog>& s) {
        s.table("blog_blog");
        s.field(&Blog::name, "name").max_length(100);
        s.field(&Blog::owner, "owner").on_delete(dorm::Cascade).related_name("blogs");
    }
};
struct Entry : dorm::Model<Entry> {
    dorm::ForeignKey<Blog> blog;
    dorm::ForeignKey<Author> editor;
    dorm::ForeignKey<Entry> parent;
    dorm::OneToOne<Author> cover;
    std::string headline;
    dorm::ManyToMany<Author> authors;
    static void define(dorm::Schema<Entry>& s) {
        s.table("blog_entry");
        s.field(&Entry::blog, "blog").on_delete(dorm::Cascade).related_name("entries");
        s.field(&Entry::editor, "editor").null().on_delete(dorm::SetNull).related_name("+");
        s.field(&Entry::parent, "parent").null();
        s.field(&Entry::cover, "cover").null().related_name("cover_of");
        s.field(&Entry::headline, "headline").max_length(255);
        s.field(&Entry::authors, "authors").related_name("entries");
    }
};

std::vector<std::string> ddl_of(const char* vendor) {
    std::vector<std::string> out;
    const auto& d = dorm::sql::dialect_for(vendor);
    for (const dorm::ModelMeta* m : std::vector<const dorm::ModelMeta*>{&Author::model_meta(), &Blog::model_meta(), &Entry::model_meta(),
                                     Entry::model_meta().find("authors")->relation->through.get()})
        for (auto& s : dorm::detail::create_table_sql(*m, d)) out.push_back(s);
    return out;
}
}  // namespace django_ddl

using django_ddl::ddl_of;

TEST_CASE("relations: DDL byte for byte as Django 3.2 emits it (BigAutoField keys)") {
    // Django's output for the same models (schema_editor, collect_sql), grouped per model.
    CHECK(ddl_of("sqlite") == std::vector<std::string>{
        R"(CREATE TABLE "blog_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL))",
        R"(CREATE TABLE "blog_blog" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "owner_id" bigint NOT NULL REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED))",
        R"(CREATE INDEX "blog_blog_owner_id_76443514" ON "blog_blog" ("owner_id"))",
        R"(CREATE TABLE "blog_entry" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "blog_id" bigint NOT NULL REFERENCES "blog_blog" ("id") DEFERRABLE INITIALLY DEFERRED, "editor_id" bigint NULL REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED, "parent_id" bigint NULL REFERENCES "blog_entry" ("id") DEFERRABLE INITIALLY DEFERRED, "cover_id" bigint NULL UNIQUE REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED, "headline" varchar(255) NOT NULL))",
        R"(CREATE INDEX "blog_entry_blog_id_8cd38d8b" ON "blog_entry" ("blog_id"))",
        R"(CREATE INDEX "blog_entry_editor_id_f5ac03cc" ON "blog_entry" ("editor_id"))",
        R"(CREATE INDEX "blog_entry_parent_id_3d873364" ON "blog_entry" ("parent_id"))",
        R"(CREATE TABLE "blog_entry_authors" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "entry_id" bigint NOT NULL REFERENCES "blog_entry" ("id") DEFERRABLE INITIALLY DEFERRED, "author_id" bigint NOT NULL REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED))",
        R"(CREATE UNIQUE INDEX "blog_entry_authors_entry_id_author_id_991f9666_uniq" ON "blog_entry_authors" ("entry_id", "author_id"))",
        R"(CREATE INDEX "blog_entry_authors_entry_id_df89c7c1" ON "blog_entry_authors" ("entry_id"))",
        R"(CREATE INDEX "blog_entry_authors_author_id_44edd3c2" ON "blog_entry_authors" ("author_id"))",
    });
    CHECK(ddl_of("postgresql") == std::vector<std::string>{
        R"(CREATE TABLE "blog_author" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL))",
        R"(CREATE TABLE "blog_blog" ("id" bigserial NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "owner_id" bigint NOT NULL))",
        R"(ALTER TABLE "blog_blog" ADD CONSTRAINT "blog_blog_owner_id_76443514_fk_blog_author_id" FOREIGN KEY ("owner_id") REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(CREATE INDEX "blog_blog_owner_id_76443514" ON "blog_blog" ("owner_id"))",
        R"(CREATE TABLE "blog_entry" ("id" bigserial NOT NULL PRIMARY KEY, "blog_id" bigint NOT NULL, "editor_id" bigint NULL, "parent_id" bigint NULL, "cover_id" bigint NULL UNIQUE, "headline" varchar(255) NOT NULL))",
        R"(ALTER TABLE "blog_entry" ADD CONSTRAINT "blog_entry_blog_id_8cd38d8b_fk_blog_blog_id" FOREIGN KEY ("blog_id") REFERENCES "blog_blog" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(ALTER TABLE "blog_entry" ADD CONSTRAINT "blog_entry_editor_id_f5ac03cc_fk_blog_author_id" FOREIGN KEY ("editor_id") REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(ALTER TABLE "blog_entry" ADD CONSTRAINT "blog_entry_parent_id_3d873364_fk_blog_entry_id" FOREIGN KEY ("parent_id") REFERENCES "blog_entry" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(ALTER TABLE "blog_entry" ADD CONSTRAINT "blog_entry_cover_id_be818af9_fk_blog_author_id" FOREIGN KEY ("cover_id") REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(CREATE INDEX "blog_entry_blog_id_8cd38d8b" ON "blog_entry" ("blog_id"))",
        R"(CREATE INDEX "blog_entry_editor_id_f5ac03cc" ON "blog_entry" ("editor_id"))",
        R"(CREATE INDEX "blog_entry_parent_id_3d873364" ON "blog_entry" ("parent_id"))",
        R"(CREATE TABLE "blog_entry_authors" ("id" bigserial NOT NULL PRIMARY KEY, "entry_id" bigint NOT NULL, "author_id" bigint NOT NULL))",
        R"(ALTER TABLE "blog_entry_authors" ADD CONSTRAINT "blog_entry_authors_entry_id_author_id_991f9666_uniq" UNIQUE ("entry_id", "author_id"))",
        R"(ALTER TABLE "blog_entry_authors" ADD CONSTRAINT "blog_entry_authors_entry_id_df89c7c1_fk_blog_entry_id" FOREIGN KEY ("entry_id") REFERENCES "blog_entry" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(ALTER TABLE "blog_entry_authors" ADD CONSTRAINT "blog_entry_authors_author_id_44edd3c2_fk_blog_author_id" FOREIGN KEY ("author_id") REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED)",
        R"(CREATE INDEX "blog_entry_authors_entry_id_df89c7c1" ON "blog_entry_authors" ("entry_id"))",
        R"(CREATE INDEX "blog_entry_authors_author_id_44edd3c2" ON "blog_entry_authors" ("author_id"))",
    });
}
