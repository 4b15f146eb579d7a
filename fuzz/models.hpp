#pragma once
// The fixed models every fuzz harness queries (fuzz/README.md): a foreign key, a reverse
// relation, a ManyToMany, a string primary key, and every common value type, so that paths
// can walk joins and end in transforms and lookups. App label "fz" for fixture labels.

#include <dorm/dorm.hpp>

namespace fz {

struct Author : dorm::Model<Author> {
    std::string name;
    std::optional<std::string> email;
    int age = 0;
    static void define(dorm::Schema<Author>& s) {
        s.app_label("fz");
        s.field(&Author::name, "name").max_length(100);
        s.field(&Author::email, "email").max_length(100).null();
        s.field(&Author::age, "age").default_value(0);
    }
};

struct Blog : dorm::Model<Blog> {
    std::string name;
    std::string tagline;
    dorm::ForeignKey<Author> owner;
    static void define(dorm::Schema<Blog>& s) {
        s.app_label("fz");
        s.field(&Blog::name, "name").max_length(100);
        s.field(&Blog::tagline, "tagline").blank();
        s.field(&Blog::owner, "owner").null().on_delete(dorm::SetNull).related_name("blogs");
    }
};

struct Tag : dorm::Model<Tag> {  // a declared string key
    std::string slug;
    std::string label;
    static void define(dorm::Schema<Tag>& s) {
        s.app_label("fz");
        s.field(&Tag::slug, "slug").primary_key().max_length(30);
        s.field(&Tag::label, "label");
    }
};

struct Entry : dorm::Model<Entry> {
    dorm::ForeignKey<Blog> blog;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    std::optional<dorm::DateTime> mod_date;
    int rating = 0;
    std::optional<int> n_comments;
    bool published = false;
    double score = 0;
    dorm::Decimal price;
    dorm::Json meta;
    std::optional<dorm::Blob> data;
    dorm::ManyToMany<Author> authors;
    dorm::ManyToMany<Tag> tags;
    static void define(dorm::Schema<Entry>& s) {
        s.app_label("fz");
        s.field(&Entry::blog, "blog").on_delete(dorm::Cascade).related_name("entries");
        s.field(&Entry::headline, "headline").max_length(255);
        s.field(&Entry::body_text, "body_text").blank();
        s.field(&Entry::pub_date, "pub_date");
        s.field(&Entry::mod_date, "mod_date");
        s.field(&Entry::rating, "rating");
        s.field(&Entry::n_comments, "n_comments");
        s.field(&Entry::published, "published").default_value(false);
        s.field(&Entry::score, "score");
        s.field(&Entry::price, "price").max_digits(8).decimal_places(2);
        s.field(&Entry::meta, "meta");
        s.field(&Entry::data, "data");
        s.field(&Entry::authors, "authors").related_name("entries");
        s.field(&Entry::tags, "tags").related_name("entries");
        s.ordering({"-pub_date", "headline"});
    }
};

inline void register_all() { dorm::register_models<Author, Blog, Tag, Entry>(); }

}  // namespace fz
