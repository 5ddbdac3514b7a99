"""What a stored callback means: the provider rules, apart from HTTP so the admin can re-run them.

MTN callbacks carry no signature and no reference id: the token in the URL names the payment,
the body is ignored for state and a status query is enqueued. MoMo IPNs are verified (HMAC with
the account whose partner code they name, in constant time), matched against the payout and
then settled through the services. Duplicates and late arrivals change nothing.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django_momo import services, tasks
from django_momo.conf import MomoVnAccount, momo_settings
from django_momo.json_input import loads_bounded
from django_momo.models import Callback, CallbackVerdict, Payment, Provider, Transfer
from django_momo.providers.momo_vn import IpnError, MomoCredentials, verify_ipn
from django_momo.services.errors import CallbackMismatch, InvalidTransition, PaymentNotFound

from .recording import Decision, finish, link, payment_link

logger = logging.getLogger("django_momo.callbacks")

V = CallbackVerdict

# How each failed IPN check is recorded.
_IPN_VERDICTS = {
    "malformed": V.MALFORMED,
    "missing_field": V.MALFORMED,
    "signature": V.INVALID_SIGNATURE,
    "partner_code": V.MISMATCH,
    "mismatch": V.MISMATCH,
}


def is_duplicate(callback: Callback, payment: Payment) -> bool:
    """Whether the same body was already accepted for this payment (a re-delivery)."""
    return (
        Callback.objects.filter(**payment_link(payment), verdict=V.VALID, body=bytes(callback.body))
        .exclude(pk=callback.pk)
        .exists()
    )


def _already_handled(callback: Callback, payment: Payment, ok_status: int) -> Decision | None:
    if is_duplicate(callback, payment):
        return Decision(V.DUPLICATE, ok_status, f"same body already accepted; {payment.status}")
    if payment.is_final:
        return Decision(V.LATE, ok_status, f"payment already {payment.status}; nothing changed")
    return None


def names_known_payment(provider: str, token: str, body: bytes) -> bool:
    """Whether the request names a payment we have: the MTN URL token, the IPN's requestId.

    Such a request keeps its whole body and is never rate-limited, whatever else is wrong with
    it: it may be a provider retrying, and an operator needs to see what came in.
    """
    if provider == Provider.MOMO_VN:
        data = _parse_ipn(body)
        request_id = data.get("requestId") if data is not None else None
        if not isinstance(request_id, str) or not request_id or len(request_id) > 64:
            return False
        return Transfer.objects.filter(provider=Provider.MOMO_VN, reference=request_id).exists()
    return services.handle_mtn_callback(token) is not None


# -- MTN ----------------------------------------------------------------------------------------
def process_mtn(callback: Callback) -> Decision:
    """Find the payment by the URL token and enqueue a status query; the body changes nothing."""
    payment = services.handle_mtn_callback(callback.token)
    if payment is None:
        return Decision(V.UNKNOWN_TOKEN, 404, error="no payment has this callback token")
    link(callback, payment)
    raw = bytes(callback.body)
    if raw.strip():
        try:
            data = loads_bounded(raw)
        except ValueError:  # not JSON, not UTF-8, or nested deeper than any callback is
            data = None
        if not isinstance(data, dict):
            return Decision(V.MALFORMED, 400, error="body is not a JSON object")
    done = _already_handled(callback, payment, 200)
    if done is not None:
        return done
    # The body is a hint only: the status query decides, after this answer is sent.
    tasks.enqueue_refresh(payment)
    return Decision(V.VALID, 200, f"status query enqueued ({payment.status})")


# -- MoMo Vietnam -------------------------------------------------------------------------------
def _parse_ipn(raw: bytes) -> dict[str, Any] | None:
    try:
        data = loads_bounded(raw, parse_float=Decimal)
    except ValueError:  # not JSON, not UTF-8, or nested deeper than any IPN is
        return None
    return data if isinstance(data, dict) else None


def _account_for(partner_code: str) -> MomoVnAccount | None:
    for account in momo_settings.accounts().values():
        if isinstance(account, MomoVnAccount) and account.partner_code == partner_code:
            return account
    return None


def credentials(account: MomoVnAccount) -> MomoCredentials:
    """The provider-level credentials of a configured MoMo account."""
    return MomoCredentials(
        base_url=account.base_url,
        partner_code=account.partner_code,
        access_key=account.access_key,
        secret_key=account.secret_key,
        public_key=account.public_key,
    )


def process_momo_ipn(callback: Callback, *, actor: str | None = None) -> Decision:
    """Verify the IPN, match it to its payout and settle it (204), or refuse it (4xx)."""
    data = _parse_ipn(bytes(callback.body))
    if data is None:
        return Decision(V.MALFORMED, 400, error="body is not a JSON object")
    partner_code = data.get("partnerCode")
    if not isinstance(partner_code, str) or not partner_code:
        return Decision(V.MALFORMED, 400, error="partnerCode: missing")
    account = _account_for(partner_code)
    if account is None:
        # Without the partner's secret nothing in the body can be believed.
        return Decision(V.INVALID_SIGNATURE, 400, error="partnerCode: no account has this code")
    try:
        ipn = verify_ipn(data, credentials(account))
    except IpnError as exc:
        return Decision(_IPN_VERDICTS.get(exc.check, V.MALFORMED), 400, error=str(exc))
    payment = Transfer.objects.filter(provider=Provider.MOMO_VN, reference=ipn.request_id).first()
    if payment is None:
        return Decision(V.UNKNOWN_TOKEN, 404, error="requestId: no payout has this request id")
    link(callback, payment)
    # A payout whose account is no longer configured cannot be checked: an operator must act.
    payout_account = momo_settings.account(payment.account)
    mismatch = _mismatch(payment, payout_account, ipn.order_id, ipn.amount, partner_code)
    if mismatch:
        return Decision(V.MISMATCH, 400, error=mismatch)
    done = _already_handled(callback, payment, 204)
    if done is not None:
        return done
    before = payment.status
    try:
        after = services.apply_momo_ipn(ipn, actor=actor or f"callback:{callback.pk}")
    except InvalidTransition as exc:
        # Another writer (a status check, a concurrent copy of this IPN) settled it first.
        payment.refresh_from_db(fields=["status"])
        if payment.is_final:
            return Decision(V.LATE, 204, f"payment already {payment.status}")
        return Decision(V.MISMATCH, 400, error=str(exc))
    except CallbackMismatch as exc:
        return Decision(V.MISMATCH, 400, error=str(exc))
    except PaymentNotFound as exc:
        return Decision(V.UNKNOWN_TOKEN, 404, error=str(exc))
    return Decision(V.VALID, 204, f"{before} -> {after.status}")


def _mismatch(
    payment: Payment, account: Any, order_id: str, amount: Decimal, partner_code: str
) -> str:
    if getattr(account, "partner_code", None) != partner_code:
        return "partnerCode: differs from the payout's account"
    if payment.order_id and order_id != payment.order_id:
        return "orderId: differs from the payout's"
    if Decimal(amount) != Decimal(payment.amount):
        return "amount: differs from the payout's"
    return ""


def process(callback: Callback, *, actor: str | None = None, answered: bool = True) -> Decision:
    """Run the provider's rules on a stored callback; unexpected errors become an ERROR verdict.

    ``answered`` says whether the decision's status is the one the provider is being sent (not
    so when an operator reprocesses a stored callback later).
    """
    try:
        if callback.provider == Provider.MOMO_VN:
            decision = process_momo_ipn(callback, actor=actor)
        else:
            decision = process_mtn(callback)
    except Exception as exc:  # the record must end with a verdict, whatever went wrong
        logger.exception("callback %s could not be processed", callback.pk)
        decision = Decision.failure(exc)
    finish(callback, decision, answered=answered)
    return decision


def reprocess(callback: Callback, *, actor: str) -> Decision:
    """Run the rules again on a stored callback (e.g. after fixing settings); notes who did it."""
    decision = process(callback, actor=actor, answered=False)
    note = f"reprocessed by {actor}: {decision.result or decision.verdict}"
    Callback.objects.filter(pk=callback.pk).update(result=note)
    callback.result = note
    return decision
