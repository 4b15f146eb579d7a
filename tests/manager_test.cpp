// Custom QuerySet and Manager classes (API.md §6).
#include <doctest/doctest.h>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::ArticleQuerySet;
using testmodels::Author;
using testmodels::ymd;

namespace {
void seed(const Author& ann, const Author& bob) {
    auto add = [](const char* h, bool live, int rating, const Author& by) {
        Article::objects().create([&](Article& a) {
            a.headline = h;
            a.published = live;
            a.rating = rating;
            a.author_id = by.id;
            a.pub_date = ymd(2026, 1, 1);
        });
    };
    add("ann live 5", true, 5, ann);
    add("ann live 1", true, 1, ann);
    add("ann draft", false, 5, ann);
    add("bob live", true, 4, bob);
}
}  // namespace

TEST_CASE_FIXTURE(testdb::Fresh, "custom QuerySet methods chain with built-in ones, in any order") {
    Author ann = Author::objects().create([](Author& a) { a.name = "Ann"; });
    Author bob = Author::objects().create([](Author& a) { a.name = "Bob"; });
    seed(ann, bob);
    CaptureQueries q;
    ArticleQuerySet qs = Article::objects().live().filter("rating__gte", 3).by(ann);
    CHECK(q.count() == 0);
    CHECK(qs.count() == 1);
    CHECK(Article::objects().by(bob).live().rated(4).get().headline == "bob live");
    CHECK(Article::objects().filter("rating", 5).live().size() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "a custom Manager starts its querysets from its own queryset") {
    Author ann = Author::objects().create([](Author& a) { a.name = "Ann"; });
    Author bob = Author::objects().create([](Author& a) { a.name = "Bob"; });
    seed(ann, bob);
    CHECK(Article::live_articles().count() == 3);
    CHECK(Article::live_articles().filter("rating__gte", 3).count() == 2);
    CHECK(Article::live_articles().by(ann).exists());
    CHECK(Article::live_articles().get_queryset().count() == 3);
    CHECK(Article::objects().get_queryset().count() == 4);
    Manager<Article> all;
    CHECK(all.count() == 4);
}
