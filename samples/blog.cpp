// A tour of dorm on embedded SQLite: models, tables made by migrations, writes, and the
// queries a CRUD backend runs, each printed with the SQL it sent.
//   blog [URL]                  the tour (default sqlite3://blog.sqlite3)
//   blog manage COMMAND ...     dorm::manage on the sample's models and samples/migrations
#include <dorm/dorm.hpp>

#include <iostream>

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

struct Entry;
struct EntryQuerySet : dorm::QuerySet<Entry, EntryQuerySet> {
    using QuerySet::QuerySet;
    EntryQuerySet live() const { return filter("published", true); }
    EntryQuerySet by(const Author& a) const { return filter("author", a); }
};

struct Entry : dorm::Model<Entry, EntryQuerySet> {
    dorm::ForeignKey<Author> author;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    dorm::DateTime mod_date{};
    int rating = 0;
    int n_comments = 0;
    bool published = false;
    static void define(dorm::Schema<Entry>& s) {
        s.table("blog_entry");
        s.field(&Entry::author, "author").on_delete(dorm::Cascade).related_name("entries");
        s.field(&Entry::headline, "headline").max_length(255);
        s.field(&Entry::body_text, "body_text").blank();
        s.field(&Entry::pub_date, "pub_date").db_index();
        s.field(&Entry::mod_date, "mod_date").auto_now();
        s.field(&Entry::rating, "rating");
        s.field(&Entry::n_comments, "n_comments");
        s.field(&Entry::published, "published").default_value(false);
        s.ordering({"-pub_date", "headline"});
    }
};

namespace {
dorm::Date day(int y, unsigned m, unsigned d) {
    return dorm::Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// Prints what a block of code sent to the database.
template <class Fn>
void show(const char* title, Fn&& fn) {
    dorm::CaptureQueries q;
    std::cout << "\n== " << title << "\n";
    fn();
    for (const auto& s : q.queries()) {
        std::cout << "   SQL: " << s.sql;
        if (!s.params.empty()) {
            std::cout << "   -- params:";
            for (const auto& p : s.params) std::cout << ' ' << p.repr();
        }
        std::cout << "\n";
    }
}
}  // namespace

int main(int argc, char** argv) {
    dorm::register_models<Author, Entry>();
    dorm::settings().migrations_dir = DORM_SAMPLE_MIGRATIONS;  // samples/migrations
    if (argc > 1 && std::string(argv[1]) == "manage") return dorm::manage(argc - 1, argv + 1);
    const std::string url = argc > 1 ? argv[1] : "sqlite3://blog.sqlite3";
    dorm::connect(url);
    std::cout << "connected to " << url << "; the schema comes from samples/migrations:\n";
    if (dorm::manage({"migrate", "zero"}) != 0 || dorm::manage({"migrate"}) != 0) return 1;

    Author ann, bob;
    show("insert two authors", [&] {
        ann.name = "Ann";
        ann.email = "ann@example.org";
        ann.age = 41;
        ann.save();
        bob = Author::objects().create([](Author& a) { a.name = "Bob"; a.age = 29; });
    });

    show("bulk_create five entries in one transaction", [&] {
        std::vector<Entry> entries;
        const char* titles[] = {"Hello dorm", "Draft: joins", "Lazy querysets", "F and Q", "100% sure"};
        for (int i = 0; i < 5; ++i) {
            Entry e;
            e.author = i % 2 ? bob : ann;
            e.headline = titles[i];
            e.pub_date = day(2026, unsigned(i + 1), 15);
            e.rating = i + 1;
            e.published = i != 1;
            entries.push_back(e);
        }
        Entry::objects().bulk_create(entries);
        std::cout << "   ids: " << entries.front().id << ".." << entries.back().id << "\n";
    });

    show("filter / exclude / order_by (lazy until iterated)", [] {
        auto qs = Entry::objects()
                      .filter("pub_date__year", 2026)
                      .exclude("headline__icontains", "draft")
                      .filter("rating__gte", 2)
                      .order_by("-rating");
        std::cout << "   built, nothing ran yet\n";
        for (const Entry& e : qs) std::cout << "   " << e.rating << "  " << e.headline << "\n";
    });

    show("Q objects and F expressions", [] {
        using dorm::F, dorm::Q;
        auto n = Entry::objects().filter(Q("rating__gte", 4) | ~Q("published", true)).count();
        std::cout << "   rating >= 4 or unpublished: " << n << "\n";
        auto changed = Entry::objects().filter("rating__gte", 3).update({{"n_comments", F("n_comments") + 1}});
        std::cout << "   bumped n_comments on " << changed << " entries\n";
    });

    show("custom QuerySet methods", [&] {
        auto live = Entry::objects().live().by(ann);
        std::cout << "   Ann's live entries: " << live.count() << "\n";
    });

    show("values() and values_list()", [] {
        dorm::Json rows = Entry::objects().values("headline", "pub_date").filter("published", true).slice(0, 2);
        std::cout << "   " << rows.dump() << "\n";
        auto ids = Entry::objects().order_by("id").values_list<std::int64_t>("id");
        std::cout << "   ids:";
        for (auto id : ids) std::cout << ' ' << id;
        std::cout << "\n";
    });

    show("relations: a JOIN filter, select_related, a related QuerySet", [&] {
        std::cout << "   entries by authors over 35: "
                  << Entry::objects().filter("author__age__gt", 35).count() << "\n";
        for (const Entry& e : Entry::objects().select_related("author").order_by("headline").slice(0, 2))
            std::cout << "   " << e.headline << " by " << e.author->name << "\n";  // no extra query
        std::cout << "   Bob wrote " << bob.related(&Entry::author).count() << "\n";
    });

    show("annotate and aggregate", [] {
        using namespace dorm;
        for (const Author& a : Author::objects().annotate("n", Count("entries")).order_by("-n", "name"))
            std::cout << "   " << a.name << ": " << a.annotation<std::int64_t>("n") << " entries\n";
        Json stats = Entry::objects().aggregate(Avg("rating"), Max("pub_date"));
        std::cout << "   " << stats.dump() << "\n";
        Json per_author = Entry::objects().values("author__name").annotate("best", Max("rating")).order_by("author__name");
        std::cout << "   " << per_author.dump() << "\n";
    });

    show("get() and its errors", [] {
        try {
            (void)Entry::objects().get("headline", "No such post");
        } catch (const Entry::DoesNotExist& e) {
            std::cout << "   " << e.what() << "\n";
        }
        try {
            (void)Entry::objects().filter("raiting__gte", 3);
        } catch (const dorm::FieldError& e) {
            std::cout << "   " << e.what() << "\n";
        }
    });

    show("a transaction that rolls back", [&] {
        try {
            dorm::atomic([&] {
                Author::objects().create([](Author& a) { a.name = "Carl"; });
                Author::objects().create([](Author& a) { a.name = "Dup"; a.email = "ann@example.org"; });
            });
        } catch (const dorm::IntegrityError& e) {
            std::cout << "   " << e.what() << "\n";
        }
        std::cout << "   authors after rollback: " << Author::objects().count() << "\n";
    });
    return 0;
}
