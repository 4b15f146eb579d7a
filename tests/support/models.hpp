#pragma once
// Models shared by the test suites (the API.md examples without relations).

#include <dorm/dorm.hpp>

namespace testmodels {

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

struct Article;
struct ArticleQuerySet : dorm::QuerySet<Article, ArticleQuerySet> {
    using QuerySet::QuerySet;
    ArticleQuerySet live() const { return filter("published", true); }
    ArticleQuerySet by(const Author& a) const { return filter("author_id", a); }
    ArticleQuerySet rated(int at_least) const { return filter("rating__gte", at_least); }
};

struct LiveArticles;
struct Article : dorm::Model<Article, ArticleQuerySet> {
    std::int64_t author_id = 0;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    dorm::DateTime mod_date{};
    std::optional<dorm::DateTime> created;
    int rating = 0;
    std::optional<int> n_comments;
    bool published = false;
    double score = 0;
    std::string status = "d";
    dorm::Json meta;
    std::optional<dorm::Blob> data;
    static void define(dorm::Schema<Article>& s) {
        s.field(&Article::author_id, "author_id");
        s.field(&Article::headline, "headline").max_length(50);
        s.field(&Article::body_text, "body_text").blank();
        s.field(&Article::pub_date, "pub_date").db_index();
        s.field(&Article::mod_date, "mod_date").auto_now();
        s.field(&Article::created, "created").auto_now_add();
        s.field(&Article::rating, "rating").validators({[](const dorm::Value& v) {
            if (v.as_int() < 0 || v.as_int() > 5)
                throw dorm::ValidationError("rating", "Ensure this value is between 0 and 5.");
        }});
        s.field(&Article::n_comments, "n_comments");
        s.field(&Article::published, "published").default_value(false);
        s.field(&Article::score, "score").default_value(1.5);
        s.field(&Article::status, "status").max_length(1).choices({{"d", "Draft"}, {"p", "Published"}}).default_value("d");
        s.field(&Article::meta, "meta").default_value(dorm::Json::object());
        s.field(&Article::data, "data");
        s.ordering({"-pub_date", "headline"});
        s.unique_together({"author_id", "headline"});
    }
    static LiveArticles live_articles();
};

struct LiveArticles : dorm::Manager<Article> {
    LiveArticles() : Manager(ArticleQuerySet().live()) {}
};
inline LiveArticles Article::live_articles() { return {}; }

/// A model with a declared primary key instead of the automatic id.
struct Tag : dorm::Model<Tag> {
    std::string slug;
    std::string label;
    static void define(dorm::Schema<Tag>& s) {
        s.field(&Tag::slug, "slug").primary_key().max_length(30);
        s.field(&Tag::label, "label");
    }
};

/// Unordered, for first()/last() by pk.
struct Counter : dorm::Model<Counter> {
    std::string name;
    std::int64_t value = 0;
    static void define(dorm::Schema<Counter>& s) {
        s.field(&Counter::name, "name").max_length(40);
        s.field(&Counter::value, "value");
    }
};

inline void register_all() { dorm::register_models<Author, Article, Tag, Counter>(); }

inline dorm::Date ymd(int y, unsigned m, unsigned d) {
    return dorm::Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

}  // namespace testmodels
