"""Sending a payout batch from a face (command, admin): the service step plus the enqueue.

The services never import ``tasks`` (DESIGN.md: imports point down), so ``start_sending``
returns the payout ids and this face-level module enqueues them, in the same transaction: the
batch becomes ``sending`` and its payouts stop being held together, and the fan-out tasks are
enqueued after the commit (a lost enqueue leaves created, not held payouts that the reconcile
sweep sends).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from django_momo import tasks
from django_momo.models import Transfer
from django_momo.services import batches


def send_batch(batch_id: int, *, user: Any, actor: str) -> int:
    """Send every payout of a created (and approved, where needed) batch; returns how many."""
    with transaction.atomic():
        ids = batches.start_sending(batch_id, user=user, actor=actor)
        tasks.enqueue_send_many(Transfer, ids)
    return len(ids)
