"""Typed requests and answers of MoMo's payment gateway client (collections and refunds)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django_momo.providers.base import InvalidInputError, Outcome

CREATE_PATH = "/v2/gateway/api/create"
QUERY_PATH = "/v2/gateway/api/query"
REFUND_PATH = "/v2/gateway/api/refund"

CAPTURE_WALLET = "captureWallet"
PAY_WITH_ATM = "payWithATM"
PAY_WITH_CC = "payWithCC"
PAY_WITH_METHOD = "payWithMethod"

# 9000: "Authorized" (momo_vn.md §4.4): the payer confirmed; a 2-step order (autoCapture
# false) waits for the merchant's capture or cancel.
AUTHORIZED = 9000


def _ms_to_datetime(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=UTC)


def _load(body: bytes | str, what: str, required: tuple[str, ...]) -> tuple[bytes, dict[str, Any]]:
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("body", f"is not the JSON of a prepared {what}") from None
    if not isinstance(data, dict):
        raise InvalidInputError("body", f"is not the JSON of a prepared {what}")
    for name in required:
        if name not in data:
            raise InvalidInputError("body", f"has no {name}: not a prepared {what}")
    return raw, data


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInputError("body", f"has a non-integer {name}")
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise InvalidInputError("body", f"has a non-integer {name}")
    return int(value)


@dataclass(frozen=True)
class PreparedOrder:
    """A validated and signed create request, stored before the first send, re-sent as is.

    Signing is deterministic here (no RSA), but the body is still the record of what was asked:
    a re-send must be these bytes under this ``requestId``, never a rebuilt request.
    """

    path: str
    request_id: str
    order_id: str
    request_type: str
    amount: Decimal
    body: bytes = field(repr=False)

    @classmethod
    def from_body(cls, body: bytes | str, path: str = CREATE_PATH) -> PreparedOrder:
        """Rebuild a prepared order from its stored body (no re-signing)."""
        fields = ("requestId", "orderId", "requestType", "amount", "signature")
        raw, data = _load(body, "payment order", fields)
        return cls(
            path=path,
            request_id=str(data["requestId"]),
            order_id=str(data["orderId"]),
            request_type=str(data["requestType"]),
            amount=Decimal(_whole(data["amount"], "amount")),
            body=raw,
        )


@dataclass(frozen=True)
class PreparedRefund:
    """A validated and signed refund, stored before the first send, re-sent byte for byte."""

    path: str
    request_id: str
    order_id: str  # the refund's own orderId, not the purchase's
    amount: Decimal
    trans_id: int  # the purchase's MoMo transId
    body: bytes = field(repr=False)

    @classmethod
    def from_body(cls, body: bytes | str, path: str = REFUND_PATH) -> PreparedRefund:
        """Rebuild a prepared refund from its stored body (no re-signing)."""
        fields = ("requestId", "orderId", "amount", "transId", "signature")
        raw, data = _load(body, "refund", fields)
        return cls(
            path=path,
            request_id=str(data["requestId"]),
            order_id=str(data["orderId"]),
            amount=Decimal(_whole(data["amount"], "amount")),
            trans_id=_whole(data["transId"], "transId"),
            body=raw,
        )


@dataclass(frozen=True)
class PaymentOrder:
    """MoMo's answer to a create: where to send the payer, not whether they paid.

    ``resultCode`` 0 means the order exists and waits for the payer: ``outcome`` is
    ``PENDING`` and ``final`` False (the payment's result comes by IPN, redirect or query).
    Any other code is read from the result-code table (a refusal is ``FAILED``, 41/99/10 are
    ``UNKNOWN``, 7000 and 40 ``PENDING``).
    """

    request_id: str
    order_id: str
    amount: Decimal
    result_code: int
    message: str
    outcome: Outcome
    final: bool
    http_status: int
    pay_url: str | None = None
    deeplink: str | None = None
    qr_code_url: str | None = None  # the data to draw a QR code from, not an image URL
    deeplink_mini_app: str | None = None
    response_time: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # An earlier attempt of this send got no answer: it may have created the order.
    ambiguous: bool = False

    @property
    def created(self) -> bool:
        """Whether MoMo opened the order (resultCode 0)."""
        return self.result_code == 0

    @property
    def responded_at(self) -> datetime | None:
        """``response_time`` as an aware UTC datetime."""
        return _ms_to_datetime(self.response_time)


@dataclass(frozen=True)
class RefundTrans:
    """One refund of a payment, as listed by the query's ``refundTrans``."""

    order_id: str
    amount: Decimal | None
    result_code: int | None  # None when the entry carries no readable code: outcome UNKNOWN
    trans_id: int | None
    created_time: int | None  # milliseconds since the epoch
    outcome: Outcome


@dataclass(frozen=True)
class PaymentStatus:
    """The query's answer: where a payment stands now, and its refunds."""

    request_id: str
    order_id: str
    result_code: int
    message: str
    outcome: Outcome
    final: bool
    http_status: int
    trans_id: int | None = None
    pay_type: str = ""
    amount: Decimal | None = None
    extra_data: str = ""
    payment_option: str = ""
    response_time: int | None = None
    refunds: tuple[RefundTrans, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def authorized(self) -> bool:
        """9000: confirmed by the payer, not captured yet."""
        return self.result_code == AUTHORIZED

    @property
    def refunded(self) -> Decimal:
        """The sum of the successful refunds listed."""
        return sum(
            (r.amount for r in self.refunds if r.outcome is Outcome.SUCCESSFUL and r.amount),
            Decimal(0),
        )

    @property
    def responded_at(self) -> datetime | None:
        """``response_time`` as an aware UTC datetime."""
        return _ms_to_datetime(self.response_time)


@dataclass(frozen=True)
class RefundResult:
    """MoMo's answer to a refund; ``outcome`` is what it means for the money going back."""

    request_id: str
    order_id: str
    result_code: int
    message: str
    outcome: Outcome
    final: bool
    http_status: int
    trans_id: int | None = None  # the refund's MoMo transId
    amount: Decimal | None = None
    response_time: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # An earlier attempt got no answer: it may have been refunded, so a refusal now
    # (1081 "already refunded" ...) proves nothing.
    ambiguous: bool = False

    @property
    def responded_at(self) -> datetime | None:
        """``response_time`` as an aware UTC datetime."""
        return _ms_to_datetime(self.response_time)


@dataclass(frozen=True)
class PaymentNotification:
    """A verified payment IPN or redirect."""

    partner_code: str
    order_id: str
    request_id: str
    amount: Decimal
    trans_id: int
    result_code: int
    message: str
    order_info: str
    order_type: str
    pay_type: str
    extra_data: str
    response_time: int
    outcome: Outcome
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def authorized(self) -> bool:
        """9000: confirmed by the payer, not captured yet."""
        return self.result_code == AUTHORIZED

    @property
    def responded_at(self) -> datetime | None:
        """``response_time`` as an aware UTC datetime."""
        return _ms_to_datetime(self.response_time)
