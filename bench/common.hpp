// Deterministic workload data, record types, checksums and timing shared by
// raw_sqlite.cpp, raw_soci.cpp and dorm_bench.cpp (checksums take any record type with
// the same member names, so dorm's models are summed as they are).
// Nothing in here is timed except what callers wrap in Timer.
#pragma once

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <malloc.h>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

constexpr int N_AUTHORS = 1000;
constexpr int N_BLOGS = 2000;
constexpr int N_ENTRIES = 100000;
constexpr int N_DAYS = 2557;  // 2020-01-01 .. 2026-12-31 inclusive
constexpr int W3_QUERIES = 1000;
constexpr int W3_WINDOW_DAYS = 7;
constexpr int W3_MIN_RATING = 3;
constexpr int W4_LOOKUPS = 10000;
constexpr int W5_MAX_ID = 10000;
constexpr int W6_MIN_RATING = 3;
constexpr int W8_INSERTS = 5000;

constexpr std::uint64_t SEED_DATA = 42, SEED_W3 = 3, SEED_W4 = 4, SEED_W8 = 8;
constexpr int CORPUS_LEN = 8192;
constexpr int CORPUS_SLACK = 300;

inline const char* const WORDS[] = {
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing",
    "elit", "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore",
    "et", "dolore", "magna", "aliqua", "enim", "ad", "minim", "veniam",
    "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi",
    "aliquip", "ex", "ea"};
constexpr int N_WORDS = 32;

// Schema: byte-for-byte the DDL Django 3.2 emits for the models in django_bench.py.
inline const char* const SCHEMA[] = {
    R"(CREATE TABLE "bench_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "email" varchar(254) NULL, "age" integer NOT NULL))",
    R"(CREATE TABLE "bench_blog" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "tagline" text NOT NULL, "author_id" integer NOT NULL REFERENCES "bench_author" ("id") DEFERRABLE INITIALLY DEFERRED))",
    R"(CREATE TABLE "bench_entry" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "blog_id" integer NOT NULL REFERENCES "bench_blog" ("id") DEFERRABLE INITIALLY DEFERRED, "headline" varchar(255) NOT NULL, "body_text" text NOT NULL, "pub_date" date NOT NULL, "rating" integer NOT NULL, "n_comments" integer NOT NULL))",
    R"(CREATE INDEX "bench_blog_author_id_535d5965" ON "bench_blog" ("author_id"))",
    R"(CREATE INDEX "bench_entry_blog_id_2cdc543c" ON "bench_entry" ("blog_id"))",
    R"(CREATE INDEX "bench_entry_pub_date_511c5e7b" ON "bench_entry" ("pub_date"))",
};

// PostgreSQL: the DDL Django 3.2 emits for the same models, and the summary query with the
// date cast to text.
inline const char* const SCHEMA_PG[] = {
    R"(DROP TABLE IF EXISTS "bench_entry", "bench_blog", "bench_author" CASCADE)",
    R"(CREATE TABLE "bench_author" ("id" serial NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "email" varchar(254) NULL, "age" integer NOT NULL))",
    R"(CREATE TABLE "bench_blog" ("id" serial NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "tagline" text NOT NULL, "author_id" integer NOT NULL))",
    R"(CREATE TABLE "bench_entry" ("id" serial NOT NULL PRIMARY KEY, "blog_id" integer NOT NULL, "headline" varchar(255) NOT NULL, "body_text" text NOT NULL, "pub_date" date NOT NULL, "rating" integer NOT NULL, "n_comments" integer NOT NULL))",
    R"(ALTER TABLE "bench_blog" ADD CONSTRAINT "bench_blog_author_id_535d5965_fk_bench_author_id" FOREIGN KEY ("author_id") REFERENCES "bench_author" ("id") DEFERRABLE INITIALLY DEFERRED)",
    R"(ALTER TABLE "bench_entry" ADD CONSTRAINT "bench_entry_blog_id_2cdc543c_fk_bench_blog_id" FOREIGN KEY ("blog_id") REFERENCES "bench_blog" ("id") DEFERRABLE INITIALLY DEFERRED)",
    R"(CREATE INDEX "bench_blog_author_id_535d5965" ON "bench_blog" ("author_id"))",
    R"(CREATE INDEX "bench_entry_blog_id_2cdc543c" ON "bench_entry" ("blog_id"))",
    R"(CREATE INDEX "bench_entry_pub_date_511c5e7b" ON "bench_entry" ("pub_date"))",
};

