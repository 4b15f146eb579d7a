"""One normal form for results from either runner, so that they compare with ==.

- dates become ISO text (both runners already write them so);
- floats are rounded to 6 places, and a float with an integral value becomes an int
  (Django's Avg of 3 and 3 is 3.0, dorm may say 3: the value is compared, not the type);
- booleans become 0/1 (SQLite has no boolean type; dorm's values_list<Value> reads ints);
- values() rows (objects) become {"columns": sorted keys, "rows": [[values in that order]]}.
"""
import datetime
import json


def scalar(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        v = round(v, 6)
        return int(v) if v.is_integer() else v
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [scalar(x) for x in v]
    if isinstance(v, dict):
        return {k: scalar(x) for k, x in v.items()}
    return v


def values_rows(rows):
    """A list of dicts as columns + rows (lists), the columns sorted by name."""
    columns = sorted({k for r in rows for k in r})
    return {"columns": columns, "rows": [[scalar(r.get(c)) for c in columns] for r in rows]}


def result(kind, raw):
    """The normal form of one evaluation's result; kind is the chain's "eval"."""
    if kind == "values":
        if isinstance(raw, dict):  # already normal
            return raw
        return values_rows(raw)
    if kind == "aggregate":
        return {k: scalar(v) for k, v in sorted(raw.items())}
    return scalar(raw)


def unordered(kind, res):
    """The result with its rows sorted, for chains whose order is not total."""
    key = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)
    if kind == "values":
        return {"columns": res["columns"], "rows": sorted(res["rows"], key=key)}
    if isinstance(res, list):
        return sorted(res, key=key)
    return res
