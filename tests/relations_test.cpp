// Relations: accessors, lookups across them, eager loading (with query counts), deletion.
#include <algorithm>
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "support/db.hpp"
#include "support/relations.hpp"

using namespace dorm;
using rel::Badge;
using rel::Loan;
using rel::Person;
using rel::Post;
using rel::Site;

namespace {

struct World : testdb::Fresh {
    Person ann, bob;
    Site cooking, misc;
    World() {
        rel::fresh_tables();
        ann = Person::objects().create([](Person& p) { p.name = "Ann"; p.age = 40; });
        bob = Person::objects().create([](Person& p) { p.name = "Bob"; p.age = 30; });
        cooking = Site::objects().create([&](Site& s) { s.name = "Cooking"; s.owner = ann; });
        misc = Site::objects().create([&](Site& s) { s.name = "Misc"; s.owner = bob; });
    }
    Post post(const Site& s, const std::string& h, int rating, bool live = true) {
        return Post::objects().create([&](Post& p) {
            p.site = s;
            p.headline = h;
            p.rating = rating;
            p.published = live;
        });
    }
};

std::vector<std::string> heads(const std::vector<Post>& v) {
    std::vector<std::string> out;
    for (const auto& p : v) out.push_back(p.headline);
    return out;
}
using Names = std::vector<std::string>;

}  // namespace

TEST_CASE_FIXTURE(World, "a ForeignKey holds the id without a query and loads the object once") {
    Post p = post(cooking, "Hi", 3);
    CHECK(p.site.id() == cooking.id);
    CHECK(bool(p.site));
    CHECK_FALSE(bool(p.editor));
    Post q = Post::objects().get("id", p.id);
    CaptureQueries c;
    CHECK(q.site.id() == cooking.id);
    CHECK(c.count() == 0);
    CHECK(q.site->name == "Cooking");
    CHECK(q.site.get().name == "Cooking");
    CHECK(c.count() == 1);
    q.site = misc.id;  // a new id: the cache is dropped
    CHECK(q.site->name == "Misc");
    CHECK(c.count() == 2);
    q.site = nullptr;
    CHECK_FALSE(bool(q.site));
}

TEST_CASE_FIXTURE(World, "saving an unset NOT NULL ForeignKey throws before any SQL") {
    Post p;
    p.headline = "orphan";
    CaptureQueries c;
    CHECK_THROWS_WITH_AS(p.save(), doctest::Contains("Post.site is not set"), IntegrityError);
    CHECK(c.count() == 0);
}

TEST_CASE_FIXTURE(World, "lookups span relations forward, backward and through ManyToMany") {
    Post a = post(cooking, "A", 5);
    Post b = post(misc, "B", 2);
    a.authors.add(ann, bob);
    b.authors.add(bob);
    CHECK(heads(Post::objects().filter("site__owner__name__startswith", "A").to_vector()) == Names{"A"});
    CHECK(heads(Post::objects().filter("site__name", "Misc").to_vector()) == Names{"B"});
    CHECK(Site::objects().filter("posts__rating__gt", 3).count() == 1);
    CHECK(Site::objects().filter("posts__rating__gt", 3).get().name == "Cooking");
    CHECK(heads(Post::objects().filter("authors__name", "Ann").to_vector()) == Names{"A"});
    CHECK(Post::objects().filter("authors__name", "Bob").count() == 2);
    CHECK(Person::objects().filter("posts__headline", "B").get().name == "Bob");
    CHECK(Person::objects().filter("sites__name", "Cooking").get().name == "Ann");
    CHECK(Post::objects().filter(Q("site__name", "Misc") | Q("rating", 5)).count() == 2);
    CHECK(Post::objects().filter("site", cooking).count() == 1);
    CHECK(Post::objects().filter("site__id", misc.id).count() == 1);
    CHECK(Post::objects().filter("rating__lt", F("site__owner__age")).count() == 2);
    CHECK_THROWS_WITH_AS((void)Post::objects().filter("site__nme", "x"),
                         doctest::Contains("Site has no field 'nme' in 'site__nme' (choices: id, loans, name, owner, posts)"),
                         FieldError);
}

