#!/usr/bin/env python3
"""Runs dorm_bench, raw_soci and raw_sqlite RUNS times, interleaved, each on a fresh
SQLite file; checks that they agree; prints medians and ratios; writes latest.json."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

runs, build, out_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
impls = ["dorm", "raw_soci", "raw_sqlite"]
exe = {"dorm": "dorm_bench", "raw_soci": "raw_soci", "raw_sqlite": "raw_sqlite"}
ops = ["W1_insert", "W2_fetch_all", "W3_filter_range", "W4_get_pk", "W6_update",
       "W8_single_inserts"]
times = {i: {o: [] for o in ops} for i in impls}
rss = {i: [] for i in impls}
checks, ok = {}, True

with tempfile.TemporaryDirectory(prefix="dorm-bench-") as tmp:
    for r in range(runs):
        for impl in impls:
            db = os.path.join(tmp, impl + ".sqlite3")
            print(f"run {r + 1}/{runs}: {impl}", file=sys.stderr, flush=True)
            p = subprocess.Popen([os.path.join(build, "bench", exe[impl]), db],
                                 stdout=subprocess.PIPE, text=True)
            _, status, usage = os.wait4(p.pid, 0)  # the output (8 lines) fits the pipe
            out = p.stdout.read()
            rss[impl].append(usage.ru_maxrss / 1024.0)
            if status != 0:
                print(f"{impl} failed with status {status}", file=sys.stderr)
                ok = False
            for line in out.splitlines():
                j = json.loads(line)
                if j["op"] not in ops:
                    continue
                key = "cpu_seconds" if j["op"] == "W8_single_inserts" else "seconds"
                times[impl][j["op"]].append(j[key])
                got = (j["rows"], j["check"])
                if checks.setdefault(j["op"], got) != got:
                    print(f"CHECK MISMATCH in {j['op']}: {impl} {got} vs {checks[j['op']]}",
                          file=sys.stderr)
                    ok = False

med = {o: {i: statistics.median(times[i][o]) for i in impls if times[i][o]} for o in ops}
print(f"{'op':<20}{'dorm':>10}{'raw_soci':>10}{'raw_sqlite':>11}{'dorm/soci':>11}{'dorm/sqlite':>13}")
for o in ops:
    m = med[o]
    if len(m) < 3:
        continue
    unit = " (cpu)" if o == "W8_single_inserts" else ""
    print(f"{o + unit:<20}{m['dorm']:>10.4f}{m['raw_soci']:>10.4f}{m['raw_sqlite']:>11.4f}"
          f"{m['dorm'] / m['raw_soci']:>11.3f}{m['dorm'] / m['raw_sqlite']:>13.3f}")
peak = {i: max(rss[i]) for i in impls}
print(f"{'peak RSS MiB':<20}{peak['dorm']:>10.1f}{peak['raw_soci']:>10.1f}{peak['raw_sqlite']:>11.1f}"
      f"{peak['dorm'] / peak['raw_soci']:>11.3f}{peak['dorm'] / peak['raw_sqlite']:>13.3f}")
result = {o: med[o] for o in ops}
result["peak_rss_mib"] = peak
result["runs"] = runs
with open(out_path, "w") as f:
    json.dump(result, f, indent=2)
print(f"wrote {out_path}" + ("" if ok else " (INVALID: implementations disagree)"))
sys.exit(0 if ok else 1)
