"""The one way a payment's status changes: a compare-and-set UPDATE plus its audit row.

``transition`` runs ``UPDATE ... SET status=<to> WHERE id=<pk> AND status=<from>`` inside
``transaction.atomic()``, writes the ``StatusChange`` in the same transaction, and schedules the
final-state signal with ``transaction.on_commit``. When the UPDATE matches no row another writer
moved the payment first: the winner's state stands and nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Collection as Container
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from django_momo import signals
from django_momo.conf import momo_settings
from django_momo.models import FINAL_STATUSES, Payment, PaymentStatus, StatusChange
from django_momo.services.crash import crash_point
from django_momo.services.errors import PaymentNotFound

logger = logging.getLogger("django_momo")

S = PaymentStatus
P = TypeVar("P", bound=Payment)

# Every allowed move; anything else (and anything out of a final status) is refused.
ALLOWED: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.SENDING, S.CANCELLED}),
    S.SENDING: frozenset({S.PENDING, S.UNKNOWN, S.SUCCESSFUL, S.FAILED}),
    S.UNKNOWN: frozenset({S.PENDING, S.SUCCESSFUL, S.FAILED}),
    S.PENDING: frozenset({S.SUCCESSFUL, S.FAILED}),
}

_SIGNALS: dict[tuple[str, str], Signal] = {
    ("transfer", S.SUCCESSFUL): signals.transfer_succeeded,
    ("transfer", S.FAILED): signals.transfer_failed,
    ("collection", S.SUCCESSFUL): signals.collection_succeeded,
    ("collection", S.FAILED): signals.collection_failed,
    ("refund", S.SUCCESSFUL): signals.refund_succeeded,
    ("refund", S.FAILED): signals.refund_failed,
}

# A `sending` row younger than this may still have its request in flight (timeouts and retries
# included), and a 404 this soon after a send means "not visible yet": leave both alone.
SENDING_GRACE = timedelta(minutes=5)

# A lost race is re-read and retried this many times before giving up.
_MAX_RACES = 3


def is_allowed(from_status: str, to_status: str) -> bool:
    """Whether a payment may move from ``from_status`` to ``to_status``."""
    return to_status in ALLOWED.get(from_status, frozenset())


@dataclass(frozen=True)
class TransitionResult:
    """The payment as it is after the attempt, and whether this call changed it."""

    payment: Payment
    changed: bool
    from_status: str


def next_check_at(checks_done: int, now: datetime | None = None) -> datetime:
    """When to ask about a payment again, backing off along ``STATUS_CHECK_DELAYS``."""
    delays = tuple(momo_settings.STATUS_CHECK_DELAYS) or (60,)
    delay = delays[min(max(checks_done, 0), len(delays) - 1)]
    return (now or timezone.now()) + timedelta(seconds=float(delay))


def load(model: type[P], pk: object) -> P:
    """The payment ``pk`` of ``model``; ``PaymentNotFound`` if there is none."""
    try:
        return model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise PaymentNotFound(f"no {model._meta.verbose_name} with id {pk!r}") from None


def transition(
    model: type[Payment],
    pk: int,
    to: str,
    *,
    actor: str,
    reason: str = "",
    provider_data: Mapping[str, Any] | None = None,
    allowed_from: Container[str] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> TransitionResult:
    """Move payment ``pk`` to ``to`` if its current status allows it; audit and signal once."""
    name = model._meta.model_name or ""
    for _ in range(_MAX_RACES):
        with transaction.atomic():
            current = model._default_manager.filter(pk=pk).values_list("status", flat=True).first()
            if current is None:
                raise PaymentNotFound(f"no {model._meta.verbose_name} with id {pk!r}")
            if (allowed_from is not None and current not in allowed_from) or not is_allowed(
                current, to
            ):
                return TransitionResult(model._default_manager.get(pk=pk), False, current)
            now = timezone.now()
            updates: dict[str, Any] = dict(fields or {})
            updates.update(status=to, updated_at=now)
            if to in FINAL_STATUSES:
                updates.setdefault("finished_at", now)
                updates["next_check_at"] = None
                # A final payment waits for nobody; why it was flagged stays in the audit trail.
                updates["attention"] = ""
            if not model._default_manager.filter(pk=pk, status=current).update(**updates):
                continue  # another writer moved it between the read and the update: re-read
            StatusChange.objects.create(
                **{f"{name}_id": pk},
                from_status=current,
                to_status=to,
                reason=reason[:2000],
                actor=actor[:128],
                provider_data=dict(provider_data or {}),
            )
            crash_point("transition.before_commit")
            payment = model._default_manager.get(pk=pk)
            signal = _SIGNALS.get((name, to))
            if signal is not None:
                transaction.on_commit(_sender(signal, model, payment))
            logger.info("%s %s: %s -> %s by %s (%s)", name, pk, current, to, actor, reason or "-")
            return TransitionResult(payment, True, current)
    payment = model._default_manager.get(pk=pk)
    return TransitionResult(payment, False, payment.status)


def _sender(signal: Signal, model: type[Payment], payment: Payment) -> Any:
    def send() -> None:
        signal.send(sender=model, payment=payment)

    return send


def touch(model: type[Payment], pk: int, statuses: Container[str], **fields: Any) -> bool:
    """Update bookkeeping fields (next check, attempts) while the status is one of ``statuses``."""
    fields.setdefault("updated_at", timezone.now())
    return bool(model._default_manager.filter(pk=pk, status__in=list(statuses)).update(**fields))


def schedule_check(
    model: type[Payment],
    pk: int,
    statuses: Container[str],
    checks_done: int,
    now: datetime | None = None,
) -> bool:
    """Count one status check and schedule the next one (no status change)."""
    return touch(
        model,
        pk,
        statuses,
        status_checks=F("status_checks") + 1,
        next_check_at=next_check_at(checks_done + 1, now),
    )
