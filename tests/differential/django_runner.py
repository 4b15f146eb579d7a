"""Evaluates every chain of a spec with Django and writes the normalized results.

usage: django_runner.py DB_PATH CHAINS_JSON OUT_JSON
Out: {"<chain id>": {"result": ..., "sql": [...]} or {"error": "...", "sql": [...]}}.
The chain language is described in README.md.
"""
import datetime
import json
import operator
import sys

import django_env
import normalize

AGGREGATES = {}  # name -> class, filled by setup()
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def setup(db_path):
    models = django_env.setup(db_path)
    from django.db import models as m
    AGGREGATES.update(Count=m.Count, Sum=m.Sum, Avg=m.Avg, Min=m.Min, Max=m.Max)
    return models


def value(v):
    """A chain value: a JSON scalar or list, {"date": ...}, {"F": ...} or {"expr": [op, a, b]}."""
    from django.db.models import F
    if isinstance(v, list):
        return [value(x) for x in v]
    if isinstance(v, dict):
        if "date" in v:
            return datetime.date.fromisoformat(v["date"])
        if "F" in v:
            return F(v["F"])
        if "expr" in v:
            op, a, b = v["expr"]
            a, b = value(a), value(b)
            return OPERATORS[op](a, b)
        if "agg" in v:
            return aggregate(v)
        raise ValueError(f"unknown value {v!r}")
    return v


def condition(c):
    """A Q from a condition: ["path", value], {"and": [...]}, {"or": [...]}, {"not": c}."""
    from django.db.models import Q
    if isinstance(c, list):
        return Q(**{c[0]: value(c[1])})
    if "and" in c or "or" in c:
        parts = [condition(x) for x in c.get("and", c.get("or"))]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if "and" in c else (out | p)
        return out
    if "not" in c:
        return ~condition(c["not"])
    raise ValueError(f"unknown condition {c!r}")


def aggregate(a):
    extra = {}
    if a.get("distinct"):
        extra["distinct"] = True
    if "filter" in a:
        extra["filter"] = condition(a["filter"])
    return AGGREGATES[a["agg"]](a["path"], **extra)


def where(qs, method, c):
    """A leaf filters by keyword (as filter(rating=3)); a tree through one Q."""
    if isinstance(c, list):
        return getattr(qs, method)(**{c[0]: value(c[1])})
    return getattr(qs, method)(condition(c))


def apply(qs, op):
    name, args = op[0], op[1:]
    if name in ("filter", "exclude"):
        return where(qs, name, args[0])
    if name == "order_by":
        return qs.order_by(*args[0])
    if name == "distinct":
        return qs.distinct()
    if name == "reverse":
        return qs.reverse()
    if name == "slice":
        return qs[args[0]:args[1]]
    if name == "annotate":
        return qs.annotate(**{k: value(v) for k, v in args[0].items()})
    if name == "values":
        return qs.values(*args[0])
    if name == "values_list":
        return qs.values_list(*args[0])
    raise ValueError(f"unknown op {name!r}")


def evaluate(models, chain):
    qs = getattr(models, chain["model"]).objects.all()
    for op in chain["ops"]:
        qs = apply(qs, op)
    kind = chain["eval"]
    if kind == "pks":
        read = chain.get("read", [])
        return [[o.pk] + [getattr(o, n) for n in read] for o in qs]
    if kind == "values":
        return list(qs if chain_has(chain, "values") else qs.values())
    if kind == "values_list":
        return [list(r) for r in qs]
    if kind == "count":
        return qs.count()
    if kind == "exists":
        return qs.exists()
    if kind == "aggregate":
        return qs.aggregate(**{k: aggregate(v) for k, v in chain["aggregate"].items()})
    if kind in ("first", "last"):
        o = getattr(qs, kind)()
        return None if o is None else o.pk
    raise ValueError(f"unknown eval {kind!r}")


def chain_has(chain, op_name):
    return any(op[0] == op_name for op in chain["ops"])


def run(models, chain):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as ctx:
        try:
            out = {"result": normalize.result(chain["eval"], evaluate(models, chain))}
        except Exception as e:  # a refused chain is a result too: the error
            out = {"error": f"{type(e).__name__}: {e}"}
    out["sql"] = [q["sql"] for q in ctx.captured_queries]
    return out


def main():
    db_path, chains_path, out_path = sys.argv[1:4]
    models = setup(db_path)
    chains = json.load(open(chains_path, encoding="utf-8"))
    results = {c["id"]: run(models, c) for c in chains}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
