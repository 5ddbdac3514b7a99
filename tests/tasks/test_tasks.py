"""Tasks are idempotent, enqueue only after commit, and schedule their own next check."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from django_momo import tasks
from django_momo.models import PaymentStatus, StatusChange, Transfer
from django_momo.sandbox.mtn.payments import STUCK_PENDING_NUMBER

from .conftest import make_transfer

pytestmark = pytest.mark.django_db


def _ledger_entries(sandbox: Any, reference: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.control.ledger()["entries"] if e["reference"] == reference]


@pytest.mark.parametrize("provider", ["mtn", "momo"])
def test_sending_twice_books_one_payment(momo_accounts, provider):
    transfer = make_transfer(provider)

    first = tasks.send_transfer_task.call(transfer.pk)
    second = tasks.send_transfer_task.call(transfer.pk)

    transfer.refresh_from_db()
    assert transfer.status != PaymentStatus.CREATED
    assert first.startswith(str(transfer.status)) or first.startswith("pending")
    assert second.startswith(("skipped", str(transfer.status)))
    assert len(_ledger_entries(momo_accounts, transfer.reference)) == 1
    assert momo_accounts.control.ledger()["violations"] == []
    # Only one send was recorded: created -> sending happened once.
    sends = StatusChange.objects.filter(transfer=transfer, to_status=PaymentStatus.SENDING)
    assert sends.count() == 1


def test_refreshing_a_final_transfer_changes_nothing(momo_accounts):
    transfer = make_transfer("mtn")
    tasks.send_transfer_task.call(transfer.pk)
    tasks.refresh_transfer_task.call(transfer.pk)
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL
    changes = StatusChange.objects.filter(transfer=transfer).count()

    assert tasks.refresh_transfer_task.call(transfer.pk) == PaymentStatus.SUCCESSFUL
    assert tasks.send_transfer_task.call(transfer.pk).startswith(("skipped", "successful"))

    assert StatusChange.objects.filter(transfer=transfer).count() == changes
    assert len(_ledger_entries(momo_accounts, transfer.reference)) == 1


def test_a_missing_payment_is_reported_not_raised(momo_accounts):
    assert tasks.send_transfer_task.call(987654) == "not found"
    assert tasks.refresh_transfer_task.call(987654) == "not found"


def test_a_pending_payment_schedules_its_next_check(
    momo_accounts, dummy_backend, django_capture_on_commit_callbacks
):
    transfer = make_transfer("mtn")

    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.send_transfer_task.call(transfer.pk)

    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert outcome == "pending (next check scheduled)"
    [scheduled] = dummy_backend.results
    assert scheduled.task.func is tasks.refresh_transfer_task.func
    assert scheduled.args == [transfer.pk] or scheduled.args == (transfer.pk,)
    assert scheduled.kwargs == {"attempt": 1}
    # One clock: the check runs when the services said it is due, nothing computed here.
    assert scheduled.task.run_after == transfer.next_check_at


def test_without_deferred_tasks_the_sweep_takes_over(momo_accounts):
    # The test settings use the immediate backend, which cannot run anything later.
    transfer = make_transfer("mtn")
    assert tasks.send_transfer_task.call(transfer.pk) == "pending (left to the reconcile sweep)"


def test_the_chain_of_checks_ends_after_the_last_delay(
    momo_accounts, dummy_backend, settings, django_capture_on_commit_callbacks
):
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "STATUS_CHECK_DELAYS": (1, 2)}
    transfer = make_transfer("mtn", party_id=STUCK_PENDING_NUMBER)
    tasks.send_transfer_task.call(transfer.pk)
    dummy_backend.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.refresh_transfer_task.call(transfer.pk, attempt=1)
    assert outcome == "pending (next check scheduled)"
    [scheduled] = dummy_backend.results
    assert scheduled.kwargs == {"attempt": 2}
    dummy_backend.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.refresh_transfer_task.call(transfer.pk, attempt=2)
    assert outcome == "pending (left to the reconcile sweep)"
    assert dummy_backend.results == []
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING


def test_enqueue_send_waits_for_the_commit(
    momo_accounts, dummy_backend, django_capture_on_commit_callbacks
):
    transfer = make_transfer("mtn")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.enqueue_send(transfer)
        tasks.enqueue_refresh(transfer)
        assert dummy_backend.results == []
    assert len(callbacks) == 2
    funcs = [r.task.func for r in dummy_backend.results]
    assert funcs == [tasks.send_transfer_task.func, tasks.refresh_transfer_task.func]
    assert [list(r.args) for r in dummy_backend.results] == [[transfer.pk], [transfer.pk]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_enqueues_nothing(momo_accounts, dummy_backend):
    transfer = make_transfer("mtn")

    def failing_view() -> None:
        with transaction.atomic():
            tasks.enqueue_send(transfer)
            raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        failing_view()
    assert dummy_backend.results == []
    # Outside a transaction (autocommit) the enqueue happens at once.
    tasks.enqueue_send(transfer)
    assert len(dummy_backend.results) == 1


def test_enqueue_uses_the_configured_queue(
    momo_accounts, dummy_backend, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {
            "BACKEND": settings.TASKS["default"]["BACKEND"],
            "QUEUES": ["default", "payouts"],
        }
    }
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "TASK_QUEUE": "payouts"}
    from django_momo.tasks_compat import default_task_backend

    transfer = make_transfer("mtn")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_send(transfer)
    [result] = default_task_backend.results
    assert result.task.queue_name == "payouts"


def test_bulk_send_only_enqueues_a_few_fan_out_tasks(
    momo_accounts, dummy_backend, django_capture_on_commit_callbacks
):
    ids = list(range(1, 10_001))
    with django_capture_on_commit_callbacks(execute=True):
        count = tasks.enqueue_send_many(Transfer, ids)
        assert dummy_backend.results == []
    assert count == 20
    assert len(dummy_backend.results) == 20
    assert all(r.task.func is tasks.send_many_task.func for r in dummy_backend.results)
    sent_ids = [pk for r in dummy_backend.results for pk in r.args[1]]
    assert sorted(sent_ids) == ids
    assert {r.args[0] for r in dummy_backend.results} == {"transfer"}


def test_fan_out_enqueues_a_send_per_created_payment(
    momo_accounts, dummy_backend, django_capture_on_commit_callbacks
):
    created = [make_transfer("mtn") for _ in range(3)]
    sent = make_transfer("mtn")
    tasks.send_transfer_task.call(sent.pk)
    dummy_backend.clear()

    with django_capture_on_commit_callbacks(execute=True):
        count = tasks.send_many_task.call("transfer", [t.pk for t in [*created, sent]] + [999999])

    assert count == 3
    assert sorted(r.args[0] for r in dummy_backend.results) == sorted(t.pk for t in created)
    assert {r.task.func for r in dummy_backend.results} == {tasks.send_transfer_task.func}


def test_enqueue_rejects_a_model_that_is_not_a_payment():
    from django.contrib.auth.models import User

    with pytest.raises(TypeError, match="not a django-momo payment model"):
        tasks.enqueue_send_many(User, [1])


def test_reconcile_task_returns_a_json_summary(momo_accounts):
    import json

    summary = tasks.reconcile_task.call()
    assert json.loads(json.dumps(summary)) == summary
    assert all(isinstance(v, int) for v in summary.values())
    assert {"sent", "flagged", "needs_attention"} <= set(summary)
