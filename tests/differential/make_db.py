"""Creates the differential SQLite database with Django's DDL and the seeded rows.

usage: make_db.py DB_PATH   (an existing file is replaced)
"""
import os
import sys

import django_env
import seed_data


def create_tables(models):
    from django.db import connection
    with connection.schema_editor() as editor:
        for model in (models.Author, models.Blog, models.Entry):
            editor.create_model(model)  # also the diff_entry_authors link table


def fill(models):
    from django.db import transaction
    authors, blogs, entries = seed_data.dataset()
    with transaction.atomic():
        models.Author.objects.bulk_create(models.Author(**a) for a in authors)
        models.Blog.objects.bulk_create(models.Blog(**b) for b in blogs)
        links = []
        for e in entries:
            e = dict(e)
            links += [(e["id"], a) for a in e.pop("authors")]
            models.Entry.objects.create(**e)
        through = models.Entry.authors.through
        through.objects.bulk_create(through(entry_id=e, author_id=a) for e, a in links)


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.remove(path)
    models = django_env.setup(path)
    create_tables(models)
    fill(models)


if __name__ == "__main__":
    main()
