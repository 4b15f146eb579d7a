// Fixtures (API.md §9 dumpdata / loaddata): Django's JSON format written and read back on
// both backends, rows in any order, bad rows rolled back, PostgreSQL sequences, streaming,
// and the round trip with Django 3.2 itself (tests/migrations/fixtures/django_fixtures.py).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dorm/json.hpp"
#include "dorm/migrations/fixtures.hpp"
#include "support/db.hpp"

namespace fx {

struct Tag : dorm::Model<Tag> {
    std::string name;
    static void define(dorm::Schema<Tag>& s) {
        s.app_label("fx");
        s.field(&Tag::name, "name").max_length(50);
    }
};

struct Author : dorm::Model<Author> {
    std::string name;
    std::optional<std::string> email;
    bool active = true;
    static void define(dorm::Schema<Author>& s) {
        s.app_label("fx");
        s.field(&Author::name, "name").max_length(100);
        s.field(&Author::email, "email").max_length(100);
        s.field(&Author::active, "active").default_value(true);
    }
};

struct Book : dorm::Model<Book> {
    dorm::ForeignKey<Author> author;
    std::string title;
    dorm::Decimal price;
    dorm::Date published{};
    dorm::DateTime updated{};
    std::optional<double> rating;
    dorm::Json meta;
    std::optional<dorm::Blob> cover;
    dorm::ForeignKey<Author> editor;
    dorm::ManyToMany<Tag> tags;
    static void define(dorm::Schema<Book>& s) {
        s.app_label("fx");
        s.field(&Book::author, "author").on_delete(dorm::Cascade).related_name("books");
        s.field(&Book::title, "title").max_length(200);
        s.field(&Book::price, "price").max_digits(8).decimal_places(2);
        s.field(&Book::published, "published");
        s.field(&Book::updated, "updated").auto_now();
        s.field(&Book::rating, "rating");
        s.field(&Book::meta, "meta");
        s.field(&Book::cover, "cover");
        s.field(&Book::editor, "editor").null().on_delete(dorm::SetNull).related_name("edited");
        s.field(&Book::tags, "tags");
    }
};

struct Gadget : dorm::Model<Gadget> {  // a UUID key
    dorm::Uuid id;
    std::string name;
    dorm::Decimal weight;
    dorm::ForeignKey<Book> book;
    static void define(dorm::Schema<Gadget>& s) {
        s.app_label("fx");
        s.field(&Gadget::id, "id").primary_key().default_factory([] { return dorm::Uuid::v4(); });
        s.field(&Gadget::name, "name").max_length(50);
        s.field(&Gadget::weight, "weight").max_digits(6).decimal_places(3);
        s.field(&Gadget::book, "book").null().on_delete(dorm::SetNull).related_name("gadgets");
    }
};

struct Part : dorm::Model<Part> {  // a ForeignKey to a UUID key
    dorm::ForeignKey<Gadget> gadget;
    int count = 0;
    static void define(dorm::Schema<Part>& s) {
        s.app_label("fx");
        s.field(&Part::gadget, "gadget").on_delete(dorm::Cascade).related_name("parts");
        s.field(&Part::count, "count");
    }
};

struct Memo : dorm::Model<Memo> {  // no app label: label "memo"
    std::string text;
    static void define(dorm::Schema<Memo>& s) {
        s.table("fx_memo");
        s.field(&Memo::text, "text");
    }
};

}  // namespace fx

