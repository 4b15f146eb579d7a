#!/usr/bin/env python3
"""The API sample (samples/api) over real HTTP, against a fresh database.

    test_api.py sqlite|postgresql PATH/TO/api

Starts the server on a free loopback port (PORT=0), drives every endpoint and status code,
hostile query strings and bodies, 16 concurrent writers, reads the query count of each
request from the server's log, and stops it with SIGTERM. PostgreSQL: DORM_TEST_POSTGRES
(libpq conninfo) names the server; a fresh database is created there and dropped at the
end. Without it the test skips (exit 77), or fails when CI is set.
"""
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

BACKEND, BINARY = sys.argv[1], os.path.abspath(sys.argv[2])
FAILURES = []
CHECKS = [0]


def check(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


# ---------------------------------------------------------------- the database
class Database:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="dorm-api-")
        self.pg_admin = None
        if BACKEND == "sqlite":
            self.path = os.path.join(self.tmp, "api.sqlite3")
            self.url = "sqlite3://" + self.path
            return
        conninfo = os.environ.get("DORM_TEST_POSTGRES", "")
        if not conninfo:
            if os.environ.get("CI"):
                print("DORM_TEST_POSTGRES is not set (CI must run the PostgreSQL tests)")
                sys.exit(1)
            print("DORM_TEST_POSTGRES is not set: skipped")
            sys.exit(77)
        self.name = "dorm_api_test_%d" % os.getpid()
        self.pg_admin = conninfo
        self.psql("DROP DATABASE IF EXISTS %s" % self.name)
        self.psql("CREATE DATABASE %s" % self.name)
        if re.search(r"(^|\s)dbname=\S+", conninfo):
            self.conninfo = re.sub(r"(^|\s)dbname=\S+", r"\1dbname=" + self.name, conninfo)
        else:
            self.conninfo = conninfo + " dbname=" + self.name
        self.url = "postgresql://" + self.conninfo

    def psql(self, sql, conninfo=None):
        out = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", conninfo or self.pg_admin,
                              "-c", sql], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("psql: %s: %s" % (sql, out.stderr))
        return out.stdout.strip()

    def scalar(self, sql):
        """One value read straight from the database, not through the API."""
        if BACKEND == "sqlite":
            with sqlite3.connect(self.path, timeout=30) as c:
                return c.execute(sql).fetchone()[0]
        return self.psql(sql, self.conninfo)

    def drop(self):
        if self.pg_admin:
            self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)


# ---------------------------------------------------------------- the server
class Server:
    def __init__(self, url):
        env = dict(os.environ, DATABASE_URL=url, PORT="0", THREADS="8")
        self.proc = subprocess.Popen([BINARY], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     text=True, errors="replace")
        self.lines = []
        self.lock = threading.Lock()
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                with self.lock:
                    self.lines.append(line.rstrip("\n"))
                m = re.match(r"listening on http://127\.0\.0\.1:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not ready.wait(120) or self.port is None:
            self.proc.kill()
            raise RuntimeError("the server did not start:\n" + "\n".join(self.lines))

    def log_line(self, method, target, timeout=5.0):
        """The log line of the latest request with this method and target."""
        pattern = re.compile(r"^(\S+) (\S+) -> (\d+) in ([\d.]+) ms, (\d+) queries$")
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for line in reversed(self.lines):
                    m = pattern.match(line)
                    if m and m.group(1) == method and m.group(2) == target:
                        return int(m.group(3)), int(m.group(5))
            time.sleep(0.01)
        raise AssertionError("no log line for %s %s" % (method, target))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = None
        self.reader.join(5)
        return rc


class Reply:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "%d %s" % (self.status, self.raw[:300])


def request(method, target, body=None, raw=None, port=None):
    conn = http.client.HTTPConnection("127.0.0.1", port or SERVER.port, timeout=60)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, target, body=data, headers=headers)
    r = conn.getresponse()
    out = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
    conn.close()
    return out


def get(target):
    return request("GET", target)


