"""Test settings: fast hashing, the same DATABASE_URL / CELERY_BROKER_URL switches
as everywhere else. Nothing is created at import: the test suite gives media its
own temporary folder (tests/conftest.py)."""

import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="fondas-test-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Outside pytest (a worker started with these settings and no MEDIA_ROOT) files
# go to a folder under the system's temporary directory, made on first save.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or Path(tempfile.gettempdir()) / "fondas-test-media")
# Nothing is collected in tests; the live server serves static files from the
# app folders, and WhiteNoise has no folder to scan.
STATIC_ROOT = None
FONDAS_DEMO_USERS = True
FONDAS_FLUSH_ERASES_AUDIT_TRAIL = True  # test runners flush between tests (core's guarded flush)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # The test database is a file rather than Django's shared-cache memory
    # database: threads that open their own connection (the report heartbeat,
    # the live server of the browser tests) then wait on SQLite's ordinary locks
    # (WAL, busy timeout) as the web server and the worker do, instead of
    # failing at once on shared-cache table locks. One file per test run.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"fondas-test-{os.getpid()}.sqlite3"),
    }