TEST_CASE_FIXTURE(World, "conditions in one filter() bind to the same related row; separate calls need not") {
    post(cooking, "x", 5);  // cooking: rating 5 by nobody
    Post y = post(cooking, "y", 1);
    y.authors.add(ann);
    // one call: a single post with rating 5 AND written by Ann -> none
    CHECK(Site::objects().filter({{"posts__rating", 5}, {"posts__authors__name", "Ann"}}).count() == 0);
    // two calls: some post rated 5, some (other) post by Ann -> Cooking
    CHECK(Site::objects().filter("posts__rating", 5).filter("posts__authors__name", "Ann").count() == 1);
    // exclude across to-many: a subquery, not a join
    auto ex = Site::objects().exclude("posts__rating", 5);
    CHECK(ex.sql().text.find(" IN (SELECT") != std::string::npos);
    CHECK(ex.get().name == "Misc");
    // distinct() removes the duplicates a to-many join makes
    CHECK(Site::objects().filter("posts__rating__gte", 1).count() == 2);
    CHECK(Site::objects().filter("posts__rating__gte", 1).distinct().count() == 1);
}

TEST_CASE_FIXTURE(World, "INNER joins for filters, LEFT OUTER for OR over nullable relations") {
    auto inner = Post::objects().filter("site__name", "x").sql().text;
    CHECK(inner.find("INNER JOIN \"rel_site\"") != std::string::npos);
    auto outer = Post::objects().filter(Q("editor__name", "a") | Q("headline", "b")).sql().text;
    CHECK(outer.find("LEFT OUTER JOIN \"rel_person\"") != std::string::npos);
    Post p = post(cooking, "solo", 1);
    CHECK(Post::objects().filter(Q("editor__name", "a") | Q("headline", "solo")).count() == 1);
    CHECK(Post::objects().filter("editor__isnull", true).count() == 1);
}

TEST_CASE_FIXTURE(World, "select_related loads the chain in one JOIN query") {
    for (int i = 0; i < 3; ++i) post(i % 2 ? misc : cooking, "p" + std::to_string(i), i);
    CaptureQueries c;
    auto posts = Post::objects().select_related("site__owner", "editor").to_vector();
    REQUIRE(c.count() == 1);
    CHECK(c.queries()[0].sql.find("LEFT OUTER JOIN") != std::string::npos);  // editor is nullable
    CHECK(c.queries()[0].sql.find("INNER JOIN \"rel_site\"") != std::string::npos);
    std::string owners;
    for (auto& p : posts) owners += p.site->owner->name;
    CHECK(owners == "AnnBobAnn");
    CHECK_FALSE(posts[0].editor.is_cached());
    CHECK(c.count() == 1);
    CHECK_THROWS_AS((void)Post::objects().select_related("authors"), FieldError);
}

TEST_CASE_FIXTURE(World, "prefetch_related: one query per relation and level, none for no parents") {
    Post a = post(cooking, "a", 1), b = post(cooking, "b", 2), c3 = post(misc, "c", 3);
    a.authors.add(ann);
    b.authors.add(ann, bob);
    CaptureQueries q;
    auto sites = Site::objects().order_by("name").prefetch_related("posts", "posts__authors").to_vector();
    CHECK(q.count() == 3);  // sites, posts, authors
    std::vector<std::size_t> sizes;
    std::size_t links = 0;
    for (Site& s : sites) {
        auto posts = s.related(&Post::site);
        sizes.push_back(posts.size());
        for (Post& p : posts) links += p.authors.all().size();
    }
    CHECK(q.count() == 3);
    CHECK(sizes == std::vector<std::size_t>{2, 1});
    CHECK(links == 3);
    CaptureQueries none;
    CHECK(Site::objects().filter("name", "nope").prefetch_related("posts").to_vector().empty());
    CHECK(none.count() == 1);
    auto people = Person::objects().order_by("name").prefetch_related("posts").to_vector();
    CHECK(people[0].related(&Post::authors).size() == 2);
    auto forward = Post::objects().prefetch_related("site").to_vector();
    CaptureQueries after;
    for (auto& p : forward) CHECK_FALSE(p.site->name.empty());
    CHECK(after.count() == 0);
}