namespace {

using fx::Tag, fx::Author, fx::Book, fx::Gadget, fx::Part, fx::Memo;

const bool registered = (dorm::register_models<Tag, Author, Book, Gadget, Part, Memo>(), true);

const dorm::Uuid kGizmo = dorm::Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
const dorm::Uuid kWidget = dorm::Uuid::parse("0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6071");

dorm::DateTime at(const char* text) { return *dorm::parse_datetime(text); }

std::string temp_path(const std::string& name) {
    return "/tmp/dorm_fixtures_" + std::to_string(::getpid()) + "_" + name;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void erase_all(const std::string& alias = "default") {
    Part::objects().using_db(alias).erase();
    Gadget::objects().using_db(alias).erase();
    Book::objects().using_db(alias).erase();
    Author::objects().using_db(alias).erase();
    Tag::objects().using_db(alias).erase();
    Memo::objects().using_db(alias).erase();
}

struct Fixtures {
    Fixtures() {
        (void)registered;
        testdb::Fresh fresh;
        erase_all();
    }

    // Rows with hand-set keys (the same on every backend) and every kind of value.
    static void seed() {
        std::vector<Tag> tags;
        for (auto [id, name] : {std::pair{1, "red"}, {2, "green"}, {3, "blue"}}) {
            Tag t;
            t.id = id;
            t.name = name;
            t.save();
            tags.push_back(t);
        }
        Author ann, bob;
        ann.id = 1, ann.name = "Ann", ann.email = "ann@example.com";
        bob.id = 2, bob.name = "Bob", bob.active = false;
        ann.save(), bob.save();
        Book b1, b2;
        b1.id = 1, b1.author = ann, b1.title = "Zürich \"quoted\"", b1.price = dorm::Decimal("12.30");
        b1.published = dorm::Date{std::chrono::year{2026}, std::chrono::month{1}, std::chrono::day{2}};
        b1.rating = 4.25;
        b1.meta = dorm::Json::parse(R"({"pages": 120, "tags": ["a", "b"], "nested": {"x": null}})");
        b1.cover = dorm::Blob{std::byte{0}, std::byte{1}, std::byte{0xfe}, std::byte{0xff}};
        b1.editor = bob;
        b2.id = 2, b2.author = bob, b2.title = "Second", b2.price = dorm::Decimal("0.05");
        b2.published = dorm::Date{std::chrono::year{1999}, std::chrono::month{12}, std::chrono::day{31}};
        b2.meta = dorm::Json::array({1, 2});
        b1.save(), b2.save();
        b1.tags.add(tags[0], tags[2]);
        b2.tags.add(tags[1]);
        // auto_now stamped microseconds; Django's fixtures keep milliseconds
        Book::objects().filter("id", 1).update({{"updated", at("2026-01-02T03:04:05.123Z")}});
        Book::objects().filter("id", 2).update({{"updated", at("2025-06-30T23:59:59Z")}});
        Gadget g1, g2;
        g1.id = kGizmo, g1.name = "gizmo", g1.weight = dorm::Decimal("1.250"), g1.book = b1;
        g2.id = kWidget, g2.name = "widget", g2.weight = dorm::Decimal("-3.000");
        g1.save(), g2.save();
        Part p1, p2;
        p1.id = 1, p1.gadget = g1, p1.count = 7;
        p2.id = 2, p2.gadget = g1, p2.count = -2;
        p1.save(), p2.save();
        Memo m;
        m.id = 1, m.text = "no app label";
        m.save();
    }

    // Every row of every fx model as JSON (ManyToMany ids included), ordered by pk.
    static std::vector<std::string> rows(const std::string& alias = "default") {
        std::vector<std::string> out;
        auto add = [&](const char* model, dorm::Json j) { out.push_back(std::string(model) + " " + j.dump()); };
        for (const Tag& x : Tag::objects().using_db(alias).order_by("pk")) add("tag", x);
        for (const Author& x : Author::objects().using_db(alias).order_by("pk")) add("author", x);
        for (Book& x : Book::objects().using_db(alias).order_by("pk")) {
            dorm::Json j = x;
            auto ids = x.tags.all().values_list<std::int64_t>("id");
            std::sort(ids.begin(), ids.end());
            j["tags"] = ids;
            add("book", j);
        }
        for (const Gadget& x : Gadget::objects().using_db(alias).order_by("pk")) add("gadget", x);
        for (const Part& x : Part::objects().using_db(alias).order_by("pk")) add("part", x);
        for (const Memo& x : Memo::objects().using_db(alias).order_by("pk")) add("memo", x);
        return out;
    }

    static std::vector<std::int64_t> counts() {
        return {Tag::objects().count(),    Author::objects().count(), Book::objects().count(),
                Gadget::objects().count(), Part::objects().count(),   Memo::objects().count()};
    }

    static std::string dump(dorm::DumpOptions o = {.labels = {"fx", "memo"}}) {
        std::ostringstream out;
        dorm::dump_data(out, o);
        return out.str();
    }
};

// Django's dumps compared as data: objects by (model, pk), ManyToMany lists as sets.
std::map<std::string, dorm::Json> canonical(const std::string& text) {
    std::map<std::string, dorm::Json> out;
    for (dorm::Json o : dorm::Json::parse(text)) {
        if (o["fields"].contains("tags")) std::sort(o["fields"]["tags"].begin(), o["fields"]["tags"].end());
        out[o["model"].get<std::string>() + " " + o["pk"].dump()] = o["fields"];
    }
    return out;
}

}  // namespace

TEST_CASE_FIXTURE(Fixtures, "dump_data writes Django's format: labels, FK as pk, M2M lists, typed values") {
    seed();
    const std::string tags = dump({.labels = {"fx.tag"}});
    CHECK(tags ==
          R"([{"model": "fx.tag", "pk": 1, "fields": {"name": "red"}}, )"
          R"({"model": "fx.tag", "pk": 2, "fields": {"name": "green"}}, )"
          R"({"model": "fx.tag", "pk": 3, "fields": {"name": "blue"}}])");
    CHECK(dump({.labels = {"memo"}, .indent = 2}) ==
          "[\n{\n  \"model\": \"memo\",\n  \"pk\": 1,\n  \"fields\": {\n    \"text\": \"no app label\"\n  }\n}\n]\n");

    const dorm::Json all = dorm::Json::parse(dump());
    REQUIRE(all.size() == 12);
    const dorm::Json& b1 = all[5];
    CHECK(b1["model"] == "fx.book");
    CHECK(b1["pk"] == 1);
    CHECK(b1["fields"].dump() ==
          R"({"author":1,"cover":"AAH+/w==","editor":2,"meta":{"nested":{"x":null},"pages":120,"tags":["a","b"]},)"
          R"("price":"12.30","published":"2026-01-02","rating":4.25,"tags":[1,3],"title":"Zürich \"quoted\"",)"
          R"("updated":"2026-01-02T03:04:05.123Z"})");
    CHECK(all[6]["fields"]["updated"] == "2025-06-30T23:59:59Z");
    CHECK(all[6]["fields"]["editor"].is_null());
    CHECK(all[6]["fields"]["rating"].is_null());
    // UUID keys dashed, in key order; a ForeignKey to one as its text
    CHECK(all[7]["pk"] == kWidget.to_string());
    CHECK(all[8]["pk"] == kGizmo.to_string());
    CHECK(all[8]["fields"]["weight"] == "1.250");
    CHECK(all[7]["fields"]["weight"] == "-3.000");
    CHECK(all[9]["fields"]["gadget"] == kGizmo.to_string());
    CHECK(all[11]["model"] == "memo");

