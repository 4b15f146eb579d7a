#pragma once
// Models of API.md §13 for the web tools' tests (FilterSet, pages, JSON in and out), in
// tables of their own.

#include <dorm/dorm.hpp>

#include "db.hpp"

namespace web {

struct Blog : dorm::Model<Blog> {
    std::string name;
    static void define(dorm::Schema<Blog>& s) {
        s.table("web_blog");
        s.field(&Blog::name, "name").max_length(100).unique();
    }
};

struct Entry;
struct EntryQuerySet : dorm::QuerySet<Entry, EntryQuerySet> {
    using QuerySet::QuerySet;
    EntryQuerySet live() const { return filter("published", true); }
};

struct Entry : dorm::Model<Entry, EntryQuerySet> {
    dorm::ForeignKey<Blog> blog;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    dorm::DateTime mod_date{};
    int rating = 0;
    std::optional<int> n_comments;
    bool published = false;
    std::string status = "d";
    std::optional<dorm::Decimal> price;
    static void define(dorm::Schema<Entry>& s) {
        s.table("web_entry");
        s.field(&Entry::blog, "blog").on_delete(dorm::Cascade).related_name("entries");
        s.field(&Entry::headline, "headline").max_length(40);
        s.field(&Entry::body_text, "body_text").blank();
        s.field(&Entry::pub_date, "pub_date").db_index();
        s.field(&Entry::mod_date, "mod_date").auto_now();
        s.field(&Entry::rating, "rating");
        s.field(&Entry::n_comments, "n_comments");
        s.field(&Entry::published, "published").default_value(false);
        s.field(&Entry::status, "status").max_length(1).choices({{"d", "Draft"}, {"p", "Published"}}).default_value("d");
        s.field(&Entry::price, "price").max_digits(6).decimal_places(2);
        s.ordering({"-pub_date", "headline"});
        s.unique_together({"blog", "headline"});
    }
};

/// The test database with these tables, empty.
struct Fresh : testdb::Fresh {
    Fresh() {
        static const bool registered = (dorm::register_models<Blog, Entry>(), true);
        (void)registered;
        dorm::create_tables();
        Entry::objects().erase();
        Blog::objects().erase();
    }
};

inline Blog blog(const std::string& name) {
    return Blog::objects().create([&](Blog& b) { b.name = name; });
}

inline Entry entry(const Blog& b, const std::string& headline, int rating, dorm::Date day, bool published = true) {
    return Entry::objects().create([&](Entry& e) {
        e.blog = b;
        e.headline = headline;
        e.rating = rating;
        e.pub_date = day;
        e.published = published;
    });
}

}  // namespace web
