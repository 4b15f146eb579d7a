// Models to and from JSON (API.md §3).
#include <doctest/doctest.h>

#include "support/models.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::Author;
using testmodels::ymd;

TEST_CASE("a model converts to JSON and back, every member type included") {
    Article e;
    e.id = 7;
    e.headline = "JSON";
    e.pub_date = ymd(2026, 2, 3);
    e.n_comments = std::nullopt;
    e.published = true;
    e.meta = Json{{"k", {1, 2}}};
    e.data = Blob{std::byte{1}, std::byte{2}, std::byte{250}};
    dorm::Json j = e;
    CHECK(j["id"] == 7);
    CHECK(j["pub_date"] == "2026-02-03");
    CHECK(j["n_comments"].is_null());
    CHECK(j["published"] == true);
    CHECK(j["meta"] == Json{{"k", {1, 2}}});
    CHECK(j["data"] == "AQL6");
    Article e2 = j.get<Article>();
    CHECK(e2.id == 7);
    CHECK(e2.headline == "JSON");
    CHECK(e2.pub_date == e.pub_date);
    CHECK(e2.meta == e.meta);
    CHECK(e2.data == e.data);
    CHECK(e2.published);
    CHECK_FALSE(e2.n_comments.has_value());
}

TEST_CASE("JSON with an unknown key or a wrong type is refused, naming the field") {
    const Json unknown = Json::parse(R"({"nme": "x"})");
    const Json wrong = Json::parse(R"({"age": "old"})");
    CHECK_THROWS_WITH_AS((void)unknown.get<Author>(), doctest::Contains("Author has no field 'nme'"), FieldError);
    CHECK_THROWS_WITH_AS((void)wrong.get<Author>(), doctest::Contains("Author.age from JSON \"old\""), FieldError);
}
