"""Nothing waits for ever: lost enqueues are found, replays stop at an age limit, payments not
final are flagged, and an operator settles the rest by hand with an audit row."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from django_momo import services, signals
from django_momo.models import Attention, PaymentStatus, StatusChange, Transfer
from tests.settings import _IMMEDIATE

from .conftest import MTN_OK, assert_valid_path, entries, later, momo_payout, mtn_transfer

pytestmark = pytest.mark.django_db

S = PaymentStatus
STUCK = "46733123454"  # the MTN sandbox keeps it pending


# --- lost enqueues -------------------------------------------------------------------------------


def test_the_sweep_sends_a_payment_whose_enqueue_was_lost(accounts, settings, caplog):
    transfer = mtn_transfer("lost-enqueue")
    held = mtn_transfer("held-one")
    services.release_for_sending(Transfer, [transfer.pk])  # a face meant to send it...
    # ... and its enqueue never reached the broker. Not yet old enough for the sweep:
    summary = services.reconcile(now=timezone.now())
    assert summary.sent == 0
    caplog.set_level(logging.WARNING, logger="django_momo")
    summary = services.reconcile(now=timezone.now() + timedelta(minutes=6))
    assert summary.sent == 1
    transfer.refresh_from_db()
    held.refresh_from_db()
    assert transfer.status in (S.PENDING, S.SUCCESSFUL)
    assert held.status == S.CREATED  # held: only an explicit send moves it
    assert "never sent (lost enqueue)" in caplog.text
    assert len(entries(accounts, "mtn", transfer.reference)) == 1


def test_broker_down_on_commit_is_logged_and_the_payment_stays_sendable(
    accounts, settings, django_capture_on_commit_callbacks, caplog
):
    from django_momo import tasks

    settings.TASKS = {"default": {"BACKEND": "tests.broker.BrokerDown"}}
    transfer = mtn_transfer("broker-down")
    caplog.set_level(logging.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_send(transfer)  # robust: the hook raising does not escape
    transfer.refresh_from_db()
    assert transfer.status == S.CREATED
    assert transfer.held is False
    assert "enqueue send transfer" in caplog.text
    # The sweep finds it once UNSENT_AFTER has passed and sends it.
    settings.TASKS = {"default": {"BACKEND": _IMMEDIATE}}
    summary = services.reconcile(now=timezone.now() + timedelta(minutes=6))
    assert summary.sent == 1
    assert Transfer.objects.get(pk=transfer.pk).status in (S.PENDING, S.SUCCESSFUL)
    assert len(entries(accounts, "mtn", transfer.reference)) == 1


# --- replays that never turn final ---------------------------------------------------------------


def test_momo_unknown_on_every_replay_stops_at_the_age_limit(accounts, settings):
    accounts.control.set_faults(
        lost_after_booking={"next": 1, "provider": "momo_vn"}, replay_unknown={"rate": 1}
    )
    payout = momo_payout("m-99")
    assert services.send_transfer(payout.pk, actor="t").status == S.UNKNOWN
    for minutes in (10, 60, 600):
        after = services.refresh_transfer(payout.pk, actor="t", now=later(minutes))
        assert after.status == S.UNKNOWN
        assert after.attention == ""
    replays = after.attempts
    sent_at = after.sent_at
    # Past MOMO_REPLAY_MAX_AGE the requestId may be forgotten: never re-send it then.
    stopped = services.refresh_transfer(payout.pk, actor="t", now=sent_at + timedelta(days=30))
    assert stopped.status == S.UNKNOWN
    assert stopped.attention == Attention.STOPPED
    assert stopped.attempts == replays
    assert stopped.next_check_at is None
    again = services.refresh_transfer(payout.pk, actor="t", now=sent_at + timedelta(days=31))
    assert again.attempts == replays
    assert not services.due_for_check(Transfer, sent_at + timedelta(days=40)).exists()
    summary = services.reconcile(now=sent_at + timedelta(days=40))
    assert summary.needs_attention == 1
    assert len(entries(accounts, "momo_vn", payout.reference)) == 1


def test_momo_41_then_40_on_every_replay_ends_flagged(accounts):
    accounts.control.set_faults(refuse_order={"next": 1})
    payout = momo_payout("m-41")
    first = services.send_transfer(payout.pk, actor="t")
    assert first.status == S.UNKNOWN  # 41 proves nothing about the payout
    second = services.refresh_transfer(payout.pk, actor="t", now=later())
    assert second.status == S.PENDING  # 40: the first request is not final
    assert second.status_changes.order_by("id").last().provider_data["result_code"] == 40
    stopped = services.refresh_transfer(
        payout.pk, actor="t", now=second.sent_at + timedelta(days=30, seconds=1)
    )
    assert stopped.status == S.PENDING
    assert stopped.attention == Attention.STOPPED
    assert entries(accounts, "momo_vn", payout.reference) == []


# --- PENDING_ALERT_AFTER -------------------------------------------------------------------------


def test_a_payment_not_final_after_the_alert_age_is_flagged_once(
    accounts, caplog, django_capture_on_commit_callbacks
):
    transfer = mtn_transfer("slow", party=STUCK)
    assert services.send_transfer(transfer.pk, actor="t").status == S.PENDING
    received = []

    def receiver(sender, payment, **kwargs):
        received.append((sender, payment.pk, payment.attention))

    signals.payment_needs_attention.connect(receiver)
    try:
        summary = services.reconcile(now=timezone.now() + timedelta(hours=1))
        assert summary.flagged == 0
        caplog.set_level(logging.WARNING, logger="django_momo")
        with django_capture_on_commit_callbacks(execute=True):
            with_flag = services.reconcile(now=timezone.now() + timedelta(hours=25))
            again = services.reconcile(now=timezone.now() + timedelta(hours=26))
    finally:
        signals.payment_needs_attention.disconnect(receiver)
    assert with_flag.flagged == 1
    assert with_flag.needs_attention == 1
    assert again.flagged == 0
    assert again.needs_attention == 1
    assert received == [(Transfer, transfer.pk, Attention.OVERDUE)]
    assert "needs attention (overdue" in caplog.text
    transfer.refresh_from_db()
    assert transfer.attention == Attention.OVERDUE
    assert transfer.status == S.PENDING
    assert services.needing_attention(Transfer).get() == transfer
    # An overdue payment is still checked automatically.
    assert services.due_for_check(Transfer, timezone.now() + timedelta(hours=30)).exists()


# --- resolving by hand -------------------------------------------------------------------------


def test_an_operator_resolves_an_unresolved_payment_with_an_audit_row(accounts):
    transfer = mtn_transfer("by-hand", party=STUCK)
    services.send_transfer(transfer.pk, actor="t")
    done = services.resolve_manually(
        Transfer,
        transfer.pk,
        outcome="successful",
        note="On the MTN statement of 2 Dec",
        provider_transaction_id="998877",
        actor="user:olga",
    )
    assert done.status == S.SUCCESSFUL
    assert done.provider_transaction_id == "998877"
    change = StatusChange.objects.filter(transfer=done).order_by("id").last()
    assert change.actor == "user:olga"
    assert "On the MTN statement" in change.reason
    assert change.provider_data["manual"] is True
    assert_valid_path(done)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "paid", "note": "x"}, "outcome"),
        ({"outcome": "failed", "note": "  "}, "note"),
        ({"outcome": "successful", "note": "seen"}, "provider_transaction_id"),
        (
            {"outcome": "successful", "note": "seen", "provider_transaction_id": "a b"},
            "provider_transaction_id",
        ),
    ],
)
def test_manual_resolution_refuses_bad_input_and_changes_nothing(accounts, kwargs, field):
    transfer = mtn_transfer("bad-hand", party=STUCK)
    services.send_transfer(transfer.pk, actor="t")
    before = StatusChange.objects.count()
    with pytest.raises(services.InvalidRequest) as info:
        services.resolve_manually(Transfer, transfer.pk, actor="user:olga", **kwargs)
    assert info.value.field == field
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING
    assert StatusChange.objects.count() == before


def test_manual_resolution_is_refused_for_payments_that_are_not_unresolved(accounts):
    created = mtn_transfer("not-sent")
    with pytest.raises(services.InvalidTransition):
        services.resolve_manually(Transfer, created.pk, outcome="failed", note="x", actor="u")
    paid = mtn_transfer("paid", party=MTN_OK)
    services.send_transfer(paid.pk, actor="t")
    assert services.refresh_transfer(paid.pk, actor="t").status == S.SUCCESSFUL
    with pytest.raises(services.InvalidTransition):
        services.resolve_manually(Transfer, paid.pk, outcome="failed", note="x", actor="u")
    assert Transfer.objects.get(pk=paid.pk).status == S.SUCCESSFUL


def test_a_payment_being_sent_right_now_cannot_be_resolved_by_hand(accounts):
    from django_momo.services.crash import SimulatedCrash, crashing_at

    transfer = mtn_transfer("in-flight")
    with crashing_at("send.after_phase1"), pytest.raises(SimulatedCrash):
        services.send_transfer(transfer.pk, actor="task:send")
    with pytest.raises(services.InvalidTransition, match="being sent right now"):
        services.resolve_manually(Transfer, transfer.pk, outcome="failed", note="x", actor="u")
    assert Transfer.objects.get(pk=transfer.pk).status == S.SENDING
    Transfer.objects.filter(pk=transfer.pk).update(sent_at=timezone.now() - timedelta(minutes=6))
    done = services.resolve_manually(
        Transfer, transfer.pk, outcome="failed", note="not on the statement", actor="user:olga"
    )
    assert done.status == S.FAILED
