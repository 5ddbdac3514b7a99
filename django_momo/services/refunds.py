"""Refunds of successful collections; together they never exceed what was collected."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from django_momo.models import Collection, PaymentStatus, Refund
from django_momo.money import format_display
from django_momo.services.adapters import adapter_for
from django_momo.services.approvals import approvals_needed
from django_momo.services.clients import get_account
from django_momo.services.creation import create_once
from django_momo.services.errors import (
    ConflictingRequest,
    InvalidRequest,
    InvalidTransition,
    RefundExceedsCollected,
)
from django_momo.services.lifecycle import refresh_payment, send_payment
from django_momo.services.transitions import load, transition
from django_momo.services.validation import clean_amount, clean_external_id

S = PaymentStatus
# Refunds in these states moved no money and hold none of the collected amount.
RELEASED = (S.FAILED, S.CANCELLED)
DEFAULT_NOTE = "Refund"


def refundable_amount(collection: Collection) -> Decimal:
    """What may still be refunded: collected minus every refund that is not failed/cancelled."""
    if collection.status != S.SUCCESSFUL:
        return Decimal(0)
    taken = collection.refunds.exclude(status__in=RELEASED).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
    return Decimal(collection.amount) - Decimal(taken)


def create_refund(
    collection_id: int,
    *,
    amount: Any = None,
    external_id: str | None = None,
    note: str = "",
    actor: str,
    created_by: Any = None,
    hold: bool = True,
) -> Refund:
    """Store a refund of (part of) a successful collection; ``amount=None`` refunds the rest.

    ``external_id`` is required: the same one again returns the first refund (a retried call
    cannot refund twice). Refunds that are not failed or cancelled hold their amount.
    """
    collection = load(Collection, collection_id)
    account = get_account(collection.account)
    adapter = adapter_for(account.provider)
    # The refund's operation and texts as its provider wants them; refused when it cannot refund.
    texts = adapter.clean_refund(account, collection, note or DEFAULT_NOTE)
    if external_id is None or external_id == "":
        raise InvalidRequest(
            "external_id",
            "required: the shop's own reference of this refund, so that a repeated request "
            "finds the first refund instead of refunding twice",
        )
    ext = clean_external_id(external_id)
    value = clean_amount(amount, collection.currency) if amount is not None else None
    existing = Refund.objects.filter(account=collection.account, external_id=ext).first()
    if existing is not None:
        if existing.collection_id != collection.pk or (
            value is not None and existing.amount != value
        ):
            raise ConflictingRequest(
                f"{ext!r} is already used by another refund", existing_id=existing.pk
            )
        return existing
    with transaction.atomic():
        # The lock serialises refunds of one collection, so the sum check cannot be raced.
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        if locked.status != S.SUCCESSFUL:
            raise InvalidTransition(
                f"collection {collection_id} is {locked.status}: only a successful collection "
                "can be refunded",
                status=locked.status,
            )
        remaining = refundable_amount(locked)
        if value is None:
            value = remaining
        if value <= 0 or value > remaining:
            asked, left = (format_display(v, locked.currency) for v in (value, remaining))
            raise RefundExceedsCollected(f"{asked} exceeds the refundable {left}")
        adapter.check_refund_amount(locked, value)
        refund, _ = create_once(
            Refund,
            {
                "account": locked.account,
                "provider": locked.provider,
                **texts,
                **adapter.new_refund_references(),
                "party_type": locked.party_type,
                "party_id": locked.party_id,
                "amount": value,
                "currency": locked.currency,
                "external_id": ext,
                "collection": locked,
                "created_by": created_by,
                "held": hold,
                "approvals_required": approvals_needed(locked.account, value),
            },
            actor=actor,
        )
    return refund


def send_refund(refund_id: int, *, actor: str) -> Refund:
    """Send a created refund (MTN: disbursement refund v2 of the collection's reference; MoMo:
    the gateway's refund of the payment's transId, under the refund's own orderId)."""
    return send_payment(Refund, refund_id, actor=actor)


def refresh_refund(refund_id: int, *, actor: str, now: datetime | None = None) -> Refund:
    """Ask the provider about the refund under its own reference and store the answer."""
    return refresh_payment(Refund, refund_id, actor=actor, now=now)


def cancel_refund(refund_id: int, *, actor: str, reason: str = "") -> Refund:
    """Cancel a refund that was never sent, freeing its amount; else ``InvalidTransition``.

    A cancelled refund no longer holds any of the collected amount (``refundable_amount``).
    """
    refund = load(Refund, refund_id)
    if refund.status == S.CANCELLED:
        return refund
    result = transition(
        Refund,
        refund.pk,
        S.CANCELLED,
        actor=actor,
        reason=reason or "cancelled",
        allowed_from={S.CREATED},
    )
    if not result.changed and result.payment.status != S.CANCELLED:
        raise InvalidTransition(
            f"refund {refund_id} is {result.payment.status}: only a created refund can be "
            "cancelled",
            status=result.payment.status,
        )
    return result.payment  # type: ignore[return-value]
