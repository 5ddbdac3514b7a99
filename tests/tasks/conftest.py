"""Fixtures of the task tests: a queueing task backend and payouts on the sandbox accounts."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import django
import pytest

from django_momo import services
from django_momo.models import Transfer
from django_momo.tasks_compat import default_task_backend

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
    """A created transfer on the sandbox's preset MTN or MoMo account."""
    n = next(_numbers)
    if provider == "mtn":
        fields: dict[str, Any] = {
            "account": "mtn",
            "operation": "mtn.disbursement.transfer",
            "party_id": f"2567{n:08d}",
            "amount": Decimal("12.50"),
        }
    else:
        fields = {
            "account": "momo",
            "operation": "momo_vn.pay_wallet",
            "party_id": f"091{n:07d}",
            "party_name": "NGUYEN VAN A",
            "amount": Decimal("15000"),
        }
    fields.update(external_id=f"order-{provider}-{n}", actor="test", message="payout")
    fields.update(overrides)
    transfer, _ = services.create_transfer(**fields)
    return transfer
