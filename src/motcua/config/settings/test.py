"""Test settings: SQLite (a file on tmpfs) by default; DATABASE_URL selects PostgreSQL for the integration run."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LANGUAGE_CODE = "vi"

_url = os.environ.get("DATABASE_URL")
if _url:
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=0)}
else:
    # A file, not ":memory:": Django shares an in-memory database's one connection between the test thread and
    # the live server's threads, and two threads on one sqlite3 connection can deadlock (a Python function of
    # Django's, run inside SQLite by one thread, waits for the GIL that the other holds while it waits for the
    # connection). A browser test hung a CI run that way. The file lies on tmpfs where there is one, so it
    # costs about what memory does; each thread opens its own connection with the production options (WAL).
    _shm = Path("/dev/shm")  # noqa: S108 - only the parent of a private directory made by mkdtemp
    _db_dir = Path(tempfile.mkdtemp(prefix="motcua-test-db-", dir=_shm if _shm.is_dir() else None))
    atexit.register(shutil.rmtree, _db_dir, ignore_errors=True)
    _test_db = _db_dir / "test.sqlite3"
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_test_db),
            "TEST": {"NAME": str(_test_db)},
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA busy_timeout=10000;",
            },
        }
    }
# runserver and the test client serve static files themselves; WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Tasks run at once in tests (after commit, like the workers); worker tests use the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Uploaded files of a test run in a directory of its own: the SQLite and PostgreSQL runs go side by side.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="motcua-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
