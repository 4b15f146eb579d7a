// QuerySet: laziness, the result cache, lookups and Django's subtle semantics.
#include <doctest/doctest.h>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Article;
using testmodels::Author;
using testmodels::Counter;
using testmodels::ymd;

namespace {
Article make(const std::string& headline, int rating, Date pub = ymd(2026, 5, 1),
             std::optional<int> comments = std::nullopt, std::int64_t author = 1) {
    return Article::objects().create([&](Article& a) {
        a.headline = headline;
        a.rating = rating;
        a.pub_date = pub;
        a.n_comments = comments;
        a.author_id = author;
    });
}
template <class QS>
std::vector<std::string> headlines(const QS& qs) {
    std::vector<std::string> out;
    for (const auto& a : qs) out.push_back(a.headline);
    return out;
}
using Names = std::vector<std::string>;
}  // namespace

TEST_CASE_FIXTURE(testdb::Fresh, "building a QuerySet runs nothing; iterating runs one SELECT, once") {
    make("a", 1);
    make("b", 2);
    CaptureQueries q;
    auto qs = Article::objects().filter("rating__gte", 1).exclude("headline", "zzz").order_by("headline");
    CHECK(q.count() == 0);
    CHECK(headlines(qs) == Names{"a", "b"});
    CHECK(q.count() == 1);
    CHECK(headlines(qs) == Names{"a", "b"});
    CHECK(qs.size() == 2);
    CHECK(qs.count() == 2);
    CHECK(qs.exists());
    CHECK(qs[1].headline == "b");
    CHECK(q.count() == 1);  // all answered from the cache
    CHECK(qs.filter("rating", 2).count() == 1);
    CHECK(q.count() == 2);  // a chained method queries again
    CHECK(qs.all().size() == 2);
    CHECK(q.count() == 3);
}

TEST_CASE_FIXTURE(testdb::Fresh, "count, exists and [i] query when the cache is empty") {
    make("a", 1);
    make("b", 2);
    auto qs = Article::objects().order_by("headline");
    CaptureQueries q;
    CHECK(qs.count() == 2);
    CHECK(q.queries().back().sql.starts_with("SELECT COUNT(*)"));
    CHECK(qs.exists());
    CHECK(qs[1].headline == "b");
    CHECK(q.queries().back().sql.ends_with("LIMIT 1 OFFSET 1"));
    CHECK(q.count() == 3);
    CHECK_THROWS_AS((void)qs[5], Article::DoesNotExist);
}

TEST_CASE_FIXTURE(testdb::Fresh, "filter(id__in, {}) matches nothing without a query; exclude keeps all") {
    make("a", 1);
    make("b", 2);
    CaptureQueries q;
    auto none = Article::objects().filter("id__in", {});
    CHECK(none.size() == 0);
    CHECK(none.count() == 0);
    CHECK_FALSE(none.exists());
    CHECK(none.update({{"rating", 5}}) == 0);
    CHECK(q.count() == 0);
    CHECK(Article::objects().exclude("id__in", {}).count() == 2);
    CHECK(Article::objects().none().count() == 0);
    CHECK(Article::objects().filter("id__in", std::vector<int>{}).size() == 0);
}

TEST_CASE_FIXTURE(testdb::Fresh, "exclude on a nullable column keeps the NULL rows") {
    make("null", 1, ymd(2026, 1, 1), std::nullopt);
    make("four", 1, ymd(2026, 1, 1), 4);
    make("five", 1, ymd(2026, 1, 1), 5);
    CHECK(headlines(Article::objects().exclude("n_comments", 4).order_by("headline")) == Names{"five", "null"});
    CHECK(headlines(Article::objects().filter("n_comments", nullptr)) == Names{"null"});
    CHECK(headlines(Article::objects().filter("n_comments__isnull", false).order_by("headline")) == Names{"five", "four"});
    CHECK(headlines(Article::objects().exclude(Q("n_comments__gt", 4)).order_by("headline")) == Names{"four", "null"});
}

TEST_CASE_FIXTURE(testdb::Fresh, "LIKE lookups escape %, _ and backslash") {
    make("100% sure", 1);
    make("100 sure", 1);
    make("a_b", 1);
    make("axb", 1);
    make("back\\slash", 1);
    CHECK(headlines(Article::objects().filter("headline__contains", "0%")) == Names{"100% sure"});
    CHECK(headlines(Article::objects().filter("headline__icontains", "A_")) == Names{"a_b"});
    CHECK(headlines(Article::objects().filter("headline__endswith", "_b")) == Names{"a_b"});
    CHECK(headlines(Article::objects().filter("headline__icontains", "k\\s")) == Names{"back\\slash"});
    CHECK(Article::objects().filter("headline__contains", "*").count() == 0);
}