STATUSES = []  # every (method, target, status) the tests saw


def expect(status, method, target, body=None, raw=None):
    r = request(method, target, body=body, raw=raw)
    STATUSES.append((method, target, r.status))
    check(r.status == status, "%s %s: expected %d, got %r" % (method, target[:200], status, r))
    if method != "HEAD" and r.status != 204:
        check(r.json is not None, "%s %s: the body is not JSON: %r" % (method, target[:200], r.raw[:200]))
    return r


def all_entries(prefix="/api/entries?page_size=100"):
    """Every entry through the numbered pages."""
    out, page = [], 1
    while True:
        r = expect(200, "GET", "%s&page=%d" % (prefix, page))
        out += r.json["results"]
        if page >= r.json["num_pages"]:
            return out
        page += 1


QUERY_COUNTS = {}


def queries(name, method, target, body=None):
    r = request(method, target, body=body)
    status, n = SERVER.log_line(method, target)
    check(status == r.status, "%s: the log says %d, the client got %d" % (name, status, r.status))
    QUERY_COUNTS[name] = n
    return r, n


# ---------------------------------------------------------------- the tests
def test_lists_and_filters():
    r = expect(200, "GET", "/api/entries")
    check(r.json["count"] == 40 and r.json["page"] == 1 and r.json["num_pages"] == 2, "demo data: %r" % r)
    check(len(r.json["results"]) == 20, "a default page holds 20")
    first = r.json["results"][0]
    for key in ("id", "blog", "blog_name", "headline", "body_text", "pub_date", "mod_date", "rating",
                "n_comments", "published", "meta"):
        check(key in first, "an entry carries %s: %r" % (key, first))
    check(r.headers.get("content-type", "").startswith("application/json"), "JSON content type")
    entries = all_entries()
    check(len(entries) == 40 and len({e["id"] for e in entries}) == 40, "40 distinct entries")
    by_id = {e["id"]: e for e in entries}
    check([e["pub_date"] for e in entries] == sorted((e["pub_date"] for e in entries), reverse=True),
          "default ordering -pub_date")
    blogs = {e["blog"]: e["blog_name"] for e in entries}

    def ids(target):
        return sorted(e["id"] for e in all_entries(target))

    def want(pred):
        return sorted(i for i, e in by_id.items() if pred(e))

    check(ids("/api/entries?page_size=100&rating=3") == want(lambda e: e["rating"] == 3), "rating exact")
    check(ids("/api/entries?page_size=100&rating__gte=2&rating__lte=4") == want(lambda e: 2 <= e["rating"] <= 4),
          "rating range")
    check(ids("/api/entries?page_size=100&blog__name=Cooking") == want(lambda e: e["blog_name"] == "Cooking"),
          "blog__name exact")
    check(ids("/api/entries?page_size=100&blog__name__icontains=TRAV") == want(lambda e: e["blog_name"] == "Travel"),
          "blog__name icontains")
    check(ids("/api/entries?page_size=100&pub_date__year=2025") == want(lambda e: e["pub_date"].startswith("2025")),
          "pub_date year")
    check(ids("/api/entries?page_size=100&pub_date__gte=2025-03-01&pub_date__lte=2025-06-30")
          == want(lambda e: "2025-03-01" <= e["pub_date"] <= "2025-06-30"), "pub_date range")
    check(ids("/api/entries?page_size=100&pub_date=2025-01-10") == want(lambda e: e["pub_date"] == "2025-01-10"),
          "pub_date exact")
    some = sorted(by_id)[:3]
    check(ids("/api/entries?page_size=100&id__in=%d,%d,%d" % tuple(some)) == some, "id in")
    check(ids("/api/entries?page_size=100&published=true") == want(lambda e: e["published"]), "published")
    check(ids("/api/entries?page_size=100&published=false") == want(lambda e: not e["published"]), "unpublished")
    one_blog = next(iter(blogs))
    check(ids("/api/entries?page_size=100&blog=%d" % one_blog) == want(lambda e: e["blog"] == one_blog), "blog")
    ratings = [e["rating"] for e in all_entries("/api/entries?page_size=100&ordering=rating")]
    check(ratings == sorted(ratings), "ordering=rating")
    rows = all_entries("/api/entries?page_size=100&ordering=-rating,headline")
    check([(-e["rating"], e["headline"]) for e in rows] == sorted((-e["rating"], e["headline"]) for e in rows),
          "ordering=-rating,headline")
    live = all_entries("/api/entries/live?page_size=100")
    check(sorted(e["id"] for e in live) == want(lambda e: e["published"]), "/api/entries/live")
    live_top = all_entries("/api/entries/live?page_size=100&rating__gte=4")
    check(sorted(e["id"] for e in live_top) == want(lambda e: e["published"] and e["rating"] >= 4),
          "live() with filters")
    r = expect(200, "GET", "/api/entries?page=2&page_size=15")
    check(len(r.json["results"]) == 15 and r.json["num_pages"] == 3, "page 2 of 15: %r" % r)
    r = expect(200, "GET", "/api/entries?rating=3&page_size=100&format=json&utm_source=x&nosuchfield=1")
    check(r.json["count"] == len(want(lambda e: e["rating"] == 3)), "non-field parameters are ignored")
    expect(200, "HEAD", "/api/entries")


