"""MoMo Vietnam payouts over HTTP against the sandbox: the stored body is the idempotency key."""

from __future__ import annotations

import json

import pytest

from django_momo import services
from django_momo.services.crash import SimulatedCrash, crashing_at

from .conftest import WALLET_NO_FUNDS, assert_valid_path, entries, later, momo_payout

pytestmark = pytest.mark.django_db


def test_wallet_payout_successful(accounts):
    payout = momo_payout()
    done = services.send_transfer(payout.pk, actor="task:send")
    assert done.status == "successful"
    assert done.provider_transaction_id
    body = json.loads(done.request_body)
    assert body["requestId"] == payout.reference
    assert body["orderId"] == payout.order_id
    assert body["ipnUrl"].endswith("/callbacks/momo-vn/ipn/")
    [entry] = entries(accounts, "momo_vn", payout.reference)
    assert entry["status"] == "SUCCESSFUL"
    assert_valid_path(done)


def test_declined_payout_fails_with_the_result_code(accounts):
    payout = momo_payout(wallet=WALLET_NO_FUNDS)
    failed = services.send_transfer(payout.pk, actor="a")
    assert failed.status == "failed"
    assert failed.failure_code == "1100"
    assert services.refresh_transfer(payout.pk, actor="a").status == "failed"


def test_lost_answer_then_refresh_resends_the_identical_body(accounts):
    accounts.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    payout = momo_payout()
    unknown = services.send_transfer(payout.pk, actor="a")
    assert unknown.status == "unknown"
    stored = unknown.request_body
    assert stored
    done = services.refresh_transfer(payout.pk, actor="a")
    assert done.status == "successful"
    assert done.request_body == stored
    assert done.attempts == 2
    booked = entries(accounts, "momo_vn", payout.reference)
    assert len(booked) == 1
    assert accounts.control.ledger()["violations"] == []
    assert_valid_path(done)


def test_processing_payout_stays_pending_until_momo_settles(accounts):
    accounts.control.post("/_sandbox/momo_vn/settings", {"pending_seconds": 3600})
    payout = momo_payout(wallet="0900007000")
    pending = services.send_transfer(payout.pk, actor="a")
    assert pending.status == "pending"
    again = services.refresh_transfer(payout.pk, actor="a")
    assert again.status == "pending"  # 7000: still being processed
    accounts.control.post("/_sandbox/momo_vn/settle", {"order_id": payout.order_id})
    assert services.refresh_transfer(payout.pk, actor="a").status == "successful"
    assert len(entries(accounts, "momo_vn", payout.reference)) == 1


@pytest.mark.parametrize("point", ["send.after_phase1", "send.after_http"])
def test_crash_then_reconcile_pays_once(accounts, point):
    payout = momo_payout()
    with crashing_at(point), pytest.raises(SimulatedCrash):
        services.send_transfer(payout.pk, actor="a")
    payout.refresh_from_db()
    assert payout.status == "sending"
    assert payout.request_body  # stored before the request could leave
    summary = services.reconcile(now=later())
    assert summary.resolved == {"successful": 1}
    payout.refresh_from_db()
    assert payout.status == "successful"
    assert len(entries(accounts, "momo_vn", payout.reference)) == 1
    assert accounts.control.ledger()["violations"] == []
    assert_valid_path(payout)
