"""Writes the chain spec: the hand-written chains (hand_chains.json) plus N random ones
drawn with a fixed seed, so that the ids r0001... name the same chain on every run.

usage: gen_chains.py OUT_JSON [N]
"""
import json
import os
import random
import sys

import seed_data

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 7
N_RANDOM = 600

# Lookups by kind of field. `lower` text (headlines, bodies) is all lower case, so the
# case-sensitive lookups are safe there; on mixed-case text (names) only the exact and
# case-insensitive ones are drawn (Django's contains/startswith ignore ASCII case on
# SQLite, dorm's do not, by design: README.md).
LOOKUPS = {
    "int": ["exact", "gt", "gte", "lt", "lte", "in", "range"],
    "fk": ["exact", "in", "isnull"],
    "lower": ["exact", "iexact", "contains", "icontains", "startswith", "endswith", "in"],
    "mixed": ["exact", "iexact", "icontains", "istartswith", "in"],
    "nullable": ["exact", "iexact", "icontains", "isnull"],
    "date": ["exact", "gt", "gte", "lt", "lte", "year", "range"],
    "bool": ["exact"],
}

# (path, kind, to_many) per model; to_many paths may repeat rows and are never ordered by.
FIELDS = {
    "Entry": [
        ("id", "int", False), ("headline", "lower", False), ("body_text", "lower", False),
        ("pub_date", "date", False), ("rating", "int", False), ("n_comments", "int", False),
        ("published", "bool", False), ("blog", "fk", False), ("blog__name", "mixed", False),
        ("blog__owner__name", "mixed", False), ("blog__owner__age", "int", False),
        ("editor", "fk", False), ("editor__name", "mixed", False), ("editor__age", "int", False),
        ("editor__email", "nullable", False), ("authors", "fk", True),
        ("authors__name", "mixed", True), ("authors__age", "int", True),
        ("authors__email", "nullable", True),
    ],
    "Blog": [
        ("id", "int", False), ("name", "mixed", False), ("owner", "fk", False),
        ("owner__name", "mixed", False), ("owner__age", "int", False),
        ("entries", "fk", True), ("entries__rating", "int", True),
        ("entries__headline", "lower", True), ("entries__pub_date", "date", True),
        ("entries__published", "bool", True), ("entries__authors__name", "mixed", True),
        ("entries__editor__name", "mixed", True),
    ],
    "Author": [
        ("id", "int", False), ("name", "mixed", False), ("age", "int", False),
        ("email", "nullable", False), ("blogs", "fk", True), ("blogs__name", "mixed", True),
        ("entries", "fk", True), ("entries__rating", "int", True),
        ("entries__headline", "lower", True), ("entries__blog__name", "mixed", True),
        ("edited", "fk", True), ("edited__rating", "int", True),
    ],
}

# Numeric fields that aggregates may read, per model (path, to_many).
NUMERIC = {
    "Entry": [("rating", False), ("n_comments", False), ("blog__owner__age", False),
              ("editor__age", False), ("authors__age", True), ("id", False)],
    "Blog": [("entries__rating", True), ("entries__n_comments", True), ("owner__age", False),
             ("entries__authors__age", True), ("id", False)],
    "Author": [("age", False), ("entries__rating", True), ("edited__n_comments", True),
               ("blogs__id", True), ("id", False)],
}
TO_MANY_COUNT = {"Entry": ["authors"], "Blog": ["entries", "entries__authors"],
                 "Author": ["entries", "edited", "blogs"]}

ID_MAX = {"Entry": seed_data.N_ENTRIES, "Blog": len(seed_data.BLOG_NAMES),
          "Author": len(seed_data.AUTHOR_NAMES)}


def fk_max(path):
    last = path.split("__")[-1]
    if last in ("blog", "blogs"):
        return len(seed_data.BLOG_NAMES)
    if last in ("entries", "edited"):
        return seed_data.N_ENTRIES
    return len(seed_data.AUTHOR_NAMES)


