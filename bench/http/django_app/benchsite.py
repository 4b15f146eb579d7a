"""The bench's Django side: one file, one view, the same JSON as the dorm sample's
GET /api/entries (numbered pages, the FilterSet's filters, each entry with its blog name).

Models map the dorm sample's tables (managed = False); BENCH_DB names the SQLite file.
Run: gunicorn --workers 2 --chdir bench/http/django_app benchsite:application
"""
import os

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    # persistent connections, as the dorm sample keeps its pool (Django's default reconnects per request)
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["BENCH_DB"], "CONN_MAX_AGE": None}},
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    USE_TZ=False,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.TextField(null=True, unique=True)
    age = models.IntegerField(default=0)

    class Meta:
        app_label = "blog"
        db_table = "blog_author"
        managed = False


class Blog(models.Model):
    name = models.CharField(max_length=100)
    tagline = models.TextField()
    owner = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="blogs")

    class Meta:
        app_label = "blog"
        db_table = "blog_blog"
        managed = False


class Entry(models.Model):
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="entries")
    headline = models.CharField(max_length=255)
    body_text = models.TextField()
    pub_date = models.DateField()
    mod_date = models.DateTimeField(auto_now=True)
    rating = models.IntegerField()
    n_comments = models.IntegerField()
    published = models.BooleanField(default=False)
    meta = models.JSONField(default=dict)

    class Meta:
        app_label = "blog"
        db_table = "blog_entry"
        managed = False
        ordering = ["-pub_date", "headline"]


# The dorm sample's FilterSet, by hand: field -> allowed lookups, and the ordering fields.
FILTERS = {"rating": {"exact", "gte", "lte"}, "blog": {"exact"}, "blog__name": {"exact", "icontains"},
           "headline": {"exact", "icontains"}, "pub_date": {"exact", "year", "gte", "lte"}, "id": {"in"},
           "published": {"exact"}}
ORDERING = {"id", "pub_date", "rating", "headline"}


def convert(field, lookup, value):
    if lookup == "in":
        return [int(v) for v in value.split(",")]
    if field in ("rating", "blog", "id") or lookup == "year":
        return int(value)
    if field == "published":
        return {"true": True, "false": False}[value]
    return value


def entry_json(e):
    return {"id": e.id, "blog": e.blog_id, "headline": e.headline, "body_text": e.body_text,
            "pub_date": e.pub_date.isoformat(), "mod_date": e.mod_date.isoformat() + "Z", "rating": e.rating,
            "n_comments": e.n_comments, "published": e.published, "meta": e.meta, "blog_name": e.blog.name}


def entries(request):
    qs = Entry.objects.select_related("blog")
    try:
        for key, value in request.GET.items():
            field, _, lookup = key.partition("__")
            if key == "ordering":
                names = value.split(",")
                if any(n.lstrip("-") not in ORDERING for n in names):
                    raise ValueError(key)
                qs = qs.order_by(*names)
                continue
            for name in sorted(FILTERS, key=len, reverse=True):
                if key == name or key.startswith(name + "__"):
                    lookup = key[len(name) + 2:] or "exact"
                    if lookup not in FILTERS[name]:
                        raise ValueError(key)
                    qs = qs.filter(**{name + "__" + lookup: convert(name, lookup, value)})
                    break
        size = int(request.GET.get("page_size", 20))
        if not 1 <= size <= 100:
            raise ValueError("page_size")
        paginator = Paginator(qs, size)
        page = paginator.page(request.GET.get("page", 1))
    except (ValueError, KeyError, ValidationError, EmptyPage, PageNotAnInteger) as e:
        return JsonResponse({"detail": str(e)}, status=400)
    return JsonResponse({"count": paginator.count, "page": page.number, "num_pages": paginator.num_pages,
                         "results": [entry_json(e) for e in page.object_list]})


urlpatterns = [path("api/entries", entries)]
application = get_wsgi_application()