inline const char* const W1_VERIFY_SQL_PG =
    "SELECT (SELECT COUNT(*) FROM bench_author), (SELECT SUM(age) FROM bench_author), "
    "(SELECT COUNT(email) FROM bench_author), (SELECT COUNT(*) FROM bench_blog), "
    "(SELECT SUM(author_id) FROM bench_blog), (SELECT SUM(LENGTH(tagline)) FROM bench_blog), "
    "COUNT(*), SUM(id), SUM(blog_id), SUM(rating), SUM(n_comments), "
    "SUM(LENGTH(headline)), SUM(LENGTH(body_text)), "
    "SUM(CAST(REPLACE(pub_date::text, '-', '') AS INTEGER)) FROM bench_entry";

/// `--postgresql CONNINFO` on the command line: run against that server instead of SQLite.
inline std::string postgres_arg(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--postgresql") return argv[i + 1];
    return {};
}

inline const char* const W1_VERIFY_SQL =
    "SELECT (SELECT COUNT(*) FROM bench_author), (SELECT SUM(age) FROM bench_author), "
    "(SELECT COUNT(email) FROM bench_author), (SELECT COUNT(*) FROM bench_blog), "
    "(SELECT SUM(author_id) FROM bench_blog), (SELECT SUM(LENGTH(tagline)) FROM bench_blog), "
    "COUNT(*), SUM(id), SUM(blog_id), SUM(rating), SUM(n_comments), "
    "SUM(LENGTH(headline)), SUM(LENGTH(body_text)), "
    "SUM(CAST(REPLACE(pub_date, '-', '') AS INTEGER)) FROM bench_entry";

// ------------------------------------------------------------------ records
using Date = std::chrono::year_month_day;

struct Author {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::string> email;
    int age = 0;
};

struct Blog {
    std::int64_t id = 0;
    std::string name;
    std::string tagline;
    std::int64_t author_id = 0;
};

struct Entry {
    std::int64_t id = 0;
    std::int64_t blog_id = 0;
    std::string headline;
    std::string body_text;
    Date pub_date{};
    int rating = 0;
    int n_comments = 0;
};

// W5 result: an entry with its blog and the blog's author, all by value.
struct EntryJoined {
    Entry entry;
    Blog blog;
    Author author;
};

struct BlogStat {
    std::int64_t blog_id = 0;
    std::int64_t n = 0;
    double avg_rating = 0;
};

// ------------------------------------------------------------------ dates
inline Date day_to_date(int day) {
    return Date{std::chrono::sys_days{std::chrono::year{2020} / 1 / 1} + std::chrono::days{day}};
}

// 'YYYY-MM-DD' into buf[10] (no terminator); how Django stores DateField.
inline void format_date(const Date& d, char* buf) {
    int y = int(d.year());
    unsigned m = unsigned(d.month()), dd = unsigned(d.day());
    buf[0] = char('0' + y / 1000);
    buf[1] = char('0' + y / 100 % 10);
    buf[2] = char('0' + y / 10 % 10);
    buf[3] = char('0' + y % 10);
    buf[4] = '-';
    buf[5] = char('0' + m / 10);
    buf[6] = char('0' + m % 10);
    buf[7] = '-';
    buf[8] = char('0' + dd / 10);
    buf[9] = char('0' + dd % 10);
}

inline std::string date_string(const Date& d) {
    std::string s(10, '\0');
    format_date(d, s.data());
    return s;
}

[[noreturn]] inline void die(const std::string& msg) {
    std::fprintf(stderr, "fatal: %s\n", msg.c_str());
    std::exit(2);
}

