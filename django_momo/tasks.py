"""Background work of django-momo, as tasks of Django's tasks framework.

Each task takes primary keys (JSON primitives), calls one service with the actor
``"task:<name>"`` and is idempotent: running it twice, or after the payment moved on, changes
nothing. A payment that is not final after a send or a status check is checked again later:
the task re-enqueues itself with ``run_after`` = the ``next_check_at`` the services stored
(they back off along ``STATUS_CHECK_DELAYS``; there is one clock) when the backend supports
deferred tasks; otherwise, and after the last delay, the reconcile sweep
(``reconcile_task`` or ``manage.py momo_reconcile``) picks the payment up. The faces (admin,
API, callback views) enqueue through :func:`enqueue_send` and :func:`enqueue_refresh`, always
after the surrounding transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction

from . import services
from .conf import momo_settings
from .models import CHECKS_STOPPED, FINAL_STATUSES, KINDS, Payment, PaymentStatus, kind_of
from .providers.base import TransientError
from .tasks_compat import Task, supports_defer, task

logger = logging.getLogger(__name__)

# Ids per fan-out task of enqueue_send_many: an admin action on 10,000 rows enqueues 20 tasks.
SEND_MANY_CHUNK = 500


def _model(kind: str) -> type[Payment]:
    return KINDS[kind].model


def _on_queue(t: Task[Any, Any], run_after: Any = None) -> Task[Any, Any]:
    """``t`` on the queue named by ``TASK_QUEUE`` (read now, never at import time)."""
    queue = momo_settings.TASK_QUEUE
    if queue == t.queue_name and run_after is None:
        return t
    return t.using(queue_name=queue, run_after=run_after)


def _enqueue_now(t: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    _on_queue(t).enqueue(*args, **kwargs)


def _after_commit(call: Callable[[], Any], name: str) -> None:
    """Run ``call`` once the transaction commits; if it raises (broker down), log and go on.

    A plain function, not ``functools.partial``: Django 5.2's ``on_commit(robust=True)`` logs
    the callable's ``__qualname__``, which a partial lacks. A lost enqueue is not lost work: the
    payment stays ``created`` and not held, and the reconcile sweep sends it.
    """

    def enqueue() -> None:
        call()

    enqueue.__qualname__ = enqueue.__name__ = f"enqueue {name}"
    transaction.on_commit(enqueue, robust=True)


# -- the next check --------------------------------------------------------------------------------
def _check_later(kind: str, payment_id: int, attempt: int) -> bool:
    """Schedule status check number ``attempt`` (1-based) at the time the services stored.

    One clock: the services set the payment's ``next_check_at`` (backing off along
    ``STATUS_CHECK_DELAYS``) and the task runs then; nothing is computed here. After
    ``len(STATUS_CHECK_DELAYS)`` chained checks, or without a backend that runs tasks later,
    the reconcile sweep takes over (returns False).
    """
    if attempt > len(tuple(momo_settings.STATUS_CHECK_DELAYS)) or not supports_defer():
        return False
    due = (
        _model(kind)
        ._default_manager.filter(pk=payment_id)
        .values_list("next_check_at", flat=True)
        .first()
    )
    if due is None:
        return False  # final, gone, or never scheduled: nothing to chain
    refresh = _on_queue(_REFRESH_TASKS[kind], run_after=due)
    _after_commit(lambda: refresh.enqueue(payment_id, attempt=attempt), f"refresh {kind}")
    return True


def _outcome(kind: str, payment: Payment, attempt: int) -> str:
    """The task's return value; schedules the next check when the payment is not final."""
    status = str(payment.status)
    if status in FINAL_STATUSES or status == PaymentStatus.CREATED:
        return status
    if payment.attention in CHECKS_STOPPED:
        return f"{status} (automatic checks stopped: needs an operator)"
    if _check_later(kind, payment.pk, attempt + 1):
        return f"{status} (next check scheduled)"
    return f"{status} (left to the reconcile sweep)"


def _run_send(kind: str, payment_id: int, name: str) -> str:
    try:
        payment = services.send_payment(_model(kind), payment_id, actor=f"task:{name}")
    except services.PaymentNotFound:
        logger.warning("%s: %s %s does not exist; nothing to send", name, kind, payment_id)
        return "not found"
    except services.InvalidTransition as exc:
        # Already sent (by this task earlier, another worker or an operator): nothing to do.
        logger.info("%s: %s %s not sent: %s", name, kind, payment_id, exc)
        return f"skipped ({exc.status or 'not sendable'})"
    return _outcome(kind, payment, 0)


def _run_refresh(kind: str, payment_id: int, attempt: int, name: str) -> str:
    try:
        payment = services.refresh_payment(_model(kind), payment_id, actor=f"task:{name}")
    except services.PaymentNotFound:
        logger.warning("%s: %s %s does not exist; nothing to check", name, kind, payment_id)
        return "not found"
    except services.InvalidTransition as exc:
        return f"skipped ({exc.status or 'not checkable'})"
    except TransientError as exc:
        # The provider could not answer now (a 5xx on the status query, the rate limit): ask
        # again later about the same reference. Other errors fail the task visibly; the
        # sweep still retries them.
        logger.info("%s: %s %s not checked: %s", name, kind, payment_id, exc)
        if _check_later(kind, payment_id, attempt + 1):
            return "provider error (next check scheduled)"
        return "provider error (left to the reconcile sweep)"
    return _outcome(kind, payment, attempt)


# -- tasks -----------------------------------------------------------------------------------------
@task()
def send_transfer_task(transfer_id: int) -> str:
    """Send a created transfer (payout) to its provider; a no-op once it was sent."""
    return _run_send("transfer", transfer_id, "send_transfer")


