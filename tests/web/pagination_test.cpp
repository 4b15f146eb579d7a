// Pages (API.md §13): paginate (one COUNT, one page) and keyset pages after a cursor (no
// OFFSET, no COUNT, stable while rows are inserted). Both backends.
#include <doctest/doctest.h>

#include "../support/web.hpp"

using namespace dorm;
using web::Blog, web::Entry, web::EntryQuerySet;
using testmodels::ymd;

namespace {
struct Seeded : web::Fresh {
    Blog b = web::blog("B");
    Seeded() {
        // 7 entries; ratings tie so the keyset needs the key to be total.
        const int ratings[] = {3, 1, 3, 2, 3, 1, 2};
        for (int i = 0; i < 7; ++i)
            web::entry(b, "e" + std::to_string(i), ratings[i], ymd(2026, 1, unsigned(i + 1)));
    }
};

std::vector<std::string> headlines(const std::vector<Entry>& v) {
    std::vector<std::string> out;
    for (const Entry& e : v) out.push_back(e.headline);
    return out;
}

/// Every keyset page of qs, each fetched with exactly one query.
std::vector<std::string> walk(const EntryQuerySet& qs, std::int64_t size, std::size_t* pages = nullptr) {
    std::vector<std::string> out;
    std::string cursor;
    for (std::size_t n = 1;; ++n) {
        CaptureQueries q;
        CursorPage<Entry> page = paginate_after(qs, cursor, size);
        REQUIRE(q.count() == 1);
        CHECK(q.queries()[0].sql.find("OFFSET") == std::string::npos);
        CHECK(q.queries()[0].sql.find("COUNT") == std::string::npos);
        for (auto& h : headlines(page.items)) out.push_back(h);
        if (!page.next_cursor) {
            if (pages) *pages = n;
            return out;
        }
        CHECK(std::int64_t(page.items.size()) == size);
        cursor = *page.next_cursor;
        REQUIRE(n < 100);
    }
}
}  // namespace

TEST_CASE_FIXTURE(Seeded, "paginate: one COUNT and one page, Django's page arithmetic") {
    CaptureQueries q;
    Page<Entry> page = paginate(Entry::objects().order_by("pub_date"), 2, 3);
    CHECK(q.count() == 2);
    CHECK(headlines(page.items) == std::vector<std::string>{"e3", "e4", "e5"});
    CHECK(page.number == 2);
    CHECK(page.count == 7);
    CHECK(page.num_pages == 3);
    CHECK(page.has_next());
    CHECK(page.has_previous());
    Page<Entry> last = paginate(Entry::objects().order_by("pub_date"), 3, 3);
    CHECK(headlines(last.items) == std::vector<std::string>{"e6"});
    CHECK(!last.has_next());
    Json body = to_json(last);
    CHECK(body["count"] == 7);
    CHECK(body["page"] == 3);
    CHECK(body["num_pages"] == 3);
    REQUIRE(body["results"].size() == 1);
    CHECK(body["results"][0]["headline"] == "e6");
    CHECK(body["results"][0]["pub_date"] == "2026-01-07");
}

TEST_CASE_FIXTURE(web::Fresh, "paginate: an empty queryset has one empty first page and runs only the COUNT") {
    CaptureQueries q;
    Page<Entry> page = paginate(Entry::objects().live(), 1, 20);
    CHECK(q.count() == 1);
    CHECK(page.items.empty());
    CHECK(page.num_pages == 1);
    CHECK(!page.has_next());
}

TEST_CASE_FIXTURE(Seeded, "paginate: a page out of range or a size below 1 is a ValidationError naming it") {
    auto qs = Entry::objects().all();
    CHECK_THROWS_WITH_AS(paginate(qs, 4, 3), "page: That page contains no results (page 4 of 3)", ValidationError);
    CHECK_THROWS_WITH_AS(paginate(qs, 0, 3), "page: That page number is less than 1", ValidationError);
    CHECK_THROWS_WITH_AS(paginate(qs, 1, 0), "page_size: must be at least 1, got 0", ValidationError);
}