TEST_CASE_FIXTURE(World, "prefetch_related of every parent reads the children by IS NOT NULL, of some by IN (subquery)") {
    post(cooking, "a", 1);
    post(misc, "b", 2);
    post(misc, "c", 3);
    auto sizes = [](const std::vector<Site>& sites) {
        std::vector<std::size_t> out;
        for (const Site& s : sites) out.push_back(s.related(&Post::site).size());
        return out;
    };
    CaptureQueries all;
    const auto every = Site::objects().order_by("name").prefetch_related("posts").to_vector();
    REQUIRE(all.count() == 2);
    // The whole table: no probe of the key index per parent (3x faster on SQLite).
    CHECK(all.queries()[1].sql.find("IS NOT NULL") != std::string::npos);
    CHECK(all.queries()[1].sql.find(" IN (SELECT") == std::string::npos);
    CHECK(sizes(every) == std::vector<std::size_t>{1, 2});
    CaptureQueries some;
    const auto one = Site::objects().filter("name", "Misc").prefetch_related("posts").to_vector();
    REQUIRE(some.count() == 2);
    CHECK(some.queries()[1].sql.find(" IN (SELECT") != std::string::npos);
    CHECK(sizes(one) == std::vector<std::size_t>{2});
    CaptureQueries sliced;
    const auto first = Site::objects().order_by("name").slice(0, 1).prefetch_related("posts").to_vector();
    REQUIRE(sliced.count() == 2);
    CHECK(sliced.queries()[1].sql.find(" IN (SELECT") != std::string::npos);
    CHECK(sizes(first) == std::vector<std::size_t>{1});
}

TEST_CASE_FIXTURE(World, "prefetch_related makes each child in its parent's group: every row, intact") {
    // Children interleaved across parents, with text on the heap: each row is made straight
    // in its parent's vector, which grows (and moves its objects) while rows arrive.
    Names want_cooking, want_misc;
    for (int i = 0; i < 40; ++i) {
        const std::string h = "a headline long enough to live on the heap, number " + std::to_string(i);
        post(i % 3 ? misc : cooking, h, i);
        (i % 3 ? want_misc : want_cooking).push_back(h);
    }
    std::sort(want_cooking.begin(), want_cooking.end());
    std::sort(want_misc.begin(), want_misc.end());
    auto check_group = [](const Site& s, const Names& want) {
        Names got;
        for (const Post& p : s.related(&Post::site)) {
            CHECK(p.site.id() == s.id);
            CHECK(p.headline == "a headline long enough to live on the heap, number " + std::to_string(p.rating));
            got.push_back(p.headline);
        }
        std::sort(got.begin(), got.end());
        CHECK(got == want);
    };
    CaptureQueries q;
    const auto sites = Site::objects().order_by("name").prefetch_related("posts").to_vector();
    REQUIRE(sites.size() == 2);
    check_group(sites[0], want_cooking);
    check_group(sites[1], want_misc);
    // Some parents: the rows of theirs alone, through IN (subquery).
    const auto one = Site::objects().filter("name", "Misc").prefetch_related("posts").to_vector();
    REQUIRE(one.size() == 1);
    check_group(one[0], want_misc);
    CHECK(q.count() == 4);
}

TEST_CASE_FIXTURE(World, "related managers: add, create, remove, clear, set, erase") {
    Post p = cooking.related(&Post::site).create([](Post& x) { x.headline = "made"; });
    CHECK(p.site.id() == cooking.id);
    CHECK(cooking.related(&Post::site).count() == 1);
    Post other = post(misc, "moved", 1);
    cooking.related(&Post::site).add(other);
    CHECK(cooking.related(&Post::site).count() == 2);
    CHECK_THROWS_AS(cooking.related(&Post::site).clear(), IntegrityError);  // NOT NULL
    ann.related(&Post::editor).add(p);
    CHECK(ann.related(&Post::editor).count() == 1);
    ann.related(&Post::editor).clear();
    CHECK(Post::objects().get("id", p.id).editor.id() == 0);
    // ManyToMany, both sides
    p.authors.add(ann);
    p.authors.add(ann);  // twice: one link
    CHECK(p.authors.all().count() == 1);
    bob.related(&Post::authors).add(p);
    CHECK(p.authors.all().count() == 2);
    CHECK(p.authors.all().filter("name__startswith", "A").count() == 1);
    p.authors.remove(ann);
    CHECK(p.authors.all().get().name == "Bob");
    p.authors.set({ann});
    CHECK(p.authors.all().get().name == "Ann");
    p.authors.clear();
    CHECK(p.authors.all().count() == 0);
    CHECK(cooking.related(&Post::site).erase().total == 2);
    Post fresh;
    CHECK_THROWS_WITH_AS(fresh.authors.add(ann), doctest::Contains("unsaved"), Error);
}

