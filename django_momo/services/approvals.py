"""Maker-checker approvals of payouts and refunds.

An account's ``APPROVALS`` rule (``{"ABOVE": "1000", "DAILY_LIMIT": "10000", "REQUIRED": 2}``)
decides, when a payout or refund is created, how many approvals it needs: its amount above
``ABOVE``, or the account's payouts and refunds of the day (not failed or cancelled) with it
above ``DAILY_LIMIT``. Such a payment is held until enough users holding the ``approve_*``
permission, other than its maker, have approved it. Each approval is bound to a digest of the
payment's money fields, so any change voids it; ``send_payment`` recomputes the count before it
sends. A rejection cancels the payment. Both are written to the timeline.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from django_momo.models import (
    KINDS,
    Approval,
    ApprovalDecision,
    Payment,
    PaymentStatus,
    StatusChange,
)
from django_momo.services import access
from django_momo.services.clients import get_account
from django_momo.services.errors import InvalidRequest, InvalidTransition
from django_momo.services.transitions import transition

logger = logging.getLogger("django_momo")

S = PaymentStatus
P = TypeVar("P", bound=Payment)

# What an approval vouches for: change any of these and the approval no longer counts.
MONEY_FIELDS = (
    "account", "operation", "party_type", "party_id", "bank_code", "amount", "currency",
    "external_id", "reference",
)  # fmt: skip
# The kinds of payment whose creation may need approvals (money leaving the shop).
APPROVABLE = tuple(kind.model for kind in KINDS.values() if kind.approvable)


def money_digest(payment: Payment) -> str:
    """sha256 of the payment's money fields (amounts compared by value, ``12.50`` = ``12.5``)."""
    parts = []
    for name in MONEY_FIELDS:
        value: Any = getattr(payment, name)
        if name == "amount":
            value = format(Decimal(value).normalize(), "f")
        parts.append(f"{name}={value}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _day_total(account: str, now: datetime) -> Decimal:
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    total = Decimal(0)
    for model in APPROVABLE:
        taken = (
            model._default_manager.filter(account=account, created_at__gte=start)
            .exclude(status__in=[S.FAILED, S.CANCELLED])
            .aggregate(total=Sum("amount"))["total"]
        )
        total += Decimal(taken or 0)
    return total


def approvals_needed(account_name: str, amount: Decimal, now: datetime | None = None) -> int:
    """How many approvals a new payout or refund of ``amount`` on the account needs (0: none)."""
    rule = getattr(get_account(account_name), "approvals", None)
    if rule is None:
        return 0
    if rule.above is not None and amount > rule.above:
        return rule.required
    limit = rule.daily_limit
    if limit is not None and _day_total(account_name, now or timezone.now()) + amount > limit:
        return rule.required
    return 0


def valid_approvals(payment: Payment) -> int:
    """Approvals of ``payment`` whose digest matches its money fields as they are now."""
    name = payment._meta.model_name or ""
    return Approval.objects.filter(
        **{name: payment}, decision=ApprovalDecision.APPROVED, digest=money_digest(payment)
    ).count()


def awaiting_approval(payment: Payment) -> bool:
    """Whether ``payment`` still lacks approvals before it may be sent."""
    if not payment.approvals_required:
        return False
    return valid_approvals(payment) < payment.approvals_required


def decide(model: type[P], pk: int, *, user: Any, decision: str, note: str = "", actor: str) -> P:
    """Record ``user``'s approval or rejection of a created payout or refund.

    Refused unless the user holds the ``approve_*`` permission, is not the payment's maker and
    has not decided on it already; only ``created`` payments that need approval are decided on.
    A rejection cancels the payment.
    """
    if model not in APPROVABLE:
        raise InvalidRequest("payment", "only payouts and refunds are approved")
    if decision not in (ApprovalDecision.APPROVED, ApprovalDecision.REJECTED):
        raise InvalidRequest("decision", "must be 'approved' or 'rejected'")
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidRequest("note", "at most 2000 characters of text")
    if decision == ApprovalDecision.REJECTED and not note.strip():
        raise InvalidRequest("note", "required for a rejection: say why")
    access.require(user, model, access.Action.APPROVE)
    name = model._meta.model_name or ""
    with transaction.atomic():
        payment = model._default_manager.select_for_update().filter(pk=pk).first()
        if payment is None:
            raise InvalidRequest("payment", f"no {model._meta.verbose_name} with id {pk!r}")
        if payment.status != S.CREATED:
            raise InvalidTransition(
                f"{name} {pk} is {payment.status}: only a created payment is approved",
                status=payment.status,
            )
        if not payment.approvals_required:
            raise InvalidTransition(f"{name} {pk} needs no approval", status=payment.status)
        if payment.created_by_id is not None and payment.created_by_id == user.pk:
            raise InvalidRequest("user", "the maker of a payment may not approve or reject it")
        try:
            with transaction.atomic():
                Approval.objects.create(
                    **{name: payment},
                    user=user,
                    decision=decision,
                    digest=money_digest(payment),
                    note=note.strip(),
                )
        except IntegrityError:
            raise InvalidTransition(
                f"{user.get_username()} has already decided on {name} {pk}", status=S.CREATED
            ) from None
        who = f"user:{user.get_username()}"
        if decision == ApprovalDecision.REJECTED:
            transition(
                model,
                pk,
                S.CANCELLED,
                actor=actor,
                reason=f"rejected by {who}: {note.strip()}",
                allowed_from={S.CREATED},
            )
        else:
            count = valid_approvals(payment)
            StatusChange.objects.create(
                **{f"{name}_id": pk},
                from_status=S.CREATED,
                to_status=S.CREATED,
                reason=f"approved by {who} ({count} of {payment.approvals_required})"
                + (f": {note.strip()}" if note.strip() else ""),
                actor=actor[:128],
            )
    logger.info("%s %s %s by %s", name, pk, decision, who)
    return model._default_manager.get(pk=pk)
