"""Use cases of collections (money in): request a payment, send it, refresh it, cancel it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django_momo.models import Collection, CollectionOperation, PaymentStatus
from django_momo.services.creation import create_once
from django_momo.services.errors import InvalidRequest, InvalidTransition
from django_momo.services.lifecycle import refresh_payment, send_payment
from django_momo.services.transitions import load, transition
from django_momo.services.validation import clean_payment

S = PaymentStatus


def request_payment(
    *,
    account: str,
    operation: str,
    party_id: str,
    amount: Any,
    external_id: str,
    currency: str | None = None,
    message: str = "",
    note: str = "",
    actor: str,
    created_by: Any = None,
    hold: bool = True,
) -> tuple[Collection, bool]:
    """Store a new collection (not sent yet); the same external id again returns the first one.

    ``hold=False``: the caller enqueues its send (a lost enqueue is found by the sweep).
    """
    fields = clean_payment(
        account=account,
        operation=operation,
        choices=CollectionOperation,
        party_id=party_id,
        amount=amount,
        external_id=external_id,
        currency=currency,
        message=message,
        note=note,
    )
    if not isinstance(hold, bool):
        raise InvalidRequest("hold", "must be true or false")
    fields.update(created_by=created_by, held=hold)
    return create_once(Collection, fields, actor=actor)


def send_collection(collection_id: int, *, actor: str) -> Collection:
    """Send a created collection request (two phases, at most one HTTP POST)."""
    return send_payment(Collection, collection_id, actor=actor)


def refresh_collection(
    collection_id: int, *, actor: str, now: datetime | None = None
) -> Collection:
    """Ask the provider about the collection's own reference and store the answer."""
    return refresh_payment(Collection, collection_id, actor=actor, now=now)


def cancel_collection(collection_id: int, *, actor: str, reason: str = "") -> Collection:
    """Cancel a collection that was never sent; any other status raises ``InvalidTransition``."""
    collection = load(Collection, collection_id)
    if collection.status == S.CANCELLED:
        return collection
    result = transition(
        Collection,
        collection.pk,
        S.CANCELLED,
        actor=actor,
        reason=reason or "cancelled",
        allowed_from={S.CREATED},
    )
    if not result.changed and result.payment.status != S.CANCELLED:
        raise InvalidTransition(
            f"collection {collection_id} is {result.payment.status}: only a created collection "
            "can be cancelled",
            status=result.payment.status,
        )
    return result.payment  # type: ignore[return-value]