def test_cursor_pages():
    seen, cursor, pages = [], "", 0
    while True:
        target = "/api/entries?page_size=15&cursor=" + urllib.parse.quote(cursor)
        r, n = queries("list, cursor page", "GET", target)
        check(r.status == 200, "cursor page: %r" % r)
        check(n <= 1, "a cursor page runs one query, not %d" % n)
        check(set(r.json) == {"next", "results"}, "cursor page keys: %r" % list(r.json))
        seen += [e["id"] for e in r.json["results"]]
        check(all("blog_name" in e for e in r.json["results"]), "cursor pages carry blog_name")
        pages += 1
        if r.json["next"] is None or pages > 10:
            break
        cursor = r.json["next"]
    check(pages == 3 and len(seen) == 40 and len(set(seen)) == 40, "cursor pages cover 40 once: %d %d" % (pages, len(seen)))
    # with a filter and an ordering, and inserts between pages neither repeat nor lose rows
    r = expect(200, "GET", "/api/entries?cursor=&page_size=5&ordering=rating&rating__gte=2")
    check(len(r.json["results"]) == 5 and r.json["next"], "a filtered cursor page")
    expect(400, "GET", "/api/entries?cursor=not-a-cursor")
    expect(400, "GET", "/api/entries?cursor=%ff%fe")


def test_detail_and_404():
    e = get("/api/entries?page_size=1").json["results"][0]
    r, n = queries("detail", "GET", "/api/entries/%d" % e["id"])
    check(r.status == 200 and r.json["id"] == e["id"] and r.json["blog_name"] == e["blog_name"], "detail: %r" % r)
    check(n == 1, "detail runs one query, not %d" % n)
    r = expect(200, "GET", "/api/entries/schema")
    check(r.json and "headline" in r.json.get("properties", {}) and "blog" in r.json.get("required", []),
          "the JSON Schema of Entry: %r" % r)
    for target in ("/api/entries/999999", "/api/entries/99999999999999999999999999", "/api/entries/abc",
                   "/api/nope", "/", "/api/entries/1/extra", "/api/entries/%00"):
        r = expect(404, "GET", target)
        check(r.json and "detail" in r.json, "404 body for %s: %r" % (target, r))


def entry_body(blog, headline, **extra):
    body = {"blog": blog, "headline": headline, "body_text": "Text.", "pub_date": "2026-05-01", "rating": 3,
            "n_comments": 0, "published": True, "meta": {"tags": ["api"]}}
    body.update(extra)
    return body


def audit_count(**filters):
    q = urllib.parse.urlencode(filters)
    return get("/api/audit?page_size=1&" + q).json["count"]


