"""Fixtures of the service tests: accounts on the sandbox, and small helpers."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from django_momo import services

MTN_OK = "46733123459"  # any other number settles SUCCESSFUL at once
MTN_REJECTED = "46733123451"  # FAILED / APPROVAL_REJECTED
MTN_LATE = "46733123453"  # PENDING, then SUCCESSFUL
WALLET_OK = "0912345678"
WALLET_NO_FUNDS = "0900001100"  # the sandbox answers 1100 (merchant balance)


@pytest.fixture
def accounts(momo_accounts, settings):
    """Sandbox accounts with no client-side retries, so every fault reaches the services."""
    conf = dict(settings.DJANGO_MOMO)
    conf.update(HTTP_MAX_RETRIES=0, STATUS_QUERIES_PER_SECOND=1000)
    settings.DJANGO_MOMO = conf
    return momo_accounts


def later(minutes: int = 10) -> Any:
    """A moment past the grace period of a `sending` row."""
    return timezone.now() + timedelta(minutes=minutes)


def mtn_transfer(external_id: str = "t-1", party: str = MTN_OK, amount: Any = "25", **kw: Any):
    """A created MTN disbursement transfer."""
    transfer, created = services.create_transfer(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id=party,
        amount=amount,
        external_id=external_id,
        actor="user:alice",
        **kw,
    )
    assert created
    return transfer


def momo_payout(external_id: str = "m-1", wallet: str = WALLET_OK, amount: Any = 50_000, **kw: Any):
    """A created MoMo wallet payout."""
    transfer, created = services.create_transfer(
        account="momo",
        operation="momo_vn.pay_wallet",
        party_id=wallet,
        amount=amount,
        party_name="NGUYEN VAN A",
        external_id=external_id,
        actor="user:alice",
        **kw,
    )
    assert created
    return transfer


def path_of(payment: Any) -> list[tuple[str, str]]:
    """The (from, to) pairs of a payment's audit trail, oldest first."""
    return list(payment.status_changes.order_by("id").values_list("from_status", "to_status"))


def assert_valid_path(payment: Any) -> None:
    """The audit trail starts at creation, chains, and uses only allowed moves."""
    path = path_of(payment)
    assert path[0] == ("", "created")
    for (_, prev_to), (frm, to) in itertools.pairwise(path):
        assert frm == prev_to
        assert services.is_allowed(frm, to), (frm, to)
    payment.refresh_from_db()
    assert path[-1][1] == payment.status


def entries(sandbox: Any, provider: str, reference: str) -> list[dict[str, Any]]:
    """The sandbox ledger entries booked under ``reference``."""
    ledger = sandbox.control.ledger(provider)
    return [e for e in ledger["entries"] if e["reference"] == reference]
