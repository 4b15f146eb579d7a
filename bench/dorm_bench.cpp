// The benchmark workload (WORKLOAD.md) through dorm, the way an application writes it.
// Usage: dorm_bench [DB_FILE] | dorm_bench --postgresql CONNINFO. Prints one JSON line per
// operation, like the baselines.
#include <dorm/dorm.hpp>

#include "common.hpp"

using namespace bench;

namespace {

const char* const IMPL = "dorm";

struct BAuthor : dorm::Model<BAuthor> {
    std::string name;
    std::optional<std::string> email;
    int age = 0;
    static void define(dorm::Schema<BAuthor>& s) {
        s.table("bench_author");
        s.field(&BAuthor::name, "name").max_length(100);
        s.field(&BAuthor::email, "email").max_length(254);
        s.field(&BAuthor::age, "age");
    }
};

struct BBlog : dorm::Model<BBlog> {
    std::string name;
    std::string tagline;
    dorm::ForeignKey<BAuthor> author;
    static void define(dorm::Schema<BBlog>& s) {
        s.table("bench_blog");
        s.field(&BBlog::name, "name").max_length(100);
        s.field(&BBlog::tagline, "tagline");
        s.field(&BBlog::author, "author").on_delete(dorm::Cascade).related_name("blogs");
    }
};

struct BEntry : dorm::Model<BEntry> {
    dorm::ForeignKey<BBlog> blog;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    int rating = 0;
    int n_comments = 0;
    static void define(dorm::Schema<BEntry>& s) {
        s.table("bench_entry");
        s.field(&BEntry::blog, "blog").on_delete(dorm::Cascade).related_name("entries");
        s.field(&BEntry::headline, "headline").max_length(255);
        s.field(&BEntry::body_text, "body_text");
        s.field(&BEntry::pub_date, "pub_date").db_index();
        s.field(&BEntry::rating, "rating");
        s.field(&BEntry::n_comments, "n_comments");
    }
};

void fill(BEntry& e, const EntryData& d) {
    e.blog = d.blog_id;
    e.headline = d.headline;
    e.body_text = d.body_text;
    e.pub_date = d.pub_date;
    e.rating = d.rating;
    e.n_comments = d.n_comments;
}

}  // namespace

