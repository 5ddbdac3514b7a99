"""Settings of the callback benchmark's gunicorn: the worker settings plus a bare baseline view."""

from __future__ import annotations

from tests.e2e_settings import *  # noqa: F403

ROOT_URLCONF = "bench.callbacks_urls"
# Callbacks are refused or acknowledged by design; request logging would only measure the logger.
LOGGING = {"version": 1, "disable_existing_loggers": True}
