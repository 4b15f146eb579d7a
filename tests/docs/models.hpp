#pragma once
// The models every docs page may use without declaring them: API.md §2's Author, Blog and
// Entry, with §6's EntryQuerySet (live(), by(author)) and LiveManager, word for word; plus the
// few names the snippets take from "the app" (a request, slugify, send_mail). Included by each
// page tests/docs/extract.py generates; a page that declares a model of the same name hides
// this one inside its own namespace.

#include <dorm/dorm.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

struct Author : dorm::Model<Author> {
    std::string name;
    std::optional<std::string> email;  // optional<T>  =>  NULL allowed
    int age = 0;

    static void define(dorm::Schema<Author>& s) {
        s.table("blog_author");  // default: the type's name, lower snake case
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
        s.field(&Blog::tagline, "tagline");  // no max_length: TEXT
        s.field(&Blog::owner, "owner").on_delete(dorm::Cascade).related_name("blogs");
    }
};

struct Entry;  // declared before its QuerySet
struct EntryQuerySet : dorm::QuerySet<Entry, EntryQuerySet> {
    using QuerySet::QuerySet;
    EntryQuerySet live() const { return filter("published", true); }
    EntryQuerySet by(const Author& a) const { return filter("authors", a); }
};
struct LiveManager;

struct Entry : dorm::Model<Entry, EntryQuerySet> {
    dorm::ForeignKey<Blog> blog;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date;
    dorm::DateTime mod_date;
    int rating = 0;
    int n_comments = 0;
    bool published = false;
    dorm::Json meta;
    dorm::ManyToMany<Author> authors;
    static LiveManager live_entries();
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

struct LiveManager : dorm::Manager<Entry> {  // Django's custom manager
    LiveManager() : Manager(EntryQuerySet().live()) {}
};
inline LiveManager Entry::live_entries() { return {}; }

// ---- what the snippets take from the application around them ------------------------------

/// An HTTP request as the app's framework gives it.
struct Request {
    std::string query_string;
    std::string body;
};
/// The app's own query-string parser ("a=1&b=2" -> {{"a", "1"}, {"b", "2"}}).
inline std::vector<std::pair<std::string, std::string>> parse_query_string(const Request& req) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(req.query_string);
    for (std::string kv; std::getline(in, kv, '&');) {
        auto eq = kv.find('=');
        out.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
    }
    return out;
}
inline std::string slugify(const std::string& s) {
    std::string out;
    for (char c : s) out += (c == ' ') ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
inline void send_mail() {}

/// Names a statement block may use without declaring them (it may also redeclare them: the
/// block is a nested scope). Objects are unsaved; runnable blocks make their own data.
#define DORM_DOCS_PRELUDE                                                          \
    [[maybe_unused]] Author a, a1, a2, ann;                                        \
    [[maybe_unused]] Blog b;                                                       \
    [[maybe_unused]] Entry e;                                                      \
    [[maybe_unused]] EntryQuerySet qs = Entry::objects();                          \
    [[maybe_unused]] std::string url = "sqlite3://:memory:";                       \
    [[maybe_unused]] std::string cursor;                                           \
    [[maybe_unused]] Request req;                                                  \
    [[maybe_unused]] std::string request_body = "{}";                              \
    [[maybe_unused]] dorm::Json patch_body = dorm::Json::object();
