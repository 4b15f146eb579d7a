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
postgres = sys.argv[4] if len(sys.argv) > 4 else ""  # conninfo: the PostgreSQL run
impls = ["dorm", "raw_soci"] if postgres else ["dorm", "raw_soci", "raw_sqlite"]
exe = {"dorm": "dorm_bench", "raw_soci": "raw_soci", "raw_sqlite": "raw_sqlite"}
ops = ["W1_insert", "W2_fetch_all", "W3_filter_range", "W4_get_pk", "W5_join", "W5p_prefetch",
       "W6_update", "W7_aggregate", "W9_window", "W8_single_inserts"]
times = {i: {o: [] for o in ops} for i in impls}
rss = {i: [] for i in impls}
checks, ok = {}, True

with tempfile.TemporaryDirectory(prefix="dorm-bench-") as tmp:
    for r in range(runs):
        for impl in impls:
            db = os.path.join(tmp, impl + ".sqlite3")
            print(f"run {r + 1}/{runs}: {impl}", file=sys.stderr, flush=True)
            args = ["--postgresql", postgres] if postgres else [db]
            p = subprocess.Popen([os.path.join(build, "bench", exe[impl])] + args,
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
print(("PostgreSQL" if postgres else "SQLite") + f", median of {runs}")
header = f"{'op':<24}" + "".join(f"{i:>11}" for i in impls) + "".join(f"{'dorm/' + i:>16}" for i in impls[1:])
print(header)
for o in ops:
    m = med[o]
    if "dorm" not in m or len(m) < 2:
        continue
    unit = " (cpu)" if o == "W8_single_inserts" else ""
    print(f"{o + unit:<24}" + "".join(f"{m[i]:>11.4f}" if i in m else f"{'-':>11}" for i in impls) +
          "".join(f"{m['dorm'] / m[i]:>16.3f}" if i in m else f"{'-':>16}" for i in impls[1:]))
peak = {i: max(rss[i]) for i in impls}
print(f"{'peak RSS MiB':<24}" + "".join(f"{peak[i]:>11.1f}" for i in impls) +
      "".join(f"{peak['dorm'] / peak[i]:>16.3f}" for i in impls[1:]))
result = {o: med[o] for o in ops}
result["peak_rss_mib"] = peak
result["runs"] = runs
with open(out_path, "w") as f:
    json.dump(result, f, indent=2)
print(f"wrote {out_path}" + ("" if ok else " (INVALID: implementations disagree)"))
sys.exit(0 if ok else 1)
