"""The payment gateway's memory: orders, refunds, their signatures, IPN and redirect bodies.

Signed fields, written from MoMo's documents (not from ``providers/``), keys a-z, values raw, an
empty or missing value as ``key=``, ``accessKey`` from the merchant's configuration:

* create: developers.momo.vn/v3/docs/payment/api/wallet/onetime (also .../atm/onetime,
  .../credit/onetime); the create *answer*'s list (``payUrl`` ... ``resultCode``) is from the
  Vietnamese onetime page as copied in public repositories.
* query: .../payment-api/query; refund: .../payment-api/refund.
* IPN and redirect: .../result-handling/notification (its published example, partner
  MOMOIOLD20190129, reproduces with this list).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from ..frame.ledger import Entry
from .codes import ORDER_WAITING, message
from .crypto import wire_text

ORDER_TYPE = "momo_wallet"
GATEWAY_SIGNED: dict[str, tuple[str, ...]] = {
    "create": (
        "accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode",
        "redirectUrl", "requestId", "requestType",
    ),
    "create_answer": (
        "accessKey", "amount", "orderId", "partnerCode", "payUrl", "requestId", "responseTime",
        "resultCode",
    ),
    "query": ("accessKey", "orderId", "partnerCode", "requestId"),
    "refund": (
        "accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId",
    ),
    "payment_ipn": (
        "accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType",
        "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId",
    ),
}  # fmt: skip
# payType of a paid order per requestType. MoMo's IPN lists webApp|app|qr|miniapp for the wallet
# (notification page); "napas" (domestic ATM) and "credit" (card) are what captured IPNs and
# query answers of MoMo's test gateway show in public code (not on MoMo's pages). payWithMethod:
# the user picks on MoMo's page; the sandbox says "webApp". Not a payment (waiting, failed): ""
# (query page: 'Default: "" if it is not a payment').
PAY_TYPES = {
    "captureWallet": "qr",
    "payWithATM": "napas",
    "payWithCC": "credit",
    "payWithMethod": "webApp",
}
# 100 minutes: the validity the brief names; MoMo's pages readable here do not state the payUrl's
# lifetime (only the binding URL's, 15 minutes), so it is a setting.
DEFAULT_VALIDITY_SECONDS = 6000.0


def now_ms() -> int:
    """MoMo's ``responseTime``: milliseconds since the epoch."""
    return int(time.time() * 1000)


def raw_of(kind: str, data: dict[str, Any], access_key: str) -> str:
    """The string MoMo signs for ``kind`` (a key of ``GATEWAY_SIGNED``)."""
    values = dict(data, accessKey=access_key)
    return "&".join(f"{name}={wire_text(values.get(name))}" for name in GATEWAY_SIGNED[kind])


