"""``MomoGatewayClient``: MoMo Vietnam's payment gateway (AIO v2): collections and refunds.

Sources (stored copies of developers.momo.vn, summarised in momo_vn.md §3, §5-§7):

* create ``POST /v2/gateway/api/create``: https://developers.momo.vn/v3/docs/payment/api/wallet/onetime
  (captureWallet), .../atm/onetime (payWithATM), .../credit/onetime (payWithCC);
* query ``POST /v2/gateway/api/query``: https://developers.momo.vn/v3/docs/payment/api/payment-api/query
* refund ``POST /v2/gateway/api/refund``: https://developers.momo.vn/v3/docs/payment/api/payment-api/refund
  (and its Vietnamese twin .../v3/vi/docs/payment/api/payment-api/refund);
* IPN and redirect: https://developers.momo.vn/v3/docs/payment/api/result-handling/notification
* idempotency: https://developers.momo.vn/v3/docs/payment/api/result-handling/idempotency
  ("All POST requests of AIOv2 accept requestId as idempotency key").

Creating an order and refunding move (or open the way to moving) money, so both are two steps
like the disbursement client: ``prepare_*`` validates and signs and returns the exact bytes; the
caller stores them, then ``send_*``. An unknown outcome (timeout, lost connection, 5xx, an
answer about another request) is resolved by sending the same bytes under the same requestId,
which ``send_*`` does itself per ``providers.http.should_retry``; once an attempt went
unanswered the answer is marked ``ambiguous``.

``query`` is read-only: it asks about an ``orderId`` and creates nothing, so every attempt may
carry a fresh requestId (MoMo keys every POST on requestId and answers a repeated requestId of
a non-final answer with 40, which would say nothing about the payment). The caller's
``request_id`` (or a new UUID) is the first attempt's; a retry draws a new UUID.

Logged to ``django_momo.providers.momo_vn``: retries (requestId, orderId, attempt n of m, why,
the wait), answers after an unanswered attempt, the giving up. Never the access key, the secret
key or a signature.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from django_momo.providers.base import (
    AnswerMismatch,
    InvalidInputError,
    NotFoundError,
    Outcome,
    RejectedError,
    TransientError,
    redact_mapping,
)
from django_momo.providers.http import (
    HttpTransport,
)
from django_momo.providers.momo_vn import validation as check
from django_momo.providers.momo_vn.api import DEFAULT_TIMEOUT, PROVIDER, MomoApi
from django_momo.providers.momo_vn.config import MomoCredentials
from django_momo.providers.momo_vn.gateway_results import (
    CAPTURE_WALLET,
    CREATE_PATH,
    PAY_WITH_ATM,
    PAY_WITH_CC,
    PAY_WITH_METHOD,
    QUERY_PATH,
    REFUND_PATH,
    PaymentNotification,
    PaymentOrder,
    PaymentStatus,
    PreparedOrder,
    PreparedRefund,
    RefundResult,
    RefundTrans,
)
from django_momo.providers.momo_vn.ipn import (
    IpnFieldError,
    IpnMalformedError,
    IpnMismatchError,
    IpnPartnerMismatchError,
    IpnSignatureError,
)
from django_momo.providers.momo_vn.responses import (
    check_echo,
    decimal_or_none,
    int_or_none,
    raise_for_auth,
    read_answer,
)
from django_momo.providers.momo_vn.result_codes import Kind, lookup
from django_momo.providers.momo_vn.signing import (
    CREATE_FIELDS,
    CREATE_RESPONSE_FIELDS,
    PAYMENT_IPN_FIELDS,
    QUERY_FIELDS,
    REFUND_FIELDS,
    Signer,
)
from django_momo.providers.sensitive import sensitive_variables

logger = logging.getLogger("django_momo.providers.momo_vn")


@dataclass(frozen=True)
class PaymentLimits:
    """Per-request VND limits of the gateway; defaults from MoMo's pages, overridable.

    * captureWallet 1,000-50,000,000 (wallet/onetime), payWithMethod the same (no page of its
      own we could read gives other limits), payWithATM 10,000-50,000,000 (atm/onetime).
    * payWithCC: the credit/onetime page says "Min: 1.000 VND Max: 10.000.000 VND"; another
      snapshot says 50,000,000. We take 10,000,000: it is what the page about card payments
      itself says, and an order MoMo refuses for its amount (21/22) costs a checkout, while the
      caller can raise ``credit_card_max`` for an account MoMo allows more.
    * refund 1,000-50,000,000, and at least 10,000 for a payment made with a domestic ATM card
      (payment-api/refund). The 30,000,000 cap for tokenization payments does not apply here.
    """

    capture_wallet_min: Decimal = Decimal(1_000)
    capture_wallet_max: Decimal = Decimal(50_000_000)
    atm_min: Decimal = Decimal(10_000)
    atm_max: Decimal = Decimal(50_000_000)
    credit_card_min: Decimal = Decimal(1_000)
    credit_card_max: Decimal = Decimal(10_000_000)
    method_min: Decimal = Decimal(1_000)
    method_max: Decimal = Decimal(50_000_000)
    refund_min: Decimal = Decimal(1_000)
    refund_atm_min: Decimal = Decimal(10_000)
    refund_max: Decimal = Decimal(50_000_000)

    def for_request_type(self, request_type: str) -> tuple[Decimal, Decimal]:
        """``(minimum, maximum)`` of a create of ``request_type``."""
        return {
            CAPTURE_WALLET: (self.capture_wallet_min, self.capture_wallet_max),
            PAY_WITH_ATM: (self.atm_min, self.atm_max),
            PAY_WITH_CC: (self.credit_card_min, self.credit_card_max),
            PAY_WITH_METHOD: (self.method_min, self.method_max),
        }[request_type]


DEFAULT_PAYMENT_LIMITS = PaymentLimits()


class ResponseSignatureError(AnswerMismatch):
    """MoMo's answer carries a signature that does not match: not from MoMo, or altered.

    An ``AnswerMismatch`` (so a ``TransientError``): the answer proves nothing either way, the
    order or refund may exist, and re-sending the same bytes under the same requestId is safe.
    """


# -- notification (IPN and redirect) ---------------------------------------------------------

PAYMENT_IPN_REQUIRED = (*(name for name in PAYMENT_IPN_FIELDS if name != "accessKey"), "signature")
_INTEGER_FIELDS = ("amount", "resultCode", "transId", "responseTime")


def _notification_data(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(data, Mapping):
        # ``data[key]``, not ``dict(data)``: a Django QueryDict (the redirect's request.GET)
        # would copy its lists of values.
        return {key: data[key] for key in data}
    try:
        parsed = json.loads(data, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise IpnMalformedError("notification body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise IpnMalformedError("notification body is not a JSON object")
    return parsed


def _notification_integer(data: Mapping[str, Any], name: str) -> int:
    value = data[name]
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        # The redirect's query string carries every value as text.
        number = int(value)
    if number is None or (name == "amount" and number <= 0):
        raise IpnMalformedError(f"notification field {name} must be an integer", field=name)
    return number


class PaymentNotificationVerifier:
    """Verifies payment IPNs and redirects for one merchant account."""

    def __init__(self, credentials: MomoCredentials) -> None:
        self._partner_code = credentials.partner_code
        self._access_key = credentials.access_key
        self._signer = Signer(credentials.secret_key)

    def __repr__(self) -> str:
        return f"PaymentNotificationVerifier(partner_code={self._partner_code!r})"

    @sensitive_variables("values")
    def verify(
        self,
        data: bytes | str | Mapping[str, Any],
        *,
        expected_order_id: str | None = None,
        expected_amount: Decimal | int | None = None,
        expected_request_id: str | None = None,
    ) -> PaymentNotification:
        """The verified notification, or the ``IpnError`` subclass naming the failed check.

        Checks in order: shape (``malformed``), every signed field present (``missing_field``),
        types (``malformed``: text fields strings, amount/resultCode/transId/responseTime
        integers or digit strings, a positive amount), the signature over the values exactly as
        received with ``hmac.compare_digest`` (``signature``), the partner code
        (``partner_code``), then the caller's expectations (``mismatch``).
        """
        body = _notification_data(data)
        for name in PAYMENT_IPN_REQUIRED:
            if name not in body or body[name] is None:
                raise IpnFieldError(f"notification field {name} is missing", field=name)
        for name in PAYMENT_IPN_REQUIRED:
            if name not in _INTEGER_FIELDS and not isinstance(body[name], str):
                raise IpnMalformedError(f"notification field {name} must be a string", field=name)
        integers = {name: _notification_integer(body, name) for name in _INTEGER_FIELDS}
        values = {**body, "accessKey": self._access_key}
        if not self._signer.verify(PAYMENT_IPN_FIELDS, values, body["signature"]):
            raise IpnSignatureError("notification signature does not match", field="signature")
        if body["partnerCode"] != self._partner_code:
            raise IpnPartnerMismatchError(
                "notification is for another partner code", field="partnerCode"
            )
        if expected_order_id is not None and body["orderId"] != expected_order_id:
            raise IpnMismatchError("notification orderId differs from the order's", field="orderId")
        if expected_request_id is not None and body["requestId"] != expected_request_id:
            raise IpnMismatchError(
                "notification requestId differs from the order's", field="requestId"
            )
        if expected_amount is not None and Decimal(integers["amount"]) != Decimal(expected_amount):
            raise IpnMismatchError("notification amount differs from the order's", field="amount")
        code = integers["resultCode"]
        return PaymentNotification(
            partner_code=body["partnerCode"],
            order_id=body["orderId"],
            request_id=body["requestId"],
            amount=Decimal(integers["amount"]),
            trans_id=integers["transId"],
            result_code=code,
            message=body["message"],
            order_info=body["orderInfo"],
            order_type=body["orderType"],
            pay_type=body["payType"],
            extra_data=body["extraData"],
            response_time=integers["responseTime"],
            # 0 successful, 9000 authorized (PENDING: a 2-step order awaits capture), the rest
            # as the result-code table says.
            outcome=lookup(code).outcome,
            raw=redact_mapping(body),
        )


def verify_payment_notification(
    data: bytes | str | Mapping[str, Any],
    credentials: MomoCredentials,
    *,
    expected_order_id: str | None = None,
    expected_amount: Decimal | int | None = None,
    expected_request_id: str | None = None,
) -> PaymentNotification:
    """Verify a payment IPN (JSON) or redirect (query parameters) for ``credentials``."""
    return PaymentNotificationVerifier(credentials).verify(
        data,
        expected_order_id=expected_order_id,
        expected_amount=expected_amount,
        expected_request_id=expected_request_id,
    )


# -- the client --------------------------------------------------------------------------------


class MomoGatewayClient(MomoApi):
    """Client of MoMo Vietnam's payment gateway for one merchant account."""

    @sensitive_variables("credentials")
    def __init__(
        self,
        credentials: MomoCredentials,
        *,
        transport: HttpTransport | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        limits: PaymentLimits = DEFAULT_PAYMENT_LIMITS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``transport`` (built with ``timeout`` when not given) sets ``max_retries``;
        ``sleep`` waits between attempts (tests pass a no-op)."""
        super().__init__(credentials, transport=transport, timeout=timeout, sleep=sleep)
        self.limits = limits
        self._notifications = PaymentNotificationVerifier(credentials)

    # -- building requests -------------------------------------------------------------------

    def prepare_create(
        self,
        *,
        request_id: str,
        order_id: str,
        amount: Decimal | int,
        order_info: str,
        redirect_url: str,
        ipn_url: str,
        request_type: str = CAPTURE_WALLET,
        extra_data: Mapping[str, Any] | str | None = "",
        lang: str = "vi",
        auto_capture: bool = True,
        items: list[Mapping[str, Any]] | None = None,
        user_info: Mapping[str, str] | None = None,
        expires_in_minutes: int | None = None,
    ) -> PreparedOrder:
        """Validate and sign a payment order (``/v2/gateway/api/create``); nothing is sent.

        Every refusal is an ``InvalidInputError`` naming the field. ``items``, ``user_info``,
        ``autoCapture``, ``orderExpireTime`` and ``lang`` travel unsigned (MoMo's field list).
        ``expires_in_minutes`` is sent as ``orderExpireTime`` (minutes; the field is on the
        current onetime page, its unit we could not read there: check it with MoMo).
        """
        kind = check.payment_request_type(request_type)
        minimum, maximum = self.limits.for_request_type(kind)
        body: dict[str, Any] = {
            "partnerCode": self.credentials.partner_code,
            "requestId": check.request_id(request_id),
            "orderId": check.order_id(order_id),
            "amount": check.amount(amount, minimum=minimum, maximum=maximum),
            "orderInfo": check.payment_order_info(order_info),
            "redirectUrl": check.gateway_url(redirect_url, "redirect_url"),
            "ipnUrl": check.gateway_url(ipn_url, "ipn_url"),
            "requestType": kind,
            "extraData": check.extra_data(extra_data),
            "lang": check.lang(lang),
        }
        if not check.flag(auto_capture, "auto_capture"):
            # Default true at MoMo: sent only to ask for a 2-step (authorize, then confirm).
            body["autoCapture"] = False
        if items is not None:
            body["items"] = check.items(items)
        if user_info is not None:
            body["userInfo"] = check.user_info(user_info, email_required=kind == PAY_WITH_CC)
        elif kind == PAY_WITH_CC:
            # credit/onetime: "userInfo ... in which email is required".
            raise InvalidInputError("user_info", "an email is required for payWithCC")
        if expires_in_minutes is not None:
            body["orderExpireTime"] = check.expire_minutes(expires_in_minutes)
        data = self._sign_into(body, CREATE_FIELDS)
        return PreparedOrder(
            path=CREATE_PATH,
            request_id=body["requestId"],
            order_id=body["orderId"],
            request_type=kind,
            amount=Decimal(body["amount"]),
            body=data,
        )

    def prepare_refund(
        self,
        *,
        request_id: str,
        order_id: str,
        amount: Decimal | int,
        trans_id: int,
        description: str = "",
        lang: str = "vi",
        original_request_type: str | None = None,
        minimum: Decimal | int | None = None,
    ) -> PreparedRefund:
        """Validate and sign a (partial) refund of the payment ``trans_id``; nothing is sent.

        ``order_id`` is the refund's own, new orderId (MoMo: "must be different from orderId of
        the original purchase"). The minimum is 1,000 VND, 10,000 when the payment was made with
        a domestic ATM card: pass ``original_request_type="payWithATM"`` when the order was
        created so, or ``minimum`` to set it outright. Whether the refund fits what is left of
        the payment is MoMo's to judge (1081).
        """
        low = self.limits.refund_min
        atm = original_request_type is not None and (
            check.payment_request_type(original_request_type, "original_request_type")
            == PAY_WITH_ATM
        )
        if atm:
            low = self.limits.refund_atm_min
        if minimum is not None:
            if isinstance(minimum, bool) or not isinstance(minimum, (int, Decimal)):
                raise InvalidInputError("minimum", "must be a Decimal or an int (VND)")
            low = max(low, Decimal(minimum))
        body: dict[str, Any] = {
            "partnerCode": self.credentials.partner_code,
            "orderId": check.order_id(order_id),
            "requestId": check.request_id(request_id),
            "amount": check.amount(amount, minimum=low, maximum=self.limits.refund_max),
            "transId": check.trans_id(trans_id),
            "lang": check.lang(lang),
            "description": check.refund_description(description),
        }
        data = self._sign_into(body, REFUND_FIELDS)
        return PreparedRefund(
            path=REFUND_PATH,
            request_id=body["requestId"],
            order_id=body["orderId"],
            amount=Decimal(body["amount"]),
            trans_id=body["transId"],
            body=data,
        )

    # -- sending -----------------------------------------------------------------------------

    def _read(self, response: requests.Response, reference: str) -> tuple[int, dict[str, Any]]:
        status, data = read_answer(response, reference, self.credentials.secrets)
        raise_for_auth(status, data, reference)
        return status, data

    # create

    def send_create(self, prepared: PreparedOrder, *, retries: int | None = None) -> PaymentOrder:
        """Send (or re-send, byte for byte) a prepared order; transport trouble raises.

        ``retries``: ``None`` for the transport's ``max_retries``, a number capped at it, 0 for
        one attempt. After an unanswered attempt the answer comes back ``ambiguous=True`` (and
        an error is raised with ``ambiguous=True``).
        """
        where = f"MoMo create {prepared.request_id} (order {prepared.order_id})"
        order, lost, _ = self._attempt(
            lambda _attempt: self._create_once(prepared),
            where=where,
            reference=prepared.request_id,
            creating=True,
            retries=retries,
        )
        return dataclasses.replace(order, ambiguous=True) if lost else order

    def resend_create(self, body: bytes | str, *, retries: int | None = None) -> PaymentOrder:
        """Re-send a stored create body unchanged (same requestId and signature)."""
        return self.send_create(PreparedOrder.from_body(body), retries=retries)

    def create(self, **kwargs: Any) -> PaymentOrder:
        """``prepare_create`` then ``send_create`` (use the two steps to store the body first)."""
        return self.send_create(self.prepare_create(**kwargs))

    @sensitive_variables("values")
    def _check_signature(
        self,
        data: Mapping[str, Any],
        fields: tuple[str, ...],
        status: int,
        reference: str,
    ) -> None:
        """Verify MoMo's signature over its answer when it sent one ([3P] field list).

        An answer without ``signature`` is taken as is (MoMo's pages do not say every answer
        carries one); a present but wrong one is refused with ``ResponseSignatureError``.
        """
        signature = data.get("signature")
        if signature is None:
            return
        values = {**data, "accessKey": self.credentials.access_key}
        try:
            valid = self._signer.verify(fields, values, signature)
        except TypeError:
            # A float or boolean where the list wants text: not what MoMo signs.
            valid = False
        if not valid:
            raise ResponseSignatureError(
                "answer signature does not match: outcome unknown",
                provider=PROVIDER,
                http_status=status,
                code=str(data["resultCode"]),
                reference=reference,
            )

    @sensitive_variables("response")
    def _create_once(self, prepared: PreparedOrder) -> PaymentOrder:
        response = self._post(prepared.path, prepared.body, prepared.request_id)
        status, data = self._read(response, prepared.request_id)
        self._check_signature(data, CREATE_RESPONSE_FIELDS, status, prepared.request_id)
        check_echo(
            data,
            status,
            partner_code=self.credentials.partner_code,
            order_id=prepared.order_id,
            request_id=prepared.request_id,
            amount=prepared.amount,
        )
        code = data["resultCode"]
        row = lookup(code)
        # 0 opens the order: the payment itself is still to come.
        outcome, final = (Outcome.PENDING, False) if code == 0 else (row.outcome, row.final)
        return PaymentOrder(
            request_id=prepared.request_id,
            order_id=prepared.order_id,
            amount=prepared.amount,
            result_code=code,
            message=str(data.get("message") or row.meaning),
            outcome=outcome,
            final=final,
            http_status=status,
            pay_url=_text_or_none(data.get("payUrl")),
            deeplink=_text_or_none(data.get("deeplink")),
            qr_code_url=_text_or_none(data.get("qrCodeUrl")),
            deeplink_mini_app=_text_or_none(data.get("deeplinkMiniApp")),
            response_time=int_or_none(data.get("responseTime")),
            raw=redact_mapping(data),
        )

    # refund

    def send_refund(self, prepared: PreparedRefund, *, retries: int | None = None) -> RefundResult:
        """Send (or re-send, byte for byte) a prepared refund; retries as for ``send_create``.

        After an unanswered attempt a refusal now (1081 "already refunded" ...) proves nothing:
        the answer is marked ``ambiguous``.
        """
        where = f"MoMo refund {prepared.request_id} (order {prepared.order_id})"
        result, lost, _ = self._attempt(
            lambda _attempt: self._refund_once(prepared),
            where=where,
            reference=prepared.request_id,
            creating=True,
            retries=retries,
        )
        if lookup(result.result_code).kind is Kind.IN_PROGRESS:
            logger.info(
                "%s: answered %d (%s): the refund is still processing",
                where,
                result.result_code,
                lookup(result.result_code).meaning,
            )
        return dataclasses.replace(result, ambiguous=True) if lost else result

    def resend_refund(self, body: bytes | str, *, retries: int | None = None) -> RefundResult:
        """Re-send a stored refund body unchanged (same requestId and signature)."""
        return self.send_refund(PreparedRefund.from_body(body), retries=retries)

    def refund(self, **kwargs: Any) -> RefundResult:
        """``prepare_refund`` then ``send_refund`` (use the two steps to store the body first)."""
        return self.send_refund(self.prepare_refund(**kwargs))

    @sensitive_variables("response")
    def _refund_once(self, prepared: PreparedRefund) -> RefundResult:
        response = self._post(prepared.path, prepared.body, prepared.request_id)
        status, data = self._read(response, prepared.request_id)
        check_echo(
            data,
            status,
            partner_code=self.credentials.partner_code,
            order_id=prepared.order_id,
            request_id=prepared.request_id,
            amount=prepared.amount,
        )
        row = lookup(data["resultCode"])
        return RefundResult(
            request_id=prepared.request_id,
            order_id=prepared.order_id,
            result_code=row.code,
            message=str(data.get("message") or row.meaning),
            outcome=row.outcome,
            final=row.final,
            http_status=status,
            trans_id=int_or_none(data.get("transId")),
            amount=decimal_or_none(data.get("amount")),
            response_time=int_or_none(data.get("responseTime")),
            raw=redact_mapping(data),
        )

    # query

    def query(
        self,
        *,
        order_id: str,
        request_id: str | None = None,
        lang: str = "vi",
        retries: int | None = None,
    ) -> PaymentStatus:
        """Where the payment of ``order_id`` stands (``/v2/gateway/api/query``); moves nothing.

        ``request_id`` is the first attempt's (a new UUID when ``None``); a retry after a
        transient failure (timeout, 5xx, 10 maintenance, 99 unknown error, 40 duplicated
        requestId) asks again under a fresh UUID. 42 (orderId unknown to MoMo) raises
        ``NotFoundError``: right after a lost create the order may still appear. Other refusals
        raise ``RejectedError``; credentials refused, ``AuthenticationError``.
        """
        order = check.order_id(order_id)
        language = check.lang(lang)
        first = check.request_id(request_id) if request_id is not None else uuid.uuid4().hex

        def once(attempt: int) -> PaymentStatus:
            reference = first if attempt == 1 else uuid.uuid4().hex
            body = {
                "partnerCode": self.credentials.partner_code,
                "requestId": reference,
                "orderId": order,
                "lang": language,
            }
            return self._query_once(self._sign_into(body, QUERY_FIELDS), order, reference)

        status, _, _ = self._attempt(
            once,
            where=f"MoMo query {first} (order {order})",
            reference=first,
            creating=False,
            retries=retries,
        )
        return status

    @sensitive_variables("response")
    def _query_once(self, body: bytes, order_id: str, reference: str) -> PaymentStatus:
        response = self._post(QUERY_PATH, body, reference)
        status, data = self._read(response, reference)
        code = data["resultCode"]
        for name, value in (
            ("partnerCode", self.credentials.partner_code),
            ("orderId", order_id),
            ("requestId", reference),
        ):
            got = data.get(name)
            if got is not None and str(got) != value:
                raise AnswerMismatch(
                    f"answer names {name} {got!r}, expected {value!r}: status unknown",
                    provider=PROVIDER,
                    http_status=status,
                    code=str(code),
                    reference=reference,
                )
        row = lookup(code)
        message = str(data.get("message") or row.meaning)
        if code in (10, 40, 99):
            # Maintenance, unknown error, or a repeated requestId: nothing about the payment.
            raise TransientError(
                f"no usable answer: {message}",
                provider=PROVIDER,
                http_status=status,
                code=str(code),
                reference=reference,
            )
        if code == 42:
            raise NotFoundError(
                f"MoMo knows no order {order_id!r}: {message}",
                provider=PROVIDER,
                http_status=status,
                code=str(code),
                reference=reference,
            )
        if row.kind is Kind.REQUEST:
            raise RejectedError(
                f"query refused: {message}",
                provider=PROVIDER,
                http_status=status,
                code=str(code),
                reference=reference,
            )
        return PaymentStatus(
            request_id=reference,
            order_id=order_id,
            result_code=code,
            message=message,
            outcome=row.outcome,
            final=row.final,
            http_status=status,
            trans_id=int_or_none(data.get("transId")),
            pay_type=str(data.get("payType") or ""),
            amount=decimal_or_none(data.get("amount")),
            extra_data=str(data.get("extraData") or ""),
            payment_option=str(data.get("paymentOption") or ""),
            response_time=int_or_none(data.get("responseTime")),
            refunds=_refunds(data.get("refundTrans")),
            raw=redact_mapping(data),
        )

    # -- notifications -----------------------------------------------------------------------

    def verify_payment_notification(
        self,
        data: bytes | str | Mapping[str, Any],
        *,
        expected_order_id: str | None = None,
        expected_amount: Decimal | int | None = None,
        expected_request_id: str | None = None,
    ) -> PaymentNotification:
        """Verify a payment IPN (JSON body) or redirect (its query parameters, all strings)."""
        return self._notifications.verify(
            data,
            expected_order_id=expected_order_id,
            expected_amount=expected_amount,
            expected_request_id=expected_request_id,
        )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _refunds(value: Any) -> tuple[RefundTrans, ...]:
    """The query's ``refundTrans``; an entry without a readable code is kept as UNKNOWN."""
    if not isinstance(value, list):
        return ()
    out: list[RefundTrans] = []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        code = int_or_none(entry.get("resultCode"))
        out.append(
            RefundTrans(
                order_id=str(entry.get("orderId") or ""),
                amount=decimal_or_none(entry.get("amount")),
                result_code=code,
                trans_id=int_or_none(entry.get("transId")),
                created_time=int_or_none(entry.get("createdTime")),
                outcome=Outcome.UNKNOWN if code is None else lookup(code).outcome,
            )
        )
    return tuple(out)