int main(int argc, char** argv) {
    DbPath dbp(argc, argv);
    const std::string postgres = postgres_arg(argc, argv);
    const Dataset data;
    dorm::connect(postgres.empty() ? "sqlite3://" + dbp.path : "postgresql://" + postgres);
    dorm::register_models<BAuthor, BBlog, BEntry>();
    dorm::drop_tables();
    dorm::create_tables();

    {  // W1: building the objects is timed, as in the ORMs of the reference figures
        Timer t;
        dorm::atomic([&] {
            std::vector<BAuthor> authors(data.authors.size());
            for (std::size_t i = 0; i < authors.size(); ++i) {
                authors[i].name = data.authors[i].name;
                authors[i].email = data.authors[i].email;
                authors[i].age = data.authors[i].age;
            }
            BAuthor::objects().bulk_create(authors);
            std::vector<BBlog> blogs(data.blogs.size());
            for (std::size_t i = 0; i < blogs.size(); ++i) {
                blogs[i].name = data.blogs[i].name;
                blogs[i].tagline = data.blogs[i].tagline;
                blogs[i].author = data.blogs[i].author_id;
            }
            BBlog::objects().bulk_create(blogs);
            std::vector<BEntry> entries(data.entries.size());
            for (std::size_t i = 0; i < entries.size(); ++i) fill(entries[i], data.entries[i]);
            BEntry::objects().bulk_create(entries);
        });
        t.stop();
        // The check, untimed, from the ORM: the same numbers as the baselines' summary query.
        std::int64_t sum_age = 0, emails = 0, sum_author = 0, sum_tag = 0;
        for (auto& a : BAuthor::objects().to_vector()) {
            sum_age += a.age;
            emails += a.email.has_value();
        }
        for (auto& b : BBlog::objects().to_vector()) {
            sum_author += b.author.id();
            sum_tag += std::int64_t(b.tagline.size());
        }
        EntrySums s;
        for (auto& e : BEntry::objects().to_vector()) s.add(e);
        std::int64_t vals[14] = {BAuthor::objects().count(), sum_age, emails, BBlog::objects().count(),
                               sum_author, sum_tag, s.n, s.id, s.blog, s.rating, s.ncomm, s.hlen,
                               s.blen, s.date};
        emit(IMPL, "W1_insert", t, N_AUTHORS + N_BLOGS + N_ENTRIES, w1_check(vals));
    }

    {  // W2
        Timer t;
        std::vector<BEntry> v = BEntry::objects().to_vector();
        t.stop();
        emit(IMPL, "W2_fetch_all", t, std::int64_t(v.size()), entry_check(v));
    }

    {  // W3
        Timer t;
        std::vector<std::vector<BEntry>> res;
        res.reserve(data.w3_windows.size());
        std::int64_t rows = 0;
        for (const auto& [lo, hi] : data.w3_windows) {
            res.push_back(BEntry::objects()
                              .filter({{"pub_date__range", {lo, hi}}, {"rating__gte", W3_MIN_RATING}})
                              .to_vector());
            rows += std::int64_t(res.back().size());
        }
        t.stop();
        emit(IMPL, "W3_filter_range", t, rows, entry_check(res));
    }

    {  // W4
        Timer t;
        std::vector<BEntry> res;
        res.reserve(data.w4_ids.size());
        for (auto id : data.w4_ids) res.push_back(BEntry::objects().get("pk", id));
        t.stop();
        emit(IMPL, "W4_get_pk", t, std::int64_t(res.size()), entry_check(res));
    }

    {  // W5: select_related, one JOIN query; the check reads the related objects, no query
        Timer t;
        std::vector<BEntry> v = BEntry::objects().select_related("blog__author")
                                    .filter("id__lte", W5_MAX_ID).to_vector();
        t.stop();
        std::vector<EntryJoined> plain(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            const BEntry& e = v[i];
            const BBlog& b = e.blog.get();
            const BAuthor& a = b.author.get();
            plain[i].entry = Entry{e.id, e.blog.id(), e.headline, e.body_text, e.pub_date, e.rating, e.n_comments};
            plain[i].blog = Blog{b.id, b.name, b.tagline, b.author.id()};
            plain[i].author = Author{a.id, a.name, a.email, a.age};
        }
        emit(IMPL, "W5_join", t, std::int64_t(v.size()), join_check(plain));
    }

    {  // W5p: every blog with its entries, prefetch_related
        Timer t;
        std::vector<BBlog> blogs = BBlog::objects().prefetch_related("entries").to_vector();
        t.stop();
        PrefetchSums s;
        for (BBlog& b : blogs) {
            auto entries = b.related(&BEntry::blog);
            s.add_blog(b.id, std::int64_t(entries.size()));
            for (const BEntry& e : entries) s.add_entry(e.id, e.rating);
        }
        emit(IMPL, "W5p_prefetch", t, s.blogs, s.str());
    }

    {  // W6
        Timer t;
        std::int64_t n = BEntry::objects().filter("rating__gte", W6_MIN_RATING)
                             .update({{"n_comments", dorm::F("n_comments") + 1}});
        t.stop();
        emit(IMPL, "W6_update", t, n, "updated=" + std::to_string(n));
    }

    {  // W7: values("blog").annotate(...): GROUP BY, rows as JSON
        Timer t;
        dorm::Json rows = BEntry::objects().values("blog")
                              .annotate("n", dorm::Count("id"))
                              .annotate("avg_rating", dorm::Avg("rating"))
                              .order_by("blog");
        std::vector<BlogStat> res;
        res.reserve(rows.size());
        for (const auto& r : rows)
            res.push_back(BlogStat{r["blog"].get<std::int64_t>(), r["n"].get<std::int64_t>(),
                                   r["avg_rating"].get<double>()});
        t.stop();
        emit(IMPL, "W7_aggregate", t, std::int64_t(res.size()), agg_check(res));
    }

    {  // W9: rank of each entry within its blog by rating, a window annotation
        Timer t;
        std::vector<BEntry> v = BEntry::objects()
                                    .annotate("rank", dorm::Window(dorm::Rank(), {.partition_by = {"blog"},
                                                                                  .order_by = {"-rating"}}))
                                    .to_vector();
        t.stop();
        std::int64_t sid = 0, srank = 0, sx = 0;
        for (const BEntry& e : v) {
            auto rank = e.annotation<std::int64_t>("rank");
            sid += e.id;
            srank += rank;
            sx += e.id * rank;
        }
        emit(IMPL, "W9_window", t, std::int64_t(v.size()), window_check(std::int64_t(v.size()), sid, srank, sx));
    }

    {  // W8
        Timer t;
        std::vector<std::int64_t> ids;
        ids.reserve(data.w8_entries.size());
        for (const auto& d : data.w8_entries)
            ids.push_back(BEntry::objects().create([&](BEntry& e) { fill(e, d); }).id);
        t.stop();
        emit(IMPL, "W8_single_inserts", t, std::int64_t(ids.size()), ids_check(ids));
    }

    dorm::disconnect_all();
    dbp.cleanup();
    return 0;
}
