#!/usr/bin/env python3
"""Regenerates the Django 3.2 DDL golden files in this directory.

Defines the golden models in two fake apps ('shop' and 'legacy'), then for each backend
collects what `connection.schema_editor(collect_sql=True)` emits for create_model (one
editor per model, so deferred FK constraints / indexes land under that model), and for
standalone add_index / add_constraint calls.

SQLite uses an in-memory database; PostgreSQL connects to $DORM_TEST_POSTGRES (a libpq
keyword string or a postgresql:// URL, as printed by `scripts/pg start`). Without it the
PostgreSQL files are left untouched.
"""
import os
import sys
import types
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))

import django
from django.apps import AppConfig
from django.conf import settings


def pg_settings(dsn):
    from psycopg2.extensions import parse_dsn
    params = parse_dsn(dsn)
    conf = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {}}
    for key, name in (("dbname", "NAME"), ("user", "USER"), ("password", "PASSWORD"),
                      ("host", "HOST"), ("port", "PORT")):
        if key in params:
            conf[name] = params.pop(key)
    conf["OPTIONS"].update(params)
    return conf


class ShopConfig(AppConfig):
    name = "shop"
    label = "shop"
    path = HERE


class LegacyConfig(AppConfig):
    # Like django.contrib.auth's AppConfig: integer keys, also for auto-created M2M tables.
    name = "legacy"
    label = "legacy"
    path = HERE
    default_auto_field = "django.db.models.AutoField"


for mod in ("shop", "legacy"):
    sys.modules[mod] = types.ModuleType(mod)

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PG_DSN = os.environ.get("DORM_TEST_POSTGRES")
if PG_DSN:
    DATABASES["postgresql"] = pg_settings(PG_DSN)

settings.configure(
    DATABASES=DATABASES,
    INSTALLED_APPS=[__name__ + ".ShopConfig", __name__ + ".LegacyConfig"],
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    USE_TZ=False,
)
django.setup()

from django.db import connections, models  # noqa: E402
from django.db.models import Q  # noqa: E402


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    sku = models.CharField(max_length=32, unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    discount = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    status = models.CharField(max_length=10, db_index=True, choices=[
        ("draft", "draft"), ("live", "live"), ("archived", "archived")])
    cost = models.BigIntegerField(default=0)

    class Meta:
        app_label = "shop"
        indexes = [models.Index(fields=["status", "-created"], name="shop_product_status_created")]
        constraints = [
            models.CheckConstraint(check=Q(price__gte=0), name="price_nonnegative"),
            models.UniqueConstraint(fields=["sku", "status"], name="sku_live_uniq",
                                    condition=Q(status="live")),
        ]


class Review(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    score = models.IntegerField()

    class Meta:
        app_label = "shop"
        constraints = [
            models.UniqueConstraint(fields=["product", "score"], name="review_product_score_uniq"),
            models.CheckConstraint(check=Q(score__gte=1) & Q(score__lte=5), name="score_range"),
        ]
        indexes = [
            models.Index(fields=["-score"], name="review_score_desc"),
            models.Index(fields=["product", "score"], name="review_product_score_idx"),
        ]


class Tag(models.Model):
    slug = models.CharField(max_length=50, primary_key=True)
    label = models.CharField(max_length=100)

    class Meta:
        app_label = "shop"


class Tagging(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)

    class Meta:
        app_label = "shop"


class Shelf(models.Model):
    tags = models.ManyToManyField(Tag)
    products = models.ManyToManyField(Product)

    class Meta:
        app_label = "shop"


class Group(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=150, unique=True)

    class Meta:
        app_label = "legacy"
        db_table = "auth_group"


class User(models.Model):
    id = models.AutoField(primary_key=True)
    username = models.CharField(max_length=150, unique=True)
    groups = models.ManyToManyField(Group, db_table="auth_user_groups",
                                    related_name="user_set", related_query_name="user")

    class Meta:
        app_label = "legacy"
        db_table = "auth_user"


class Measure(models.Model):
    value = models.DecimalField(max_digits=20, decimal_places=5)
    ratio = models.FloatField()
    ident = models.UUIDField(null=True, unique=True)

    class Meta:
        app_label = "shop"
        constraints = [
            models.CheckConstraint(check=Q(ratio__lt=1.5) | Q(value__isnull=True), name="ratio_small"),
            models.UniqueConstraint(fields=["ratio"], name="ratio_uniq"),
        ]


MODELS = [Product, Review, Tag, Tagging, Shelf, Group, User, Measure]
# Standalone AddIndex / AddConstraint: Product's (as asked), then the other models' too.
ALTER_MODELS = [Product, Review, Measure]


def statements(collected):
    out = []
    for sql in collected:
        assert "\n" not in sql, sql
        out.append(sql[:-1] if sql.endswith(";") else sql)
    return out


def collect(conn, op):
    with conn.schema_editor(collect_sql=True) as editor:
        op(editor)
    return statements(editor.collected_sql)


def create_ddl(conn):
    lines = []
    for model in MODELS:
        lines.append("-- " + model.__name__)
        lines += collect(conn, lambda e: e.create_model(model))
    return lines


def alter_ddl(conn):
    lines = []
    for model in ALTER_MODELS:
        for index in model._meta.indexes:
            lines.append("-- %s add_index %s" % (model.__name__, index.name))
            lines += collect(conn, lambda e: e.add_index(model, index))
        for constraint in model._meta.constraints:
            lines.append("-- %s add_constraint %s (%s)"
                         % (model.__name__, constraint.name, type(constraint).__name__))
            lines += collect(conn, lambda e: e.add_constraint(model, constraint))
    return lines


def write(name, lines):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", path, file=sys.stderr)


def main():
    backends = [("sqlite", "default")]
    if PG_DSN:
        backends.append(("postgresql", "postgresql"))
    else:
        print("DORM_TEST_POSTGRES not set: PostgreSQL files not regenerated", file=sys.stderr)
    for vendor, alias in backends:
        conn = connections[alias]
        assert conn.vendor == vendor, conn.vendor
        write("django_ddl_%s.txt" % vendor, create_ddl(conn))
        write("django_ddl_%s_alter.txt" % vendor, alter_ddl(conn))


if __name__ == "__main__":
    main()