TEST_CASE_FIXTURE(World, "custom QuerySet methods chain across relations") {
    Post a = post(cooking, "a", 4), b = post(cooking, "b", 4, false);
    a.authors.add(ann);
    b.authors.add(ann);
    CHECK(Post::objects().live().filter("rating__gte", 3).by(ann).count() == 1);
    CHECK(Post::objects().by(bob).count() == 0);
}

TEST_CASE_FIXTURE(World, "erase() cascades, sets NULL, protects, and removes link rows") {
    Post root = post(cooking, "root", 1);
    Post reply = Post::objects().create([&](Post& p) {
        p.site = misc;
        p.parent = root;
        p.headline = "reply";
        p.editor = bob;
    });
    root.authors.add(ann, bob);
    auto r = cooking.erase();  // cascades to root, then root's reply, and their links
    CHECK(r.total == 5);
    CHECK(r.per_model.at("rel_site") == 1);
    CHECK(r.per_model.at("rel_post") == 2);
    CHECK(r.per_model.at("rel_post_authors") == 2);
    CHECK(Post::objects().count() == 0);
    Post kept = post(misc, "kept", 1);
    kept.editor = ann;
    kept.save();
    Badge::objects().create([&](Badge& x) { x.holder = ann; x.label = "gold"; });
    CHECK_THROWS_AS(ann.erase(), ProtectedError);
    CHECK(Person::objects().filter("id", ann.id).exists());  // nothing deleted
    Badge::objects().erase();
    ann.erase();
    CHECK(Post::objects().get("id", kept.id).editor.id() == 0);  // SetNull
}

TEST_CASE_FIXTURE(World, "the N+1 guard names the model, the field and the fix") {
    for (int i = 0; i < 3; ++i) post(cooking, "n" + std::to_string(i), i);
    settings().lazy_loads = LazyLoads::raise;
    auto posts = Post::objects().to_vector();
    try {
        (void)posts[0].site->name;
        FAIL("the lazy load was allowed");
    } catch (const Error& e) {
        std::string what = e.what();
        CHECK(what.find("Post.site") != std::string::npos);
        CHECK(what.find("select_related(\"site\")") != std::string::npos);
    }
    auto joined = Post::objects().select_related("site").to_vector();
    CHECK(joined[0].site->name == "Cooking");
    Post one = Post::objects().get("headline", "n1");  // a single row is not N+1
    CHECK(one.site->name == "Cooking");
    settings().lazy_loads = LazyLoads::allow;
    CHECK(posts[1].site->name == "Cooking");
}

TEST_CASE_FIXTURE(World, "models with relations convert to JSON with keys as ids") {
    Post p = post(cooking, "json", 2);
    Json j = p;
    CHECK(j["site"] == cooking.id);
    CHECK(j["editor"].is_null());
    CHECK_FALSE(j.contains("authors"));
    Post back = j.get<Post>();
    CHECK(back.site.id() == cooking.id);
}

TEST_CASE_FIXTURE(World, "prefetch_related batches IN lists within the backend's parameter limit") {
    std::vector<Post> posts(1200);
    for (std::size_t i = 0; i < posts.size(); ++i) {
        posts[i].site = cooking;
        posts[i].headline = "bulk" + std::to_string(i);
    }
    Post::objects().bulk_create(posts);
    posts[0].authors.add(ann);
    posts[1199].authors.add(bob);
    CaptureQueries q;
    auto loaded = Post::objects().order_by("id").prefetch_related("authors").to_vector();
    // SQLite binds at most 999 parameters: 1,200 keys need two link queries; PostgreSQL one.
    CHECK(q.count() == (testdb::backend() == "sqlite" ? 3u : 2u));
    CHECK(loaded.front().authors.all().size() == 1);
    CHECK(loaded.back().authors.all()[0].name == "Bob");
    CHECK(q.count() == (testdb::backend() == "sqlite" ? 3u : 2u));
}

TEST_CASE_FIXTURE(World, "objects streamed by iterator() can use their relations") {
    post(cooking, "streamed", 1);
    for (Post& p : Post::objects().iterator()) {  // regression: streamed rows were not tied to their fields
        p.authors.add(ann);
        CHECK(p.site->name == "Cooking");
    }
    CHECK(Post::objects().filter("authors", ann).count() == 1);
}

