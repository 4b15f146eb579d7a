"""The rows of the differential database, made from a fixed seed.

Pure Python (no Django): make_db.py writes them through Django, gen_chains.py draws
lookup values from the same pools so that random filters actually match rows.
"""
import datetime
import random

SEED = 20240611

# Duplicates and non-ASCII on purpose: grouping by name must keep duplicates apart
# from their ids, and LIKE/LOWER behave differently outside ASCII.
AUTHOR_NAMES = ["Ann", "Bob", "Carla", "Dmitri", "Eve", "Ann", "Zoë", "Émile", "Łukasz",
                "Ångström", "Bob", "Chen", "Ífe", "O'Brien", "Anna", "Joanna", "Mallory",
                "Trent", "Peggy", "Victor", "Walter", "Zoë", "Ümit", "İlker", "ann"]
# Headline and body words are lower case: Django's `contains` ignores ASCII case on
# SQLite and dorm's does not (API.md), so case-sensitive lookups stay on lower-case text.
WORDS = ["apple", "banana", "cherry", "draft", "final", "news", "review", "café", "naïve",
         "über", "smörgåsbord", "10%", "under_score", "back\\slash", "zeta", "omega"]
BLOG_NAMES = ["Cooking", "Travel", "Tech", "Cooking", "Misc", "Gardening", "Crème brûlée",
              "Science", "Empty", "Music", "Travel", "Ωmega", "Books", "Sport", "Art",
              "Films", "Nothing here", "Cars"]

N_ENTRIES = 320


def _date(rng):
    return datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(0, 6 * 365))


def authors(rng):
    out = []
    for i, name in enumerate(AUTHOR_NAMES, start=1):
        email = None if i % 4 == 0 else f"{name.lower()}{i}@Example.org"
        out.append(dict(id=i, name=name, age=rng.randrange(18, 80), email=email))
    return out


def blogs(rng, n_authors):
    return [dict(id=i, name=name, owner_id=rng.randrange(1, n_authors + 1))
            for i, name in enumerate(BLOG_NAMES, start=1)]


def entries(rng, n_blogs, n_authors):
    # The last three blogs get no entries at all.
    out = []
    for i in range(1, N_ENTRIES + 1):
        words = rng.sample(WORDS, 3)
        out.append(dict(
            id=i, blog_id=rng.randrange(1, n_blogs - 2), headline=" ".join(words),
            body_text=" ".join(rng.sample(WORDS, 5)), pub_date=_date(rng),
            rating=rng.randrange(0, 6), n_comments=rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40]),
            published=rng.random() < 0.6,
            editor_id=None if rng.random() < 0.35 else rng.randrange(1, n_authors + 1),
            authors=sorted(rng.sample(range(1, n_authors + 1), rng.choice([0, 0, 1, 1, 2, 3])))))
    return out


def dataset():
    rng = random.Random(SEED)
    a = authors(rng)
    b = blogs(rng, len(a))
    e = entries(rng, len(b), len(a))
    return a, b, e