TEST_CASE_FIXTURE(testdb::Fresh, "contains, startswith and endswith are case-sensitive; their i-forms are not") {
    make("Hello World", 1);
    CHECK(Article::objects().filter("headline__contains", "world").count() == 0);
    CHECK(Article::objects().filter("headline__contains", "World").count() == 1);
    CHECK(Article::objects().filter("headline__icontains", "world").count() == 1);
    CHECK(Article::objects().filter("headline__startswith", "hello").count() == 0);
    CHECK(Article::objects().filter("headline__istartswith", "hello").count() == 1);
    CHECK(Article::objects().filter("headline__endswith", "WORLD").count() == 0);
    CHECK(Article::objects().filter("headline__iendswith", "WORLD").count() == 1);
    CHECK(Article::objects().filter("headline__exact", "hello world").count() == 0);
    CHECK(Article::objects().filter("headline__iexact", "hello world").count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "regex and iregex work on every backend") {
    make("abc123", 1);
    make("ABC", 1);
    CHECK(headlines(Article::objects().filter("headline__regex", "^[a-z]+[0-9]+$")) == Names{"abc123"});
    CHECK(Article::objects().filter("headline__iregex", "^abc$").count() == 1);
    CHECK(Article::objects().filter("headline__iregex", "^abc").count() == 2);
}

TEST_CASE_FIXTURE(testdb::Fresh, "comparison, in and range lookups") {
    make("one", 1);
    make("two", 2);
    make("three", 3);
    CHECK(Article::objects().filter("rating__gt", 1).count() == 2);
    CHECK(Article::objects().filter("rating__lte", 2).count() == 2);
    CHECK(Article::objects().filter("rating__in", {1, 3}).count() == 2);
    CHECK(Article::objects().filter("rating__range", {2, 3}).count() == 2);
    CHECK(Article::objects().filter({{"rating__gte", 2}, {"headline__startswith", "t"}}).count() == 2);
    CHECK(Article::objects().filter(Q("rating", 1) | Q("rating", 3)).count() == 2);
    CHECK(Article::objects().filter(~Q("rating", 1) & Q("headline__contains", "e")).count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "__year covers the whole year, to its last microsecond on datetimes") {
    make("first", 1, ymd(2026, 1, 1));
    make("last", 1, ymd(2026, 12, 31));
    make("before", 1, ymd(2025, 12, 31));
    CHECK(Article::objects().filter("pub_date__year", 2026).count() == 2);
    CHECK(Article::objects().filter("pub_date__year__lt", 2026).count() == 1);
    CHECK(Article::objects().filter("pub_date__month", 12).count() == 2);
    CHECK(Article::objects().filter("pub_date__day", 31).count() == 2);
    CHECK(Article::objects().filter("pub_date__quarter", 4).count() == 2);
    CHECK(Article::objects().filter("pub_date__week_day", 5).count() == 2);  // Thursdays (Sunday is 1)
    auto late = std::chrono::time_point_cast<std::chrono::microseconds>(
                    std::chrono::sys_days{ymd(2026, 12, 31)}) +
                std::chrono::hours{23} + std::chrono::minutes{59} + std::chrono::seconds{59} +
                std::chrono::microseconds{999999};
    Article::objects().filter("headline", "last").update({{"mod_date", late}});
    CHECK(Article::objects().filter("mod_date__year", 2026).count() == 1 +
          Article::objects().exclude("headline", "last").filter("mod_date__year", 2026).count());
    CHECK(Article::objects().filter("mod_date__year", 2027).count() == 0);
    CHECK(Article::objects().filter("mod_date__hour", 23).filter("headline", "last").count() == 1);
    CHECK(Article::objects().filter("mod_date__date", ymd(2026, 12, 31)).count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "__minute and __second extract from datetimes, also with comparisons") {
    using namespace std::chrono;
    make("a", 1);
    make("b", 2);
    make("c", 3);
    const auto at = [](int h, int m, int sec, int us) {
        return DateTime(sys_days{ymd(2026, 5, 1)}) + hours{h} + minutes{m} + seconds{sec} + microseconds{us};
    };
    Article::objects().filter("headline", "a").update({{"created", at(10, 42, 17, 0)}});
    Article::objects().filter("headline", "b").update({{"created", at(11, 42, 59, 0)}});
    Article::objects().filter("headline", "c").update({{"created", at(10, 5, 0, 0)}});
    auto names = [](const auto& qs) { return qs.order_by("headline").template values_list<std::string>("headline"); };
    CHECK(names(Article::objects().filter("created__minute", 42)) == Names{"a", "b"});
    CHECK(names(Article::objects().filter("created__minute__lt", 42)) == Names{"c"});
    CHECK(names(Article::objects().filter("created__second", 59)) == Names{"b"});
    CHECK(names(Article::objects().filter("created__second", 0)) == Names{"c"});
    CHECK(names(Article::objects().filter("created__second__gte", 17)) == Names{"a", "b"});
    CHECK(names(Article::objects().filter("created__minute__in", {5, 17})) == Names{"c"});
    CHECK(names(Article::objects().exclude("created__second", 17)) == Names{"b", "c"});
}

// On PostgreSQL EXTRACT('second') keeps the fraction (59.999999), on SQLite strftime('%S')
// does not: the same filter must match on both (PostgreSQL's is FLOOR()ed).
TEST_CASE_FIXTURE(testdb::Fresh, "__second is the whole second: 10:42:59.999999 is second 59") {
    using namespace std::chrono;
    make("a", 1);
    make("b", 2);
    const auto base = DateTime(sys_days{ymd(2026, 5, 1)}) + hours{10} + minutes{42};
    Article::objects().filter("headline", "a").update({{"created", base + seconds{59} + microseconds{999999}}});
    Article::objects().filter("headline", "b").update({{"created", base + microseconds{500000}}});
    CHECK(Article::objects().filter("created__second", 59).values_list<std::string>("headline") == Names{"a"});
    CHECK(Article::objects().filter("created__second", 0).values_list<std::string>("headline") == Names{"b"});
    CHECK(Article::objects().filter("created__second__lt", 59).values_list<std::string>("headline") == Names{"b"});
}

TEST_CASE_FIXTURE(testdb::Fresh, "get() says what it found in Django's words, with LIMIT 21") {
    for (int i = 0; i < 25; ++i) make("h" + std::to_string(i), i % 2 ? 1 : 2);
    CaptureQueries q;
    CHECK_THROWS_WITH_AS((void)Article::objects().get("rating", 7), "Article matching query does not exist.",
                         Article::DoesNotExist);
    CHECK(q.queries().back().sql.ends_with("LIMIT 21"));
    CHECK_THROWS_WITH_AS((void)Article::objects().filter("headline__in", {"h1", "h2"}).get(),
                         "get() returned more than one Article -- it returned 2!",
                         Article::MultipleObjectsReturned);
    CHECK_THROWS_WITH_AS((void)Article::objects().get("rating__gte", 1),
                         "get() returned more than one Article -- it returned more than 20!",
                         dorm::MultipleObjectsReturned);
    CHECK(Article::objects().get({{"headline", "h3"}, {"rating", 1}}).headline == "h3");
}

TEST_CASE_FIXTURE(testdb::Fresh, "first() and last() order by pk when unordered, else by the ordering") {
    for (const char* n : {"b", "a", "c"}) Counter::objects().create([&](Counter& c) { c.name = n; });
    CHECK(Counter::objects().first()->name == "b");
    CHECK(Counter::objects().last()->name == "c");
    CHECK(Counter::objects().order_by("name").first()->name == "a");
    CHECK(Counter::objects().order_by("name").last()->name == "c");
    make("x", 1, ymd(2026, 1, 1));
    make("y", 1, ymd(2026, 3, 1));
    CHECK(Article::objects().first()->headline == "y");  // ordering: -pub_date
    CHECK(Article::objects().last()->headline == "x");
    CHECK_FALSE(Counter::objects().filter("name", "zz").first().has_value());
}

TEST_CASE_FIXTURE(testdb::Fresh, "slices: LIMIT/OFFSET, counted as the slice, [0:0] runs nothing, no filter after") {
    for (int i = 0; i < 10; ++i) Counter::objects().create([&](Counter& c) { c.name = std::to_string(i); c.value = i; });
    auto s = Counter::objects().order_by("value").slice(2, 5);
    CHECK(s.count() == 3);
    CHECK(s.to_vector().front().value == 2);
    CHECK(Counter::objects().order_by("value").slice(8).count() == 2);
    CHECK(Counter::objects().order_by("value").slice(3, 9).slice(1, 2).to_vector()[0].value == 4);
    CaptureQueries q;
    CHECK(Counter::objects().slice(0, 0).size() == 0);
    CHECK(Counter::objects().slice(3, 3).count() == 0);
    CHECK(q.count() == 0);
    CHECK_THROWS_WITH_AS((void)s.filter("value", 1),
                         "Cannot filter or reorder a query once a slice has been taken (Counter)",
                         NotSupportedError);
    CHECK_THROWS_AS((void)s.order_by("name"), NotSupportedError);
    CHECK_THROWS_AS(s.update({{"value", 0}}), NotSupportedError);
}

TEST_CASE_FIXTURE(testdb::Fresh, "update() with F arithmetic and erase() of a queryset") {
    make("a", 3, ymd(2026, 1, 1), 10);
    make("b", 4, ymd(2026, 1, 1), 20);
    make("c", 1, ymd(2026, 1, 1), 30);
    CHECK(Article::objects().filter("rating__gte", 3).update({{"n_comments", F("n_comments") + 1}}) == 2);
    CHECK(Article::objects().get("headline", "a").n_comments == 11);
    CHECK(Article::objects().get("headline", "c").n_comments == 30);
    CHECK(Article::objects().filter("n_comments__gt", F("rating") * 5).count() == 2);
    auto r = Article::objects().filter("rating__lt", 4).erase();
    CHECK(r.total == 2);
    CHECK(r.per_model.at("article") == 2);
    CHECK(Article::objects().count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "create() starts from default_value; get_or_create and update_or_create") {
    Article a = make("d", 2);
    CHECK(a.score == 1.5);
    CHECK(a.status == "d");
    CHECK(a.meta == Json::object());
    auto [ann, created] = Author::objects().get_or_create({{"name", "Ann"}}, [](Author& x) { x.age = 40; });
    CHECK(created);
    CHECK(ann.age == 40);
    CHECK(ann.id > 0);
    auto [again, created2] = Author::objects().get_or_create({{"name", "Ann"}}, [](Author& x) { x.age = 1; });
    CHECK_FALSE(created2);
    CHECK(again.id == ann.id);
    CHECK(again.age == 40);
    auto [upd, c3] = Author::objects().update_or_create({{"name", "Ann"}}, [](Author& x) { x.age = 41; });
    CHECK_FALSE(c3);
    CHECK(Author::objects().get("id", ann.id).age == 41);
    auto [bob, c4] = Author::objects().update_or_create({{"name", "Bob"}}, [](Author& x) { x.age = 9; });
    CHECK(c4);
    CHECK(bob.age == 9);
    CHECK(Author::objects().count() == 2);
}

TEST_CASE_FIXTURE(testdb::Fresh, "bulk_create sets ids; bulk_update; in_bulk; iterator streams") {
    std::vector<Counter> v(5);
    for (int i = 0; i < 5; ++i) {
        v[i].name = "n" + std::to_string(i);
        v[i].value = i;
    }
    Counter::objects().bulk_create(v);
    for (int i = 1; i < 5; ++i) CHECK(v[i].id == v[i - 1].id + 1);
    for (auto& c : v) c.value *= 10;
    CHECK(Counter::objects().bulk_update(v, {"value"}) == 5);
    auto m = Counter::objects().in_bulk({v[1].id, v[3].id, 99999});
    CHECK(m.size() == 2);
    CHECK(m.at(v[3].id).value == 30);
    std::int64_t sum = 0;
    CaptureQueries q;
    for (Counter& c : Counter::objects().iterator()) sum += c.value;
    CHECK(sum == 100);
    // PostgreSQL: DECLARE, FETCH (with prepare=false, a pooler: one statement outside a transaction)
    CHECK(q.count() == (testdb::backend() == "postgresql" && testdb::server_prepares() ? 2 : 1));
}

TEST_CASE_FIXTURE(testdb::Fresh, "only() and defer() load some members; save() then writes only those") {
    Article a = make("full", 3);
    a.body_text = "kept";
    a.save();
    auto partial = Article::objects().only("headline", "rating").get("id", a.id);
    CHECK(partial.headline == "full");
    CHECK(partial.body_text.empty());
    partial.rating = 5;
    CaptureQueries q;
    partial.save();
    CHECK(q.queries()[0].sql.find("body_text") == std::string::npos);
    Article back = Article::objects().get("id", a.id);
    CHECK(back.rating == 5);
    CHECK(back.body_text == "kept");
    auto d = Article::objects().defer("body_text").get("id", a.id);
    CHECK(d.body_text.empty());
    CHECK(d.rating == 5);
}

TEST_CASE_FIXTURE(testdb::Fresh, "earliest, latest, reverse, distinct and explain") {
    make("old", 1, ymd(2020, 1, 1));
    make("new", 1, ymd(2026, 1, 1));
    CHECK(Article::objects().earliest("pub_date").headline == "old");
    CHECK(Article::objects().latest("pub_date").headline == "new");
    CHECK(headlines(Article::objects().reverse()) == Names{"old", "new"});
    CHECK(Article::objects().values_list<int>("rating").size() == 2);
    CHECK(Article::objects().distinct().count() == 2);
    CHECK_FALSE(Article::objects().filter("rating", 1).explain().empty());
    CHECK_THROWS_AS((void)Counter::objects().latest("value"), Counter::DoesNotExist);
}

TEST_CASE_FIXTURE(testdb::Fresh, "sql() shows the statement and its parameters apart") {
    auto s = Article::objects().filter("rating__gte", 3).order_by("headline").sql();
    CHECK(s.text.find("WHERE \"article\".\"rating\" >= ") != std::string::npos);
    CHECK(s.params == std::vector<Value>{Value(3)});
}

TEST_CASE_FIXTURE(testdb::Fresh, "user values never reach the SQL text") {
    const std::string evil = "x'); DROP TABLE \"article\"; --";
    make("safe", 1);
    CHECK(Article::objects().filter("headline", evil).count() == 0);
    CHECK(Article::objects().filter("headline__icontains", evil).sql().text.find("DROP") == std::string::npos);
    CHECK_THROWS_AS((void)Article::objects().order_by(evil), FieldError);
    CHECK(Article::objects().count() == 1);
}

TEST_CASE_FIXTURE(testdb::Fresh, "bulk_create batches rows where the database returns keys, and sets every id") {
    std::vector<Counter> v(2500);
    for (std::size_t i = 0; i < v.size(); ++i) v[i].value = std::int64_t(i);
    CaptureQueries q;
    Counter::objects().bulk_create(v);
    // PostgreSQL: INSERT ... VALUES (...) x 1000 ... RETURNING "id", three statements;
    // SQLite without batch_size: one prepared single-row INSERT, run for each row.
    CHECK(q.count() == (testdb::backend() == "postgresql" ? 3u : 2500u));
    for (std::size_t i = 1; i < v.size(); ++i) CHECK(v[i].id > v[i - 1].id);
    CHECK(Counter::objects().get("id", v[1234].id).value == 1234);
}

TEST_CASE_FIXTURE(testdb::Fresh, "union_, intersection, difference: combined querysets order, slice and count") {
    make("five", 5, ymd(2026, 1, 1), 0);
    make("four", 4, ymd(2026, 1, 2), 7);
    make("one", 1, ymd(2026, 1, 3), 0);
    auto both = Article::objects().filter("rating", 5).union_(Article::objects().filter("n_comments", 0));
    CHECK(both.count() == 2);  // "five" once: UNION drops duplicates
    CHECK(Article::objects().filter("rating", 5).union_(Article::objects().filter("n_comments", 0), {.all = true}).count() == 3);
    CHECK(headlines(both.order_by("headline")) == Names{"five", "one"});
    CHECK(both.order_by("-rating").slice(0, 1).to_vector()[0].headline == "five");
    CHECK(headlines(Article::objects().filter("rating__gte", 4).intersection(Article::objects().filter("n_comments", 0))) == Names{"five"});
    CHECK(headlines(Article::objects().filter("rating__gte", 4).difference(Article::objects().filter("n_comments", 0))) == Names{"four"});
    CHECK_THROWS_AS((void)both.filter("rating", 1), NotSupportedError);
}

TEST_CASE_FIXTURE(testdb::Fresh, "raw() returns model instances with %s parameters bound") {
    make("a", 2);
    make("b", 4);
    auto v = Article::objects().raw("SELECT * FROM article WHERE rating > %s ORDER BY headline", {3});
    REQUIRE(v.size() == 1);
    CHECK(v[0].headline == "b");
    CHECK(v[0].rating == 4);
    auto some = Article::objects().raw("SELECT id, headline FROM article WHERE headline LIKE %s", {"%"});
    CHECK(some.size() == 2);
    CHECK(some[0].rating == 0);  // not selected: default
    // %% is a literal %: the LIKE pattern below is '%b', and %s still binds.
    auto ends_b = Article::objects().raw("SELECT * FROM article WHERE headline LIKE '%%b' AND rating >= %s", {1});
    REQUIRE(ends_b.size() == 1);
    CHECK(ends_b[0].headline == "b");
    CHECK(Article::objects().raw("SELECT * FROM article WHERE headline LIKE '%%'").size() == 2);
    CHECK(Article::objects().raw("SELECT * FROM article WHERE rating %% 2 = 0 ORDER BY rating DESC").size() == 2);
    CHECK_THROWS_AS((void)Article::objects().raw("SELECT headline FROM article"), FieldError);
    CHECK_THROWS_AS((void)Article::objects().raw("SELECT * FROM article WHERE id = %s"), FieldError);
}

TEST_CASE_FIXTURE(testdb::Fresh, "get_or_create and update_or_create raise MultipleObjectsReturned when several rows match") {
    Author::objects().create([](Author& a) { a.name = "Ann"; a.age = 40; });
    Author::objects().create([](Author& a) { a.name = "Ann"; a.age = 41; });
    CHECK_THROWS_AS((void)Author::objects().get_or_create({{"name", "Ann"}}), Author::MultipleObjectsReturned);
    CHECK_THROWS_AS((void)Author::objects().update_or_create({{"name", "Ann"}}, [](Author& a) { a.age = 1; }),
                    Author::MultipleObjectsReturned);
    CHECK(Author::objects().count() == 2);
    CHECK(Author::objects().filter("age", 1).count() == 0);  // nothing updated
    auto [one, created] = Author::objects().get_or_create({{"name", "Ann"}, {"age", 41}});
    CHECK_FALSE(created);
    CHECK(one.age == 41);
    auto [same, created2] = Author::objects().update_or_create({{"name", "Ann"}, {"age", 40}}, [](Author& a) { a.email = "a@x"; });
    CHECK_FALSE(created2);
    CHECK(same.email == std::optional<std::string>("a@x"));
}

TEST_CASE_FIXTURE(testdb::Fresh, "bulk_create honours batch_size: multi-row INSERTs, ids set in row order") {
    auto made = [](int n, int from) {
        std::vector<Counter> v(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            v[std::size_t(i)].name = "c" + std::to_string(from + i);
            v[std::size_t(i)].value = from + i;
        }
        return v;
    };
    auto inserts = [](const CaptureQueries& c) {
        std::size_t n = 0;
        for (const auto& q : c.queries()) n += q.sql.rfind("INSERT", 0) == 0;
        return n;
    };
    auto ids_match = [](const std::vector<Counter>& v) {
        for (const Counter& c : v)
            if (c.id <= 0 || Counter::objects().get("id", c.id).value != c.value) return false;
        return true;
    };
    auto v = made(10, 0);
    {
        CaptureQueries c;
        Counter::objects().bulk_create(v, 3);
        CHECK(inserts(c) == 4);  // 3 + 3 + 3 + 1 rows
        REQUIRE(c.queries().size() >= 1);
        CHECK(c.queries()[0].params.size() == 6);  // 3 rows of (name, value)
    }
    CHECK(ids_match(v));
    for (std::size_t i = 1; i < v.size(); ++i) CHECK(v[i].id > v[i - 1].id);
    // A batch_size beyond the parameter limit: as many rows per statement as it allows.
    auto many = made(1200, 100);
    {
        CaptureQueries c;
        Counter::objects().bulk_create(many, 1000);
        // SQLite: 999 parameters, 499 rows of 2; PostgreSQL: 1000 rows.
        CHECK(inserts(c) == (vendor() == "sqlite" ? 3u : 2u));
    }
    CHECK(ids_match(many));
    CHECK(Counter::objects().count() == 1210);
    // Rows whose key is set by hand go in batches too, with their own keys.
    auto keyed = made(5, 5000);
    for (auto& k : keyed) k.id = k.value;
    {
        CaptureQueries c;
        Counter::objects().bulk_create(keyed, 2);
        CHECK(inserts(c) == 3);
    }
    CHECK(Counter::objects().get("id", 5003).name == "c5003");
}