@task()
def refresh_transfer_task(transfer_id: int, attempt: int = 0) -> str:
    """Ask the provider about a transfer's reference; a no-op once it is final."""
    return _run_refresh("transfer", transfer_id, attempt, "refresh_transfer")


@task()
def send_collection_task(collection_id: int) -> str:
    """Send a created collection (request to pay) to its provider; a no-op once sent."""
    return _run_send("collection", collection_id, "send_collection")


@task()
def refresh_collection_task(collection_id: int, attempt: int = 0) -> str:
    """Ask the provider about a collection's reference; a no-op once it is final."""
    return _run_refresh("collection", collection_id, attempt, "refresh_collection")


@task()
def send_refund_task(refund_id: int) -> str:
    """Send a created refund to its provider; a no-op once it was sent."""
    return _run_send("refund", refund_id, "send_refund")


@task()
def refresh_refund_task(refund_id: int, attempt: int = 0) -> str:
    """Ask the provider about a refund's reference; a no-op once it is final."""
    return _run_refresh("refund", refund_id, attempt, "refresh_refund")


@task()
def send_many_task(kind: str, ids: list[int]) -> int:
    """Enqueue one send task per still-created payment of ``ids``; returns how many."""
    model = _model(kind)
    pending_ids = list(
        model._default_manager.filter(pk__in=ids, status=PaymentStatus.CREATED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    send = _SEND_TASKS[kind]
    for pk in pending_ids:
        _enqueue_now(send, pk)
    return len(pending_ids)


@task()
def verify_batch_task(batch_id: int, actor: str = "task:verify_batch") -> str:
    """Check the payees of a payout batch with the providers (rate-limited, read-only)."""
    from .services import batches

    try:
        summary = batches.verify_batch(batch_id, actor=actor)
    except services.ServiceError as exc:
        logger.info("verify_batch: batch %s not checked: %s", batch_id, exc)
        return f"not checked ({exc})"
    return summary.as_text()


def enqueue_verify_batch(batch_id: int, *, actor: str) -> None:
    """Check a batch's payees in the background once the current transaction commits.

    Rate-limited provider calls (MTN: two a row) take minutes for a large batch: never in a
    request. The results land on the rows as they come (every 50 rows).
    """
    t = verify_batch_task
    _after_commit(lambda: _enqueue_now(t, batch_id, actor=actor), f"verify batch {batch_id}")


@task()
def reconcile_task(limit: int | None = None) -> dict[str, int]:
    """Resolve every payment due for a check (the periodic sweep); returns the counts."""
    return summary_as_dict(services.reconcile(limit=limit, actor="task:reconcile"))


def summary_as_dict(summary: services.ReconcileSummary) -> dict[str, int]:
    """A reconcile summary as flat JSON-friendly counts, every final status included."""
    counts = {"checked": summary.checked}
    for status in (PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        counts[str(status)] = summary.resolved.get(status, 0)
    counts.update(
        still_pending=summary.still_pending,
        errors=summary.errors,
        sent=summary.sent,
        flagged=summary.flagged,
        needs_attention=summary.needs_attention,
    )
    return counts


_SEND_TASKS: dict[str, Task[Any, Any]] = {
    "transfer": send_transfer_task,
    "collection": send_collection_task,
    "refund": send_refund_task,
}
_REFRESH_TASKS: dict[str, Task[Any, Any]] = {
    "transfer": refresh_transfer_task,
    "collection": refresh_collection_task,
    "refund": refresh_refund_task,
}
# Every kind of payment (``models.kinds``) has its two tasks.
assert set(_SEND_TASKS) == set(_REFRESH_TASKS) == set(KINDS), "a payment kind lacks its tasks"


# -- helpers the faces call ------------------------------------------------------------------------
def enqueue_send(payment: models.Model) -> None:
    """Send ``payment`` in the background once the current transaction commits.

    The payment stops being held in the same transaction, so if the enqueue is lost the
    reconcile sweep sends it (``UNSENT_AFTER``).
    """
    kind = kind_of(payment).name
    services.release_for_sending(type(payment), [payment.pk])  # type: ignore[arg-type]
    t, pk = _SEND_TASKS[kind], payment.pk
    _after_commit(lambda: _enqueue_now(t, pk), f"send {kind} {pk}")


def enqueue_refresh(payment: models.Model) -> None:
    """Check ``payment``'s status in the background once the current transaction commits."""
    kind = kind_of(payment).name
    t, pk = _REFRESH_TASKS[kind], payment.pk
    _after_commit(lambda: _enqueue_now(t, pk), f"refresh {kind} {pk}")


def enqueue_send_many(model: type[models.Model], ids: Iterable[int]) -> int:
    """Send many payments in the background (admin bulk action); returns the tasks enqueued.

    Enqueues one fan-out task per ``SEND_MANY_CHUNK`` ids after commit, so a request over
    thousands of rows only writes a few queue entries; the workers enqueue the sends.
    """
    kind = kind_of(model).name
    id_list = sorted({int(pk) for pk in ids})
    chunks = [id_list[i : i + SEND_MANY_CHUNK] for i in range(0, len(id_list), SEND_MANY_CHUNK)]
    services.release_for_sending(model, id_list)  # type: ignore[arg-type]
    for chunk in chunks:
        _after_commit(
            lambda chunk=chunk: _enqueue_now(send_many_task, kind, chunk),  # type: ignore[misc]
            f"send {len(chunk)} {kind}s",
        )
    return len(chunks)
