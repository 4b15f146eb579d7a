// One evolving app for the migrations scenario (scenario.py): compiled once per model
// version (APP_VERSION 1, 2, 3; 4 adds a NOT NULL field without a default). `app data write`
// and `app data show` write and print rows; anything else is dorm::manage.
#include <dorm/dorm.hpp>

#include <iostream>

#ifndef APP_VERSION
#error "APP_VERSION must be defined"
#endif

struct Author : dorm::Model<Author> {
    std::string name;
#if APP_VERSION == 2
    std::optional<std::string> email;
#endif
#if APP_VERSION >= 3
    dorm::Uuid ident;  // existing rows get one value each from the default_factory
#endif
    static void define(dorm::Schema<Author>& s) {
        s.app_label("blog");
        s.field(&Author::name, "name").max_length(APP_VERSION >= 3 ? 200 : 100);
#if APP_VERSION >= 3
        s.field(&Author::ident, "ident").unique().default_factory([] { return dorm::Uuid::v4(); });
#endif
#if APP_VERSION == 2
        s.field(&Author::email, "email").unique();
#endif
    }
};

#if APP_VERSION >= 2
struct Tag : dorm::Model<Tag> {
    std::string slug;
    static void define(dorm::Schema<Tag>& s) {
        s.app_label("blog");
        s.field(&Tag::slug, "slug").max_length(50).primary_key();
    }
};
#endif

struct Entry : dorm::Model<Entry> {
    dorm::ForeignKey<Author> author;
#if APP_VERSION == 1
    std::string headline;
#else
    std::string title;
    int rating = 0;
    dorm::ManyToMany<Tag> tags;
#endif
#if APP_VERSION == 4
    int views = 0;  // a member initializer is not a default_value: makemigrations refuses
#endif
    static void define(dorm::Schema<Entry>& s) {
        s.app_label("blog");
        s.field(&Entry::author, "author").on_delete(dorm::Cascade).related_name("entries");
#if APP_VERSION == 1
        s.field(&Entry::headline, "headline").max_length(255);
#else
        s.field(&Entry::title, "title").max_length(255).renamed_from("headline");
        s.field(&Entry::rating, "rating").default_value(0);
        s.field(&Entry::tags, "tags");
        s.indexes({dorm::Index({"rating", "-title"}, "entry_rating_title")});
        s.constraints({dorm::CheckConstraint(dorm::Q("rating__gte", 0), "rating_nonnegative")});
#endif
#if APP_VERSION == 4
        s.field(&Entry::views, "views");
#endif
    }
};

int main(int argc, char** argv) {
    // RunCode operations of hand-written migrations (scenario step 6)
    dorm::migration_code("fill_ratings", [](dorm::MigrationContext& m) {
        m.execute("UPDATE blog_entry SET rating = %s WHERE rating = %s", {5, 0});
    });
    dorm::migration_code("clear_ratings", [](dorm::MigrationContext& m) {
        m.execute("UPDATE blog_entry SET rating = %s", {0});
    });
#if APP_VERSION >= 2
    dorm::register_models<Author, Tag, Entry>();
#else
    dorm::register_models<Author, Entry>();
#endif
    if (argc >= 3 && std::string(argv[1]) == "data") {
        const char* url = std::getenv("DATABASE_URL");
        dorm::connect(url ? url : "sqlite3://db.sqlite3");
        if (std::string(argv[2]) == "write") {
            auto ann = Author::objects().create([](Author& a) { a.name = "Ann"; });
            auto bob = Author::objects().create([](Author& a) { a.name = "Bob"; });
            for (const auto* h : {"first", "second"})
                Entry::objects().create([&](Entry& e) {
                    e.author = ann;
#if APP_VERSION == 1
                    e.headline = h;
#else
                    e.title = h;
                    e.rating = 3;
#endif
                });
            Entry::objects().create([&](Entry& e) {
                e.author = bob;
#if APP_VERSION == 1
                e.headline = "third";
#else
                e.title = "third";
#endif
            });
        }
        // one line per entry, in a stable order: author name, headline/title, rating
        for (const auto& e : Entry::objects().select_related("author").order_by("id")) {
#if APP_VERSION == 1
            std::cout << e.author->name << " " << e.headline << "\n";
#else
            std::cout << e.author->name << " " << e.title << " " << e.rating << "\n";
#endif
        }
        return 0;
    }
    return dorm::manage(argc, argv);
}
