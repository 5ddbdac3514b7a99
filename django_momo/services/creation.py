"""Idempotent creation: the unique constraint on (account, external_id) decides who wins."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from django_momo.models import ExternalIdClaim, Payment, PaymentStatus, StatusChange
from django_momo.services.adapters import adapter_for
from django_momo.services.errors import ConflictingRequest

logger = logging.getLogger("django_momo")

P = TypeVar("P", bound=Payment)

# Fields that make two requests "the same payment"; texts such as notes may differ.
SAME_REQUEST_FIELDS = (
    "operation", "party_type", "party_id", "amount", "currency", "bank_code",
)  # fmt: skip


def _conflicts(existing: Payment, fields: dict[str, Any]) -> list[str]:
    differing = []
    for name in SAME_REQUEST_FIELDS:
        if name not in fields:
            continue
        mine, theirs = fields[name], getattr(existing, name)
        if isinstance(mine, Decimal) or isinstance(theirs, Decimal):
            same = Decimal(mine) == Decimal(theirs)
        else:
            same = mine == theirs
        if not same:
            differing.append(name)
    return differing


def _same_or_conflict(existing: P, fields: dict[str, Any]) -> P:
    differing = _conflicts(existing, fields)
    if differing:
        raise ConflictingRequest(
            f"{fields['external_id']!r} is already used on account {existing.account!r} by "
            f"another request (different {', '.join(differing)})",
            existing_id=existing.pk,
        )
    return existing


def create_once(model: type[P], fields: dict[str, Any], *, actor: str) -> tuple[P, bool]:
    """Create the payment, or return the one already stored under its external id (and False)."""
    lookup = {"account": fields["account"], "external_id": fields["external_id"]}
    existing = model._default_manager.filter(**lookup).first()
    if existing is not None:
        return _same_or_conflict(existing, fields), False
    kind = model._meta.model_name or ""
    scope = adapter_for(str(fields["provider"])).booking_scope(str(fields["operation"]))
    try:
        # A savepoint: losing the race must not break the caller's transaction.
        with transaction.atomic():
            # One shop reference, one obligation: the claim is unique per account and booking
            # scope across every payment kind (an MTN refund books like a transfer).
            ExternalIdClaim.objects.create(
                account=fields["account"],
                scope=scope,
                external_id=fields["external_id"],
                kind=kind,
            )
            payment = model._default_manager.create(**fields)
            StatusChange.objects.create(
                **{model._meta.model_name or "": payment},
                from_status="",
                to_status=PaymentStatus.CREATED,
                reason="created",
                actor=actor[:128],
            )
    except IntegrityError:
        existing = model._default_manager.filter(**lookup).first()
        if existing is None:
            claim = ExternalIdClaim.objects.filter(
                account=fields["account"], scope=scope, external_id=fields["external_id"]
            ).first()
            if claim is None:
                raise
            raise ConflictingRequest(
                f"{fields['external_id']!r} is already used on account {fields['account']!r} "
                f"by a {claim.kind} booked under {scope}: use another external id",
            ) from None
        return _same_or_conflict(existing, fields), False
    logger.info(
        "%s %s created by %s: %s %s %s",
        model._meta.model_name,
        payment.pk,
        actor,
        payment.operation,
        payment.amount,
        payment.currency,
    )
    return payment, True