inline Date parse_date(const char* p, std::size_t n) {
    if (n != 10 || p[4] != '-' || p[7] != '-') die("bad date: " + std::string(p, n));
    auto dig = [p](int i) { return p[i] - '0'; };
    int y = dig(0) * 1000 + dig(1) * 100 + dig(2) * 10 + dig(3);
    unsigned m = unsigned(dig(5) * 10 + dig(6));
    unsigned d = unsigned(dig(8) * 10 + dig(9));
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// ------------------------------------------------------------------ generator
struct Rng {
    std::uint64_t s;
    explicit Rng(std::uint64_t seed) : s(seed) {}
    std::uint64_t below(std::uint64_t n) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return (s >> 33) % n;
    }
};

struct AuthorData { std::string name; std::optional<std::string> email; int age; };
struct BlogData { std::string name; std::string tagline; std::int64_t author_id; };
struct EntryData {
    std::int64_t blog_id;
    std::string headline;
    std::string body_text;
    Date pub_date;
    int rating;
    int n_comments;
};

inline EntryData gen_entry(Rng& r, const std::string& corpus) {
    // 8 draws, strictly in this order (do not fold into one expression).
    EntryData e;
    e.blog_id = 1 + std::int64_t(r.below(N_BLOGS));
    int day = int(r.below(N_DAYS));
    e.rating = 1 + int(r.below(5));
    e.n_comments = int(r.below(50));
    auto h_off = r.below(CORPUS_LEN - CORPUS_SLACK);
    auto h_len = 30 + r.below(21);
    auto b_off = r.below(CORPUS_LEN - CORPUS_SLACK);
    auto b_len = 150 + r.below(101);
    e.headline = corpus.substr(h_off, h_len);
    e.body_text = corpus.substr(b_off, b_len);
    e.pub_date = day_to_date(day);
    return e;
}

struct Dataset {
    std::string corpus;
    std::vector<AuthorData> authors;
    std::vector<BlogData> blogs;
    std::vector<EntryData> entries;
    std::vector<std::pair<Date, Date>> w3_windows;
    std::vector<std::int64_t> w4_ids;
    std::vector<EntryData> w8_entries;

    Dataset() {
        Rng r(SEED_DATA);
        while (int(corpus.size()) < CORPUS_LEN) {
            corpus += WORDS[r.below(N_WORDS)];
            corpus += ' ';
        }
        corpus.resize(CORPUS_LEN);
        authors.reserve(N_AUTHORS);
        for (int i = 1; i <= N_AUTHORS; ++i) {
            AuthorData a;
            a.age = 18 + int(r.below(63));
            if (i % 10 != 0) a.email = "author" + std::to_string(i) + "@example.com";
            a.name = "Author " + std::to_string(i);
            authors.push_back(std::move(a));
        }
        blogs.reserve(N_BLOGS);
        for (int j = 1; j <= N_BLOGS; ++j) {
            BlogData b;
            b.author_id = 1 + std::int64_t(r.below(N_AUTHORS));
            auto t_off = r.below(CORPUS_LEN - CORPUS_SLACK);
            auto t_len = 20 + r.below(61);
            b.tagline = corpus.substr(t_off, t_len);
            b.name = "Blog " + std::to_string(j);
            blogs.push_back(std::move(b));
        }
        entries.reserve(N_ENTRIES);
        for (int k = 0; k < N_ENTRIES; ++k) entries.push_back(gen_entry(r, corpus));

        Rng r3(SEED_W3);
        for (int q = 0; q < W3_QUERIES; ++q) {
            int start = int(r3.below(N_DAYS - W3_WINDOW_DAYS + 1));
            w3_windows.emplace_back(day_to_date(start), day_to_date(start + W3_WINDOW_DAYS - 1));
        }

        Rng r4(SEED_W4);
        std::vector<std::int64_t> perm(N_ENTRIES);
        for (int i = 0; i < N_ENTRIES; ++i) perm[i] = i + 1;
        for (int i = 0; i < W4_LOOKUPS; ++i) {
            auto j = i + std::int64_t(r4.below(std::uint64_t(N_ENTRIES - i)));
            std::swap(perm[i], perm[j]);
        }
        w4_ids.assign(perm.begin(), perm.begin() + W4_LOOKUPS);

        Rng r8(SEED_W8);
        for (int k = 0; k < W8_INSERTS; ++k) w8_entries.push_back(gen_entry(r8, corpus));
    }
};

