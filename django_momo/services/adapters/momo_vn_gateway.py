"""MoMo Vietnam's payment gateway v2 (collections and their refunds): the meaning of its answers.

Part of the MoMo adapter (``momo_vn.py`` dispatches payments here by kind):

- A payment order is created at MoMo (``/v2/gateway/api/create``) under our requestId and
  orderId, with the exact body stored first; a lost answer is resolved by re-sending those bytes
  (MoMo is idempotent by requestId). Created (resultCode 0) means *open*, not paid: the
  collection stays ``pending`` with its ``pay_url``, ``deeplink`` and QR data until the customer
  pays or the order expires.
- ``/v2/gateway/api/query`` of the orderId is the truth: 0 paid, 1000/9000 still open, a final
  code (1005 expired, 1006 refused by the customer, ...) failed. 42 (order unknown) soon after a
  send is "not visible yet"; long after it, the stored create is re-sent.
- A refund is its own request (``/v2/gateway/api/refund``) with its own orderId and requestId
  and the purchase's transId; its status is the matching ``refundTrans`` entry of the purchase's
  query, or the re-sent refund's own answer.
- A payment IPN (it carries ``payType``) is verified, looked up once by its requestId among the
  collections, matched once (partner, orderId, amount) and applied once. The customer's return
  (``redirectUrl``) is a claim: verified, stored, and at most a status query follows.

Sources: developers.momo.vn/v3/docs/payment/api/wallet/onetime (create), .../payment-api/query,
.../payment-api/refund, .../result-handling/notification (IPN and redirect fields).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import QueryDict

from django_momo.conf import Account, MomoVnAccount, momo_settings
from django_momo.models import (
    UNRESOLVED_STATUSES,
    Attention,
    Callback,
    CallbackVerdict,
    Collection,
    Payment,
    PaymentStatus,
    Provider,
    Refund,
)
from django_momo.models.payments import is_callback_token, is_reference
from django_momo.providers.base import (
    InvalidInputError,
    NotFoundError,
    ProviderError,
    TransientError,
    redact_mapping,
)
from django_momo.providers.momo_vn import IpnError, MomoGatewayClient, PaymentNotification
from django_momo.providers.momo_vn import validation as momo_check
from django_momo.providers.momo_vn.gateway import DEFAULT_PAYMENT_LIMITS
from django_momo.providers.momo_vn.gateway_results import (
    CAPTURE_WALLET,
    PAY_WITH_ATM,
    PAY_WITH_CC,
    PAY_WITH_METHOD,
)
from django_momo.providers.momo_vn.result_codes import lookup
from django_momo.services import clients
from django_momo.services.adapters.base import CallbackDecision
from django_momo.services.adapters.momo_vn_answers import call_answer, result_answer
from django_momo.services.answers import (
    OUTCOME_STATUS,
    Answer,
    apply_answer,
    error_data,
)
from django_momo.services.attention import flag
from django_momo.services.callback_urls import base_url, callback_url
from django_momo.services.callbacks import already_handled, link
from django_momo.services.errors import InvalidRequest
from django_momo.services.inputs import field_error, text
from django_momo.services.transitions import schedule_check, touch

logger = logging.getLogger("django_momo")

S = PaymentStatus
V = CallbackVerdict

# Each payment operation's MoMo requestType.
REQUEST_TYPES = {
    "momo_vn.capture_wallet": CAPTURE_WALLET,
    "momo_vn.pay_with_atm": PAY_WITH_ATM,
    "momo_vn.pay_with_cc": PAY_WITH_CC,
    "momo_vn.pay_with_method": PAY_WITH_METHOD,
}
REFUND_OPERATION = "momo_vn.refund"
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}")


def client(account: MomoVnAccount) -> MomoGatewayClient:
    """The cached payment gateway client of ``account``."""

    def build() -> MomoGatewayClient:
        return MomoGatewayClient(
            account.credentials(), transport=clients.transport(Provider.MOMO_VN)
        )

    return clients.cached(account.name, "gateway", build)


def _account(name: str) -> MomoVnAccount:
    account = clients.get_account(name)
    if not isinstance(account, MomoVnAccount):
        raise InvalidRequest("account", f"{name!r} is not a MoMo Vietnam account")
    return account


def return_url(payment: Payment) -> str:
    """Where MoMo sends the customer back (``redirectUrl``): our return page of ``payment``."""
    base = base_url()
    return f"{base}returns/momo-vn/{payment.callback_token}/" if base else ""


# -- creating ---------------------------------------------------------------------------------
def clean_new(operation: str, amount: Decimal, external_id: str, party: Any) -> dict[str, Any]:
    """The fields of a new payment order: no party (the customer picks it on MoMo's page) but
    for card payments, which need the customer's e-mail; the amount within the method's limits."""
    low, high = DEFAULT_PAYMENT_LIMITS.for_request_type(REQUEST_TYPES[operation])
    if not low <= amount <= high:
        raise InvalidRequest("amount", f"must be between {low} and {high} VND for {operation}")
    party_id = text(party.party_id, "party_id")
    party_type = text(party.party_type, "party_type")
    out: dict[str, Any] = {"party_type": "", "party_id": ""}
    if operation == "momo_vn.pay_with_cc":
        if party_type not in ("", "EMAIL") or not _EMAIL.fullmatch(party_id):
            raise InvalidRequest(
                "party_id", "a card payment needs the customer's e-mail address (MoMo requires it)"
            )
        out.update(party_type="EMAIL", party_id=party_id)
    elif party_id or party_type:
        raise InvalidRequest(
            "party_id", "a MoMo payment takes no party: the customer chooses on MoMo's page"
        )
    message = text(party.message, "message") or f"Payment {external_id}"
    try:
        out["message"] = momo_check.payment_order_info(message)
    except InvalidInputError as exc:
        raise field_error(exc, "message") from None
    return out


def prepare(payment: Collection) -> dict[str, Any]:
    """The exact create body (stored before it is sent)."""
    account = _account(payment.account)
    ipn, back = callback_url(payment), return_url(payment)
    if not ipn or not back:
        raise InvalidRequest("CALLBACK_BASE_URL", "must be set: MoMo requires an ipnUrl")
    try:
        prepared = client(account).prepare_create(
            request_id=payment.reference,
            order_id=payment.order_id,
            amount=payment.amount,
            order_info=payment.message,
            redirect_url=back,
            ipn_url=ipn,
            request_type=REQUEST_TYPES[payment.operation],
            lang=account.lang,
            user_info={"email": payment.party_id} if payment.party_type == "EMAIL" else None,
        )
    except InvalidInputError as exc:
        raise InvalidRequest(exc.field, exc.message.removeprefix(f"{exc.field}: ")) from None
    return {"request_body": prepared.body.decode("utf-8")}


def prepare_refund(payment: Refund) -> dict[str, Any]:
    """The exact refund body (stored before it is sent)."""
    account = _account(payment.account)
    purchase = payment.collection
    try:
        prepared = client(account).prepare_refund(
            request_id=payment.reference,
            order_id=payment.order_id,
            amount=payment.amount,
            trans_id=int(purchase.provider_transaction_id),
            description=payment.message,
            lang=account.lang,
            original_request_type=REQUEST_TYPES.get(purchase.operation),
        )
    except (InvalidInputError, ValueError) as exc:
        field = getattr(exc, "field", "collection")
        raise InvalidRequest(field, str(getattr(exc, "message", exc))) from None
    return {"request_body": prepared.body.decode("utf-8")}


# -- what the answers mean ----------------------------------------------------------------------
def _mismatch(payment: Payment, result: Any, *, own_request: bool = True) -> str:
    """What in an answer contradicts the record; a query's answer echoes the query's own
    requestId (``own_request=False``), not the order's."""
    problems = []
    if own_request and result.request_id != payment.reference:
        problems.append(f"requestId {result.request_id!r} (ours {payment.reference!r})")
    if payment.order_id and result.order_id != payment.order_id:
        problems.append(f"orderId {result.order_id!r} (ours {payment.order_id!r})")
    if result.amount is not None and Decimal(result.amount) != Decimal(payment.amount):
        problems.append(f"amount {result.amount} (ours {payment.amount})")
    return "; ".join(problems)


def _answer(payment: Payment, result: Any, *, first: bool, what: str) -> Answer:
    """What a create or refund answer means (the rule every MoMo answer follows)."""
    mismatch = _mismatch(payment, result)
    return result_answer(payment, result, first=first, what=what, mismatch=mismatch)


def _call(payment: Payment, call: Any, *, first: bool, what: str) -> Answer:
    answer, result = call_answer(payment, call, first=first, what=what, mismatch_of=_mismatch)
    if result is None or answer.mismatch:
        return answer
    if what == "order" and answer.status == S.PENDING:
        answer.fields.update(
            pay_url=result.pay_url or "",
            deeplink=result.deeplink or "",
            qr_code_url=result.qr_code_url or "",
        )
    if what == "refund" and result.trans_id is not None and answer.status == S.SUCCESSFUL:
        answer.fields["provider_transaction_id"] = str(result.trans_id)
    return answer


def submit(payment: Payment, *, first: bool) -> Answer:
    """Send (or re-send, byte for byte) the stored create or refund request."""
    account = _account(payment.account)
    if isinstance(payment, Refund):
        return _call(
            payment,
            lambda: client(account).resend_refund(payment.request_body),
            first=first,
            what="refund",
        )
    return _call(
        payment,
        lambda: client(account).resend_create(payment.request_body),
        first=first,
        what="order",
    )


def _query(payment: Payment, order_id: str) -> Any:
    return client(_account(payment.account)).query(order_id=order_id)


def replays_stopped(payment: Payment, now: datetime, actor: str) -> bool:
    """Whether ``payment`` is too old to be re-sent (flagged "stopped" if so).

    MoMo keeps a requestId about a month (``MOMO_REPLAY_MAX_AGE``); past that a re-send could
    be taken as a new request (a second payout, a second refund), so it waits for its IPN or
    an operator instead.
    """
    sent_at = payment.sent_at or payment.created_at
    max_age = timedelta(seconds=float(momo_settings.MOMO_REPLAY_MAX_AGE))
    if now - sent_at < max_age:
        return False
    days = max_age.total_seconds() / 86400
    flag(
        type(payment),
        payment.pk,
        Attention.STOPPED,
        f"no final answer {days:g} days after it was sent: re-sends stopped (MoMo keeps "
        "a requestId about a month); wait for the IPN or resolve it by hand",
        actor=actor,
    )
    return True


def resolve(payment: Payment, *, stale: bool, now: datetime, actor: str) -> Answer | None:
    """Ask MoMo about the order (or, for a refund, the purchase's refunds) and say what it means."""
    model = type(payment)
    purchase = payment.collection if isinstance(payment, Refund) else payment
    try:
        result = _query(payment, purchase.order_id)
    except NotFoundError as exc:
        return _not_found(payment, exc, stale=stale, now=now, actor=actor)
    except TransientError as exc:
        return Answer(S.UNKNOWN, f"status query failed: {exc.message}"[:500], error_data(exc))
    except ProviderError:
        schedule_check(model, payment.pk, UNRESOLVED_STATUSES, payment.status_checks)
        raise
    if isinstance(payment, Refund):
        return _refund_status(payment, result, stale=stale, now=now, actor=actor)
    return _order_status(payment, result)


def _not_found(
    payment: Payment, exc: ProviderError, *, stale: bool, now: datetime, actor: str
) -> Answer | None:
    if payment.status == S.PENDING or not stale:
        return Answer("", "not visible yet (42)", error_data(exc))
    # Long after the send MoMo still does not know the order: send the same bytes again.
    if replays_stopped(payment, now, actor):
        return None
    touch(type(payment), payment.pk, UNRESOLVED_STATUSES, attempts=F("attempts") + 1)
    return submit(payment, first=False)


def _order_status(payment: Payment, result: Any) -> Answer:
    data = {"result_code": result.result_code, "response": redact_mapping(result.raw)}
    mismatch = _mismatch(payment, result, own_request=False)
    if mismatch:
        return Answer("", f"MoMo query does not match: {mismatch}"[:500], data, mismatch=mismatch)
    status = OUTCOME_STATUS[result.outcome]
    reason = f"MoMo query {result.result_code}: {result.message}"
    fields: dict[str, Any] = {}
    if status == S.SUCCESSFUL:
        fields["provider_transaction_id"] = str(result.trans_id or "")
        fields["pay_type"] = (result.pay_type or "")[:32]
    elif status == S.FAILED and result.final:
        fields.update(failure_code=str(result.result_code), failure_message=result.message[:2000])
    elif status == S.FAILED:
        status = ""  # a refusal of the query itself proves nothing about the order
    if status == S.UNKNOWN:
        status = ""
    return Answer(status, reason[:500], data, fields)


def _refund_status(
    payment: Refund, result: Any, *, stale: bool, now: datetime, actor: str
) -> Answer | None:
    entry = next((r for r in result.refunds if r.order_id == payment.order_id), None)
    if entry is None:
        if payment.status == S.PENDING or not stale:
            return Answer("", "refund not listed by the purchase's query yet")
        if replays_stopped(payment, now, actor):
            return None
        touch(Refund, payment.pk, UNRESOLVED_STATUSES, attempts=F("attempts") + 1)
        return submit(payment, first=False)
    status = OUTCOME_STATUS[entry.outcome]
    data = {"result_code": entry.result_code, "refund_trans_id": entry.trans_id}
    if entry.amount is not None and Decimal(entry.amount) != Decimal(payment.amount):
        mismatch = f"amount {entry.amount} (ours {payment.amount})"
        return Answer("", f"MoMo refund does not match: {mismatch}", data, mismatch=mismatch)
    fields: dict[str, Any] = {}
    if status == S.SUCCESSFUL and entry.trans_id is not None:
        fields["provider_transaction_id"] = str(entry.trans_id)
    if status == S.FAILED:
        fields.update(failure_code=str(entry.result_code), failure_message="refused by MoMo")
    if status == S.UNKNOWN:
        status = ""
    return Answer(status, f"MoMo refundTrans {entry.result_code}", data, fields)


# -- refunds ------------------------------------------------------------------------------------
def clean_refund(account: Account, collection: Payment, note: str) -> dict[str, Any]:
    """A refund of a paid MoMo payment (its transId), with MoMo's description rules."""
    if collection.operation not in REQUEST_TYPES:
        raise InvalidRequest("collection", f"{collection.operation} cannot be refunded")
    if not collection.provider_transaction_id.isdigit():
        raise InvalidRequest("collection", "the payment has no MoMo transId to refund")
    try:
        description = momo_check.refund_description(note)
    except InvalidInputError as exc:
        raise field_error(exc, "note") from None
    return {"operation": REFUND_OPERATION, "message": description, "note": ""}


def check_refund_amount(collection: Payment, amount: Decimal) -> None:
    """MoMo's refund limits: 1,000 (10,000 for ATM card payments) to 50,000,000 VND."""
    limits = DEFAULT_PAYMENT_LIMITS
    low = (
        limits.refund_atm_min
        if collection.operation == "momo_vn.pay_with_atm"
        else limits.refund_min
    )
    if not low <= amount <= limits.refund_max:
        raise InvalidRequest(
            "amount", f"a MoMo refund must be between {low} and {limits.refund_max} VND"
        )


# -- notifications ------------------------------------------------------------------------------
def find_collection(request_id: object) -> Collection | None:
    """The MoMo payment order whose (unique) requestId is ``request_id``, or ``None``."""
    if not is_reference(request_id):
        return None
    return Collection.objects.filter(provider=Provider.MOMO_VN, reference=request_id).first()


def notification_mismatch(payment: Payment, account: Account, note: PaymentNotification) -> str:
    """What in a verified payment IPN contradicts the order ("" when nothing does)."""
    if not isinstance(account, MomoVnAccount) or account.partner_code != note.partner_code:
        return "partnerCode: differs from the payment's account"
    if note.request_id != payment.reference:
        return "requestId: differs from the payment's"
    if note.order_id != payment.order_id:
        return "orderId: differs from the payment's"
    if Decimal(note.amount) != Decimal(payment.amount):
        return "amount: differs from the payment's"
    return ""


def notification_answer(note: PaymentNotification) -> Answer:
    """What a verified, matching payment IPN means (9000 "authorized" and 1000 change nothing)."""
    status: str = OUTCOME_STATUS[note.outcome]
    final = lookup(note.result_code).final
    fields: dict[str, Any] = {}
    if status == S.SUCCESSFUL:
        fields.update(provider_transaction_id=str(note.trans_id), pay_type=note.pay_type[:32])
    elif status == S.FAILED and final:
        fields.update(failure_code=str(note.result_code), failure_message=note.message[:2000])
    else:
        status = ""
    reason = f"MoMo payment IPN {note.result_code}: {note.message}"
    data = {"result_code": note.result_code, "trans_id": note.trans_id, "ipn": True}
    return Answer(status, reason[:500], data, fields)


def read_payment_ipn(
    callback: Callback, data: dict[str, Any], account: MomoVnAccount, *, actor: str
) -> CallbackDecision:
    """Verify, look up, match and apply a payment IPN."""
    try:
        note = client(account).verify_payment_notification(data)
    except IpnError as exc:
        verdict = {
            "signature": V.INVALID_SIGNATURE,
            "partner_code": V.MISMATCH,
            "mismatch": V.MISMATCH,
        }.get(exc.check, V.MALFORMED)
        return CallbackDecision(verdict, 400, error=str(exc))
    order = find_collection(note.request_id)
    if order is None:
        return CallbackDecision(V.UNKNOWN_TOKEN, 404, error="requestId: no payment has it")
    link(callback, order)
    mismatch = notification_mismatch(order, momo_settings.account(order.account), note)
    if mismatch:
        return CallbackDecision(V.MISMATCH, 400, error=mismatch, payment=order)
    done = already_handled(callback, order, 204)
    if done is not None:
        return done
    before = order.status
    answer = notification_answer(note)
    after = apply_answer(Collection, order, answer, actor=actor)
    if after.is_final and answer.status and after.status != answer.status:
        return CallbackDecision(V.LATE, 204, f"payment already {after.status}", payment=after)
    return CallbackDecision(V.VALID, 204, f"{before} -> {after.status}", payment=after)


def read_return(callback: Callback) -> CallbackDecision:
    """The customer's return: a claim. Verified and linked; a status query if it is signed."""
    token = callback.token
    order = (
        Collection.objects.filter(provider=Provider.MOMO_VN, callback_token=token).first()
        if is_callback_token(token)
        else None
    )
    if order is None:
        return CallbackDecision(V.UNKNOWN_TOKEN, 404, error="no MoMo payment has this return link")
    link(callback, order)
    params = QueryDict(bytes(callback.body).decode("latin-1"), encoding="utf-8")
    try:
        account = _account(order.account)
        note = client(account).verify_payment_notification(params)
    except IpnError as exc:
        verdict = V.INVALID_SIGNATURE if exc.check == "signature" else V.MALFORMED
        return CallbackDecision(verdict, 200, error=str(exc), payment=order)
    mismatch = notification_mismatch(order, account, note)
    if mismatch:
        return CallbackDecision(V.MISMATCH, 200, error=mismatch, payment=order)
    claim = "paid" if note.result_code == 0 else f"result {note.result_code}"
    result = f"{claim} (a claim: a status query decides)"
    return CallbackDecision(V.VALID, 200, result, payment=order, refresh=not order.is_final)