TEST_CASE_FIXTURE(World, "on_delete(Restrict): refused alone, allowed when the referencing rows go too") {
    Person carol = Person::objects().create([](Person& p) { p.name = "Carol"; });
    Site shop = Site::objects().create([&](Site& s) { s.name = "Shop"; s.owner = carol; });
    auto loan = [&](const char* label, const Person& borrower, const Site& site) {
        return Loan::objects().create([&](Loan& l) {
            l.label = label;
            l.borrower = borrower;
            l.site = site;
            l.lender = ann;
        });
    };
    loan("carol's", carol, shop);   // goes with the Shop when Carol goes
    loan("bob's", bob, cooking);    // Cooking stays when Bob goes
    CHECK_THROWS_WITH_AS(bob.erase(), doctest::Contains("restricted foreign key 'Loan.borrower'"), ProtectedError);
    CHECK_THROWS_AS(Person::objects().filter("name", "Bob").erase(), ProtectedError);
    CHECK(Person::objects().filter("id", bob.id).exists());  // nothing deleted
    CHECK(Site::objects().filter("id", misc.id).exists());
    CHECK(Loan::objects().count() == 2);
    auto r = carol.erase();  // Carol -> Shop (Cascade) -> her loan (Cascade): Restrict is satisfied
    CHECK(r.total == 3);
    CHECK(r.per_model.at("rel_person") == 1);
    CHECK(r.per_model.at("rel_site") == 1);
    CHECK(r.per_model.at("rel_loan") == 1);
    CHECK(Loan::objects().values_list<std::string>("label") == Names{"bob's"});
}

TEST_CASE_FIXTURE(World, "on_delete(SetDefault): the referencing rows take the field's default") {
    Person fallback;
    fallback.id = rel::fallback_lender;
    fallback.name = "Fallback";
    fallback.save();
    Loan l = Loan::objects().create([&](Loan& x) {
        x.label = "lent by Bob";
        x.borrower = ann;
        x.site = cooking;
        x.lender = bob;
    });
    auto r = bob.erase();
    CHECK(r.per_model.at("rel_person") == 1);
    CHECK(r.per_model.at("rel_site") == 1);  // Misc, Bob's
    CHECK(r.per_model.count("rel_loan") == 0);
    Loan back = Loan::objects().get("id", l.id);
    CHECK(back.lender.id() == rel::fallback_lender);
    CHECK(back.lender->name == "Fallback");
    CHECK(back.borrower.id() == ann.id);
}

TEST_CASE_FIXTURE(World, "on_delete(DoNothing): the database's own constraint refuses; nothing is deleted") {
    Loan l = Loan::objects().create([&](Loan& x) {
        x.label = "witnessed";
        x.borrower = ann;
        x.site = cooking;
        x.lender = ann;
        x.witness = bob;
    });
    CHECK_THROWS_AS(bob.erase(), IntegrityError);  // dorm leaves the row alone; the FK does not
    CHECK(Person::objects().filter("id", bob.id).exists());
    CHECK(Site::objects().filter("id", misc.id).exists());
    CHECK(Loan::objects().get("id", l.id).witness.id() == bob.id);
    l.witness = nullptr;
    l.save();
    auto r = bob.erase();
    CHECK(r.per_model.at("rel_person") == 1);
    CHECK(r.per_model.count("rel_loan") == 0);
    CHECK(Loan::objects().count() == 1);
}

