"""What callbacks may do: an MTN callback only names a payment; a verified MoMo IPN settles one."""

from __future__ import annotations

import logging
from decimal import Decimal

from django_momo.conf import MomoVnAccount
from django_momo.models import Collection, Payment, PaymentStatus, Provider, Refund, Transfer
from django_momo.providers.momo_vn import DisbursementIpn
from django_momo.services import gateways
from django_momo.services.errors import CallbackMismatch, PaymentNotFound
from django_momo.services.lifecycle import _OUTCOME_STATUS, UNRESOLVED, Answer, _apply

logger = logging.getLogger("django_momo")

S = PaymentStatus


def handle_mtn_callback(token: str) -> Payment | None:
    """The payment whose callback URL carries ``token``, or ``None``. Never changes its state.

    MTN callbacks are unsigned: the body is a hint, the status query is the truth, so the caller
    enqueues a refresh of the payment returned here.
    """
    if not isinstance(token, str) or not token or len(token) > 64:
        return None
    for model in (Transfer, Collection, Refund):
        payment = model._default_manager.filter(callback_token=token, provider=Provider.MTN).first()
        if payment is not None:
            return payment
    return None


def apply_momo_ipn(ipn: DisbursementIpn, *, actor: str) -> Transfer:
    """Settle a payout from a verified IPN, after matching it against the stored record."""
    transfer = (
        Transfer.objects.filter(provider=Provider.MOMO_VN, order_id=ipn.order_id)
        .order_by("pk")
        .first()
    )
    if transfer is None:
        raise PaymentNotFound(f"no MoMo payout with orderId {ipn.order_id!r}")
    account = gateways.get_account(transfer.account)
    if not isinstance(account, MomoVnAccount) or ipn.partner_code != account.partner_code:
        raise CallbackMismatch("partnerCode", "IPN is for another partner code")
    if ipn.request_id != transfer.reference:
        raise CallbackMismatch("requestId", "IPN requestId differs from the payout's")
    if Decimal(ipn.amount) != Decimal(transfer.amount):
        raise CallbackMismatch("amount", f"IPN amount {ipn.amount} differs from {transfer.amount}")
    status: str = _OUTCOME_STATUS[ipn.outcome]
    if transfer.status in (S.SUCCESSFUL, S.FAILED, S.CANCELLED):
        if status != transfer.status and status in (S.SUCCESSFUL, S.FAILED):
            logger.warning(
                "transfer %s is %s; IPN says %s (resultCode %s): ignored",
                transfer.pk, transfer.status, status, ipn.result_code,
            )  # fmt: skip
        return transfer
    if status == S.UNKNOWN:
        status = ""  # an IPN that proves nothing leaves the payout to the next status check
    fields: dict[str, object] = {"provider_transaction_id": str(ipn.trans_id)}
    if status == S.FAILED:
        fields.update(failure_code=str(ipn.result_code), failure_message=ipn.message[:2000])
    answer = Answer(
        status,
        f"MoMo IPN {ipn.result_code}: {ipn.message}"[:500],
        {"result_code": ipn.result_code, "trans_id": ipn.trans_id, "ipn": True},
        fields if status in (S.SUCCESSFUL, S.FAILED) else {},
    )
    return _apply(Transfer, transfer, answer, actor=actor, allowed_from=UNRESOLVED)
