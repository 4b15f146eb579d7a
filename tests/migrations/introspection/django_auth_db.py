"""Builds a SQLite database with Django's own migrations (contenttypes + auth) and a few
rows written through Django's ORM, for dorm's inspectdb test.

    /usr/bin/python3 django_auth_db.py /tmp/auth.sqlite3

Replaces the file, then prints what it wrote as one JSON object on stdout:
{"groups": [...], "users": [...], "memberships": [[username, group], ...]} (each sorted).
"""
import json
import os
import sys


def main(db_path):
    if os.path.exists(db_path):
        os.remove(db_path)
    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # fast; rows only
        USE_TZ=True,
    )
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0, interactive=False)

    from django.contrib.auth.models import Group, User
    editors = Group.objects.create(name="editors")
    readers = Group.objects.create(name="readers")
    alice = User.objects.create_user("alice", "alice@example.com", "pw", first_name="Alice")
    bob = User.objects.create_user("bob", "bob@example.com", "pw", last_name="Builder")
    carol = User.objects.create_user("carol", None, "pw", is_staff=True)
    alice.groups.add(editors, readers)
    bob.groups.add(readers)
    del carol  # a user in no group

    memberships = sorted([u.username, g.name] for u in User.objects.all() for g in u.groups.all())
    print(json.dumps({
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "users": sorted(User.objects.values_list("username", flat=True)),
        "memberships": memberships,
    }))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: django_auth_db.py DB_PATH")
    main(sys.argv[1])
