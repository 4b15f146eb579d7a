#!/usr/bin/env python3
"""Compile time of dorm against plain SOCI: one translation unit with 10 models and 50
different querysets, and the same 50 queries written by hand with SOCI. Both are generated
here, compiled with the same flags (-std=c++20 -O2, -c), RUNS times interleaved; prints the
medians, their ratio and the preprocessed size of <dorm/dorm.hpp>; also the time of the headers
alone (<dorm/dorm.hpp>, <nlohmann/json.hpp> which it must provide, <soci/soci.h>), the floor
under each figure.

    python3 bench/compile_time.py [RUNS]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CXX = os.environ.get("CXX", "g++")
FLAGS = ["-std=c++20", "-O2", "-c", "-I" + os.path.join(ROOT, "include"), "-I/usr/include/postgresql"]

MODELS = 10
QUERIES = 50


def model(i):
    parent_member = f"dorm::ForeignKey<M{i - 1}> parent;" if i else ""
    parent_field = f's.field(&M{i}::parent, "parent").on_delete(dorm::Cascade);' if i else ""
    return f"""
struct M{i} : dorm::Model<M{i}> {{
    std::string name;
    int rating = 0;
    bool live = false;
    dorm::Date day;
    {parent_member}
    static void define(dorm::Schema<M{i}>& s) {{
        s.table("m{i}");
        s.field(&M{i}::name, "name").max_length(100);
        s.field(&M{i}::rating, "rating");
        s.field(&M{i}::live, "live");
        s.field(&M{i}::day, "day");
        {parent_field}
    }}
}};"""


def dorm_query(q):
    m = q % MODELS
    kinds = [
        f'for (auto& x : M{m}::objects().filter("rating__gte", {q}).order_by("-rating", "name")) n += x.rating;',
        f'n += M{m}::objects().filter(dorm::Q("live", true) | dorm::Q("name__startswith", "a{q}")).count();',
        f'for (auto& [id, name] : M{m}::objects().filter("day__year", 2026).values_list<std::int64_t, std::string>("id", "name")) n += id;',
        f'n += M{m}::objects().filter("rating__lt", {q}).update({{{{"rating", dorm::F("rating") + 1}}}});',
        f'if (auto x = M{m}::objects().filter("name", "n{q}").first()) n += x->rating;',
    ]
    return kinds[q % len(kinds)]


def soci_query(q):
    m = q % MODELS
    kinds = [
        f'{{ soci::rowset<soci::row> rs = (s.prepare << "SELECT id, name, rating, live, day FROM m{m} WHERE rating >= :r ORDER BY rating DESC, name ASC", soci::use({q}));'
        f' for (auto& r : rs) {{ R{m} x; x.id = r.get<long long>(0); x.name = r.get<std::string>(1); x.rating = r.get<int>(2); n += x.rating; }} }}',
        f'{{ long long c = 0; s << "SELECT COUNT(*) FROM m{m} WHERE live = 1 OR name LIKE :p", soci::use(std::string("a{q}%")), soci::into(c); n += c; }}',
        f'{{ soci::rowset<soci::row> rs = (s.prepare << "SELECT id, name FROM m{m} WHERE day BETWEEN \'2026-01-01\' AND \'2026-12-31\'");'
        f' for (auto& r : rs) n += r.get<long long>(0); }}',
        f'{{ soci::statement st = (s.prepare << "UPDATE m{m} SET rating = rating + 1 WHERE rating < :r", soci::use({q})); st.execute(true); n += st.get_affected_rows(); }}',
        f'{{ int rating = 0; soci::indicator ind; s << "SELECT rating FROM m{m} WHERE name = :n ORDER BY id LIMIT 1", soci::use(std::string("n{q}")), soci::into(rating, ind); if (s.got_data()) n += rating; }}',
    ]
    return kinds[q % len(kinds)]


def dorm_source():
    out = ["#include <dorm/dorm.hpp>"]
    out += [model(i) for i in range(MODELS)]
    out.append("long long run() {\n    long long n = 0;")
    out += ["    " + dorm_query(q) for q in range(QUERIES)]
    out.append("    return n;\n}")
    return "\n".join(out) + "\n"


def soci_source():
    out = ["#include <soci/soci.h>", "#include <string>"]
    out += [f"struct R{i} {{ long long id = 0; std::string name; int rating = 0; bool live = false; std::string day; }};"
            for i in range(MODELS)]
    out.append("long long run(soci::session& s) {\n    long long n = 0;")
    out += ["    " + soci_query(q) for q in range(QUERIES)]
    out.append("    return n;\n}")
    return "\n".join(out) + "\n"


def compile_seconds(path, workdir):
    start = time.perf_counter()
    subprocess.run([CXX, *FLAGS, path, "-o", os.path.join(workdir, "out.o")], check=True)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as d:
        dorm_cpp, soci_cpp = os.path.join(d, "dorm_queries.cpp"), os.path.join(d, "soci_queries.cpp")
        open(dorm_cpp, "w").write(dorm_source())
        open(soci_cpp, "w").write(soci_source())
        headers = {"dorm.hpp": "#include <dorm/dorm.hpp>\n", "nlohmann/json.hpp": "#include <nlohmann/json.hpp>\n",
                   "soci.h": "#include <soci/soci.h>\n"}
        for name, text in headers.items():
            path = os.path.join(d, name.replace("/", "_") + ".cpp")
            open(path, "w").write(text)
            headers[name] = path
        times = {"dorm": [], "soci": [], **{name: [] for name in headers}}
        for _ in range(RUNS):
            times["dorm"].append(compile_seconds(dorm_cpp, d))
            times["soci"].append(compile_seconds(soci_cpp, d))
            for name, path in headers.items():
                times[name].append(compile_seconds(path, d))
        pre = subprocess.run([CXX, "-std=c++20", "-E", "-I" + os.path.join(ROOT, "include"), "-x", "c++", "-"],
                             input="#include <dorm/dorm.hpp>\n", capture_output=True, text=True, check=True)
        lines = pre.stdout.count("\n")
    dorm_s, soci_s = statistics.median(times["dorm"]), statistics.median(times["soci"])
    print(f"compile, {MODELS} models + {QUERIES} querysets: dorm {dorm_s:.2f} s, SOCI by hand {soci_s:.2f} s, "
          f"ratio {dorm_s / soci_s:.2f} (median of {RUNS})")
    print("headers alone: " + ", ".join(f"<{name}> {statistics.median(times[name]):.2f} s" for name in headers))
    print(f"<dorm/dorm.hpp> preprocesses to {lines} lines")


if __name__ == "__main__":
    main()