def test_writes():
    blog = get("/api/blogs").json["results"][0]["id"]
    audits = audit_count()
    r, n = queries("create", "POST", "/api/entries", body=entry_body(blog, "Created by the test"))
    check(r.status == 201, "POST: %r" % r)
    new_id = r.json["id"]
    check(r.headers.get("location") == "/api/entries/%d" % new_id, "Location: %r" % r.headers)
    check(r.json["blog_name"] and r.json["meta"] == {"tags": ["api"]} and r.json["rating"] == 3, "POST body: %r" % r)
    check(n <= 6, "create runs at most 6 queries, not %d" % n)
    check(audit_count() == audits + 1, "post_save wrote one audit row")
    check(audit_count(action="created", object_id=new_id) == 1, "the audit row names the entry")
    got = expect(200, "GET", r.headers["location"]).json
    check(got["headline"] == "Created by the test" and got["pub_date"] == "2026-05-01", "GET after POST: %r" % got)
    check(int(DB.scalar("SELECT COUNT(*) FROM blog_entry WHERE id = %d" % new_id)) == 1, "the row is in the table")

    # conflicts and bad bodies
    r = expect(409, "POST", "/api/entries", body=entry_body(blog, "Created by the test"))
    check(r.json and "already exists" in json.dumps(r.json), "409 body: %r" % r)
    for name, raw in (("malformed", b'{"headline": '), ("empty", b""), ("array", b"[1, 2]"), ("number", b"42"),
                      ("NUL", b'{"headline": "a\\u0000b"}'), ("broken UTF-8", b'{"headline": "\xff\xfe"}'),
                      ("trailing", b'{"headline": "x"} {}')):
        r = expect(400, "POST", "/api/entries", raw=raw)
        check(r.json is not None, "400 for a %s body is JSON: %r" % (name, r))
    missing = entry_body(blog, "No headline")
    del missing["headline"]
    r = expect(400, "POST", "/api/entries", body=missing)
    check(r.json and "headline" in r.json, "a missing field is named: %r" % r)
    r = expect(400, "POST", "/api/entries", body=entry_body(blog, "Wrong types", rating="high", pub_date="soon"))
    check(r.json and "rating" in r.json and "pub_date" in r.json, "every wrong type is named: %r" % r)
    r = expect(400, "POST", "/api/entries", body=entry_body(blog, "Unknown", colour="red"))
    check(r.json and "colour" in json.dumps(r.json), "an unknown field is named: %r" % r)
    r = expect(400, "POST", "/api/entries", body=entry_body(999999, "No such blog"))
    check(r.json and "blog" in r.json, "a blog that does not exist is a 400 on blog: %r" % r)
    expect(400, "POST", "/api/entries", body=entry_body(blog, "x" * 300))
    expect(400, "POST", "/api/entries", body=entry_body(blog, "Big", rating=10 ** 30))
    expect(400, "POST", "/api/entries", body=entry_body(blog, "Null", rating=None))
    expect(413, "POST", "/api/entries", raw=b'{"body_text": "' + b"x" * (2 << 20) + b'"}')
    check(audit_count() == audits + 1, "refused writes leave no audit rows")

    # PATCH: only the keys sent
    before = get("/api/entries/%d" % new_id).json
    time.sleep(0.01)
    r, n = queries("patch", "PATCH", "/api/entries/%d" % new_id, body={"rating": 5})
    check(r.status == 200 and r.json["rating"] == 5 and r.json["headline"] == before["headline"], "PATCH: %r" % r)
    check(r.json["mod_date"] >= before["mod_date"], "auto_now moved mod_date")
    check(n <= 6, "patch runs at most 6 queries, not %d" % n)
    check(audit_count(action="updated", object_id=new_id) == 1, "PATCH wrote an audit row")
    expect(400, "PATCH", "/api/entries/%d" % new_id, body={"rating": "x"})
    expect(400, "PATCH", "/api/entries/%d" % new_id, body={"nosuch": 1})
    expect(400, "PATCH", "/api/entries/%d" % new_id, body={"blog": 999999})
    expect(400, "PATCH", "/api/entries/%d" % new_id, raw=b"not json")
    expect(404, "PATCH", "/api/entries/999999", body={"rating": 1})
    other = next(e for e in get("/api/entries?page_size=100&blog=%d" % blog).json["results"] if e["id"] != new_id)
    expect(409, "PATCH", "/api/entries/%d" % new_id, body={"headline": other["headline"]})
    check(get("/api/entries/%d" % new_id).json["rating"] == 5, "failed PATCHes change nothing")

    # PUT: the whole object
    r = expect(200, "PUT", "/api/entries/%d" % new_id, body=entry_body(blog, "Replaced", rating=1, published=False))
    check(r.json and r.json["id"] == new_id and r.json["headline"] == "Replaced" and r.json["rating"] == 1,
          "PUT: %r" % r)
    partial = entry_body(blog, "Partial")
    del partial["pub_date"]
    r = expect(400, "PUT", "/api/entries/%d" % new_id, body=partial)
    check(r.json and "pub_date" in r.json, "PUT needs every required field: %r" % r)
    expect(404, "PUT", "/api/entries/999999", body=entry_body(blog, "Nowhere"))

    # DELETE
    r, n = queries("delete", "DELETE", "/api/entries/%d" % new_id)
    check(r.status == 204 and r.raw == "", "DELETE: %r" % r)
    expect(404, "GET", "/api/entries/%d" % new_id)
    expect(404, "DELETE", "/api/entries/%d" % new_id)
    check(audit_count(action="deleted", object_id=new_id) == 1, "post_delete wrote an audit row")
    check(int(DB.scalar("SELECT COUNT(*) FROM api_auditlog WHERE object_id = %d" % new_id)) == 4,
          "created, updated twice, deleted: four audit rows in the table")