    CHECK(dorm::Json::parse(dump({.labels = {"fx.gadget", "fx.part"}})).size() == 4);
    CHECK(dorm::Json::parse(dump({.labels = {"fx"}})).size() == 11);  // Memo has no app label
    CHECK_THROWS_WITH_AS(dump({.labels = {"fx.nope"}}), doctest::Contains("fx.nope"), dorm::ConfigError);
    std::ostringstream none;
    CHECK(dorm::dump_data(none, {.labels = {"fx"}}) == 11);
}

TEST_CASE_FIXTURE(Fixtures, "dump, erase, load gives identical rows, pks, FKs and M2M links kept") {
    seed();
    const auto before = rows();
    for (int indent : {-1, 2}) {
        const std::string text = dump({.labels = {"fx", "memo"}, .indent = indent});
        const std::string file = temp_path("roundtrip.json");
        write_file(file, text);
        erase_all();
        REQUIRE(counts() == std::vector<std::int64_t>{0, 0, 0, 0, 0, 0});
        const dorm::LoadResult r = dorm::load_data({file});
        CHECK(r.objects == 12);
        CHECK(r.fixtures == 1);
        CHECK(rows() == before);
        CHECK(dump({.labels = {"fx", "memo"}, .indent = indent}) == text);
        // loading again updates the same rows in place and replaces (not adds) the links
        CHECK(dorm::load_data({file, file}).objects == 24);
        CHECK(rows() == before);
        std::remove(file.c_str());
    }
}

TEST_CASE_FIXTURE(Fixtures, "rows in reverse order (children before parents) load: FKs checked at commit") {
    seed();
    const auto before = rows();
    dorm::Json all = dorm::Json::parse(dump());
    std::reverse(all.begin(), all.end());
    const std::string file = temp_path("reverse.json");
    write_file(file, all.dump());
    erase_all();
    CHECK(dorm::load_data({file}).objects == 12);
    CHECK(rows() == before);
    std::remove(file.c_str());
}