def text_value(rng, model, path):
    parts = path.split("__")
    if parts[-1] == "name":
        owner = parts[-2] if len(parts) > 1 else model.lower()
        pool = seed_data.BLOG_NAMES if owner in ("blog", "blogs") else seed_data.AUTHOR_NAMES
        return rng.choice(pool)
    if parts[-1] == "email":
        i = rng.randrange(1, len(seed_data.AUTHOR_NAMES) + 1)
        return f"{seed_data.AUTHOR_NAMES[i - 1].lower()}{i}@Example.org"
    return rng.choice(seed_data.WORDS)


def fragment(rng, s, lookup):
    """A piece of s fit for the pattern lookups, sometimes upper-cased for the i-forms."""
    if lookup in ("startswith", "istartswith"):
        piece = s[: rng.randrange(1, len(s) + 1)]
    elif lookup == "endswith":
        piece = s[-rng.randrange(1, len(s) + 1):]
    else:
        i = rng.randrange(0, len(s))
        piece = s[i: i + rng.randrange(1, 5)]
    if lookup.startswith("i") and rng.random() < 0.4:
        piece = piece.upper()
    return piece


def date_value(rng):
    return {"date": f"{rng.randrange(2018, 2024)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"}


def leaf_value(rng, model, path, kind, lookup):
    if lookup == "isnull":
        return rng.choice([True, False])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "date":
        if lookup == "year":
            return rng.randrange(2017, 2025)
        if lookup == "range":
            a, b = sorted([date_value(rng)["date"], date_value(rng)["date"]])
            return [{"date": a}, {"date": b}]
        return date_value(rng)
    if kind in ("int", "fk"):
        hi = {"rating": 5, "n_comments": 40}.get(path.split("__")[-1])
        if hi is None:
            hi = 80 if path.endswith("age") else (ID_MAX[model] if path == "id" else fk_max(path))
        lo = 18 if path.endswith("age") else 0
        if lookup == "in":
            return rng.sample(range(lo, hi + 1), rng.randrange(1, 4))
        if lookup == "range":
            a = rng.randrange(lo, hi + 1)
            return [a, a + rng.randrange(0, max(1, hi // 3))]
        if kind == "int" and rng.random() < 0.1:
            return {"F": rng.choice(["id"] if model != "Entry" else ["rating", "n_comments"])}
        return rng.randrange(lo, hi + 1)
    s = text_value(rng, model, path)
    if lookup == "in":
        return [s, text_value(rng, model, path)]
    if lookup in ("contains", "icontains", "startswith", "istartswith", "endswith"):
        return fragment(rng, s, lookup)
    if lookup == "iexact" and rng.random() < 0.5:
        return s.upper() if rng.random() < 0.5 else s.lower()
    return s


def leaf(rng, model):
    path, kind, _ = rng.choice(FIELDS[model])
    lookup = rng.choice(LOOKUPS[kind])
    key = path if lookup == "exact" and rng.random() < 0.5 else f"{path}__{lookup}"
    return [key, leaf_value(rng, model, path, kind, lookup)]


def condition(rng, model, depth=0):
    r = rng.random()
    if depth >= 2 or r < 0.55:
        return leaf(rng, model)
    if r < 0.9:
        return {rng.choice(["and", "or", "or"]): [condition(rng, model, depth + 1)
                                            for _ in range(rng.randrange(2, 4))]}
    return {"not": condition(rng, model, depth + 1)}


def filters(rng, model):
    return [[rng.choice(["filter", "filter", "exclude"]), condition(rng, model)]
            for _ in range(rng.randrange(1, 3))]


def single_fields(model):
    return [p for p, k, many in FIELDS[model] if not many]


def ordering(rng, model):
    keys = rng.sample([p for p in single_fields(model) if p != "id"], rng.randrange(0, 3))
    keys = [("-" + k if rng.random() < 0.4 else k) for k in keys]
    return keys + [rng.choice(["id", "-id"])]


def aggregate(rng, model):
    if rng.random() < 0.3:
        return {"agg": "Count", "path": rng.choice(TO_MANY_COUNT[model] + ["id"]),
                "distinct": rng.random() < 0.5}
    path, _ = rng.choice(NUMERIC[model])
    return {"agg": rng.choice(["Sum", "Avg", "Min", "Max"]), "path": path}


def chain_rows(rng, model, ops):
    """Model rows or values()/values_list() rows, ordered by a total order, maybe sliced."""
    ops.append(["order_by", ordering(rng, model)])
    if rng.random() < 0.3:
        low = rng.randrange(0, 20)
        ops.append(["slice", low, low + rng.randrange(1, 15)])
    shape = rng.choice(["pks", "values", "values_list"])
    if shape == "pks":
        return {"eval": "pks", "ordered": True}
    fields = rng.sample(single_fields(model), rng.randrange(1, 4))
    if shape == "values":  # before order_by: the ValuesQuerySet orders and slices
        ops.insert(len(ops) - (2 if ops[-1][0] == "slice" else 1), [shape, fields])
    else:  # values_list() evaluates in dorm: the last op
        ops.append([shape, fields])
    return {"eval": shape, "ordered": True}


def chain_scalar(rng, model, ops):
    if rng.random() < 0.3:
        ops.append(["distinct"])
    return {"eval": rng.choice(["count", "exists", "count"])}


def chain_aggregate(rng, model, ops):
    names = ["a", "b", "c"][: rng.randrange(1, 4)]
    return {"eval": "aggregate", "aggregate": {n: aggregate(rng, model) for n in names}}


def chain_annotated(rng, model, ops):
    agg = aggregate(rng, model)
    ops.append(["annotate", {"x": agg}])
    if rng.random() < 0.4:
        lookup = rng.choice(["gt", "gte", "lt", "exact"])
        ops.append(["filter", [f"x__{lookup}", rng.randrange(0, 4) if agg["agg"] == "Count" else rng.randrange(0, 60)]])
    ops.append(["order_by", ["-x", "id"] if rng.random() < 0.5 else ["x", "-id"]])
    return {"eval": "pks", "read": ["x"], "ordered": True}


def chain_grouped(rng, model, ops):
    group = rng.sample([p for p in single_fields(model) if p != "id"], rng.randrange(1, 3))
    ops.append(["values", group])
    ops.append(["annotate", {"x": aggregate(rng, model)}])
    ops.append(["order_by", group])
    return {"eval": "values"}  # ties in the group keys: compared as a set


def chain_to_many_values(rng, model, ops):
    """values() naming a multi-valued path: one row per related row (LEFT OUTER JOIN)."""
    many = [p for p, k, m in FIELDS[model] if m]
    ops.append(["values", ["id"] + rng.sample(many, 1)])
    return {"eval": "values"}


def chain_edge(rng, model, ops):
    if rng.random() < 0.5:
        ops.append(["order_by", ordering(rng, model)])
    return {"eval": rng.choice(["first", "last"])}


SHAPES = [(chain_rows, 4), (chain_to_many_values, 1), (chain_edge, 1), (chain_scalar, 2), (chain_aggregate, 2), (chain_annotated, 2),
          (chain_grouped, 1)]


def random_chain(rng, i):
    model = rng.choice(["Entry", "Entry", "Entry", "Blog", "Author"])
    ops = filters(rng, model)
    make = rng.choices([s for s, _ in SHAPES], weights=[w for _, w in SHAPES])[0]
    chain = {"id": f"r{i:04d}", "model": model, "ops": ops}
    chain.update(make(rng, model, ops))
    return chain


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else N_RANDOM
    chains = json.load(open(os.path.join(HERE, "hand_chains.json"), encoding="utf-8"))
    rng = random.Random(SEED)
    chains += [random_chain(rng, i) for i in range(1, n + 1)]
    ids = [c["id"] for c in chains]
    assert len(ids) == len(set(ids)), "duplicate chain ids"
    with open(out, "w", encoding="utf-8") as f:
        json.dump(chains, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
