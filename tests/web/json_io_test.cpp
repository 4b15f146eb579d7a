// JSON in and out (API.md §13): from_json / update_from_json checked as full_clean() with
// every bad field in one ValidationError, ValidationError::to_json, json_schema. Both backends.
#include <doctest/doctest.h>

#include "../support/web.hpp"

using namespace dorm;
using web::Blog, web::Entry;
using testmodels::ymd;

namespace {
ValidationError invalid(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ValidationError& e) {
        return e;
    }
    FAIL("no ValidationError");
    return ValidationError("", "");
}
}  // namespace

TEST_CASE_FIXTURE(web::Fresh, "from_json makes an unsaved object from a body; id and auto_now are ignored") {
    Blog b = web::blog("B");
    const std::string body = R"({"id": 99, "blog": )" + std::to_string(b.id) +
                             R"(, "headline": "Hi", "pub_date": "2026-05-01", "rating": 4, "price": "12.30",
                                 "mod_date": "1999-01-01T00:00:00Z", "n_comments": null})";
    Entry e = from_json<Entry>(body);
    CHECK(e.id == 0);
    CHECK(e.blog.id() == b.id);
    CHECK(e.headline == "Hi");
    CHECK(e.pub_date == ymd(2026, 5, 1));
    CHECK(e.rating == 4);
    CHECK(e.price == Decimal("12.30"));
    CHECK(!e.published);       // the default
    CHECK(e.status == "d");    // the default
    e.save();
    Entry back = Entry::objects().get("pk", e.id);
    CHECK(back.headline == "Hi");
    CHECK(back.mod_date.time_since_epoch().count() > 0);
    Json out = back;  // and out again
    CHECK(out["headline"] == "Hi");
    CHECK(out["price"] == "12.30");
    const std::string mod = out["mod_date"];
    CHECK(mod.size() >= 20);
    CHECK(mod[10] == 'T');
    CHECK(mod.back() == 'Z');
    Entry again = from_json<Entry>(Json{{"blog", b.id}, {"headline", "Again"}, {"pub_date", "2026-05-02"}, {"rating", 1}});
    CHECK(again.headline == "Again");
}

TEST_CASE_FIXTURE(web::Fresh, "from_json lists every bad field in one ValidationError, and nothing is written") {
    Blog b = web::blog("B");
    auto e = invalid([&] {
        (void)from_json<Entry>(R"({"blog": 123456, "headline": "", "pub_date": "May 1st", "rating": "high",
                                   "status": "x", "colour": "red", "price": "1234567.1", "published": null})");
    });
    CHECK(e.errors.at("blog").front() == "Invalid pk 123456: Blog does not exist.");
    CHECK(e.errors.at("headline").front() == "This field cannot be blank.");
    CHECK(e.errors.at("pub_date").front() == "Expected a date (YYYY-MM-DD), got \"May 1st\".");
    CHECK(e.errors.at("rating").front() == "Expected an integer, got \"high\".");
    CHECK(e.errors.count("status"));
    CHECK(e.errors.at("colour").front().rfind("Unknown field", 0) == 0);
    CHECK(e.errors.count("price"));
    CHECK(e.errors.at("published").front() == "This field may not be null.");
    CHECK(Entry::objects().count() == 0);

    auto missing = invalid([&] { (void)from_json<Entry>("{}"); });
    CHECK(missing.errors.at("headline").front() == "This field is required.");
    CHECK(missing.errors.at("rating").front() == "This field is required.");
    CHECK(missing.errors.at("blog").front() == "This field is required.");
    CHECK(!missing.errors.count("body_text"));   // blank() fields may be left out
    CHECK(!missing.errors.count("n_comments"));  // nullable ones too
    CHECK(!missing.errors.count("published"));   // and those with a default

    auto range = invalid([&] { (void)from_json<Entry>(R"({"blog": 1, "headline": "x", "pub_date": "2026-01-01", "rating": 99999999999})"); });
    CHECK(range.errors.count("rating"));
}