def test_methods():
    r = expect(405, "PUT", "/api/entries", body={})
    check(r.headers.get("allow") == "GET, HEAD, POST, OPTIONS", "Allow on the collection: %r" % r.headers)
    r = expect(405, "POST", "/api/entries/1", body={})
    check(r.headers.get("allow") == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS", "Allow on an entry: %r" % r.headers)
    for method in ("POST", "DELETE", "PATCH"):
        r = expect(405, method, "/api/blogs", body={} if method != "DELETE" else None)
        check(r.headers.get("allow") == "GET, HEAD, OPTIONS", "Allow on blogs: %r" % r.headers)
    expect(405, "DELETE", "/api/audit")
    r = request("OPTIONS", "/api/entries")
    check(r.status == 204 and "POST" in r.headers.get("allow", ""), "OPTIONS: %r %r" % (r, r.headers))


def test_blogs_and_audit():
    r, n = queries("blogs", "GET", "/api/blogs")
    check(r.status == 200 and r.json["count"] == 4, "4 blogs: %r" % r)
    check(n <= 2, "blogs: COUNT + page, not %d queries" % n)
    total = get("/api/entries?page_size=1").json["count"]
    check(sum(b["n_entries"] for b in r.json["results"]) == total, "n_entries add up to the entries")
    check(all(b["owner_name"] for b in r.json["results"]), "blogs carry their owner's name")
    check([b["name"] for b in r.json["results"]] == sorted(b["name"] for b in r.json["results"]), "blogs by name")
    r = expect(200, "GET", "/api/blogs?name__icontains=A")
    check(sorted(b["name"] for b in r.json["results"]) == ["Databases", "Travel"], "name__icontains: %r" % r)
    r, n = queries("audit", "GET", "/api/audit?page_size=5")
    check(r.status == 200 and n <= 2, "audit: %r in %d queries" % (r, n))
    expect(400, "GET", "/api/blogs?tagline=x")
    expect(400, "GET", "/api/audit?ordering=summary")


def test_query_counts():
    counts = {}
    for size in (5, 50):
        target = "/api/entries?page_size=%d&rating__gte=1&_=%d" % (size, size)
        r, n = queries("list, page_size=%d" % size, "GET", target)
        check(r.status == 200 and len(r.json["results"]) == min(size, r.json["count"]), "list of %d" % size)
        counts[size] = n
    check(counts[5] == counts[50], "the query count does not grow with the page: %r" % counts)
    check(counts[5] <= 2, "a list is COUNT + one page query, not %d" % counts[5])
    r, n = queries("live list", "GET", "/api/entries/live?page_size=50&_=live")
    check(n <= 2, "live list: %d queries" % n)


HOSTILE_400 = [
    "rating=1'%20OR%20'1'='1", "rating=3;%20DROP%20TABLE%20blog_entry", "rating__gte=abc", "rating__regex=.*",
    "rating__in=1,2", "body_text=x", "n_comments__gt=1", "blog__tagline=x", "blog__owner__name=Ann",
    "blog__name__regex=.*", "%ff%fe=1", "blog__name=%ff%fe", "blog__name=%00", "blog__name__icontains=a%00b",
    "headline=%c0%80", "rating=" + "9" * 5000, "rating=99999999999999999999", "rating=-99999999999999999999",
    "rating=1e3", "id__in=1,x,3", "id__in=" + ",".join(["1"] * 3) + ",", "pub_date=2025-13-45",
    "pub_date__year=abc", "pub_date__gte=yesterday", "published=maybe", "page=0", "page=-1", "page=999999",
    "page=1.5", "page=abc", "page=" + "9" * 40, "page_size=0", "page_size=101", "page_size=100000",
    "page_size=-5", "ordering=body_text", "ordering=-nosuch", "ordering=rating;DROP%20TABLE%20blog_entry",
    "ordering=--rating", "cursor=%27%3B%20DROP%20TABLE%20blog_entry", "format=%ff",
    "_=%00",
]
HOSTILE_200 = [
    "blog__name=x%27;%20DROP%20TABLE%20blog_entry;--", "headline__icontains=%25%27%22%5C", "nosuch=1",
    "DROP%20TABLE%20blog_entry=1", "format=csv", "rating=", "ordering=rating,", "headline=" + "a" * 3000, "blog__name__icontains=_%25",
]


def test_hostile_query_strings():
    before = get("/api/entries?page_size=1").json["count"]
    rows = int(DB.scalar("SELECT COUNT(*) FROM blog_entry"))
    check(before == rows, "the API and the table agree: %d %d" % (before, rows))
    for q in HOSTILE_400:
        for path in ("/api/entries", "/api/entries/live"):
            r = expect(400, "GET", path + "?" + q)
            check(isinstance(r.json, dict) and r.json, "a JSON error body for ?%s: %r" % (q[:60], r))
    for q in HOSTILE_200:
        r = expect(200, "GET", "/api/entries?" + q)
    check(get("/api/entries?blog__name=x%27;%20DROP%20TABLE%20blog_entry;--").json["count"] == 0,
          "a quote is only text")
    check(get("/api/entries?headline__icontains=%25").json["count"] == 0, "% is escaped in LIKE")
    check(get("/api/entries?page_size=1").json["count"] == before, "the count is unchanged")
    check(int(DB.scalar("SELECT COUNT(*) FROM blog_entry")) == rows, "the table is intact")


def test_concurrent_writers():
    blog = get("/api/blogs").json["results"][1]["id"]
    entries_before = int(DB.scalar("SELECT COUNT(*) FROM blog_entry"))
    audits_before = int(DB.scalar("SELECT COUNT(*) FROM api_auditlog"))
    results = {}
    errors = []
    stop_at = time.time() + 4.0

    def writer(k):
        mine = {}
        n = 0
        while time.time() < stop_at or n < 3:
            n += 1
            r = request("POST", "/api/entries", body=entry_body(blog, "writer %d #%d" % (k, n), rating=1))
            if r.status != 201:
                errors.append(("POST", k, n, repr(r)))
                continue
            rating = (k + n) % 5 + 1
            p = request("PATCH", "/api/entries/%d" % r.json["id"], body={"rating": rating})
            if p.status != 200 or p.json["rating"] != rating:
                errors.append(("PATCH", k, n, repr(p)))
                continue
            mine[r.json["id"]] = rating
        results[k] = mine

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "every concurrent write succeeded: %r" % errors[:5])
    made = {i: rt for m in results.values() for i, rt in m.items()}
    print("concurrent writers: %d entries created and patched by 16 clients" % len(made), flush=True)
    check(len(results) == 16 and len(made) >= 48, "16 writers wrote: %d" % len(made))
    check(get("/api/entries?page_size=1").json["count"] == entries_before + len(made), "the API counts them all")
    check(int(DB.scalar("SELECT COUNT(*) FROM blog_entry")) == entries_before + len(made), "so does the table")
    check(int(DB.scalar("SELECT COUNT(*) FROM api_auditlog")) == audits_before + 2 * len(made),
          "one audit row per create and per update")
    check(audit_count(action="updated") >= len(made), "the API sees the audit rows")
    for rating in range(1, 6):
        want = sum(1 for rt in made.values() if rt == rating)
        got = get("/api/entries?page_size=1&blog=%d&headline__icontains=writer&rating=%d" % (blog, rating))
        check(got.json["count"] == want, "rating %d: %d entries, the API says %r" % (rating, want, got))
        direct = int(DB.scalar("SELECT COUNT(*) FROM blog_entry WHERE headline LIKE 'writer %%' AND rating = %d"
                               % rating))
        check(direct == want, "rating %d: %d entries, the table says %d" % (rating, want, direct))


