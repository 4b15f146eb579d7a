#!/usr/bin/env python3
"""The migrations scenario: one app in four model versions (app.cpp), driven through
makemigrations, migrate, data, changed models, migrate back, and every refusal, on one
backend. The schema is read with the sqlite3 / psql shells, not through dorm.

usage: scenario.py sqlite|postgresql APP_V1 APP_V2 APP_V3 APP_V4
PostgreSQL: DORM_TEST_POSTGRES is a libpq conninfo (scripts/pg start); a database
dorm_scenario is made afresh on that server.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

backend = sys.argv[1]
apps = {i + 1: os.path.abspath(p) for i, p in enumerate(sys.argv[2:6])}
work = tempfile.mkdtemp(prefix="dorm-scenario-")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAILED:", what)


def run(version, *args, expect=0):
    env = dict(os.environ, DATABASE_URL=database_url)
    p = subprocess.run([apps[version], *args], cwd=work, env=env, capture_output=True, text=True)
    check(p.returncode == expect, f"v{version} {' '.join(args)}: exit {p.returncode}, expected {expect}\n"
                                  f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


if backend == "sqlite":
    database_url = "sqlite3://" + os.path.join(work, "db.sqlite3")

    def sql(query):
        return subprocess.run(["sqlite3", os.path.join(work, "db.sqlite3"), query],
                              capture_output=True, text=True, check=True).stdout

    def columns(table):
        return [line.split("|")[1] for line in sql(f"PRAGMA table_info({table})").splitlines()]

    def indexes(table):
        return [line.split("|")[1] for line in sql(f"PRAGMA index_list({table})").splitlines()]

    def tables():
        return sql("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").split()
else:
    info = os.environ.get("DORM_TEST_POSTGRES")
    if not info:
        print("DORM_TEST_POSTGRES is not set: start a server with scripts/pg start")
        sys.exit(1)
    admin = info
    subprocess.run(["psql", admin, "-qc", "DROP DATABASE IF EXISTS dorm_scenario"], check=True, capture_output=True)
    subprocess.run(["psql", admin, "-qc", "CREATE DATABASE dorm_scenario"], check=True, capture_output=True)
    scenario_info = re.sub(r"dbname=\S+", "dbname=dorm_scenario", info) if "dbname=" in info else info + " dbname=dorm_scenario"
    database_url = "postgresql://" + scenario_info

    def sql(query):
        return subprocess.run(["psql", scenario_info, "-qtAc", query], capture_output=True, text=True, check=True).stdout

    def columns(table):
        return sql(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' "
                   "ORDER BY ordinal_position").split()

    def indexes(table):
        return sql(f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'").split()

    def tables():
        return sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").split()

mig = os.path.join(work, "migrations")

# 1. the first version: makemigrations writes 0001_initial, migrate applies it
p = run(1, "makemigrations")
check(os.path.exists(os.path.join(mig, "0001_initial.json")), "0001_initial.json written")
initial = json.load(open(os.path.join(mig, "0001_initial.json")))
check([op["type"] for op in initial["operations"]] == ["CreateModel", "CreateModel"], "two CreateModels, author first")
check(initial["operations"][0]["name"] == "blog.author", "labels in the file")
check(open(os.path.join(mig, "0001_initial.json")).read().startswith('{\n  "atomic"'), "sorted keys, 2-space indent")
p = run(1, "makemigrations")
check("No changes detected" in p.stdout, "no changes the second time")
run(1, "makemigrations", "--check")
p = run(1, "migrate", "--plan")
check("Apply 0001_initial" in p.stdout, "--plan lists 0001_initial")
check("blog_entry" not in tables(), "--plan runs nothing")
p = run(1, "migrate")
check(re.search(r"Applying 0001_initial\.\.\. OK \(\d+\.\d\ds\)", p.stdout), "Applying ... OK (0.00s)")
check({"blog_author", "blog_entry", "dorm_migrations"} <= set(tables()), "tables made")
check(columns("blog_entry") == ["id", "author_id", "headline"], "v1 columns")
p = run(1, "data", "write")
v1_rows = p.stdout.splitlines()
check(v1_rows == ["Ann first", "Ann second", "Bob third"], "v1 data")
p = run(1, "showmigrations")
check(p.stdout.splitlines() == ["[X] 0001_initial"], "showmigrations")

# 2. the second version: a rename, new fields, a ManyToMany, an index and a constraint
p = run(2, "makemigrations", "--check", expect=1)
p = run(2, "makemigrations", "--dry-run")
check(not os.path.exists(os.path.join(mig, "0002_auto.json")) and len(os.listdir(mig)) == 1, "--dry-run writes nothing")
p = run(2, "makemigrations")
second = sorted(os.listdir(mig))[1]
check(second.startswith("0002_"), "0002 written: " + second)
ops = json.load(open(os.path.join(mig, second)))["operations"]
types = [op["type"] for op in ops]
check("RenameField" in types and "AddField" in types and "CreateModel" in types and "AddIndex" in types
      and "AddConstraint" in types, "operations of v2: " + str(types))
name2 = second[:-5]
p = run(2, "sqlmigrate", name2)
check("rating" in p.stdout, "sqlmigrate shows the SQL")
p = run(2, "migrate")
check(f"Applying {name2}... OK" in p.stdout, "0002 applied")
check("title" in columns("blog_entry") and "headline" not in columns("blog_entry"), "renamed column")
check("rating" in columns("blog_entry") and "email" in columns("blog_author"), "added columns")
check("blog_entry_tags" in tables() and "blog_tag" in tables(), "ManyToMany and new model")
check("entry_rating_title" in indexes("blog_entry"), "index made")
p = run(2, "data", "show")
check(p.stdout.splitlines() == ["Ann first 0", "Ann second 0", "Bob third 0"], "rows kept through the rename: " + p.stdout)
run(2, "makemigrations", "--check")
p = run(2, "migrate", "--check")
check("the schema matches" in p.stdout, "migrate --check: applied and no drift: " + p.stdout)
sql("ALTER TABLE blog_entry ADD COLUMN extra integer")
sql("DROP INDEX entry_rating_title")
p = run(2, "migrate", "--check", expect=1)
check("extra column extra" in p.stdout and "missing index or constraint entry_rating_title" in p.stdout,
      "migrate --check lists each drift: " + p.stdout)
sql("ALTER TABLE blog_entry DROP COLUMN extra")
sql('CREATE INDEX "entry_rating_title" ON "blog_entry" ("rating", "title" DESC)')
run(2, "migrate", "--check")
p = run(2, "lint", name2, expect=1)
check(f"{name2}: RenameField blog.entry.headline: error: breaks code still running the old models" in p.stdout,
      "lint names the rename: " + p.stdout)
check("AddConstraint blog.entry.rating_nonnegative: error: fails on existing rows" in p.stdout, "lint: new constraint")
if backend == "postgresql":
    check("warning: takes a lock that blocks writes" in p.stdout, "lint: PostgreSQL lock warnings")
p = run(2, "check")
check("no issues" in p.stdout, "check passes")
p = run(2, "sqlmigrate", name2, "--backwards")
check("headline" in p.stdout, "sqlmigrate --backwards")

# 3. the third version: a field removed, a field widened (SQLite rebuilds the table)
p = run(3, "makemigrations")
third = sorted(f for f in os.listdir(mig))[2][:-5]
p = run(3, "migrate")
check("email" not in columns("blog_author"), "email removed")
check(sql("SELECT COUNT(DISTINCT ident) FROM blog_author WHERE ident IS NOT NULL").strip() == "2",
      "each existing row got its own value from the default_factory")
p = run(3, "data", "show")
check(p.stdout.splitlines() == ["Ann first 0", "Ann second 0", "Bob third 0"], "rows kept through v3: " + p.stdout)
if backend == "sqlite":
    check("varchar(200)" in sql("SELECT sql FROM sqlite_master WHERE name = 'blog_author'"), "widened column")
    check("entry_rating_title" in indexes("blog_entry"), "indexes survive the rebuild")
else:
    check(sql("SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'blog_author' "
              "AND column_name = 'name'").strip() == "200", "widened column")

# fixtures and inspectdb through the command line
fixture = os.path.join(work, "blog.json")
run(3, "dumpdata", "blog", "--indent", "2", "--output", fixture)
rows = json.load(open(fixture))
check(sorted({r["model"] for r in rows}) == ["blog.author", "blog.entry"] and len(rows) == 5, "dumpdata: " + str(rows)[:300])
p = run(3, "loaddata", fixture)
check("Installed 5 object(s) from 1 fixture(s)" in p.stdout, "loaddata: " + p.stdout)
p = run(3, "inspectdb", "blog_author", "blog_entry")
check("struct BlogEntry" in p.stdout and "dorm::ForeignKey<BlogAuthor>" in p.stdout, "inspectdb: " + p.stdout[:400])

# 4. a NOT NULL field without a default is refused, naming the fixes
p = run(4, "makemigrations", expect=3)
check("views" in p.stderr and "default_value" in p.stderr and "std::optional" in p.stderr, "exit 3 names the fixes")
check(len(os.listdir(mig)) == 3, "nothing written on exit 3")

# 5. refusals that leave the database as it was
before = (tables(), columns("blog_entry"))
path1 = os.path.join(mig, "0001_initial.json")
original = open(path1).read()
edited = json.loads(original)
edited["operations"][1]["fields"][2]["max_length"] = 100
open(path1, "w").write(json.dumps(edited))
p = run(3, "migrate", expect=1)
check("0001_initial" in p.stderr and "edited" in p.stderr, "an edited applied migration is refused: " + p.stderr)
open(path1, "w").write(json.dumps(json.loads(original), indent=4))  # re-indented only: accepted
run(3, "migrate")
open(path1, "w").write(original)
bad = os.path.join(mig, "0004_bad.json")
open(bad, "w").write("{not json")
p = run(3, "migrate", expect=1)
check("0004_bad" in p.stderr, "bad JSON names the file")
open(bad, "w").write(json.dumps({"dependencies": [third], "operations": [{"type": "Frobnicate"}]}))
p = run(3, "migrate", expect=1)
check("Frobnicate" in p.stderr and "0004_bad" in p.stderr, "unknown operation names the file and type")
open(bad, "w").write(json.dumps({"dependencies": ["0009_missing"], "operations": []}))
p = run(3, "migrate", expect=1)
check("0009_missing" in p.stderr, "missing dependency named")
cyc = os.path.join(mig, "0004_cycle.json")
open(bad, "w").write(json.dumps({"dependencies": ["0004_cycle"], "operations": []}))
open(cyc, "w").write(json.dumps({"dependencies": ["0004_bad"], "operations": []}))
p = run(3, "migrate", expect=1)
check("cycle" in p.stderr and "0004_bad" in p.stderr and "0004_cycle" in p.stderr, "a cycle named: " + p.stderr)
os.remove(cyc)
open(bad, "w").write(json.dumps({"dependencies": [third], "operations": [{"type": "AddField", "model": "blog.nothing",
                                                                         "field": {"name": "x", "type": "integer"}}]}))
p = run(3, "migrate", expect=1)
check("blog.nothing" in p.stderr, "an operation on an unknown model names it: " + p.stderr)
open(bad, "w").write(json.dumps({"dependencies": [third], "operations": [
    {"type": "RunSQL", "sql": ["CREATE TABLE scratch (x integer)", "INSERT INTO nowhere VALUES (1)"]}]}))
p = run(3, "migrate", expect=1)
check("scratch" not in tables(), "a failing RunSQL leaves nothing behind")
p = run(3, "showmigrations")
check("[ ] 0004_bad" in p.stdout, "the failed migration is not recorded")
os.remove(bad)
check((tables(), columns("blog_entry")) == before, "schema exactly as before the refusals")

# 6. branches: two leaves are refused, --merge joins them
for n in ("0004_a", "0004_b"):
    open(os.path.join(mig, n + ".json"), "w").write(json.dumps({"dependencies": [third], "operations": []}))
p = run(3, "migrate", expect=1)
check("0004_a" in p.stderr and "0004_b" in p.stderr and "--merge" in p.stderr, "branches refused naming both")
p = run(3, "makemigrations", "--merge")
p = run(3, "migrate")
check("Applying 0005_merge" in p.stdout, "merge applied: " + p.stdout)
merge = [n[:-5] for n in os.listdir(mig) if n.startswith("0005_merge")][0]
open(os.path.join(mig, "0006_code.json"), "w").write(json.dumps({"dependencies": [merge], "atomic": False, "operations": [
    {"type": "RunCode", "name": "fill_ratings", "reverse": "clear_ratings"},
    {"type": "AddIndex", "model": "blog.author", "concurrently": True,
     "index": {"name": "author_name_idx", "fields": ["name"]}},
    {"type": "AddConstraint", "model": "blog.author",
     "constraint": {"type": "check", "name": "name_nonempty", "not_valid": True,
                    "condition": {"not": {"path": "name", "value": ""}}}}]}))
p = run(3, "sqlmigrate", "0006_code")
if backend == "postgresql":
    check("CREATE INDEX CONCURRENTLY" in p.stdout and "NOT VALID" in p.stdout, "concurrently / not_valid: " + p.stdout)
run(3, "migrate")
p = run(3, "data", "show")
check(p.stdout.splitlines() == ["Ann first 5", "Ann second 5", "Bob third 5"], "RunCode ran in the migration: " + p.stdout)
check("author_name_idx" in indexes("blog_author"), "the concurrently built index exists")

# 7. backwards: to 0001 (rename, fields and tables undone, rows kept), then zero
p = run(3, "migrate", "0001_initial")
check("Unapplying " + name2 in p.stdout, "0002 unapplied")
check("headline" in columns("blog_entry") and "title" not in columns("blog_entry"), "rename undone")
check("blog_tag" not in tables() and "blog_entry_tags" not in tables(), "new tables dropped")
p = run(1, "data", "show")
check(p.stdout.splitlines() == v1_rows, "rows intact after going back: " + p.stdout)
run(1, "migrate", "zero")
check("blog_entry" not in tables() and "blog_author" not in tables(), "zero drops every table")
p = run(1, "migrate", "--fake")
check("FAKED" in p.stdout and "blog_entry" not in tables(), "--fake records without SQL")

# 8. squash the first three into one, proved on in-memory SQLite; a database that applied
# them accepts it
p = run(1, "squashmigrations", "0001_initial", third)
squashed = [n for n in os.listdir(mig) if "_squashed_" in n]
check(len(squashed) == 1 and "same schema" in p.stdout, "squash written after the proof: " + p.stdout + p.stderr)
if squashed:
    sq = json.load(open(os.path.join(mig, squashed[0])))
    check(sq["replaces"] == ["0001_initial", name2, third], "replaces lists the three")
    p = run(1, "migrate")
    check("No migrations to apply" in p.stdout, "a database that applied the originals accepts the squash")
    p = run(1, "showmigrations")
    check("[X] " + squashed[0][:-5] in p.stdout, "the squash counts as applied: " + p.stdout)

# 9. usage and help
run(1, "frobnicate", expect=2)
run(1, "migrate", "--frobnicate", expect=2)
p = run(1, "--help")
check("makemigrations" in p.stdout, "help lists the commands")

shutil.rmtree(work, ignore_errors=True)
# each check counts as a case in scripts/run's summary (it reads doctest's summary line)
print(f"[doctest] test cases: {checks} | {checks - len(failures)} passed | {len(failures)} failed | 0 skipped")
sys.exit(1 if failures else 0)