// ------------------------------------------------------------------ checksums
inline std::string w1_check(const std::int64_t v[14]) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "authors=%" PRId64 ";sum_age=%" PRId64 ";emails=%" PRId64 ";blogs=%" PRId64
                  ";sum_author_id=%" PRId64 ";sum_tagline_len=%" PRId64 ";entries=%" PRId64
                  ";sum_id=%" PRId64 ";sum_blog=%" PRId64 ";sum_rating=%" PRId64
                  ";sum_ncomm=%" PRId64 ";sum_hlen=%" PRId64 ";sum_blen=%" PRId64
                  ";sum_date=%" PRId64,
                  v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11],
                  v[12], v[13]);
    return buf;
}

struct EntrySums {
    std::int64_t n = 0, id = 0, blog = 0, rating = 0, ncomm = 0, hlen = 0, blen = 0, date = 0,
                 h0 = 0;
    template <class E>
    void add(const E& e) {
        ++n;
        id += e.id;
        if constexpr (requires { e.blog_id; }) blog += e.blog_id;
        else blog += e.blog.id();  // an ORM's relation member
        rating += e.rating;
        ncomm += e.n_comments;
        hlen += std::int64_t(e.headline.size());
        blen += std::int64_t(e.body_text.size());
        date += std::int64_t(int(e.pub_date.year())) * 10000 +
                std::int64_t(unsigned(e.pub_date.month())) * 100 + unsigned(e.pub_date.day());
        h0 += e.headline.empty() ? 0 : (unsigned char)e.headline[0];
    }
    std::string str() const {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "n=%" PRId64 ";sum_id=%" PRId64 ";sum_blog=%" PRId64 ";sum_rating=%" PRId64
                      ";sum_ncomm=%" PRId64 ";sum_hlen=%" PRId64 ";sum_blen=%" PRId64
                      ";sum_date=%" PRId64 ";sum_h0=%" PRId64,
                      n, id, blog, rating, ncomm, hlen, blen, date, h0);
        return buf;
    }
};

template <class E>
std::string entry_check(const std::vector<E>& v) {
    EntrySums s;
    for (const auto& e : v) s.add(e);
    return s.str();
}

template <class E>
std::string entry_check(const std::vector<std::vector<E>>& vv) {
    EntrySums s;
    for (const auto& v : vv)
        for (const auto& e : v) s.add(e);
    return s.str();
}

inline std::string join_check(const std::vector<EntryJoined>& v) {
    EntrySums s;
    std::int64_t bid = 0, bname = 0, btag = 0, aid = 0, aname = 0, age = 0, nnull = 0;
    for (const auto& x : v) {
        s.add(x.entry);
        bid += x.blog.id;
        bname += std::int64_t(x.blog.name.size());
        btag += std::int64_t(x.blog.tagline.size());
        aid += x.author.id;
        aname += std::int64_t(x.author.name.size());
        age += x.author.age;
        if (!x.author.email) ++nnull;
    }
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  ";sum_blog_id=%" PRId64 ";sum_blog_name_len=%" PRId64 ";sum_tagline_len=%" PRId64
                  ";sum_author_id=%" PRId64 ";sum_author_name_len=%" PRId64 ";sum_age=%" PRId64
                  ";null_emails=%" PRId64,
                  bid, bname, btag, aid, aname, age, nnull);
    return s.str() + buf;
}