TEST_CASE_FIXTURE(World, "update() and erase() filtered across relations touch exactly the matching rows") {
    Post c1 = post(cooking, "c1", 1);
    post(cooking, "c2", 2);
    Post m1 = post(misc, "m1", 3);
    c1.authors.add(ann);
    m1.authors.add(ann, bob);
    {
        CaptureQueries q;
        CHECK(Post::objects().filter("site__name", "Cooking").update({{"rating", 9}}) == 2);
        REQUIRE(q.count() == 1);
        CHECK(q.queries()[0].sql.find("IN (SELECT") != std::string::npos);
    }
    CHECK(heads(Post::objects().filter("rating", 9).to_vector()) == Names{"c1", "c2"});
    CHECK(Post::objects().get("headline", "m1").rating == 3);
    // To-many: m1 has two matching authors and is still one row.
    CHECK(Post::objects().filter("authors__age__gte", 30).update({{"published", false}}) == 2);
    CHECK(heads(Post::objects().filter("published", false).to_vector()) == Names{"c1", "m1"});
    // Backwards, two levels.
    CHECK(Person::objects().filter("sites__posts__headline", "m1").update({{"age", 31}}) == 1);
    CHECK(Person::objects().get("id", bob.id).age == 31);
    CHECK(Person::objects().get("id", ann.id).age == 40);

    auto r = Post::objects().filter("authors__name", "Ann").erase();
    CHECK(r.per_model.at("rel_post") == 2);
    CHECK(r.per_model.at("rel_post_authors") == 3);
    CHECK(heads(Post::objects().to_vector()) == Names{"c2"});
    CHECK(Site::objects().filter("owner__name", "Bob").erase().per_model.at("rel_site") == 1);
    CHECK(Site::objects().values_list<std::string>("name") == Names{"Cooking"});
    CHECK(Post::objects().count() == 1);
}

TEST_CASE_FIXTURE(World, "lazy_loads = warn: the lazy load runs, and stderr names the model, the field and the fix") {
    for (int i = 0; i < 3; ++i) post(cooking, "w" + std::to_string(i), i);
    std::ostringstream err;
    struct Restore {
        std::streambuf* old;
        ~Restore() {
            std::cerr.rdbuf(old);
            settings().lazy_loads = LazyLoads::allow;
        }
    } restore{std::cerr.rdbuf(err.rdbuf())};
    settings().lazy_loads = LazyLoads::warn;
    auto posts = Post::objects().to_vector();
    CaptureQueries q;
    std::string name;
    CHECK_NOTHROW(name = posts[0].site->name);
    CHECK(name == "Cooking");
    CHECK(q.count() == 1);
    const std::string warned = err.str();
    CHECK(warned.find("dorm warning: ") != std::string::npos);
    CHECK(warned.find("Post.site") != std::string::npos);
    CHECK(warned.find("select_related(\"site\")") != std::string::npos);
    err.str("");
    Post one = Post::objects().get("headline", "w1");  // one row: no N+1, no warning
    CHECK(one.site->name == "Cooking");
    CHECK(err.str().empty());
    CHECK(q.count() == 3);
}

// ---- relations to a text primary key --------------------------------------------------

namespace {
using rel::Book;
using rel::Shelf;

struct Shelves : testdb::Fresh {
    Shelf fiction, poetry;
    Shelves() {
        rel::fresh_keyed_tables();
        fiction = Shelf::objects().create([](Shelf& s) { s.code = "fic"; s.title = "Fiction"; });
        poetry = Shelf::objects().create([](Shelf& s) { s.code = "poe"; s.title = "Poetry"; });
    }
    Book book(const std::string& title, const Shelf& s) {
        return Book::objects().create([&](Book& b) {
            b.title = title;
            b.shelf = s;
        });
    }
};

std::vector<std::string> titles(const std::vector<Book>& v) {
    std::vector<std::string> out;
    for (const auto& b : v) out.push_back(b.title);
    return out;
}
}  // namespace

