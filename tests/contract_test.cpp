// API.md's snippets (sections 1-6, 8 and 10, relations aside) compiled as written.
#include <doctest/doctest.h>

#include <dorm/dorm.hpp>

#include "support/db.hpp"

namespace contract {

struct Author : dorm::Model<Author> {
    std::string name;
    std::optional<std::string> email;      // optional<T>  =>  NULL allowed
    int age = 0;

    static void define(dorm::Schema<Author>& s) {
        s.table("contract_author");
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
struct LiveManager;
struct Entry : dorm::Model<Entry, EntryQuerySet> {
    std::int64_t author = 0;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date;
    dorm::DateTime mod_date;
    int rating = 0;
    int n_comments = 0;
    bool published = false;
    dorm::Json meta;
    static void define(dorm::Schema<Entry>& s) {
        s.table("contract_entry");
        s.field(&Entry::author, "author");
        s.field(&Entry::headline, "headline").max_length(255);
        s.field(&Entry::body_text, "body_text");
        s.field(&Entry::pub_date, "pub_date").db_index();
        s.field(&Entry::mod_date, "mod_date").auto_now();
        s.field(&Entry::rating, "rating");
        s.field(&Entry::n_comments, "n_comments");
        s.field(&Entry::published, "published").default_value(false);
        s.field(&Entry::meta, "meta").default_value(dorm::Json::object());
        s.ordering({"-pub_date", "headline"});
        s.unique_together({"author", "headline"});
    }
    static LiveManager live_entries();
};
struct LiveManager : dorm::Manager<Entry> {
    LiveManager() : Manager(EntryQuerySet().live()) {}
};
inline LiveManager Entry::live_entries() { return {}; }

}  // namespace contract

using contract::Author;
using contract::Entry;

TEST_CASE("API.md sections 1-6 and 10, as written") {
    dorm::connect("sqlite3://:memory:", {.alias = "contract", .pool_size = 8});
    dorm::register_models<Author, Entry>();
    dorm::create_tables("contract");
    dorm::create_tables("contract");  // idempotent
    dorm::connect("sqlite3://:memory:");
    dorm::create_tables();

    // §3
    Author a; a.name = "Ann"; a.save();
    CHECK(a.id > 0);
    a.age = 41; a.save();
    a.save({"age"});
    a.refresh();
    CHECK(a.age == 41);
    CHECK(a.pk() == dorm::Value(a.id));

    auto mk = [&](const char* h, int rating, bool live, dorm::Date d) {
        return Entry::objects().create([&](Entry& e) {
            e.author = a.id;
            e.headline = h;
            e.body_text = "text";
            e.rating = rating;
            e.published = live;
            e.pub_date = d;
        });
    };
    using testmodels::ymd;
    Entry e1 = mk("Hello", 5, true, ymd(2026, 5, 1));
    mk("Draft post", 2, false, ymd(2026, 4, 1));
    mk("Misc", 4, true, ymd(2025, 4, 1));
    e1.full_clean();
    dorm::Json j = e1;   Entry e2 = j.get<Entry>();   // nlohmann_json round trip
    CHECK(e2.headline == e1.headline);

    // §4
    auto qs = Entry::objects()
                  .filter("pub_date__year", 2026)
                  .exclude("headline__icontains", "draft")
                  .filter({{"rating__gte", 3}, {"author", a}})
                  .order_by("-pub_date", "headline");
    int seen = 0;
    for (Entry& e : qs) { seen += 1; CHECK(e.headline == "Hello"); }
    CHECK(seen == 1);
    CHECK(qs.size() == 1); CHECK_FALSE(qs.empty());
    CHECK(qs.count() == 1); CHECK(qs.exists());
    Entry e = Entry::objects().get("id", e1.id);
    CHECK(Entry::objects().get({{"author", a}, {"headline", "Hello"}}).id == e.id);
    std::optional<Entry> f = qs.first();  qs.last();
    CHECK(f->id == e.id);
    CHECK(qs.last()->id == e.id);
    CHECK(Entry::objects().all()[2].headline == "Misc");
    CHECK(Entry::objects().slice(1, 2).count() == 1);
    CHECK(Entry::objects().slice(1).count() == 2);
    (void)qs.reverse(); (void)qs.distinct(); (void)qs.none(); (void)qs.all();
    auto heads = [](const auto& set) {
        std::vector<std::string> out;
        for (const Entry& x : set) out.push_back(x.headline);
        return out;
    };
    using Heads = std::vector<std::string>;
    CHECK(heads(Entry::objects().all()) == Heads{"Hello", "Draft post", "Misc"});  // -pub_date
    CHECK(heads(Entry::objects().reverse()) == Heads{"Misc", "Draft post", "Hello"});
    CHECK(heads(qs.reverse()) == Heads{"Hello"});
    CHECK(heads(Entry::objects().filter("rating__gte", 4).distinct()) == Heads{"Hello", "Misc"});
    {
        dorm::CaptureQueries none_q;
        CHECK(heads(qs.none()).empty());
        CHECK(qs.none().count() == 0);
        CHECK(none_q.count() == 0);  // none() runs nothing
    }
    CHECK(heads(qs.all()) == Heads{"Hello"});
    std::vector<Entry> v = qs.to_vector();
    CHECK(v.size() == 1);
    auto [ann, created] = Author::objects().get_or_create({{"name", "Ann"}},
                                                          [](Author& x) { x.age = 40; });
    CHECK_FALSE(created);
    CHECK(ann.id == a.id);
    dorm::Sql s = qs.sql();  (void)s.text; (void)s.params;
    CHECK(s.params.size() == 5);
    std::size_t sz = qs.size();
    std::int64_t cnt = qs.count();
    CHECK(sz == std::size_t(cnt));

    // §5 (the parts without annotate)
    using dorm::Q, dorm::F;
    CHECK(Entry::objects().filter(Q("rating__gte", 4) | ~Q("headline", "Misc")).count() == 3);
    CHECK(Entry::objects().filter("n_comments__gt", F("rating") * 2).count() == 0);
    CHECK(Entry::objects().filter("rating__gte", 3).update({{"n_comments", F("n_comments") + 1}}) == 2);
    auto ids = Entry::objects().values_list<int64_t>("id");                     // std::vector<int64_t>
    auto pairs = Entry::objects().values_list<int64_t, std::string>("id", "headline"); // vector<tuple>
    CHECK(ids.size() == 3);
    CHECK(std::get<1>(pairs[0]) == "Hello");
    dorm::Json rows = Entry::objects().values("headline").filter("rating", 5);
    CHECK(rows == dorm::Json::array({{{"headline", "Hello"}}}));
    CHECK(Entry::objects().only("headline", "rating").get("id", e.id).body_text.empty());
    CHECK(Entry::objects().defer("body_text").count() == 3);

    // §6
    CHECK(Entry::objects().live().filter("rating__gte", 3).by(ann).count() == 2);
    CHECK(Entry::live_entries().filter("rating__gte", 3).count() == 2);
    CHECK(Entry::live_entries().by(ann).exists());

    // §7
    dorm::atomic([&] { a.save(); });
    { dorm::Atomic tx; a.save(); }

    // §8
    CHECK_THROWS_AS((void)Entry::objects().get("id", 999), Entry::DoesNotExist);
    CHECK_THROWS_AS((void)Entry::objects().filter("raiting__gte", 1), dorm::FieldError);

    // §10
    dorm::CaptureQueries q; (void)Entry::objects().count(); CHECK(q.count() == 1);
    CHECK(q.queries()[0].sql.starts_with("SELECT COUNT(*)"));
    CHECK_FALSE(qs.sql().text.empty());

    a.erase();
    CHECK(Author::objects().count() == 0);
    dorm::disconnect("contract");
    dorm::disconnect();
}

// API.md §2's models as written, relations included.
namespace api {

struct Author : dorm::Model<Author> {
    std::string name;
    std::optional<std::string> email;      // optional<T>  =>  NULL allowed
    int age = 0;

