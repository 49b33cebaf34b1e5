"""Test settings: SQLite in memory by default; DATABASE_URL selects PostgreSQL for the integration run."""

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
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# runserver and the test client serve static files themselves; WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Tasks run at once in tests (after commit, like the workers); worker tests use the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Uploaded files of a test run in a directory of its own: the SQLite and PostgreSQL runs go side by side.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="motcua-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