// W5p: blogs with their entries (prefetch): counts and sums per group.
struct PrefetchSums {
    std::int64_t blogs = 0, entries = 0, sum_entry_id = 0, sum_blog_x_n = 0, sum_rating = 0;
    void add_blog(std::int64_t blog_id, std::int64_t n) {
        ++blogs;
        entries += n;
        sum_blog_x_n += blog_id * n;
    }
    void add_entry(std::int64_t id, int rating) {
        sum_entry_id += id;
        sum_rating += rating;
    }
    std::string str() const {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "blogs=%" PRId64 ";entries=%" PRId64 ";sum_entry_id=%" PRId64
                      ";sum_blog_x_n=%" PRId64 ";sum_rating=%" PRId64,
                      blogs, entries, sum_entry_id, sum_blog_x_n, sum_rating);
        return buf;
    }
};

// W9: every entry's rank within its blog by rating.
inline std::string window_check(std::int64_t n, std::int64_t sum_id, std::int64_t sum_rank,
                                std::int64_t sum_id_x_rank) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "n=%" PRId64 ";sum_id=%" PRId64 ";sum_rank=%" PRId64 ";sum_id_x_rank=%" PRId64,
                  n, sum_id, sum_rank, sum_id_x_rank);
    return buf;
}

inline std::string agg_check(const std::vector<BlogStat>& v) {
    std::int64_t g = 0, sn = 0, sbn = 0;
    double savg = 0;
    for (const auto& r : v) {
        ++g;
        sn += r.n;
        sbn += r.blog_id * r.n;
        savg += r.avg_rating;
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "groups=%" PRId64 ";sum_n=%" PRId64 ";sum_blog_x_n=%" PRId64
                  ";sum_avg=%.6f", g, sn, sbn, savg);
    return buf;
}

inline std::string ids_check(const std::vector<std::int64_t>& ids) {
    std::int64_t s = 0, mn = ids.empty() ? 0 : ids[0], mx = mn;
    for (auto i : ids) {
        s += i;
        mn = std::min(mn, i);
        mx = std::max(mx, i);
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "n=%zu;sum_id=%" PRId64 ";min_id=%" PRId64 ";max_id=%" PRId64,
                  ids.size(), s, mn, mx);
    return buf;
}

// ------------------------------------------------------------------ harness
inline double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Construct right before an operation.  Untimed, it first hands freed heap back
// to the OS (malloc_trim) so every op starts from the same allocator state;
// without it an op's time depended on what the previous op left behind (seen:
// raw W4 +25% after W3 from re-faulting trimmed pages).  Python's twin: gc.collect().
struct Timer {
    std::chrono::steady_clock::time_point t0;
    double c0 = 0;
    double seconds = 0, cpu = 0;
    Timer() {
        malloc_trim(0);
        c0 = cpu_now();
        t0 = std::chrono::steady_clock::now();
    }
    void stop() {
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        cpu = cpu_now() - c0;
    }
};

inline void emit(const char* impl, const std::string& op, const Timer& t, std::int64_t rows,
                 const std::string& check) {
    std::printf("{\"impl\": \"%s\", \"op\": \"%s\", \"seconds\": %.6f, \"cpu_seconds\": %.6f, "
                "\"rows\": %" PRId64 ", \"check\": \"%s\"}\n",
                impl, op.c_str(), t.seconds, t.cpu, rows, check.c_str());
    std::fflush(stdout);
}

// argv: first non "--" argument = DB file to (re)create and keep; otherwise a
// fresh mkdtemp() dir under $TMPDIR or /tmp, removed by cleanup().
struct DbPath {
    std::string path;
    std::string tmpdir;
    DbPath(int argc, char** argv) {
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            if (a == "--postgresql") {  // its value is a conninfo, not a file
                ++i;
                continue;
            }
            if (a.rfind("--", 0) == 0) continue;
            path = std::filesystem::absolute(a).string();
            for (const char* suf : {"", "-journal", "-wal", "-shm"})
                std::filesystem::remove(path + suf);
            return;
        }
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ormbench-XXXXXX";
        if (!mkdtemp(tmpl.data())) die("mkdtemp failed");
        tmpdir = tmpl;
        path = tmpdir + "/bench.sqlite3";
    }
    void cleanup() {
        if (!tmpdir.empty()) std::filesystem::remove_all(tmpdir);
    }
};

inline bool has_flag(int argc, char** argv, const char* flag) {
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == flag) return true;
    return false;
}

}  // namespace bench
