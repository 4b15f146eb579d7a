"""Compares the two runners' results chain by chain and prints every disagreement.

usage: compare.py CHAINS DJANGO_JSON DORM_JSON KNOWN_FAILURES_JSON
known_failures.json maps a chain id to a one-line reason: such a chain is reported but
does not fail; one that agrees now is reported as "now passing" (remove it from the file).
DIFF_VERBOSE=1 prints the details of the known failures too.
Exit code 1 when an unexpected disagreement was found.
"""
import json
import os
import sys

import normalize

MAX_SHOWN = 1500  # characters of one result in a report


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def outcome(chain, got):
    """("error", None) or ("result", the normal form, rows sorted unless ordered)."""
    if "error" in got:
        return "error", None
    kind = chain["eval"]
    res = normalize.result(kind, got["result"])
    if not chain.get("ordered"):
        res = normalize.unordered(kind, res)
    return "result", res


def agree(chain, django, dorm):
    return outcome(chain, django) == outcome(chain, dorm)


def shown(chain, got):
    """The normal form (rows sorted unless the chain is ordered), cut to MAX_SHOWN."""
    kind, res = outcome(chain, got)
    if kind == "error":
        return "ERROR " + got["error"]
    text = json.dumps(res, ensure_ascii=False)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f"... ({len(text)} chars)"


def first_difference(chain, django, dorm):
    """For row lists: the sizes and the first rows that differ, which the eye finds first."""
    (dk, dr), (mk, mr) = outcome(chain, django), outcome(chain, dorm)
    if dk != "result" or mk != "result":
        return None
    rows_d = dr["rows"] if isinstance(dr, dict) and "rows" in dr else dr
    rows_m = mr["rows"] if isinstance(mr, dict) and "rows" in mr else mr
    if not (isinstance(rows_d, list) and isinstance(rows_m, list)):
        return None
    note = f"rows: django {len(rows_d)}, dorm {len(rows_m)}"
    if isinstance(dr, dict) and dr.get("columns") != mr.get("columns"):
        note += f"; columns: django {dr.get('columns')}, dorm {mr.get('columns')}"
    only_d = [r for r in rows_d if r not in rows_m][:3]
    only_m = [r for r in rows_m if r not in rows_d][:3]
    if only_d or only_m:
        note += f"; only in django (first 3): {json.dumps(only_d, ensure_ascii=False)}"
        note += f"; only in dorm (first 3): {json.dumps(only_m, ensure_ascii=False)}"
    elif rows_d != rows_m:
        note += "; same rows, different order"
    return note


def report(chain, django, dorm, header):
    print(header)
    print("  chain:  " + json.dumps({k: v for k, v in chain.items() if k != "id"}, ensure_ascii=False))
    for q in django.get("sql", []):
        print("  django SQL: " + q)
    for q in dorm.get("sql", []):
        print("  dorm SQL:   " + q)
    print("  django: " + shown(chain, django))
    print("  dorm:   " + shown(chain, dorm))
    diff = first_difference(chain, django, dorm)
    if diff:
        print("  " + diff)
    print()


def main():
    chains, django, dorm, known = (load(p) for p in sys.argv[1:5])
    verbose = os.environ.get("DIFF_VERBOSE") == "1"
    passed, failed, known_failing, now_passing = 0, [], [], []
    for chain in chains:
        cid = chain["id"]
        d = django[cid]
        m = dorm.get(cid, {"error": "dorm_runner wrote no result", "sql": []})
        if agree(chain, d, m):
            passed += 1
            if cid in known:
                now_passing.append(cid)
            continue
        if cid in known:
            known_failing.append(cid)
            if verbose:
                report(chain, d, m, f"KNOWN {cid}: {known[cid]}")
            continue
        failed.append(cid)
        report(chain, d, m, f"FAIL {cid}")
    for cid in known_failing:
        print(f"known failure {cid}: {known[cid]}")
    for cid in now_passing:
        print(f"NOW PASSING {cid}: remove it from known_failures.json (was: {known[cid]})")
    stale = sorted(set(known) - {c["id"] for c in chains})
    for cid in stale:
        print(f"known_failures.json names {cid}, which is no chain: remove it")
    if failed:
        print("failed chains: " + " ".join(failed))
    total = len(chains)
    # In doctest's words too, so that scripts/run's summary counts the chains.
    print(f"[doctest] test cases: {total} | {passed} passed | {len(failed)} failed | "
          f"{len(known_failing)} skipped")
    print(f"differential: {len(known_failing)} known failures, {len(now_passing)} now passing")
    print(f"differential: {passed} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
