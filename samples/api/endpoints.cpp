// The endpoints: one function each, over dorm's FilterSet, paginate, from_json and
// select_related. Every list loads its relations eagerly (the N+1 guard is on: a lazy
// load would be a 500, which the tests would see).
#include "endpoints.hpp"

#include "models.hpp"

namespace api {

namespace {

constexpr std::int64_t kPageSize = 20;
constexpr std::int64_t kMaxPageSize = 100;

const dorm::FilterSet<Entry>& entry_filters() {
    static const dorm::FilterSet<Entry> f({
        .fields = {{"rating", {"exact", "gte", "lte"}},
                   {"blog", {"exact"}},
                   {"blog__name", {"exact", "icontains"}},
                   {"headline", {"exact", "icontains"}},
                   {"pub_date", {"exact", "year", "gte", "lte"}},
                   {"id", {"in"}},
                   {"published", {"exact"}}},
        .ordering = {"id", "pub_date", "rating", "headline"},
    });
    return f;
}

const dorm::FilterSet<Blog>& blog_filters() {
    static const dorm::FilterSet<Blog> f({
        .fields = {{"name", {"exact", "icontains"}}, {"owner__name", {"exact", "icontains"}}},
        .ordering = {"id", "name"},
    });
    return f;
}

const dorm::FilterSet<AuditLog>& audit_filters() {
    static const dorm::FilterSet<AuditLog> f({
        .fields = {{"action", {"exact"}}, {"model", {"exact"}}, {"object_id", {"exact"}}},
        .ordering = {"id"},
    });
    return f;
}

// An entry as the API shows it: its fields (the blog as its id) and the blog's name, read
// from the select_related JOIN.
dorm::Json entry_json(const Entry& e) {
    dorm::Json j = e;
    j["blog_name"] = e.blog->name;
    return j;
}

dorm::Json blog_json(const Blog& b) {
    dorm::Json j = b;
    j["owner_name"] = b.owner->name;
    j["n_entries"] = b.annotation<std::int64_t>("n_entries");
    return j;
}

// A list: `?cursor=` (empty for the first page) asks for keyset pages, else numbered
// pages (`page`, `page_size` up to 100).
template <class QS, class ItemJson>
Reply list(const Call& c, const QS& qs, ItemJson&& item_json) {
    const std::int64_t size = int_param(c.req, "page_size", kPageSize, kMaxPageSize);
    if (c.req.has_param("cursor"))
        return {200, dorm::to_json(dorm::paginate_after(qs, c.req.get_param_value("cursor"), size), item_json), {}};
    const std::int64_t page = int_param(c.req, "page", 1, std::numeric_limits<std::int64_t>::max());
    return {200, dorm::to_json(dorm::paginate(qs, page, size), item_json), {}};
}

// The blog a written entry names must exist: a 400 on "blog" (not a 409 from the foreign
// key), and the entry keeps the loaded Blog, so entry_json() runs no query.
void attach_blog(Entry& e) {
    if (!e.blog) return;  // from_json has reported the missing field already
    auto blog = Blog::objects().filter("id", e.blog.id()).first();
    if (!blog) bad_request("blog", "Blog " + std::to_string(e.blog.id()) + " does not exist.");
    e.blog = *blog;
}

Reply entry_reply(int status, const Entry& e) { return {status, entry_json(e), {}}; }

}  // namespace

Reply list_entries(const Call& c) {
    return list(c, entry_filters().apply(Entry::objects().select_related("blog"), query_params(c.req)), entry_json);
}

Reply list_live_entries(const Call& c) {
    return list(c, entry_filters().apply(Entry::objects().live().select_related("blog"), query_params(c.req)),
                entry_json);
}

Reply create_entry(const Call& c) {
    Entry e = dorm::from_json<Entry>(json_body(c.req));
    attach_blog(e);
    dorm::atomic([&] { e.save(); });  // with its AuditLog row (post_save)
    Reply r = entry_reply(201, e);
    r.headers.emplace_back("Location", "/api/entries/" + std::to_string(e.id));
    return r;
}

Reply get_entry(const Call& c) { return entry_reply(200, Entry::objects().select_related("blog").get("id", c.id)); }

Reply replace_entry(const Call& c) {
    const dorm::Json body = json_body(c.req);
    return dorm::atomic([&] {
        (void)Entry::objects().select_for_update().get("id", c.id);  // 404 before any check
        Entry e = dorm::from_json<Entry>(body);
        e.id = c.id;
        attach_blog(e);
        e.save();
        return entry_reply(200, e);
    });
}

Reply patch_entry(const Call& c) {
    const dorm::Json body = json_body(c.req);
    return dorm::atomic([&] {
        // FOR UPDATE without select_related: a JOIN would lock the blog's row too, and
        // serialize every write to the blog's entries.
        Entry e = Entry::objects().select_for_update().get("id", c.id);
        dorm::update_from_json(e, body);
        attach_blog(e);
        e.save();
        return entry_reply(200, e);
    });
}

Reply delete_entry(const Call& c) {
    dorm::atomic([&] { Entry::objects().select_for_update().get("id", c.id).erase(); });
    return {204, nullptr, {}};
}

Reply list_blogs(const Call& c) {
    auto qs = Blog::objects().select_related("owner").annotate("n_entries", dorm::Count("entries")).order_by("name", "id");
    return list(c, blog_filters().apply(qs, query_params(c.req)), blog_json);
}

Reply list_audit(const Call& c) {
    return list(c, audit_filters().apply(AuditLog::objects().all(), query_params(c.req)),
                [](const AuditLog& a) { return dorm::Json(a); });
}

Reply entry_schema(const Call&) { return {200, dorm::json_schema<Entry>(), {}}; }

Router routes() {
    Router r;
    r.route("/api/entries", {{"GET", list_entries}, {"POST", create_entry}})
        .route("/api/entries/live", {{"GET", list_live_entries}})
        .route("/api/entries/schema", {{"GET", entry_schema}})
        .route(R"(/api/entries/(\d+))",
               {{"GET", get_entry}, {"PUT", replace_entry}, {"PATCH", patch_entry}, {"DELETE", delete_entry}})
        .route("/api/blogs", {{"GET", list_blogs}})
        .route("/api/audit", {{"GET", list_audit}});
    return r;
}

}  // namespace api
