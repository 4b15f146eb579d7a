// Instances: save as insert or update, refresh, erase, full_clean, stored formats.
#include <doctest/doctest.h>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::Author;
using testmodels::Tag;
using testmodels::ymd;

namespace {
/// db_column: the members keep their field names; the table has other column names.
struct Renamed : dorm::Model<Renamed> {
    std::string name;
    int score = 0;
    static void define(dorm::Schema<Renamed>& s) {
        s.table("model_renamed");
        s.field(&Renamed::name, "name").db_column("full_name").max_length(50);
        s.field(&Renamed::score, "score").db_column("points");
    }
};

Article article(const char* headline, int rating = 3) {
    Article a;
    a.headline = headline;
    a.body_text = "body";
    a.pub_date = ymd(2026, 5, 1);
    a.rating = rating;
    return a;
}
}  // namespace

TEST_CASE_FIXTURE(testdb::Fresh, "save() inserts a new instance and sets its id, then updates it") {
    Author a;
    a.name = "Ann";
    CaptureQueries q;
    a.save();
    CHECK(a.id > 0);
    REQUIRE(q.count() == 1);
    CHECK(q.queries()[0].sql.starts_with("INSERT INTO \"blog_author\""));
    a.age = 41;
    a.save();
    CHECK(q.count() == 2);
    CHECK(q.queries()[1].sql.starts_with("UPDATE \"blog_author\" SET"));
    CHECK(Author::objects().get("id", a.id).age == 41);
    CHECK(Author::objects().count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "save({fields}) writes only those columns") {
    Author a;
    a.name = "Ann";
    a.save();
    a.name = "Changed";
    a.age = 7;
    CaptureQueries q;
    a.save({"age"});
    REQUIRE(q.count() == 1);
    CHECK(q.queries()[0].sql.starts_with(R"(UPDATE "blog_author" SET "age" = )"));
    CHECK(q.queries()[0].sql.find("name") == std::string::npos);
    Author fresh = Author::objects().get("id", a.id);
    CHECK(fresh.age == 7);
    CHECK(fresh.name == "Ann");
    CHECK_THROWS_AS(a.save({"nope"}), FieldError);
}

// Django raises DatabaseError("Save with update_fields did not affect any rows."); dorm says
// DoesNotExist (README), and must not insert the row again.
TEST_CASE_FIXTURE(testdb::Fresh, "save({fields}) of a row that is gone throws DoesNotExist and inserts nothing") {
    Author a;
    a.name = "Gone";
    a.save();
    const auto id = a.id;
    Author::objects().filter("id", id).erase();
    a.age = 3;
    CaptureQueries q;
    CHECK_THROWS_WITH_AS(a.save({"age"}), doctest::Contains("Author"), dorm::DoesNotExist);
    CHECK(q.count() == 1);  // the UPDATE alone
    CHECK(Author::objects().count() == 0);
    CHECK(a.id == id);
    a.save();  // a whole save() of a hand-set key inserts it again
    CHECK(Author::objects().get("id", id).age == 3);
}

TEST_CASE_FIXTURE(testdb::Fresh, "a hand-set pk updates the row if it exists and inserts it otherwise") {
    Author a;
    a.id = 500;
    a.name = "Hand";
    a.save();
    CHECK(Author::objects().get("id", 500).name == "Hand");
    a.name = "Again";
    a.save();
    CHECK(Author::objects().count() == 1);
    CHECK(Author::objects().get("pk", 500).name == "Again");
}

TEST_CASE_FIXTURE(testdb::Fresh, "ids above 2^31 round-trip") {
    Author a;
    a.id = 8589934593LL;
    a.name = "Big";
    a.save();
    Author b = Author::objects().get("id", 8589934593LL);
    CHECK(b.id == 8589934593LL);
    auto ids = Author::objects().values_list<std::int64_t>("id");
    CHECK(ids == std::vector<std::int64_t>{8589934593LL});
    if (testdb::backend() == "sqlite") {  // AUTOINCREMENT continues after the largest id
        Author c;
        c.name = "Next";
        c.save();
        CHECK(c.id == 8589934594LL);
    }
}

TEST_CASE_FIXTURE(testdb::Fresh, "refresh() reloads; erase() deletes and clears the id") {
    Author a;
    a.name = "Ann";
    a.save();
    Author::objects().filter("id", a.id).update({{"age", 70}});
    CHECK(a.age == 0);
    a.refresh();
    CHECK(a.age == 70);
    auto r = a.erase();
    CHECK(r.total == 1);
    CHECK(r.per_model.at("blog_author") == 1);
    CHECK(a.id == 0);
    CHECK(Author::objects().count() == 0);
    a.id = 12345;
    CHECK_THROWS_AS(a.refresh(), Author::DoesNotExist);
}

TEST_CASE_FIXTURE(testdb::Fresh, "every member type round-trips in Django's formats") {
    Article a = article("Types");
    a.n_comments = 4;
    a.score = 2.25;
    a.meta = Json{{"tags", {"x", "y"}}, {"n", 1}};
    a.data = Blob{std::byte{0}, std::byte{255}, std::byte{7}};
    a.published = true;
    a.save();
    Article b = Article::objects().get("id", a.id);
    CHECK(b.headline == "Types");
    CHECK(b.pub_date == ymd(2026, 5, 1));
    CHECK(b.n_comments == 4);
    CHECK(b.score == 2.25);
    CHECK(b.meta == a.meta);
    CHECK(b.data == a.data);
    CHECK(b.published);
    CHECK(b.mod_date == a.mod_date);
    if (testdb::backend() == "sqlite") {
        auto raw = Article::objects().values("pub_date", "mod_date", "published").to_json();
        CHECK(raw[0]["pub_date"] == "2026-05-01");
        CHECK(raw[0]["published"] == true);
    }
}

TEST_CASE_FIXTURE(testdb::Fresh, "auto_now stamps every save, auto_now_add only the first") {
    Article a = article("Stamps");
    a.save();
    REQUIRE(a.created);
    auto created = *a.created;
    auto first = a.mod_date;
    CHECK(first.time_since_epoch().count() > 0);
    a.rating = 4;
    a.save();
    CHECK(a.mod_date >= first);
    CHECK(*a.created == created);
    CHECK(Article::objects().get("id", a.id).created == created);
}

TEST_CASE_FIXTURE(testdb::Fresh, "full_clean lists every bad field") {
    Article a = article("");
    a.headline = std::string(60, 'x');
    a.status = "z";
    a.rating = 9;
    try {
        a.full_clean();
        FAIL("full_clean accepted bad fields");
    } catch (const ValidationError& e) {
        CHECK(e.errors.at("headline")[0] == "Ensure this value has at most 50 characters (it has 60).");
        CHECK(e.errors.at("status")[0] == "Value 'z' is not a valid choice (choices: 'd', 'p').");
        CHECK(e.errors.at("rating")[0] == "Ensure this value is between 0 and 5.");
        CHECK(e.errors.count("body_text") == 0);  // blank() allows ""
    }
    Article b = article("ok");
    b.headline = "";
    CHECK_THROWS_WITH_AS(b.full_clean(), "headline: This field cannot be blank.", ValidationError);
    Article c = article("fine");
    c.full_clean();
    c.save();
    Article d = article("fine");
    CHECK_THROWS_WITH_AS(d.full_clean(), doctest::Contains("Article with this author_id and headline already exists."), ValidationError);
}

TEST_CASE_FIXTURE(testdb::Fresh, "a unique violation is an IntegrityError naming model, field and value") {
    Author a;
    a.name = "A";
    a.email = "a@x.org";
    a.save();
    Author b;
    b.name = "B";
    b.email = "a@x.org";
    CHECK_THROWS_WITH_AS(b.save(), doctest::Contains("Author: "), IntegrityError);
    CHECK_THROWS_WITH_AS(b.save(), doctest::Contains("email='a@x.org'"), IntegrityError);
    CHECK(b.id == 0);
    CHECK(Author::objects().count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "NULL into a NOT NULL column is refused, nothing written") {
    Author a;
    a.name = "A";
    a.save();
    CHECK_THROWS_WITH_AS(Author::objects().update({{"name", nullptr}}),
                         "Author.name cannot be NULL (update() with NULL)", IntegrityError);
    CHECK(Author::objects().get("id", a.id).name == "A");
}

TEST_CASE_FIXTURE(testdb::Fresh, "a declared primary key replaces the automatic id") {
    CHECK(Tag::model_meta().pk_field().name == "slug");
    Tag t;
    t.slug = "cpp";
    t.label = "C++";
    t.save();
    t.label = "C++20";
    t.save();
    CHECK(Tag::objects().count() == 1);
    CHECK(Tag::objects().get("pk", "cpp").label == "C++20");
    CHECK(t.pk() == Value("cpp"));
}

TEST_CASE_FIXTURE(testdb::Fresh, "T::DoesNotExist is a dorm::DoesNotExist with Django's message") {
    CHECK_THROWS_WITH_AS((void)Author::objects().get("id", 99), "Author matching query does not exist.",
                         Author::DoesNotExist);
    CHECK_THROWS_AS((void)Author::objects().get("id", 99), dorm::DoesNotExist);
}

TEST_CASE_FIXTURE(testdb::Fresh, "db_column: the API says the field name, the SQL the column") {
    register_models<Renamed>();
    create_tables();
    Renamed::objects().erase();
    CaptureQueries q;
    Renamed ann = Renamed::objects().create([](Renamed& x) { x.name = "Ann"; x.score = 3; });
    REQUIRE(q.count() == 1);
    CHECK(q.queries()[0].sql.find(R"("full_name")") != std::string::npos);
    CHECK(q.queries()[0].sql.find(R"("points")") != std::string::npos);
    CHECK(q.queries()[0].sql.find(R"("name")") == std::string::npos);
    Renamed::objects().create([](Renamed& x) { x.name = "Bob"; x.score = 5; });
    CHECK(Renamed::objects().get("name", "Ann").score == 3);
    CHECK(Renamed::objects().order_by("-score").values_list<std::string>("name") ==
          std::vector<std::string>{"Bob", "Ann"});
    CHECK(Renamed::objects().order_by("name").values("name", "score").to_json() ==
          Json::parse(R"([{"name": "Ann", "score": 3}, {"name": "Bob", "score": 5}])"));
    CHECK(Renamed::objects().filter("name", "Ann").update({{"score", F("score") + 1}}) == 1);
    ann.refresh();
    CHECK(ann.score == 4);
    ann.name = "Anna";
    ann.save({"name"});
    CHECK(Renamed::objects().filter("name__startswith", "Ann").values_list<std::string>("name") ==
          std::vector<std::string>{"Anna"});
    CHECK(Renamed::objects().aggregate(Max("score")) == Json{{"score__max", 5}});
    auto raw = Renamed::objects().raw("SELECT id, full_name, points FROM model_renamed ORDER BY points");
    REQUIRE(raw.size() == 2);
    CHECK(raw[0].name == "Anna");
    CHECK(raw[0].score == 4);
    CHECK(Renamed::objects().filter("name", "Bob").erase().total == 1);
    CHECK(Renamed::objects().count() == 1);
}

// Models with relations, for saving instances loaded with only()/defer().
#include "support/relations.hpp"

TEST_CASE_FIXTURE(testdb::Fresh, "save() after only()/defer() neither checks nor writes a ForeignKey it did not load") {
    rel::fresh_tables();
    auto ann = rel::Person::objects().create([](rel::Person& p) { p.name = "Ann"; });
    auto site = rel::Site::objects().create([&](rel::Site& s) { s.name = "Cooking"; s.owner = ann; });
    auto post = rel::Post::objects().create([&](rel::Post& p) { p.site = site; p.headline = "Hi"; });

    auto partial = rel::Post::objects().only("headline").get("id", post.id);
    CHECK_FALSE(bool(partial.site));  // not loaded
    partial.headline = "Hello";
    CHECK_NOTHROW(partial.save());
    auto back = rel::Post::objects().get("id", post.id);
    CHECK(back.headline == "Hello");
    CHECK(back.site.id() == site.id);

    auto deferred = rel::Post::objects().defer("site").get("id", post.id);
    deferred.rating = 4;
    CHECK_NOTHROW(deferred.save());
    CHECK(rel::Post::objects().get("id", post.id).rating == 4);
    CHECK(rel::Post::objects().get("id", post.id).site.id() == site.id);

    // save({...}) writes and checks only the named fields.
    rel::Post by_hand;
    by_hand.id = post.id;
    by_hand.headline = "Named";
    CHECK_NOTHROW(by_hand.save({"headline"}));
    CHECK(rel::Post::objects().get("id", post.id).site.id() == site.id);
    CHECK_THROWS_AS(by_hand.save({"site"}), IntegrityError);

    // A loaded ForeignKey that was cleared is still refused before any SQL.
    auto full = rel::Post::objects().get("id", post.id);
    full.site = nullptr;
    CaptureQueries c;
    CHECK_THROWS_AS(full.save(), IntegrityError);
    CHECK(c.count() == 0);
}
