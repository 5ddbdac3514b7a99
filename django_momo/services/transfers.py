"""Use cases of transfers (money out): create, send, refresh, cancel, retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from django_momo.models import PaymentStatus, Transfer, TransferOperation
from django_momo.services.approvals import approvals_needed
from django_momo.services.creation import create_once
from django_momo.services.errors import InvalidRequest, InvalidTransition
from django_momo.services.lifecycle import refresh_payment, send_payment
from django_momo.services.transitions import load, transition
from django_momo.services.validation import EXTERNAL_ID_MAX, clean_payment

S = PaymentStatus


def create_transfer(
    *,
    account: str,
    operation: str,
    party_id: str,
    amount: Any,
    external_id: str,
    currency: str | None = None,
    party_type: str | None = None,
    party_name: str = "",
    bank_code: str = "",
    message: str = "",
    note: str = "",
    actor: str,
    created_by: Any = None,
    hold: bool = True,
    retry_of: Transfer | None = None,
) -> tuple[Transfer, bool]:
    """Store a new transfer (not sent yet); the same external id again returns the first one.

    ``hold=False`` says the caller is about to enqueue its send: if that enqueue is lost, the
    reconcile sweep sends it. A held transfer waits for an explicit send.
    """
    fields = clean_payment(
        account=account,
        operation=operation,
        choices=TransferOperation,
        party_id=party_id,
        amount=amount,
        external_id=external_id,
        currency=currency,
        party_type=party_type,
        party_name=party_name,
        bank_code=bank_code,
        message=message,
        note=note,
    )
    if not isinstance(hold, bool):
        raise InvalidRequest("hold", "must be true or false")
    fields.update(created_by=created_by, held=hold, retry_of=retry_of)
    fields["approvals_required"] = approvals_needed(fields["account"], fields["amount"])
    if retry_of is not None:
        fields["chain_root"] = retry_of.chain_root or retry_of
    return create_once(Transfer, fields, actor=actor)


def send_transfer(transfer_id: int, *, actor: str) -> Transfer:
    """Send a created transfer (two phases; a concurrent second call makes no HTTP call)."""
    return send_payment(Transfer, transfer_id, actor=actor)


def refresh_transfer(transfer_id: int, *, actor: str, now: datetime | None = None) -> Transfer:
    """Ask the provider about the transfer's own reference and store the answer."""
    return refresh_payment(Transfer, transfer_id, actor=actor, now=now)


def cancel_transfer(transfer_id: int, *, actor: str, reason: str = "") -> Transfer:
    """Cancel a transfer that was never sent; any other status raises ``InvalidTransition``."""
    transfer = load(Transfer, transfer_id)
    if transfer.status == S.CANCELLED:
        return transfer
    result = transition(
        Transfer,
        transfer.pk,
        S.CANCELLED,
        actor=actor,
        reason=reason or "cancelled",
        allowed_from={S.CREATED},
    )
    if not result.changed and result.payment.status != S.CANCELLED:
        raise InvalidTransition(
            f"transfer {transfer_id} is {result.payment.status}: only a created transfer "
            "can be cancelled",
            status=result.payment.status,
        )
    return result.payment  # type: ignore[return-value]


def retry_transfer(
    transfer_id: int, *, actor: str, created_by: Any = None, hold: bool = True
) -> Transfer:
    """A new transfer (new reference) repeating a failed one; linked to it by ``retry_of``.

    Refused while any payout of the same chain (the first payout and every retry of a retry)
    is live or successful: the chain's first row is locked while we look, and a partial unique
    constraint (one live payout per chain) backs it in the database. Retrying the same failed
    payout twice (a double click) returns the first retry.
    """
    original = load(Transfer, transfer_id)
    if original.status != S.FAILED:
        raise InvalidTransition(
            f"transfer {transfer_id} is {original.status}: only a failed transfer can be retried",
            status=original.status,
        )
    root_id = original.chain_root_id or original.pk
    with transaction.atomic():
        root = Transfer.objects.select_for_update().get(pk=root_id)
        chain = Transfer.objects.filter(Q(pk=root_id) | Q(chain_root_id=root_id))
        live = chain.exclude(status__in=[S.FAILED, S.CANCELLED]).order_by("pk").first()
        if live is not None:
            if live.retry_of_id == original.pk and live.status != S.SUCCESSFUL:
                return live  # the same retry again: a double click must not pay twice
            raise InvalidTransition(
                f"transfer {transfer_id} cannot be retried: payout {live.pk} "
                f"({live.external_id}) of the same retry chain is {live.status}",
                status=live.status,
            )
        external_id = f"{root.external_id}-r{chain.count()}"
        if len(external_id) > EXTERNAL_ID_MAX:
            raise InvalidRequest("external_id", f"{external_id!r} is too long for a retry id")
        try:
            with transaction.atomic():
                transfer, created = create_transfer(
                    account=original.account,
                    operation=original.operation,
                    party_id=original.party_id,
                    amount=original.amount,
                    external_id=external_id,
                    currency=original.currency,
                    party_type=original.party_type,
                    party_name=original.party_name,
                    bank_code=original.bank_code,
                    message=original.message,
                    note=original.note,
                    actor=actor,
                    created_by=created_by,
                    hold=hold,
                    retry_of=original,
                )
        except IntegrityError:
            raise InvalidTransition(
                f"transfer {transfer_id} cannot be retried: its chain already has a live payout"
            ) from None
        if not created and transfer.chain_root_id != root_id:
            raise InvalidRequest(
                "external_id", f"{external_id!r} is already used by another transfer"
            )
    return transfer