def sign_gateway(kind: str, data: dict[str, Any], access_key: str, secret_key: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``raw_of(kind, ...)`` under ``secret_key`` (UTF-8)."""
    raw = raw_of(kind, data, access_key).encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def gateway_signature_matches(
    kind: str, data: dict[str, Any], access_key: str, secret_key: str
) -> bool:
    """True when ``data["signature"]`` is right for ``kind`` (constant-time compare)."""
    given = data.get("signature")
    if not isinstance(given, str):
        return False
    expected = sign_gateway(kind, data, access_key, secret_key)
    return hmac.compare_digest(expected, given.lower())


@dataclass
class Refund:
    """One accepted refund of a paid order (its own orderId and requestId)."""

    partner_code: str
    order_id: str
    request_id: str
    amount: int
    trans_id: int
    description: str
    original: GatewayOrder
    entry: Entry
    created_time: int = field(default_factory=now_ms)

    def refund_trans(self) -> dict[str, Any]:
        """This refund as an item of the order's ``refundTrans``."""
        return {
            "orderId": self.order_id,
            "amount": self.amount,
            "resultCode": 0,
            "transId": self.trans_id,
            "createdTime": self.created_time,
        }


@dataclass
class GatewayOrder:
    """One accepted create request: waiting for the user, then paid or failed."""

    partner_code: str
    order_id: str
    request_id: str
    request_type: str
    amount: int
    order_info: str
    extra_data: str
    redirect_url: str
    ipn_url: str
    lang: str
    entry: Entry
    expires_at: float
    result_code: int = ORDER_WAITING
    trans_id: int = 0
    pay_type: str = ""
    result: dict[str, Any] | None = None  # the signed IPN / redirect fields once settled
    refunds: list[Refund] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    last_updated: int = field(default_factory=now_ms)

    @property
    def refunded(self) -> int:
        """The sum of this order's successful refunds."""
        return sum(refund.amount for refund in self.refunds)

    def as_dict(self) -> dict[str, Any]:
        """What the control API shows."""
        return {
            "orderId": self.order_id,
            "requestId": self.request_id,
            "requestType": self.request_type,
            "amount": self.amount,
            "orderInfo": self.order_info,
            "resultCode": self.result_code,
            "status": self.entry.status,
            "transId": self.trans_id,
            "payType": self.pay_type,
            "refunded": self.refunded,
            "refundTrans": [refund.refund_trans() for refund in self.refunds],
            "ipnUrl": self.ipn_url,
            "redirectUrl": self.redirect_url,
            "expiresAt": self.expires_at,
            "lastUpdated": self.last_updated,
        }


@dataclass
class GatewayBook:
    """Orders and refunds by (partnerCode, orderId), paid orders by transId, the validity."""

    validity_seconds: float = DEFAULT_VALIDITY_SECONDS
    orders: dict[tuple[str, str], GatewayOrder] = field(default_factory=dict)
    refunds: dict[tuple[str, str], Refund] = field(default_factory=dict)
    by_trans_id: dict[int, GatewayOrder] = field(default_factory=dict)

    def taken(self, partner: str, order_id: str) -> bool:
        """True when an order or a refund of ``partner`` has this orderId."""
        return (partner, order_id) in self.orders or (partner, order_id) in self.refunds


def result_body(order: GatewayOrder, access_key: str, secret_key: str) -> dict[str, Any]:
    """The signed payment result (IPN body and redirect parameters) for the order's state."""
    body: dict[str, Any] = {
        "partnerCode": order.partner_code,
        "orderId": order.order_id,
        "requestId": order.request_id,
        "amount": order.amount,
        "orderInfo": order.order_info,
        "orderType": ORDER_TYPE,
        "transId": order.trans_id,
        "resultCode": order.result_code,
        "message": message(order.result_code, order.lang),
        "payType": order.pay_type,
        "responseTime": now_ms(),
        "extraData": order.extra_data,
    }
    body["signature"] = sign_gateway("payment_ipn", body, access_key, secret_key)
    return body


def tampered(body: dict[str, Any], tamper: str) -> dict[str, Any]:
    """A copy of a signed result changed after signing (``payouts.TAMPERS``)."""
    body = dict(body)
    if tamper == "signature":
        flipped = "0" if body["signature"][0] != "0" else "1"
        body["signature"] = flipped + body["signature"][1:]
    elif tamper == "amount":
        body["amount"] = int(body["amount"]) + 1_000
    elif tamper == "missing_field":
        del body["transId"]
    return body


def redirect_location(order: GatewayOrder, body: dict[str, Any]) -> str:
    """``redirectUrl`` with the result's fields as URL-encoded query parameters."""
    query = urlencode({k: wire_text(v) for k, v in body.items()}, quote_via=quote)
    separator = "&" if "?" in order.redirect_url else "?"
    return order.redirect_url + separator + query


def session_id(order_id: str, request_id: str) -> str:
    """An opaque, stable id for the order's payment session (in the deeplink / QR data)."""
    return hashlib.sha256(f"{order_id}\0{request_id}".encode()).hexdigest()[:32]


def create_answer(
    order: GatewayOrder, base_url: str, access_key: str, secret_key: str
) -> dict[str, Any]:
    """The signed answer to an accepted create request: payUrl, deeplink, qrCodeUrl."""
    sid = session_id(order.order_id, order.request_id)
    pay_url = f"{base_url}/_sandbox/momo_vn/pay/{quote(order.order_id)}"
    body: dict[str, Any] = {
        "partnerCode": order.partner_code,
        "requestId": order.request_id,
        "orderId": order.order_id,
        "amount": order.amount,
        "responseTime": now_ms(),
        "message": message(0, order.lang),
        "resultCode": 0,
        "payUrl": pay_url,
        "deeplink": f"momo://app?action=payWithApp&isScanQR=false&serviceType=app&sid={sid}&v=3.0",
        "qrCodeUrl": f"momo://app?action=payWithApp&isScanQR=true&serviceType=qr&sid={sid}&v=3.0",
        "userFee": 0,
    }
    body["signature"] = sign_gateway("create_answer", body, access_key, secret_key)
    return body
