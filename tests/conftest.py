from __future__ import annotations

import copy
import os

import pytest
from hypothesis import settings as hypothesis_settings

pytest_plugins = ["django_momo.sandbox.pytest_plugin"]

# The gate runs the same generated cases every time, so a red run is reproducible and a green
# one is not luck; HYPOTHESIS_PROFILE=explore draws new cases (and finds new bugs) locally.
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def momo_accounts(settings, momo_sandbox):
    """``DJANGO_MOMO`` with every account pointed at this test's sandbox; yields the sandbox."""
    from django.core.cache import caches

    conf = copy.deepcopy(settings.DJANGO_MOMO)
    for account in conf["ACCOUNTS"].values():
        account["BASE_URL"] = momo_sandbox.base_url
    settings.DJANGO_MOMO = conf
    # Tokens cached by an earlier test were issued by a sandbox that has been reset since.
    caches["default"].clear()
    return momo_sandbox


def pytest_collection_modifyitems(config, items):
    """Live-server tests run on PostgreSQL only.

    A browser and a provider calling back while the test thread works means several threads
    writing at once. The SQLite test database lives in memory and Django shares its one
    connection between the live server's threads, which SQLite cannot serve concurrently
    ("database table is locked"); those flows are proven on PostgreSQL, like production.
    """
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    skip = pytest.mark.skip(reason="live-server flows run on PostgreSQL (SQLite is in memory)")
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
