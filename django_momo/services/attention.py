"""Payments that wait for an operator: flagged, alerted, and resolved by hand with an audit row.

Nothing waits for ever. A payment not final after ``PENDING_ALERT_AFTER`` is flagged
``overdue`` (still checked automatically); a MoMo payout past ``MOMO_REPLAY_MAX_AGE`` is flagged
``stopped`` (no more re-sends); a provider answer that does not match the record is flagged
``mismatch`` and never applied. Every flag writes a ``StatusChange`` (status unchanged), logs a
WARNING and sends ``payment_needs_attention`` after commit. An operator with the ``resolve_*``
permission then settles the payment by hand (``resolve_manually``) after checking the provider's
statement.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from django_momo import signals
from django_momo.conf import momo_settings
from django_momo.models import (
    FINAL_STATUSES,
    UNRESOLVED_STATUSES,
    Attention,
    Payment,
    PaymentStatus,
    StatusChange,
)
from django_momo.services.errors import InvalidRequest, InvalidTransition
from django_momo.services.transitions import SENDING_GRACE, load, transition

logger = logging.getLogger("django_momo")

S = PaymentStatus
P = TypeVar("P", bound=Payment)

# Statuses an operator may resolve by hand: the provider has (or may have) the payment.
RESOLVABLE = UNRESOLVED_STATUSES
# A stronger reason replaces a weaker one; never the other way round.
_RANK = {"": 0, Attention.OVERDUE: 1, Attention.STOPPED: 2, Attention.MISMATCH: 3}


def flag(model: type[Payment], pk: int, reason: str, note: str, *, actor: str) -> bool:
    """Flag an unfinished payment for an operator; False if it is final or already so flagged."""
    name = model._meta.model_name or ""
    with transaction.atomic():
        row = (
            model._default_manager.select_for_update()
            .filter(pk=pk)
            .values("status", "attention")
            .first()
        )
        if row is None or row["status"] in FINAL_STATUSES:
            return False
        if _RANK.get(reason, 0) <= _RANK.get(row["attention"], 0):
            return False
        now = timezone.now()
        fields: dict[str, Any] = {
            "attention": reason,
            "attention_note": note[:2000],
            "flagged_at": now,
            "updated_at": now,
        }
        if reason in (Attention.STOPPED, Attention.MISMATCH):
            fields["next_check_at"] = None
        model._default_manager.filter(pk=pk).update(**fields)
        StatusChange.objects.create(
            **{f"{name}_id": pk},
            from_status=row["status"],
            to_status=row["status"],
            reason=f"needs attention ({reason}): {note}"[:2000],
            actor=actor[:128],
        )
        payment = model._default_manager.get(pk=pk)
        transaction.on_commit(lambda: _alert(model, payment))
    logger.warning(
        "%s %s needs attention (%s, status %s): %s", name, pk, reason, row["status"], note
    )
    return True


def _alert(model: type[Payment], payment: Payment) -> None:
    signals.payment_needs_attention.send(sender=model, payment=payment)


def overdue(model: type[P], now: datetime | None = None) -> QuerySet[P]:
    """Payments of ``model`` not final ``PENDING_ALERT_AFTER`` seconds after their creation."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=float(momo_settings.PENDING_ALERT_AFTER))
    return model._default_manager.exclude(status__in=list(FINAL_STATUSES)).filter(
        created_at__lte=limit, attention=""
    )


def flag_overdue(
    model: type[Payment],
    *,
    now: datetime | None = None,
    account: str | None = None,
    actor: str = "task:reconcile",
) -> int:
    """Flag every overdue payment of ``model`` (once each); returns how many were flagged."""
    qs = overdue(model, now)
    if account is not None:
        qs = qs.filter(account=account)
    hours = float(momo_settings.PENDING_ALERT_AFTER) / 3600
    count = 0
    for pk, status in qs.order_by("pk").values_list("pk", "status").iterator():
        note = f"still {status} {hours:g} h after it was created"
        count += flag(model, pk, Attention.OVERDUE, note, actor=actor)
    return count


def needing_attention(model: type[P]) -> QuerySet[P]:
    """Unfinished payments of ``model`` flagged for an operator."""
    return model._default_manager.exclude(status__in=list(FINAL_STATUSES)).filter(~Q(attention=""))


def resolve_manually(
    model: type[P],
    pk: int,
    *,
    outcome: str,
    note: str,
    provider_transaction_id: str = "",
    actor: str,
) -> P:
    """Settle an unresolved payment by hand, after the operator checked the provider's statement.

    ``outcome`` is ``"successful"`` or ``"failed"``; ``note`` is mandatory; a successful outcome
    needs the provider's transaction id. Refused (``InvalidTransition``) unless the payment is
    ``sending``, ``pending`` or ``unknown``. Writes a ``StatusChange`` naming the operator.
    """
    if outcome not in (S.SUCCESSFUL, S.FAILED):
        raise InvalidRequest("outcome", "must be 'successful' or 'failed'")
    if not isinstance(note, str) or not note.strip():
        raise InvalidRequest("note", "required: say what you checked (statement, date, who)")
    if len(note) > 2000:
        raise InvalidRequest("note", "at most 2000 characters")
    if not isinstance(provider_transaction_id, str):
        raise InvalidRequest("provider_transaction_id", "must be text")
    txid = provider_transaction_id
    if txid != txid.strip() or len(txid) > 64 or any(c.isspace() for c in txid):
        raise InvalidRequest(
            "provider_transaction_id", "at most 64 characters, no spaces (as on the statement)"
        )
    if outcome == S.SUCCESSFUL and not txid:
        raise InvalidRequest(
            "provider_transaction_id", "required for a successful outcome (from the statement)"
        )
    payment = load(model, pk)
    if payment.status not in RESOLVABLE:
        raise InvalidTransition(
            f"{model._meta.verbose_name} {pk} is {payment.status}: only a sending, pending or "
            "unknown payment can be resolved by hand",
            status=payment.status,
        )
    sent_at = payment.sent_at or payment.created_at
    if payment.status == S.SENDING and timezone.now() - sent_at < SENDING_GRACE:
        # Its request may be in flight right now: "failed" by hand, then booked by the
        # provider, would invite a retry that pays twice.
        raise InvalidTransition(
            f"{model._meta.verbose_name} {pk} is being sent right now: its request may still "
            f"reach the provider; try again in {SENDING_GRACE.seconds // 60} minutes",
            status=payment.status,
        )
    fields: dict[str, Any] = {"attention": "", "attention_note": "", "flagged_at": None}
    if txid:
        fields["provider_transaction_id"] = txid
    if outcome == S.FAILED:
        fields.update(failure_code="MANUAL", failure_message=note.strip())
    result = transition(
        model,
        payment.pk,
        outcome,
        actor=actor,
        reason=f"resolved by hand: {note.strip()}",
        provider_data={"manual": True, "provider_transaction_id": txid},
        allowed_from=RESOLVABLE,
        fields=fields,
    )
    if not result.changed:
        raise InvalidTransition(
            f"{model._meta.verbose_name} {pk} moved to {result.payment.status} meanwhile: "
            "nothing was changed",
            status=result.payment.status,
        )
    logger.warning("%s %s resolved by hand as %s by %s", model._meta.model_name, pk, outcome, actor)
    return result.payment  # type: ignore[return-value]
