"""The Django side of the mirrored models; dorm_runner.cpp declares the same tables."""
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField(default=0)
    email = models.CharField(max_length=100, null=True)

    class Meta:
        db_table = "diff_author"
        # Meta.ordering on purpose: Django 3.2 leaves it out of GROUP BY queries.
        ordering = ["name"]


class Blog(models.Model):
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="blogs")

    class Meta:
        db_table = "diff_blog"


class Entry(models.Model):
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="entries")
    headline = models.CharField(max_length=255)
    body_text = models.TextField()
    pub_date = models.DateField()
    rating = models.IntegerField()
    n_comments = models.IntegerField()
    published = models.BooleanField(default=False)
    editor = models.ForeignKey(Author, null=True, on_delete=models.SET_NULL, related_name="edited")
    authors = models.ManyToManyField(Author, related_name="entries")

    class Meta:
        db_table = "diff_entry"
