"""MTN transfers over HTTP against the sandbox: send, refresh, lost answers, crashes."""

from __future__ import annotations

import pytest

from django_momo import services
from django_momo.models import Transfer
from django_momo.services.crash import SimulatedCrash, crashing_at

from .conftest import MTN_LATE, MTN_REJECTED, assert_valid_path, entries, later, mtn_transfer

pytestmark = pytest.mark.django_db


def transfer_posts(sandbox) -> int:
    stats = sandbox.control.get("/_sandbox/mtn/stats")["requests"]
    return sum(n for name, n in stats.items() if "transfer" in name and "status" not in name)


def test_send_then_refresh_to_successful(accounts):
    transfer = mtn_transfer()
    sent = services.send_transfer(transfer.pk, actor="task:send")
    assert sent.status == "pending"
    assert sent.attempts == 1
    assert sent.sent_at is not None
    assert sent.next_check_at is not None
    done = services.refresh_transfer(transfer.pk, actor="task:refresh")
    assert done.status == "successful"
    assert done.provider_transaction_id
    [entry] = entries(accounts, "mtn", transfer.reference)
    assert entry["status"] == "SUCCESSFUL"
    assert entry["external_id"] == "t-1"
    assert entry["financial_transaction_id"] == done.provider_transaction_id
    assert_valid_path(done)
    assert accounts.control.ledger()["violations"] == []


def test_a_second_send_makes_no_http_call(accounts):
    transfer = mtn_transfer()
    services.send_transfer(transfer.pk, actor="a")
    posts = transfer_posts(accounts)
    again = services.send_transfer(transfer.pk, actor="a")
    assert again.status == "pending"
    assert again.attempts == 1
    assert transfer_posts(accounts) == posts == 1


def test_rejected_by_the_status_query(accounts):
    transfer = mtn_transfer(party=MTN_REJECTED)
    services.send_transfer(transfer.pk, actor="a")
    failed = services.refresh_transfer(transfer.pk, actor="a")
    assert failed.status == "failed"
    assert failed.failure_code == "APPROVAL_REJECTED"
    assert_valid_path(failed)


def test_pending_stays_pending_with_backoff(accounts):
    accounts.control.post("/_sandbox/mtn/config", {"pending_seconds": 3600})
    transfer = mtn_transfer(party=MTN_LATE)
    services.send_transfer(transfer.pk, actor="a")
    first = services.refresh_transfer(transfer.pk, actor="a")
    second = services.refresh_transfer(transfer.pk, actor="a")
    assert second.status == "pending"
    assert second.status_checks == 2
    assert second.next_check_at > first.next_check_at
    assert second.reference == transfer.reference


def test_refused_before_booking_fails_without_a_booking(accounts, settings):
    transfer = mtn_transfer(message="fine", note="x" * 10, currency="EUR")
    # A callback host MTN does not allow for this API user: refused, nothing booked.
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "CALLBACK_BASE_URL": "http://evil.example/"}
    failed = services.send_transfer(transfer.pk, actor="a")
    assert failed.status == "failed"
    assert failed.failure_code == "INVALID_CALLBACK_URL_HOST"
    assert entries(accounts, "mtn", transfer.reference) == []


def test_lost_answer_then_refresh_finds_the_single_booking(accounts):
    accounts.control.set_faults(lost_after_booking={"next": 1, "provider": "mtn"})
    transfer = mtn_transfer()
    unknown = services.send_transfer(transfer.pk, actor="a")
    assert unknown.status == "unknown"
    resolved = services.refresh_transfer(transfer.pk, actor="a")
    assert resolved.status == "successful"
    assert len(entries(accounts, "mtn", transfer.reference)) == 1
    assert transfer_posts(accounts) == 1
    assert_valid_path(resolved)


def test_error_before_booking_is_resolved_by_a_resend_under_the_same_reference(accounts):
    accounts.control.set_faults(error_before_booking={"next": 1, "provider": "mtn"})
    transfer = mtn_transfer()
    assert services.send_transfer(transfer.pk, actor="a").status == "unknown"
    # Right after the send a 404 means "not visible yet": nothing is re-sent.
    soon = services.refresh_transfer(transfer.pk, actor="a")
    assert soon.status == "unknown"
    assert transfer_posts(accounts) == 1
    # Long after, MTN still does not know it: the same reference and body are sent again.
    done = services.refresh_transfer(transfer.pk, actor="a", now=later())
    assert done.status == "successful"
    assert done.reference == transfer.reference
    assert len(entries(accounts, "mtn", transfer.reference)) == 1
    assert accounts.control.ledger()["violations"] == []
    assert_valid_path(done)


def test_status_errors_leave_the_payment_unresolved(accounts):
    transfer = mtn_transfer()
    services.send_transfer(transfer.pk, actor="a")
    accounts.control.set_faults(status_error={"next": 1, "provider": "mtn"})
    still = services.refresh_transfer(transfer.pk, actor="a")
    assert still.status == "pending"
    assert services.refresh_transfer(transfer.pk, actor="a").status == "successful"


@pytest.mark.parametrize("point", ["send.after_phase1", "send.after_http"])
def test_crash_then_reconcile_books_once(accounts, point):
    transfer = mtn_transfer()
    with crashing_at(point), pytest.raises(SimulatedCrash):
        services.send_transfer(transfer.pk, actor="a")
    transfer.refresh_from_db()
    assert transfer.status == "sending"
    booked = entries(accounts, "mtn", transfer.reference)
    assert len(booked) == (0 if point == "send.after_phase1" else 1)
    # The sweep leaves a fresh `sending` row to its sender ...
    assert services.reconcile().checked == 0
    # ... and resolves it once the sender is surely gone.
    summary = services.reconcile(now=later())
    assert summary.resolved == {"successful": 1}
    assert summary.errors == 0
    transfer.refresh_from_db()
    assert transfer.status == "successful"
    assert len(entries(accounts, "mtn", transfer.reference)) == 1
    assert accounts.control.ledger()["violations"] == []
    assert_valid_path(transfer)


def test_late_answer_for_a_final_payment_is_ignored(accounts):
    transfer = mtn_transfer()
    services.send_transfer(transfer.pk, actor="a")
    Transfer.objects.filter(pk=transfer.pk).update(status="failed")
    after = services.refresh_transfer(transfer.pk, actor="a")
    assert after.status == "failed"
    assert after.status_changes.filter(to_status="successful").count() == 0
