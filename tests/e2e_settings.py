"""Settings of worker processes started by end-to-end tests and benchmarks.

The test suite's settings, plus what the parent process passes through the environment:
- ``DATABASE_URL`` and ``MOMO_TEST_DB_NAME`` (the database the parent really uses, e.g. the
  ``test_momo`` database pytest-django created);
- ``MOMO_SANDBOX_URL``: base URL of the running sandbox;
- ``MOMO_CALLBACK_BASE_URL``: where the sandbox sends callbacks (a live server), optional;
- ``MOMO_SETTINGS_JSON``: extra ``DJANGO_MOMO`` keys as JSON, optional.
Tasks go through the database backend of django-tasks-db, so ``manage.py db_worker`` runs them.
"""

from __future__ import annotations

import json
import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, DJANGO_MOMO

if os.environ.get("MOMO_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["MOMO_TEST_DB_NAME"]
# The worker runs for a while; keep its connection instead of one per task.
DATABASES["default"]["CONN_MAX_AGE"] = 60

# The same backend path on Django 6 and 5.2; tests.settings installs the apps it needs
# ("django_tasks" on 5.2 only, "django_tasks_db" on both).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

_sandbox = os.environ.get("MOMO_SANDBOX_URL")
if _sandbox:
    for _account in DJANGO_MOMO["ACCOUNTS"].values():
        _account["BASE_URL"] = _sandbox
if os.environ.get("MOMO_CALLBACK_BASE_URL"):
    DJANGO_MOMO["CALLBACK_BASE_URL"] = os.environ["MOMO_CALLBACK_BASE_URL"]
DJANGO_MOMO.update(json.loads(os.environ.get("MOMO_SETTINGS_JSON") or "{}"))

# Tokens must be shared by the worker's threads; across processes each worker fetches its own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
