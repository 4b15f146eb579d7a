"""bench/http/run's driver: seeds one SQLite file, starts both servers with the same number
of request executors, checks they answer the same, then alternates load runs between them
and reports medians. Usage: harness.py BUILD_DIR RESULTS_JSON"""
import datetime
import json
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD, RESULTS = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = int(os.environ.get("RUNS", "3"))
SECONDS = float(os.environ.get("SECONDS_PER_RUN", "5"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "2"))
WORKERS = int(os.environ.get("WORKERS", "2"))
ENTRIES = 5000
TARGET = "/api/entries?rating__gte=2&blog__name__icontains=o&published=true&page=3&page_size=20"
API = os.path.join(BUILD, "samples", "api", "api")
LOAD = os.path.join(BUILD, "bench", "http", "http_load")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(port, proc, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("%s exited with %d" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("%s did not start" % what)


def seed(db):
    """The sample's schema and demo data (its migrations), then entries up to ENTRIES."""
    env = dict(os.environ, DATABASE_URL="sqlite3://" + db)
    subprocess.run([API, "manage", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    c = sqlite3.connect(db)
    owners = [r[0] for r in c.execute("SELECT id FROM blog_author")]
    names = ["Cooking", "Travel", "Databases", "Misc", "Photography", "Gardening", "Robots", "Poetry",
             "Woodwork", "Astronomy", "Opera", "Chess", "Football", "Sailing", "Cycling", "Coffee"]
    for i, name in enumerate(names[4:]):
        c.execute("INSERT INTO blog_blog (name, tagline, owner_id) VALUES (?, ?, ?)",
                  (name, "All about " + name.lower(), owners[i % len(owners)]))
    blogs = [r[0] for r in c.execute("SELECT id FROM blog_blog ORDER BY id")]
    have = c.execute("SELECT COUNT(*) FROM blog_entry").fetchone()[0]
    day0 = datetime.date(2020, 1, 1)
    rows = []
    for n in range(have, ENTRIES):
        rows.append((blogs[n % len(blogs)], "Bench entry %05d" % n, "Body of entry %d. " % n * 5,
                     (day0 + datetime.timedelta(days=n % 2000)).isoformat(), "2026-01-01 12:00:00.000000",
                     n % 5 + 1, n * 7 % 13, n % 4 != 0, "{}"))
    c.executemany("INSERT INTO blog_entry (blog_id, headline, body_text, pub_date, mod_date, rating, n_comments, "
                  "published, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    c.commit()
    c.execute("ANALYZE")
    c.close()


def start_dorm(db, port, log):
    env = dict(os.environ, DATABASE_URL="sqlite3://" + db, PORT=str(port), THREADS=str(WORKERS))
    return subprocess.Popen([API, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log)


def start_django(db, port, log):
    env = dict(os.environ, BENCH_DB=db)
    return subprocess.Popen(["gunicorn", "--workers", str(WORKERS), "--bind", "127.0.0.1:%d" % port,
                             "--chdir", os.path.join(HERE, "django_app"), "--log-level", "warning",
                             "benchsite:application"], env=env, stdout=subprocess.DEVNULL, stderr=log)


def fetch(port):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, TARGET)) as r:
        return json.load(r)


def comparable(page):
    return {"count": page["count"], "page": page["page"], "num_pages": page["num_pages"],
            "results": [{k: v for k, v in e.items() if k != "mod_date"} for e in page["results"]]}


def load(port):
    out = subprocess.run([LOAD, str(port), TARGET, str(CONCURRENCY), str(SECONDS), "1"], capture_output=True,
                         text=True)
    if out.returncode != 0:
        sys.exit("load generator failed: %s %s" % (out.stdout, out.stderr))
    return json.loads(out.stdout)


def main():
    tmp = tempfile.mkdtemp(prefix="dorm-bench-http-")
    db = os.path.join(tmp, "bench.sqlite3")
    seed(db)
    ports = {"dorm": free_port(), "django": free_port()}
    logs = {name: open(os.path.join(tmp, name + ".log"), "w") for name in ports}
    procs = {"dorm": start_dorm(db, ports["dorm"], logs["dorm"]),
             "django": start_django(db, ports["django"], logs["django"])}
    try:
        for name in procs:
            wait_for(ports[name], procs[name], name)
        a, b = fetch(ports["dorm"]), fetch(ports["django"])
        if comparable(a) != comparable(b):
            sys.exit("the two servers answer differently:\n%s\n%s" % (json.dumps(comparable(a))[:800],
                                                                      json.dumps(comparable(b))[:800]))
        runs = {"dorm": [], "django": []}
        for r in range(RUNS):
            for name in ("dorm", "django"):
                runs[name].append(load(ports[name]))
                print("run %d %-6s %s" % (r + 1, name, json.dumps(runs[name][-1])), file=sys.stderr)
    finally:
        for p in procs.values():
            p.terminate()
            p.wait(20)
    med = {name: {k: statistics.median(x[k] for x in rs) for k in ("rps", "p50_ms", "p99_ms")}
           for name, rs in runs.items()}
    ratio = med["dorm"]["rps"] / med["django"]["rps"]
    print("GET %s  (SQLite, %d entries, %d clients, %d executors each, %g s x %d runs, medians)"
          % (TARGET, ENTRIES, CONCURRENCY, WORKERS, SECONDS, RUNS))
    print("%-32s %10s %10s %10s" % ("server", "req/s", "p50 ms", "p99 ms"))
    print("%-32s %10.0f %10.2f %10.2f" % ("dorm sample (httplib, %d threads)" % WORKERS, med["dorm"]["rps"],
                                          med["dorm"]["p50_ms"], med["dorm"]["p99_ms"]))
    print("%-32s %10.0f %10.2f %10.2f" % ("Django 3.2 (gunicorn, %d sync)" % WORKERS, med["django"]["rps"],
                                          med["django"]["p50_ms"], med["django"]["p99_ms"]))
    print("%-32s %10.2fx %9.2fx %9.2fx" % ("dorm / Django", ratio, med["django"]["p50_ms"] / med["dorm"]["p50_ms"],
                                           med["django"]["p99_ms"] / med["dorm"]["p99_ms"]))
    with open(os.path.join(BUILD, "meson-info", "intro-buildoptions.json")) as f:
        buildtype = next(o["value"] for o in json.load(f) if o["name"] == "buildtype")
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump({"target": TARGET, "entries": ENTRIES, "concurrency": CONCURRENCY, "executors": WORKERS, "buildtype": buildtype,
                   "seconds_per_run": SECONDS, "runs": RUNS, "median": med, "rps_ratio_dorm_over_django": ratio,
                   "all_runs": runs, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                   "date": datetime.date.today().isoformat()}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
