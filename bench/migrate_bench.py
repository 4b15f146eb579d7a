#!/usr/bin/env python3
"""migrate from zero: an app of 100 models and 300 migrations (0001 creates the models, each
with a ForeignKey to the one before; 299 more add a column or an index), applied by a dorm
program's `manage migrate`. Prints the wall time.

usage: bench/migrate_bench.py PROGRAM [DATABASE_URL]
PROGRAM is any program that calls dorm::manage with `manage` as its first argument
(build/samples/blog). DATABASE_URL defaults to a fresh SQLite file.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

program = sys.argv[1]
work = tempfile.mkdtemp(prefix="dorm-migrate-bench-")
url = sys.argv[2] if len(sys.argv) > 2 else "sqlite3://" + os.path.join(work, "db.sqlite3")
mig = os.path.join(work, "migrations")
os.makedirs(mig)


def field(name, type_, **kw):
    return dict({"name": name, "column": name, "type": type_}, **kw)


models = []
for i in range(100):
    fields = [field("id", "bigint", primary_key=True, auto_increment=True),
              field("name", "varchar", max_length=100), field("n", "integer", default=0)]
    if i:
        fields.append({"name": "parent", "column": "parent_id", "relation": "ForeignKey",
                       "to": f"bench.m{i - 1}", "on_delete": "CASCADE", "db_index": True, "null": True})
    models.append({"type": "CreateModel", "name": f"bench.m{i}", "model": f"M{i}", "table": f"bench_m{i}",
                   "fields": fields})
prev = "0001_initial"
json.dump({"dependencies": [], "operations": models, "atomic": True}, open(os.path.join(mig, prev + ".json"), "w"))
for k in range(2, 301):
    m = (k * 37) % 100
    if k % 3:
        op = {"type": "AddField", "model": f"bench.m{m}", "field": field(f"f{k}", "varchar", max_length=50, null=True)}
    else:
        op = {"type": "AddIndex", "model": f"bench.m{m}", "index": {"name": f"bench_m{m}_i{k}", "fields": ["name", "-n"]}}
    name = f"{k:04d}_step"
    json.dump({"dependencies": [prev], "operations": [op], "atomic": True}, open(os.path.join(mig, name + ".json"), "w"))
    prev = name

start = time.time()
p = subprocess.run([program, "manage", "migrate", "--migrations", mig, "--database-url", url],
                   capture_output=True, text=True)
elapsed = time.time() - start
if p.returncode != 0:
    print(p.stdout[-2000:], p.stderr[-2000:])
    sys.exit(1)
applied = p.stdout.count(" OK (")
print(f"migrate from zero: {applied} migrations, 100 models: {elapsed:.2f} s")