TEST_CASE("a ForeignKey, OneToOne and ManyToMany to a text key have the key's column type, as Django's DDL") {
    const auto lite = detail::create_table_sql(Book::model_meta(), sql::dialect_for("sqlite"));
    REQUIRE(!lite.empty());
    CHECK(lite[0].find(R"("shelf_id" varchar(20) NOT NULL REFERENCES "rel_shelf" ("code") DEFERRABLE INITIALLY DEFERRED)") !=
          std::string::npos);
    CHECK(lite[0].find(R"("showcase_id" varchar(20) NULL UNIQUE REFERENCES "rel_shelf" ("code") DEFERRABLE INITIALLY DEFERRED)") !=
          std::string::npos);
    const auto& link = *Book::model_meta().field("seen_on").relation->through;
    const auto lite_link = detail::create_table_sql(link, sql::dialect_for("sqlite"));
    CHECK(lite_link[0].find(R"("book_id" bigint NOT NULL REFERENCES "rel_book" ("id") DEFERRABLE INITIALLY DEFERRED)") !=
          std::string::npos);
    CHECK(lite_link[0].find(R"("shelf_id" varchar(20) NOT NULL REFERENCES "rel_shelf" ("code") DEFERRABLE INITIALLY DEFERRED)") !=
          std::string::npos);

    const auto pg = detail::create_table_sql(Book::model_meta(), sql::dialect_for("postgresql"));
    CHECK(pg == std::vector<std::string>{
                    R"(CREATE TABLE "rel_book" ("id" bigserial NOT NULL PRIMARY KEY, "title" varchar(100) NOT NULL, "shelf_id" varchar(20) NOT NULL, "showcase_id" varchar(20) NULL UNIQUE))",
                    R"(ALTER TABLE "rel_book" ADD CONSTRAINT "rel_book_shelf_id_bdb16e4c_fk_rel_shelf_code" FOREIGN KEY ("shelf_id") REFERENCES "rel_shelf" ("code") DEFERRABLE INITIALLY DEFERRED)",
                    R"(ALTER TABLE "rel_book" ADD CONSTRAINT "rel_book_showcase_id_b2c170c3_fk_rel_shelf_code" FOREIGN KEY ("showcase_id") REFERENCES "rel_shelf" ("code") DEFERRABLE INITIALLY DEFERRED)",
                    R"(CREATE INDEX "rel_book_shelf_id_bdb16e4c" ON "rel_book" ("shelf_id"))",
                    R"(CREATE INDEX "rel_book_shelf_id_bdb16e4c_like" ON "rel_book" ("shelf_id" varchar_pattern_ops))",
                    R"(CREATE INDEX "rel_book_showcase_id_b2c170c3_like" ON "rel_book" ("showcase_id" varchar_pattern_ops))"});
    // The text key itself gets its LIKE index too.
    const auto pg_shelf = detail::create_table_sql(Shelf::model_meta(), sql::dialect_for("postgresql"));
    CHECK(pg_shelf == std::vector<std::string>{
                          R"(CREATE TABLE "rel_shelf" ("code" varchar(20) NOT NULL PRIMARY KEY, "title" varchar(100) NOT NULL))",
                          R"(CREATE INDEX "rel_shelf_code_f94880e7_like" ON "rel_shelf" ("code" varchar_pattern_ops))"});
    const auto pg_link = detail::create_table_sql(link, sql::dialect_for("postgresql"));
    CHECK(pg_link.back() ==
          R"(CREATE INDEX "rel_book_seen_on_shelf_id_3cb22ebd_like" ON "rel_book_seen_on" ("shelf_id" varchar_pattern_ops))");
}

TEST_CASE_FIXTURE(Shelves, "a ForeignKey to a text key holds it as key(), saves, loads and lazily loads it") {
    Book b = book("Dune", fiction);
    CHECK(b.shelf.key() == Value("fic"));
    CHECK(bool(b.shelf));
    CHECK_FALSE(bool(b.showcase));
    CHECK_THROWS_AS((void)b.shelf.id(), Error);  // id() is the integer key
    Book again = Book::objects().get("id", b.id);
    CaptureQueries c;
    CHECK(again.shelf.key() == Value("fic"));
    CHECK(c.count() == 0);
    CHECK(again.shelf->title == "Fiction");
    CHECK(c.count() == 1);
    again.shelf = Value("poe");  // by key: the cache is dropped
    again.showcase = poetry;
    again.save();
    Book reloaded = Book::objects().get("id", b.id);
    CHECK(reloaded.shelf.key() == Value("poe"));
    CHECK(reloaded.showcase.key() == Value("poe"));
    CHECK(reloaded.shelf->title == "Poetry");
    reloaded.showcase = nullptr;
    reloaded.save();
    CHECK_FALSE(bool(Book::objects().get("id", b.id).showcase));
}

