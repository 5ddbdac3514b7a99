from __future__ import annotations

import copy

import pytest

pytest_plugins = ["django_momo.sandbox.pytest_plugin"]


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
