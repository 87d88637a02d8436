"""Test settings: the base settings with fast hashing and in-memory mail.

``DATABASE_URL`` still chooses PostgreSQL (CI) or SQLite (default).
"""

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
DEBUG = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each test database lives in memory; no file left behind.
    DATABASES["default"]["TEST"] = {"NAME": None}