TEST_CASE_FIXTURE(Fixtures, "loaddata maps app.model labels, fills defaults and keeps auto_now as written") {
    const std::string file = temp_path("labels.json");
    write_file(file, R"([
        {"model": "blog.memo", "pk": 7, "fields": {"text": "from Django's app blog"}},
        {"model": "fx.Author", "pk": 3, "fields": {"name": "Cy"}},
        {"model": "fx.book", "pk": 9, "fields": {"author": 3, "title": "t", "price": 1.5,
         "published": "2020-02-29", "updated": "2021-03-04T05:06:07+02:00", "meta": {}, "tags": []}}
    ])");
    CHECK(dorm::load_data({file}).objects == 3);
    CHECK(Memo::objects().get("id", 7).text == "from Django's app blog");
    const Author cy = Author::objects().get("id", 3);
    CHECK(cy.active);  // default_value
    CHECK_FALSE(cy.email.has_value());
    const Book b = Book::objects().get("id", 9);
    CHECK(b.price.to_string() == "1.50");
    CHECK(b.updated == at("2021-03-04T03:06:07Z"));
    CHECK(b.author.id() == 3);
    std::remove(file.c_str());
}

TEST_CASE_FIXTURE(Fixtures, "a bad row names file, object and field and leaves every table as it was") {
    seed();
    const auto before = rows();
    const auto counts_before = counts();
    const std::string file = temp_path("bad.json");
    // a new row and an update of an existing one come first: both must be rolled back
    const std::string good = R"({"model": "fx.tag", "pk": 50, "fields": {"name": "new"}},
                                {"model": "fx.author", "pk": 1, "fields": {"name": "Changed"}},
                                {"model": "fx.book", "pk": 2, "fields": {"author": 2, "title": "Second",
                                 "price": "0.05", "published": "1999-12-31", "meta": [], "tags": [1, 2, 3]}}, )";
    struct Case {
        const char* row;
        const char* field;  // "" for the object as a whole
        const char* says;
    };
    const Case cases[] = {
        {R"({"model": "fx.tag", "pk": 60, "fields": {"nmae": "x"}})", "nmae", "unknown field"},
        {R"({"model": "fx.author", "pk": 60, "fields": {"name": "x", "active": "maybe"}})", "active", "true or false"},
        {R"({"model": "fx.part", "pk": 60, "fields": {"gadget": 12, "count": 1}})", "gadget", "UUID"},
        {R"({"model": "fx.part", "pk": 60, "fields": {"gadget": null, "count": 1}})", "gadget", "cannot be null"},
        {R"({"model": "fx.book", "pk": 60, "fields": {"price": "1.2.3"}})", "price", "decimal"},
        {R"({"model": "fx.book", "pk": 60, "fields": {"published": "2020-13-45"}})", "published", "date"},
        {R"({"model": "fx.book", "pk": 60, "fields": {"tags": [1, "x"]}})", "tags", "integer"},
        {R"({"model": "fx.book", "pk": 60, "fields": {"tags": 1}})", "tags", "list"},
        // a whole number beyond int64 (found by fuzz/fixture.cpp: the conversion was undefined)
        {R"({"model": "fx.book", "pk": 60, "fields": {"tags": [1, 1e300]}})", "tags", "integer"},
        {R"({"model": "fx.book", "pk": 60, "fields": {"tags": [-9.3e18]}})", "tags", "integer"},
        {R"({"model": "fx.gadget", "pk": "not-a-uuid", "fields": {"name": "x"}})", "pk", "UUID"},
        {R"({"model": "fx.nope", "pk": 60, "fields": {}})", "", "unknown model 'fx.nope'"},
        {R"([1, 2])", "", "expected an object"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.row);
        write_file(file, "[" + good + c.row + "]");
        try {
            (void)dorm::load_data({file});
            FAIL("no error");
        } catch (const dorm::FixtureError& e) {
            const std::string what = e.what();
            CHECK(what.find(file) != std::string::npos);
            CHECK(what.find("object [3]") != std::string::npos);
            CHECK(what.find(c.says) != std::string::npos);
            CHECK(e.field == c.field);
            CHECK(e.object == 3);
            if (*c.field) CHECK(what.find(std::string("field '") + c.field + "'") != std::string::npos);
            if (std::string(c.row).find("\"pk\": 60") != std::string::npos) CHECK(e.pk == "60");
        }
        CHECK(counts() == counts_before);
        CHECK(rows() == before);
    }

    write_file(file, "[" + good + R"({"model": "fx.tag", "pk": 61, "fields": {"name": "x"})");  // cut short
    CHECK_THROWS_WITH_AS(dorm::load_data({file}), doctest::Contains("malformed JSON"), dorm::FixtureError);
    CHECK_THROWS_WITH_AS(dorm::load_data({temp_path("missing.json")}), doctest::Contains("cannot open"),
                         dorm::FixtureError);
    // a ForeignKey to a row that does not exist fails at commit, naming the fixture
    write_file(file, "[" + good + R"({"model": "fx.book", "pk": 62, "fields": {"author": 999, "title": "t",
        "price": "1.00", "published": "2020-01-01", "updated": "2020-01-01T00:00:00Z", "meta": {}}}])");
    CHECK_THROWS_WITH_AS(dorm::load_data({file}), doctest::Contains(file.c_str()), dorm::IntegrityError);
    CHECK(counts() == counts_before);
    CHECK(rows() == before);
    std::remove(file.c_str());
}

