#pragma once
// The blog models of API.md §2 (Author, Blog, Entry with its EntryQuerySet), plus the
// AuditLog the API's signal receivers write. Knows nothing of HTTP.

#include <dorm/dorm.hpp>

struct Author : dorm::Model<Author> {
    std::string name;
    std::optional<std::string> email;
    int age = 0;
    static void define(dorm::Schema<Author>& s) {
        s.table("blog_author");
        s.field(&Author::name, "name").max_length(100);
        s.field(&Author::email, "email").unique();
        s.field(&Author::age, "age").default_value(0).db_index();
    }
};

struct Blog : dorm::Model<Blog> {
    std::string name;
    std::string tagline;
    dorm::ForeignKey<Author> owner;
    static void define(dorm::Schema<Blog>& s) {
        s.table("blog_blog");
        s.field(&Blog::name, "name").max_length(100);
        s.field(&Blog::tagline, "tagline");
        s.field(&Blog::owner, "owner").on_delete(dorm::Cascade).related_name("blogs");
    }
};

struct Entry;
struct EntryQuerySet : dorm::QuerySet<Entry, EntryQuerySet> {
    using QuerySet::QuerySet;
    [[nodiscard]] EntryQuerySet live() const { return filter("published", true); }
};

struct Entry : dorm::Model<Entry, EntryQuerySet> {
    dorm::ForeignKey<Blog> blog;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    dorm::DateTime mod_date{};
    int rating = 0;
    int n_comments = 0;
    bool published = false;
    dorm::Json meta = dorm::Json::object();
    dorm::ManyToMany<Author> authors;
    static void define(dorm::Schema<Entry>& s) {
        s.table("blog_entry");
        s.field(&Entry::blog, "blog").on_delete(dorm::Cascade).related_name("entries");
        s.field(&Entry::headline, "headline").max_length(255);
        s.field(&Entry::body_text, "body_text");
        s.field(&Entry::pub_date, "pub_date").db_index();
        s.field(&Entry::mod_date, "mod_date").auto_now();
        s.field(&Entry::rating, "rating");
        s.field(&Entry::n_comments, "n_comments");
        s.field(&Entry::published, "published").default_value(false);
        s.field(&Entry::meta, "meta").default_value(dorm::Json::object());
        s.field(&Entry::authors, "authors").related_name("entries");
        s.ordering({"-pub_date", "headline"});
        s.unique_together({"blog", "headline"});
    }
};

/// One row per write through the API, by the post_save / post_delete receivers
/// (connect_audit()), in the transaction of the write itself.
struct AuditLog : dorm::Model<AuditLog> {
    std::string action;  ///< "created", "updated", "deleted"
    std::string model;   ///< the table of the object written
    std::int64_t object_id = 0;
    std::string summary;
    dorm::DateTime at{};
    static void define(dorm::Schema<AuditLog>& s) {
        s.table("api_auditlog");
        s.field(&AuditLog::action, "action").max_length(10).db_index();
        s.field(&AuditLog::model, "model").max_length(50);
        s.field(&AuditLog::object_id, "object_id").db_index();
        s.field(&AuditLog::summary, "summary").blank();
        s.field(&AuditLog::at, "at").auto_now_add();
        s.ordering({"-id"});
    }
};

/// Registers the models, the migrations' RunCode functions and the audit receivers.
void setup_models();
