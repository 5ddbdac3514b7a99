"""Sending a confirmed batch, and how far it got.

``start_sending`` checks the permission and the batch approvals, moves the batch to
``sending`` and returns the ids of its payouts still to send. It does not enqueue them: the
services never import ``tasks`` (DESIGN.md, layers), so the face that asked (the command, the
admin; ``django_momo.batch_sending.send_batch`` does both steps in one transaction) enqueues
them with ``tasks.enqueue_send_many`` in the same transaction, after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from django_momo.models import FINAL_STATUSES, BatchStatus, PaymentStatus, PayoutBatch
from django_momo.services import access
from django_momo.services.batches.confirm import batch_payouts, load_batch, valid_batch_approvals
from django_momo.services.batches.events import record
from django_momo.services.errors import InvalidTransition

B = BatchStatus
S = PaymentStatus


def approvals_missing(batch: PayoutBatch) -> int:
    """How many more batch approvals are needed before the batch may be sent (0: none)."""
    if not batch.approvals_required:
        return 0
    return max(batch.approvals_required - valid_batch_approvals(batch), 0)


def start_sending(batch_id: int, *, user: Any, actor: str) -> list[int]:
    """Move a created batch to ``sending``; return the ids of its payouts to send now.

    Call it inside the transaction that enqueues those ids. Refused while batch approvals are
    missing. A batch already ``sending`` returns the payouts still ``created`` (a second send
    after a lost enqueue); nothing else is sent twice, since a send is a no-op once sent.
    """
    access.require(user, access.BATCH, access.Action.SEND)
    with transaction.atomic():
        batch = load_batch(batch_id, lock=True)
        if batch.status not in (B.CREATED, B.SENDING):
            raise InvalidTransition(
                f"batch {batch.pk} is {batch.status}: only a created batch is sent",
                status=batch.status,
            )
        missing = approvals_missing(batch)
        if missing:
            raise InvalidTransition(
                f"batch {batch.pk} is not approved yet: it needs {batch.approvals_required} "
                f"approvals ({batch.approvals_required - missing} valid)",
                status=batch.status,
            )
        if batch.status == B.CREATED:
            PayoutBatch.objects.filter(pk=batch.pk, status=B.CREATED).update(
                status=B.SENDING, updated_at=timezone.now()
            )
            record(batch.pk, B.SENDING, from_status=B.CREATED, actor=actor)
        return list(batch_payouts(batch).filter(status=S.CREATED).values_list("pk", flat=True))


@dataclass
class BatchProgress:
    """Counts and amounts of a batch's payouts per status."""

    batch_id: int
    status: str
    rows: int
    counts: dict[str, int] = field(default_factory=dict)
    # {"successful": {"EUR": "125.5"}}
    amounts: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def payouts(self) -> int:
        return sum(self.counts.values())

    @property
    def final(self) -> int:
        return sum(n for status, n in self.counts.items() if status in FINAL_STATUSES)


def batch_progress(batch_id: int) -> BatchProgress:
    """Where a batch's payouts are; a ``sending`` batch whose payouts are all final is ``done``."""
    batch = load_batch(batch_id)
    progress = BatchProgress(batch.pk, str(batch.status), batch.row_count)
    grouped = (
        batch_payouts(batch)
        .order_by()
        .values("status", "currency")
        .annotate(n=Count("pk"), total=Sum("amount"))
    )
    for entry in grouped:
        status = str(entry["status"])
        progress.counts[status] = progress.counts.get(status, 0) + entry["n"]
        amounts = progress.amounts.setdefault(status, {})
        amounts[entry["currency"]] = format(Decimal(entry["total"]).normalize(), "f")
    if batch.status == B.SENDING and progress.payouts and progress.final == progress.payouts:
        with transaction.atomic():
            done = PayoutBatch.objects.filter(pk=batch.pk, status=B.SENDING).update(
                status=B.DONE, updated_at=timezone.now()
            )
            if done:
                record(
                    batch.pk,
                    B.DONE,
                    from_status=B.SENDING,
                    actor="system",
                    note="every payout is final",
                )
        progress.status = str(B.DONE)
    return progress
