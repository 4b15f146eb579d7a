"""Django configured in code (no manage.py): one SQLite database, the diffapp models."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def setup(db_path):
    """Configures Django on db_path and returns the models module."""
    sys.path.insert(0, HERE)
    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        INSTALLED_APPS=["diffapp"],
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=False,
    )
    django.setup()
    from diffapp import models
    return models
