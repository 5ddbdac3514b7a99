"""The compare-and-set transition: every allowed and forbidden move, audit rows, signals."""

from __future__ import annotations

import itertools

import pytest

from django_momo import signals
from django_momo.models import FINAL_STATUSES, PaymentStatus, StatusChange, Transfer
from django_momo.services import ALLOWED, PaymentNotFound, is_allowed
from django_momo.services.transitions import transition

from .conftest import mtn_transfer

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in PaymentStatus]
EXPECTED = {
    ("created", "sending"),
    ("created", "cancelled"),
    ("sending", "pending"),
    ("sending", "unknown"),
    ("sending", "successful"),
    ("sending", "failed"),
    ("unknown", "pending"),
    ("unknown", "successful"),
    ("unknown", "failed"),
    ("pending", "successful"),
    ("pending", "failed"),
}


def test_allowed_table_is_the_documented_life_cycle():
    table = {(frm, to) for frm, tos in ALLOWED.items() for to in tos}
    assert table == EXPECTED
    for status in FINAL_STATUSES:
        assert status not in ALLOWED


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(STATUSES, STATUSES)))
def test_every_move(settings, frm, to):
    transfer = mtn_transfer()
    Transfer.objects.filter(pk=transfer.pk).update(status=frm)
    before = StatusChange.objects.count()
    result = transition(Transfer, transfer.pk, to, actor="test:t", reason="r")
    transfer.refresh_from_db()
    if (frm, to) in EXPECTED:
        assert result.changed
        assert transfer.status == to
        change = StatusChange.objects.latest("id")
        assert (change.from_status, change.to_status, change.actor) == (frm, to, "test:t")
        assert change.transfer_id == transfer.pk
        assert StatusChange.objects.count() == before + 1
        if to in FINAL_STATUSES:
            assert transfer.finished_at is not None
            assert transfer.next_check_at is None
    else:
        assert not result.changed
        assert transfer.status == frm
        assert StatusChange.objects.count() == before
    assert is_allowed(frm, to) == ((frm, to) in EXPECTED)


def test_allowed_from_narrows_the_move():
    transfer = mtn_transfer()
    result = transition(Transfer, transfer.pk, "sending", actor="a", allowed_from={"unknown"})
    assert not result.changed
    assert result.payment.status == "created"


def test_final_states_never_change():
    transfer = mtn_transfer()
    for final in FINAL_STATUSES:
        Transfer.objects.filter(pk=transfer.pk).update(status=final)
        for to in STATUSES:
            assert not transition(Transfer, transfer.pk, to, actor="a").changed
        transfer.refresh_from_db()
        assert transfer.status == final


def test_unknown_payment():
    with pytest.raises(PaymentNotFound):
        transition(Transfer, 987654, "sending", actor="a")


def test_signal_is_sent_once_after_commit(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, payment, **kwargs):
        received.append((sender, payment.pk, payment.status))

    signals.transfer_succeeded.connect(receiver)
    try:
        transfer = mtn_transfer()
        Transfer.objects.filter(pk=transfer.pk).update(status="pending")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            transition(Transfer, transfer.pk, "successful", actor="a")
            assert received == []  # nothing before the commit
            transition(Transfer, transfer.pk, "successful", actor="a")  # no second time
            transition(Transfer, transfer.pk, "failed", actor="a")
        assert len(callbacks) == 1
        assert received == [(Transfer, transfer.pk, "successful")]
    finally:
        signals.transfer_succeeded.disconnect(receiver)


@pytest.mark.django_db(transaction=True)
def test_no_signal_when_the_transaction_rolls_back():
    from django.db import transaction

    received = []

    def receiver(sender, payment, **kwargs):
        received.append(payment.pk)

    signals.transfer_failed.connect(receiver)
    try:
        transfer = mtn_transfer()
        Transfer.objects.filter(pk=transfer.pk).update(status="pending")

        def fail_after_the_transition() -> None:
            with transaction.atomic():
                transition(Transfer, transfer.pk, "failed", actor="a")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            fail_after_the_transition()
        transfer.refresh_from_db()
        assert transfer.status == "pending"
        assert received == []
        transition(Transfer, transfer.pk, "failed", actor="a")
        assert received == [transfer.pk]
    finally:
        signals.transfer_failed.disconnect(receiver)