TEST_CASE_FIXTURE(Seeded, "paginate keeps the queryset's filters, select_related and custom type") {
    auto qs = Entry::objects().live().filter("rating__gte", 2).select_related("blog").order_by("pub_date");
    Page<Entry> page = paginate(qs, 1, 2);
    CHECK(page.count == 5);
    CaptureQueries q;
    for (const Entry& e : page.items) CHECK(e.blog->name == "B");
    CHECK(q.count() == 0);
    Json body = to_json(page, [](const Entry& e) { return Json{{"headline", e.headline}, {"blog", e.blog->name}}; });
    CHECK(body["results"][1] == Json{{"headline", "e2"}, {"blog", "B"}});
}

TEST_CASE_FIXTURE(Seeded, "paginate_after walks every row once, in order, one query a page, with ties broken by the key") {
    auto qs = Entry::objects().order_by("-rating");
    std::vector<std::string> expected;
    for (const Entry& e : qs.order_by("-rating", "-id")) expected.push_back(e.headline);
    std::size_t pages = 0;
    CHECK(walk(qs, 3, &pages) == expected);
    CHECK(pages == 3);
    CHECK(walk(Entry::objects().order_by("pub_date"), 7, &pages).size() == 7);
    CHECK(pages == 1);
    CHECK(walk(Entry::objects().order_by("pub_date"), 2).size() == 7);
    CHECK(walk(Entry::objects().all(), 4).front() == "e6");  // Meta.ordering: -pub_date, headline
}

TEST_CASE_FIXTURE(Seeded, "paginate_after: NULLs in the ordering are neither lost nor repeated, on either backend") {
    int i = 0;
    for (Entry& e : Entry::objects().order_by("id")) {
        if (i++ % 3) {
            e.n_comments = i % 2;
            e.save();
        }
    }
    for (const char* order : {"n_comments", "-n_comments"}) {
        CAPTURE(order);
        auto qs = Entry::objects().order_by(order);
        std::vector<std::string> expected;
        for (const Entry& e : qs.order_by(order, "-id")) expected.push_back(e.headline);
        CHECK(walk(qs, 2) == expected);
        CHECK(walk(qs, 1) == expected);
    }
}

TEST_CASE_FIXTURE(Seeded, "paginate_after stays correct while rows are inserted between requests") {
    auto qs = Entry::objects().order_by("-pub_date");
    CursorPage<Entry> first = paginate_after(qs, "", 3);
    CHECK(headlines(first.items) == std::vector<std::string>{"e6", "e5", "e4"});
    web::entry(b, "newest", 1, ymd(2027, 1, 1));   // before the cursor: not seen, nothing repeated
    web::entry(b, "middle", 1, ymd(2026, 1, 2));   // after it: seen once
    CursorPage<Entry> second = paginate_after(qs, *first.next_cursor, 3);
    CHECK(headlines(second.items) == std::vector<std::string>{"e3", "e2", "middle"});
    CursorPage<Entry> third = paginate_after(qs, *second.next_cursor, 3);
    CHECK(headlines(third.items) == std::vector<std::string>{"e1", "e0"});
    CHECK(!third.next_cursor);
    Json body = to_json(third);
    CHECK(body["next"].is_null());
    CHECK(body["results"].size() == 2);
}

TEST_CASE_FIXTURE(Seeded, "a deep keyset page runs the same statement as the second one") {
    auto qs = Entry::objects().order_by("pub_date");
    CursorPage<Entry> p = paginate_after(qs, "", 1);
    std::vector<std::string> sqls;
    while (p.next_cursor) {
        CaptureQueries q;
        p = paginate_after(qs, *p.next_cursor, 1);
        sqls.push_back(q.queries().at(0).sql);
    }
    REQUIRE(sqls.size() == 6);
    for (const auto& s : sqls) CHECK(s == sqls.front());
}

TEST_CASE_FIXTURE(Seeded, "a bad cursor, or one from another ordering, is a ValidationError on cursor") {
    auto qs = Entry::objects().order_by("pub_date");
    const std::string cursor = *paginate_after(qs, "", 2).next_cursor;
    for (std::string bad : {std::string("!!"), std::string("e30"), cursor.substr(0, cursor.size() / 2), std::string("\xff")}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(paginate_after(qs, bad, 2), ValidationError);
    }
    CHECK_THROWS_WITH_AS(paginate_after(Entry::objects().order_by("rating"), cursor, 2),
                         "cursor: does not belong to this ordering", ValidationError);
    CHECK_THROWS_AS(paginate_after(Entry::objects().order_by("blog__name"), "", 2), FieldError);
    CHECK_THROWS_AS(paginate_after(qs, "", 0), ValidationError);
}