TEST_CASE_FIXTURE(Fixtures, "after a load, new rows get keys above the loaded ones (PostgreSQL sequences)") {
    const std::string file = temp_path("seq.json");
    write_file(file, R"([{"model": "fx.tag", "pk": 500, "fields": {"name": "high"}},
                         {"model": "fx.tag", "pk": 20, "fields": {"name": "low"}}])");
    CHECK(dorm::load_data({file}).objects == 2);
    const Tag t = Tag::objects().create([](Tag& x) { x.name = "next"; });
    CHECK(t.id > 500);
    CHECK(Tag::objects().count() == 3);
    std::remove(file.c_str());
}

TEST_CASE_FIXTURE(Fixtures, "dump streams: one SELECT per model and one per ManyToMany, not one per row") {
    seed();
    for (int i = 0; i < 300; ++i) {
        Tag t;
        t.name = "bulk" + std::to_string(i);
        t.id = 1000 + i;
        t.save();
    }
    dorm::CaptureQueries q;
    std::ostringstream out;
    CHECK(dorm::dump_data(out, {.labels = {"fx"}}) == 311);
    std::size_t selects = 0;
    for (const auto& s : q.queries())
        if (s.sql.find("SELECT") != std::string::npos) ++selects;
    CHECK(selects == 5 + 1);  // Tag, Author, Book, Gadget, Part; Book.tags
}

TEST_CASE_FIXTURE(Fixtures, "Django 3.2 loads dorm's dump and dorm loads Django's, the same rows both ways") {
    const std::string script = std::string(DORM_SOURCE_DIR) + "/tests/migrations/fixtures/django_fixtures.py";
    if (std::system(("/usr/bin/python3 " + script + " check >/dev/null 2>&1").c_str()) != 0) {
        MESSAGE("skipped: /usr/bin/python3 cannot import django (apt-get install python3-django)");
        WARN_MESSAGE(false, "Django round trip skipped");
        // CI installs python3-django (scripts/run): there a missing Django is a failure
        if (std::getenv("CI")) FAIL("python3-django is missing under CI");
        return;
    }
    // Django's rows (on its own SQLite file) -> its dump -> dorm
    const std::string db = temp_path("django.sqlite3"), django_dump = temp_path("django.json");
    std::remove(db.c_str());
    REQUIRE(std::system(("/usr/bin/python3 " + script + " dump " + db + " " + django_dump).c_str()) == 0);
    const std::string theirs = read_file(django_dump);
    REQUIRE(dorm::Json::parse(theirs).size() == 11);
    // dorm reads Django's tables and writes the same fixture, byte for byte
    dorm::connect("sqlite3://" + db, {.alias = "django"});
    CHECK(dump({.labels = {"fx"}, .indent = 2, .alias = "django"}) == theirs);
    dorm::disconnect("django");
    // dorm loads Django's fixture onto this backend and dumps the same objects
    CHECK(dorm::load_data({django_dump}).objects == 11);
    CHECK(canonical(dump({.labels = {"fx"}, .indent = 2})) == canonical(theirs));

    // dorm's rows -> dorm's dump -> Django loads it and dumps the same objects
    erase_all();
    seed();
    const std::string ours = dump({.labels = {"fx"}}), our_dump = temp_path("dorm.json");
    write_file(our_dump, ours);
    const std::string db2 = temp_path("django2.sqlite3"), back = temp_path("django_back.json");
    std::remove(db2.c_str());
    REQUIRE(std::system(("/usr/bin/python3 " + script + " load " + db2 + " " + our_dump + " " + back).c_str()) == 0);
    CHECK(canonical(read_file(back)) == canonical(ours));
    for (const auto& f : {db, django_dump, our_dump, db2, back}) std::remove(f.c_str());
}
