"""Test settings: the base settings with fast hashing and in-memory mail.

``DATABASE_URL`` still chooses PostgreSQL (CI) or SQLite (default).
"""

import os
import re

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_URL, DATABASES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
DEBUG = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each test database lives in memory; no file left behind.
    DATABASES["default"]["TEST"] = {"NAME": None}
else:
    # A test database needs no durability: without waiting for the WAL flush at each commit
    # (about 8 ms on this machine's disk), the transactional tests (live server, browser),
    # which commit often and empty every table between tests, run several times faster.
    # A crash of PostgreSQL itself may lose the last commits, which no test does to the
    # shared server (failure tests start a cluster of their own).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()

# pytest-xdist: each worker ("gw0", "gw1"…) has its own test database (pytest-django) and,
# here, its own Redis database, since tests clear the cache (FLUSHDB) and count throttles.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):
    _index = int(_worker[2:])
    _match = re.search(r"/(\d+)$", REDIS_URL)
    _base = int(_match.group(1)) if _match else 0
    _db = _base - _index if _base >= _index else _base + _index
    _shared = REDIS_URL
    REDIS_URL = re.sub(r"(/\d*)?$", f"/{_db}", REDIS_URL.rstrip("/"), count=1)
    CACHES["default"]["LOCATION"] = REDIS_URL
    if _shared == CELERY_BROKER_URL:
        CELERY_BROKER_URL = REDIS_URL