def test_duplicate_race():
    """8 clients POST the same (blog, headline) at once: one 201, seven 409 (full_clean() or
    the unique constraint, whichever catches it), one row."""
    blog = get("/api/blogs").json["results"][2]["id"]
    statuses = []
    gate = threading.Barrier(8)

    def post():
        gate.wait()
        statuses.append(request("POST", "/api/entries", body=entry_body(blog, "The same headline")).status)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(sorted(statuses) == [201] + [409] * 7, "one 201 and seven 409: %r" % statuses)
    check(int(DB.scalar("SELECT COUNT(*) FROM blog_entry WHERE headline = 'The same headline'")) == 1, "one row")


def main():
    global SERVER, DB
    DB = Database()
    SERVER = None
    try:
        SERVER = Server(DB.url)
        for test in (test_lists_and_filters, test_cursor_pages, test_detail_and_404, test_writes, test_methods,
                     test_blogs_and_audit, test_query_counts, test_hostile_query_strings, test_concurrent_writers,
                     test_duplicate_race):
            print("==", test.__name__, flush=True)
            try:
                test()
            except Exception as e:  # a crash is a failure, and the other tests still run
                check(False, "%s raised %r" % (test.__name__, e))
        check(not [s for s in STATUSES if s[2] >= 500], "no 5xx: %r" % [s for s in STATUSES if s[2] >= 500][:5])
        print("query counts per request:", json.dumps(QUERY_COUNTS), flush=True)
        rc = SERVER.stop()
        check(rc == 0, "SIGTERM stops the server cleanly (exit %r)" % rc)
        with SERVER.lock:
            log = list(SERVER.lines)
        check(any(line == "stopped" for line in log), "the server said it stopped")
        check(not [l for l in log if l.startswith("error in")], "no handler errors: %r" %
              [l for l in log if l.startswith("error in")][:5])
        SERVER = None
    finally:
        if SERVER:
            SERVER.proc.kill()
        DB.drop()
    print("%d statuses checked, %d failures" % (len(STATUSES), len(FAILURES)))
    # scripts/run sums every suite's doctest line
    print("[doctest] test cases: %d | %d passed | %d failed | 0 skipped"
          % (CHECKS[0], CHECKS[0] - len(FAILURES), len(FAILURES)))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