    static void define(dorm::Schema<Author>& s) {
        s.table("blog_author");             // default: the type's name, lower snake case
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
        s.field(&Blog::tagline, "tagline");                 // no max_length: TEXT
        s.field(&Blog::owner, "owner").on_delete(dorm::Cascade).related_name("blogs");
    }
};

struct Entry;                                                 // declared before its QuerySet
struct EntryQuerySet : dorm::QuerySet<Entry, EntryQuerySet> {
    using QuerySet::QuerySet;
    EntryQuerySet live() const { return filter("published", true); }
    EntryQuerySet by(const Author& a) const { return filter("authors", a); }
};
struct LiveManager;

struct Entry : dorm::Model<Entry, EntryQuerySet> {       // custom QuerySet: section 6
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
    static LiveManager live_entries();
};
struct LiveManager : dorm::Manager<Entry> {                   // Django's custom manager: it
    LiveManager() : Manager(EntryQuerySet().live()) {}        // says where its querysets start
};
inline LiveManager Entry::live_entries() { return {}; }

}  // namespace api

TEST_CASE("API.md sections 2-6 with relations, as written") {
    using api::Author, api::Blog, api::Entry;
    dorm::connect("sqlite3://:memory:", {.alias = "api"});
    dorm::connect("sqlite3://:memory:");
    dorm::register_models<Author, Blog, Entry>();
    dorm::create_tables();

    // §3
    Author a; a.name = "Ann"; a.save();
    auto b = Blog::objects().create([&](Blog& x) { x.name = "Cooking"; x.owner = a; });
    Entry e;
    e.headline = "Hi";
    e.pub_date = testmodels::ymd(2026, 5, 1);
    e.rating = 4;
    e.published = true;
    e.blog = b;               CHECK(e.blog.id() == b.id);       // no query
    e.save();
    CHECK(e.blog->name == "Cooking");  CHECK(e.blog.get().name == "Cooking");
    dorm::Json j = e;   Entry e2 = j.get<Entry>();   // nlohmann_json round trip, FKs as ids
    CHECK(e2.blog.id() == b.id);

    // §4, §5 across relations
    auto qs = Entry::objects()
                  .filter("pub_date__year", 2026)
                  .exclude("headline__icontains", "draft")
                  .filter({{"rating__gte", 3}, {"blog__owner__name__startswith", "A"}})
                  .order_by("-pub_date", "headline");
    CHECK(qs.count() == 1);
    CHECK(Entry::objects().get({{"blog", b}, {"headline", "Hi"}}).id == e.id);
    using dorm::Q;
    CHECK(Entry::objects().filter(Q("rating__gte", 4) | ~Q("blog__name", "Misc")).count() == 1);
    CHECK(Entry::objects().filter("blog__in", Blog::objects().filter("name__startswith", "C")).count() == 1);

    // §6
    Author a1 = Author::objects().create([](Author& x) { x.name = "Al"; });
    Author a2 = Author::objects().create([](Author& x) { x.name = "Bo"; });
    CHECK(b.related(&Entry::blog).count() == 1);          // QuerySet<Entry> of b's entries
    e.authors.add(a1, a2); e.authors.remove(a1); e.authors.clear(); e.authors.set({a2});
    CHECK(e.authors.all().filter("name__startswith", "A").count() == 0);
    e.authors.add(a);
    CHECK(e.authors.all().filter("name__startswith", "A").count() == 1);
    CHECK(a.related(&Entry::authors).count() == 1);          // entries of a (reverse many-to-many)
    {
        dorm::CaptureQueries q;
        auto rows = Entry::objects().select_related("blog__owner").to_vector();  // one JOIN query
        CHECK(rows[0].blog->owner->name == "Ann");                              // runs none
        CHECK(q.count() == 1);
    }
    {
        dorm::CaptureQueries q;
        auto blogs = Blog::objects().prefetch_related("entries", "entries__authors").to_vector();
        std::size_t n = 0;
        for (Blog& x : blogs)
            for (Entry& y : x.related(&Entry::blog)) n += y.authors.all().size();
        CHECK(n == 2);
        CHECK(q.count() == 3);                               // 1 + 2 queries in all
    }
    // §5 aggregates
    {
        using dorm::Q;
        auto blogs = Blog::objects().annotate("n", dorm::Count("entries"))
                                    .filter("n__gte", 1).order_by("-n");
        CHECK(blogs[0].annotation<int64_t>("n") == 1);
        dorm::Json r = Entry::objects().aggregate(dorm::Avg("rating"), dorm::Max("pub_date"));
        CHECK(r == dorm::Json::parse(R"({"rating__avg": 4.0, "pub_date__max": "2026-05-01"})"));
        dorm::Json named = Entry::objects().aggregate({{"good", dorm::Count("id", {.filter = Q("rating__gte", 4)})}});
        CHECK(named["good"] == 1);
        dorm::Json rows = Entry::objects().values("blog__name").annotate("n", dorm::Count("id")); // GROUP BY
        CHECK(rows == dorm::Json::parse(R"([{"blog__name": "Cooking", "n": 1}])"));
        CHECK(Blog::objects().annotate("n", dorm::Count("entries", {.distinct = true})).count() == 1);
    }
    CHECK(Entry::objects().live().filter("rating__gte", 3).by(a).count() == 1);   // custom methods chain
    CHECK(Entry::live_entries().filter("rating__gte", 3).count() == 1);     // a Manager is a QuerySet:
    CHECK(Entry::live_entries().by(a).exists());                             // every method, custom ones too

    // erase() with on_delete rules
    auto r = a.erase();   // Cascade: Ann's blog, its entry and the entry's links
    CHECK(r.per_model.at("blog_blog") == 1);
    CHECK(r.per_model.at("blog_entry") == 1);
    CHECK(r.per_model.at("blog_entry_authors") == 2);
    dorm::disconnect();
    dorm::disconnect("api");
}

TEST_CASE("API.md §5 expressions, as written") {
    using api::Author, api::Blog, api::Entry;
    dorm::connect("sqlite3://:memory:");
    dorm::register_models<Author, Blog, Entry>();
    dorm::create_tables();
    Author ann = Author::objects().create([](Author& a) { a.name = "Ann"; });
    Blog b = Blog::objects().create([&](Blog& x) { x.name = "Cooking"; x.owner = ann; });
    for (int r : {5, 2, 4})
        Entry::objects().create([&](Entry& e) {
            e.blog = b;
            e.headline = "h" + std::to_string(r);
            e.body_text = "body";
            e.rating = r;
            e.pub_date = testmodels::ymd(2026, unsigned(r), 1);
        });
    {
        using namespace dorm;   // expressions, all usable in annotate, filter, order_by, update
        auto grades = Entry::objects().annotate("grade", Case({When(Q("rating__gte", 4), "good"),
                                                 When(Q("rating__lte", 2), "bad")}, "ok"));
        auto seen = Entry::objects().annotate("seen", Coalesce(F("n_comments"), F("rating"), 0));
        auto shout = Author::objects().annotate("shout", Upper(F("name")))   // also Lower, Length, Concat(a, b, ...),
              .order_by(Length(F("name")).desc());              //   Substr, Trim, Abs, Round, Greatest,
        auto months = Entry::objects().annotate("month", Trunc("pub_date", "month"));   // Least, Cast(x, "text"), Now()
        auto ranked = Entry::objects().annotate("rank", Window(Rank(), {.partition_by = {"blog"}, .order_by = {"-rating"}}))
              .filter("rank", 1);                               // best entry per blog (Django 3.2 refuses this filter)
        auto running = Entry::objects().annotate("running", Window(Sum("rating"), {.partition_by = {"blog"}, .order_by = {"pub_date"}}));
        auto newest = Entry::objects().filter("blog", OuterRef("id")).order_by("-pub_date");
        auto latest = Blog::objects().annotate("latest", Subquery(newest.values("headline").slice(0, 1)));
        auto five = Blog::objects().filter(Exists(Entry::objects().filter("blog", OuterRef("id")).filter("rating", 5)));
        auto in_c = Entry::objects().filter("blog__in", Blog::objects().filter("name__startswith", "C"));   // IN subquery
        auto both = Entry::objects().filter("rating", 5).union_(Entry::objects().filter("n_comments", 0));
        auto raw = Entry::objects().raw("SELECT * FROM blog_entry WHERE rating > %s", {3});  // model instances
        auto only = Entry::objects().only("headline", "rating");   // other members keep their defaults;
        auto deferred = Entry::objects().defer("body_text");           // save() then writes only the loaded fields

        // Each evaluated: entries h2, h4, h5 (rating r, published on 2026-r-01), all in Cooking.
        auto by_rating = [](auto set, const char* name) {
            std::vector<std::string> out;
            for (const Entry& x : set.order_by("rating")) out.push_back(x.template annotation<std::string>(name));
            return out;
        };
        using Strings = std::vector<std::string>;
        CHECK(by_rating(grades, "grade") == Strings{"bad", "good", "good"});
        for (const Entry& x : seen) CHECK(x.annotation<std::int64_t>("seen") == 0);  // n_comments is 0, not NULL
        auto shouted = shout.to_vector();
        REQUIRE(shouted.size() == 1);
        CHECK(shouted[0].annotation<std::string>("shout") == "ANN");
        for (const Entry& x : months) CHECK(x.annotation<Date>("month") == x.pub_date);  // already the 1st
        auto r = ranked.to_vector();
        REQUIRE(r.size() == 1);
        CHECK(r[0].headline == "h5");
        std::vector<std::int64_t> sums;
        for (const Entry& x : running.order_by("pub_date")) sums.push_back(x.annotation<std::int64_t>("running"));
        CHECK(sums == std::vector<std::int64_t>{2, 6, 11});
        CHECK(latest[0].annotation<std::string>("latest") == "h5");
        CHECK(five.values_list<std::string>("name") == Strings{"Cooking"});
        CHECK(in_c.count() == 3);
        CHECK(both.count() == 3);
        CHECK(raw.size() == 2);
        auto o = only.get("headline", "h4");
        CHECK(o.rating == 4);
        CHECK(o.body_text.empty());
        CHECK(Entry::objects().get("headline", "h4").body_text == "body");
        auto d = deferred.get("headline", "h2");
        CHECK(d.rating == 2);
        CHECK(d.body_text.empty());

        // and what they return
        auto best = Entry::objects().annotate("rank", Window(Rank(), {.partition_by = {"blog"}, .order_by = {"-rating"}}))
                        .filter("rank", 1).to_vector();
        REQUIRE(best.size() == 1);
        CHECK(best[0].rating == 5);
        CHECK(Blog::objects().annotate("latest", Subquery(newest.values("headline").slice(0, 1)))[0]
                  .annotation<std::string>("latest") == "h5");
        CHECK(both.count() == 3);
        CHECK(Entry::objects().raw("SELECT * FROM blog_entry WHERE rating > %s", {3}).size() == 2);
        CHECK(Entry::objects().annotate("grade", Case({When(Q("rating__gte", 4), "good")}, "ok"))
                  .order_by("rating")[0].annotation<std::string>("grade") == "ok");
    }
    dorm::disconnect();
}
