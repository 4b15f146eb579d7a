#include "models.hpp"

#include <chrono>

namespace {

void audit(const char* action, const Entry& e) {
    AuditLog::objects().create([&](AuditLog& a) {
        a.action = action;
        a.model = "blog.entry";
        a.object_id = e.id;
        a.summary = e.headline;
    });
}

// Migration 0002_demo_data: a few authors, blogs and entries, in plain SQL (a migration
// sees tables, not today's C++ models).
void demo_data(dorm::MigrationContext& m) {
    const char* authors[][2] = {{"Ann", "ann@example.org"}, {"Bob", "bob@example.org"}, {"Cat", "cat@example.org"}};
    for (int i = 0; i < 3; ++i)
        m.execute("INSERT INTO blog_author (name, email, age) VALUES (%s, %s, %s)",
                  {authors[i][0], authors[i][1], 30 + 7 * i});
    const char* blogs[][3] = {{"Cooking", "Food for thought", "Ann"},
                              {"Travel", "Far away", "Bob"},
                              {"Databases", "Rows and columns", "Ann"},
                              {"Misc", "Everything else", "Cat"}};
    for (const auto& b : blogs)
        m.execute("INSERT INTO blog_blog (name, tagline, owner_id) "
                  "VALUES (%s, %s, (SELECT id FROM blog_author WHERE name = %s))",
                  {b[0], b[1], b[2]});
    using namespace std::chrono;
    const sys_days first = sys_days{year{2025} / January / 1};
    for (int n = 0; n < 40; ++n) {
        const char* blog = blogs[n % 4][0];
        m.execute("INSERT INTO blog_entry (blog_id, headline, body_text, pub_date, mod_date, rating, "
                  "n_comments, published, meta) VALUES ((SELECT id FROM blog_blog WHERE name = %s), "
                  "%s, %s, %s, CURRENT_TIMESTAMP, %s, %s, %s, '{}')",
                  {blog, std::string(blog) + " note " + std::to_string(n + 1),
                   "Demo entry number " + std::to_string(n + 1) + ".", dorm::Date{first + days{9 * n}},
                   n % 5 + 1, n * 3 % 7, n % 3 != 0});
    }
}

void drop_demo_data(dorm::MigrationContext& m) {
    for (const char* table : {"blog_entry_authors", "blog_entry", "blog_blog", "blog_author"})
        m.execute(std::string("DELETE FROM ") + table);
}

}  // namespace

void setup_models() {
    dorm::register_models<Author, Blog, Entry, AuditLog>();
    dorm::migration_code("api_demo_data", demo_data);
    dorm::migration_code("api_drop_demo_data", drop_demo_data);
    // The audit trail: one row per write, inside the write's own transaction (a failed
    // write leaves no audit row; an audit row that fails undoes the write).
    dorm::post_save<Entry>().connect([](Entry& e, bool created) { audit(created ? "created" : "updated", e); });
    dorm::post_delete<Entry>().connect([](const Entry& e) { audit("deleted", e); });
}
