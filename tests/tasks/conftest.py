"""Fixtures of the task tests: a queueing task backend and payouts on the sandbox accounts."""

from __future__ import annotations

import itertools
from typing import Any

import django
import pytest

from django_momo.models import Transfer
from django_momo.tasks_compat import default_task_backend
from tests import factories

DUMMY_BACKEND = (
    "django.tasks.backends.dummy.DummyBackend"
    if django.VERSION >= (6, 0)
    else "django_tasks.backends.dummy.DummyBackend"
)

_numbers = itertools.count(1)


@pytest.fixture
def dummy_backend(settings: Any) -> Any:
    """A backend that only records what is enqueued (it supports ``run_after``)."""
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    default_task_backend.clear()  # type: ignore[attr-defined]
    return default_task_backend


def make_transfer(provider: str = "mtn", **overrides: Any) -> Transfer:
    """A created payout on the sandbox's preset MTN or MoMo account, through the services."""
    return factories.make_transfer(provider, prefix="order", **overrides)