TEST_CASE_FIXTURE(Shelves, "lookups across a ForeignKey and a ManyToMany to a text key") {
    Book dune = book("Dune", fiction);
    Book odes = book("Odes", poetry);
    book("Emma", fiction);
    dune.seen_on.add(fiction, poetry);
    odes.seen_on.add(poetry);
    CHECK(titles(Book::objects().filter("shelf", fiction).to_vector()) == Names{"Dune", "Emma"});
    CHECK(titles(Book::objects().filter("shelf", "poe").to_vector()) == Names{"Odes"});
    CHECK(titles(Book::objects().filter("shelf_id", "poe").to_vector()) == Names{"Odes"});
    CHECK(titles(Book::objects().filter("shelf__code", "fic").to_vector()) == Names{"Dune", "Emma"});
    CHECK(titles(Book::objects().filter("shelf__pk", "fic").to_vector()) == Names{"Dune", "Emma"});
    CHECK(titles(Book::objects().filter("shelf__title", "Poetry").to_vector()) == Names{"Odes"});
    CHECK(titles(Book::objects().filter("shelf__in", {"poe", "nope"}).to_vector()) == Names{"Odes"});
    CHECK(titles(Book::objects().filter("shelf__in", Shelf::objects().filter("title", "Poetry")).to_vector()) ==
          Names{"Odes"});
    CHECK(titles(Book::objects().filter("seen_on", poetry).to_vector()) == Names{"Dune", "Odes"});
    CHECK(titles(Book::objects().filter("seen_on__title", "Fiction").to_vector()) == Names{"Dune"});
    CHECK(Shelf::objects().filter("books__title", "Emma").get().code == "fic");
    CHECK(Shelf::objects().filter("seen_books__title", "Odes").get().code == "poe");
    CHECK(Book::objects().exclude("shelf", "fic").count() == 1);
    CHECK(fiction.related(&Book::shelf).count() == 2);
    CHECK(poetry.related(&Book::seen_on).count() == 2);
    auto [found, created] = Book::objects().get_or_create({{"shelf", poetry}, {"title", "Odes"}});
    CHECK_FALSE(created);
    CHECK(found.id == odes.id);
    auto [made, created2] = Book::objects().get_or_create({{"shelf", poetry}, {"title", "Iliad"}});
    CHECK(created2);
    CHECK(made.shelf.key() == Value("poe"));
}

TEST_CASE_FIXTURE(Shelves, "select_related and prefetch_related across text keys: one query per relation") {
    Book dune = book("Dune", fiction);
    Book odes = book("Odes", poetry);
    dune.seen_on.add(fiction, poetry);
    odes.seen_on.add(poetry);
    {
        CaptureQueries c;
        auto books = Book::objects().select_related("shelf").to_vector();
        REQUIRE(books.size() == 2);
        CHECK(books[0].shelf->title == "Fiction");
        CHECK(books[1].shelf->title == "Poetry");
        CHECK(c.count() == 1);
    }
    {
        CaptureQueries c;
        auto books = Book::objects().prefetch_related("shelf", "seen_on").to_vector();
        REQUIRE(books.size() == 2);
        CHECK(books[0].shelf->title == "Fiction");
        int fic = 0, poe = 0;
        for (const Shelf& s : books[0].seen_on.all()) (s.code == "fic" ? fic : poe) += 1;
        CHECK(fic == 1);
        CHECK(poe == 1);
        CHECK(books[1].seen_on.all().size() == 1);
        CHECK(c.count() == 3);
    }
    {
        CaptureQueries c;
        auto shelves = Shelf::objects().order_by("code").prefetch_related("books", "seen_books").to_vector();
        REQUIRE(shelves.size() == 2);
        CHECK(titles(shelves[0].related(&Book::shelf).to_vector()) == Names{"Dune"});
        CHECK(titles(shelves[1].related(&Book::shelf).to_vector()) == Names{"Odes"});
        CHECK(shelves[1].related(&Book::seen_on).to_vector().size() == 2);
        CHECK(c.count() == 3);
    }
}

TEST_CASE_FIXTURE(Shelves, "erase() of a text-keyed row cascades, sets NULL and removes link rows") {
    Book dune = book("Dune", fiction);
    Book odes = book("Odes", poetry);
    odes.showcase = fiction;
    odes.save();
    odes.seen_on.add(fiction, poetry);
    DeleteResult r = Shelf::objects().filter("code", "fic").erase();
    CHECK(r.per_model["rel_shelf"] == 1);
    CHECK(r.per_model["rel_book"] == 1);
    CHECK(r.per_model["rel_book_seen_on"] == 1);
    CHECK(titles(Book::objects().to_vector()) == Names{"Odes"});
    Book left = Book::objects().get("id", odes.id);
    CHECK_FALSE(bool(left.showcase));
    CHECK(left.seen_on.all().size() == 1);
    poetry.erase();
    CHECK(Book::objects().count() == 0);
}