TEST_CASE_FIXTURE(web::Fresh, "malformed bodies and non-objects are a ValidationError on __all__") {
    // {"rating": 1e309}: a number the parser cannot hold (found by fuzz/from_json)
    for (const char* body : {"", "{", "[1,2]", "\"text\"", "{\"headline\": \"\xff\"}", "{\"a\":1,}",
                             "{\"rating\": 1e309}"}) {
        CAPTURE(body);
        auto e = invalid([&] { (void)from_json<Entry>(body); });
        CHECK(e.errors.count("__all__"));
        CHECK(!e.to_json().dump().empty());
    }
}

TEST_CASE_FIXTURE(web::Fresh, "a unique field already taken is reported like full_clean, before any INSERT") {
    Blog b = web::blog("B");
    web::entry(b, "Taken", 1, ymd(2026, 1, 1));
    auto e = invalid([&] {
        (void)from_json<Entry>(Json{{"blog", b.id}, {"headline", "Taken"}, {"pub_date", "2026-05-02"}, {"rating", 1}});
    });
    CHECK(e.errors.at("__all__").front() == "Entry with this blog and headline already exists.");
    CHECK(invalid([&] { (void)from_json<Blog>(R"({"name": "B"})"); }).errors.at("name").front() ==
          "Blog with this name already exists.");
}

TEST_CASE_FIXTURE(web::Fresh, "update_from_json sets only the keys present and leaves the object as it was on error") {
    Blog b = web::blog("B");
    Entry e = web::entry(b, "Soup", 3, ymd(2026, 1, 1));
    update_from_json(e, R"({"rating": 5, "published": false})");
    CHECK(e.rating == 5);
    CHECK(e.headline == "Soup");
    CHECK(!e.published);
    e.save();
    CHECK(Entry::objects().get("pk", e.id).rating == 5);

    auto err = invalid([&] { update_from_json(e, R"({"rating": "x", "headline": "New", "id": 7})"); });
    CHECK(err.errors.count("rating"));
    CHECK(!err.errors.count("id"));
    CHECK(e.headline == "Soup");  // unchanged
    CHECK(e.rating == 5);
    update_from_json(e, Json{{"id", 12345}});  // the key is not changed by a PATCH
    CHECK(e.id != 12345);
}

TEST_CASE("ValidationError::to_json is the field -> messages object") {
    ValidationError e({{"headline", {"a", "b"}}, {"__all__", {"c"}}});
    CHECK(e.to_json() == Json{{"headline", {"a", "b"}}, {"__all__", {"c"}}});
}

TEST_CASE_FIXTURE(web::Fresh, "json_schema: types, formats, maxLength, enum, required and nullable") {
    Json s = json_schema<Entry>();
    CHECK(s["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    CHECK(s["title"] == "Entry");
    CHECK(s["type"] == "object");
    CHECK(s["additionalProperties"] == false);
    const Json& p = s["properties"];
    CHECK(p["id"] == Json{{"type", "integer"}, {"readOnly", true}});
    CHECK(p["headline"] == Json{{"type", "string"}, {"maxLength", 40}});
    CHECK(p["body_text"] == Json{{"type", "string"}});
    CHECK(p["pub_date"] == Json{{"type", "string"}, {"format", "date"}});
    CHECK(p["mod_date"] == Json{{"type", "string"}, {"format", "date-time"}, {"readOnly", true}});
    CHECK(p["n_comments"] == Json{{"type", {"integer", "null"}}});
    CHECK(p["published"] == Json{{"type", "boolean"}, {"default", false}});
    CHECK(p["status"]["enum"] == Json{"d", "p"});
    CHECK(p["blog"]["type"] == "integer");
    CHECK(p["price"]["type"] == Json{"string", "null"});
    CHECK(s["required"] == Json{"blog", "headline", "pub_date", "rating"});
}
