"""The sweep that resolves every payment left `sending`, `unknown` or `pending`.

It also sends every created payment that is not held but was never sent (its enqueue was lost:
broker down, a failing ``on_commit`` hook), and flags every payment not final after
``PENDING_ALERT_AFTER`` for an operator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db.models import Q, QuerySet
from django.utils import timezone

from django_momo.conf import momo_settings
from django_momo.models import (
    CHECKS_STOPPED,
    FINAL_STATUSES,
    PAYMENT_MODELS,
    UNRESOLVED_STATUSES,
    Payment,
    PaymentStatus,
    Transfer,
)
from django_momo.providers.base import ProviderError
from django_momo.services.attention import flag_overdue, needing_attention
from django_momo.services.errors import ServiceError
from django_momo.services.lifecycle import refresh_payment, send_payment

logger = logging.getLogger("django_momo")

# Every kind of payment (``models.kinds``), swept in this order.
MODELS: tuple[type[Payment], ...] = PAYMENT_MODELS


@dataclass
class ReconcileSummary:
    """What one sweep did."""

    checked: int = 0
    resolved: dict[str, int] = field(default_factory=dict)  # final status -> count
    still_pending: int = 0
    errors: int = 0
    sent: int = 0  # created, not held, never sent: sent now
    flagged: int = 0  # newly flagged for an operator by this sweep
    needs_attention: int = 0  # every unfinished payment flagged for an operator, after the sweep

    @property
    def resolved_total(self) -> int:
        """How many payments reached a final status."""
        return sum(self.resolved.values())


def due_for_check(model: type[Payment] = Transfer, now: datetime | None = None) -> QuerySet:
    """Unresolved payments of ``model`` whose next check time has come (or was never set)."""
    now = now or timezone.now()
    return (
        model._default_manager.filter(status__in=list(UNRESOLVED_STATUSES))
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .exclude(attention__in=list(CHECKS_STOPPED))
    )


def unsent(model: type[Payment] = Transfer, now: datetime | None = None) -> QuerySet:
    """Created payments that are not held and were not sent ``UNSENT_AFTER`` after creation."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=float(momo_settings.UNSENT_AFTER))
    return model._default_manager.filter(
        status=PaymentStatus.CREATED, held=False, created_at__lte=limit
    )


def reconcile(
    *,
    now: datetime | None = None,
    limit: int | None = None,
    chunk_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    actor: str = "task:reconcile",
    account: str | None = None,
) -> ReconcileSummary:
    """Refresh every due payment, in pk order and in chunks (memory stays flat), and count."""
    now = now or timezone.now()
    summary = ReconcileSummary()

    def due(model: type[Payment]) -> QuerySet:
        # ``account`` limits the sweep to one provider account (``momo_reconcile --account``).
        qs = due_for_check(model, now)
        return qs if account is None else qs.filter(account=account)

    total = sum(due(model).count() for model in MODELS)
    if limit is not None:
        total = min(total, limit)
    for model in MODELS:
        _send_unsent(model, now, actor, account, summary)
    for model in MODELS:
        last_pk = 0
        while limit is None or summary.checked < limit:
            size = chunk_size if limit is None else min(chunk_size, limit - summary.checked)
            ids = list(
                due(model).filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:size]
            )
            if not ids:
                break
            for pk in ids:
                last_pk = pk
                summary.checked += 1
                _resolve_one(model, pk, now, actor, summary)
                if progress is not None:
                    progress(summary.checked, total)
    for model in MODELS:
        summary.flagged += flag_overdue(model, now=now, account=account, actor=actor)
        flagged = needing_attention(model)
        if account is not None:
            flagged = flagged.filter(account=account)
        summary.needs_attention += flagged.count()
    logger.info(
        "reconcile: %s checked, %s resolved %s, %s still pending, %s errors, %s unsent sent, "
        "%s newly flagged, %s need attention",
        summary.checked,
        summary.resolved_total,
        summary.resolved,
        summary.still_pending,
        summary.errors,
        summary.sent,
        summary.flagged,
        summary.needs_attention,
    )
    if summary.needs_attention:
        logger.warning("reconcile: %s payments need an operator", summary.needs_attention)
    return summary


def _guarded(call: Callable[[], Payment], what: str, summary: ReconcileSummary) -> Payment | None:
    """Run one payment's step; an error is counted and logged, and the sweep goes on."""
    try:
        return call()
    except (ProviderError, ServiceError) as exc:
        summary.errors += 1
        logger.warning("reconcile: %s: %s", what, exc)
    except Exception:
        summary.errors += 1
        logger.exception("reconcile: %s failed", what)
    return None


def _send_unsent(
    model: type[Payment],
    now: datetime,
    actor: str,
    account: str | None,
    summary: ReconcileSummary,
) -> None:
    qs = unsent(model, now)
    if account is not None:
        qs = qs.filter(account=account)
    name = model._meta.model_name
    for pk in list(qs.order_by("pk").values_list("pk", flat=True)[:1000]):
        payment = _guarded(
            partial(send_payment, model, pk, actor=actor), f"sending {name} {pk}", summary
        )
        if payment is not None and payment.status != PaymentStatus.CREATED:
            summary.sent += 1
            logger.warning(
                "reconcile: %s %s was created but never sent (lost enqueue): sent now", name, pk
            )


def _resolve_one(
    model: type[Payment], pk: int, now: datetime, actor: str, summary: ReconcileSummary
) -> None:
    payment = _guarded(
        lambda: refresh_payment(model, pk, actor=actor, now=now),
        f"{model._meta.model_name} {pk}",
        summary,
    )
    if payment is None:
        return
    if payment.status in FINAL_STATUSES:
        summary.resolved[payment.status] = summary.resolved.get(payment.status, 0) + 1
    elif payment.status != PaymentStatus.CREATED:
        summary.still_pending += 1
