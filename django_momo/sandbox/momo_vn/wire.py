"""How the MoMo Vietnam sandbox speaks on the wire: its paths, required fields and JSON answers."""

from __future__ import annotations

from typing import Any

from ..frame.web import Response
from .payouts import encode_json

PROVIDER = "momo_vn"
PATHS = {
    "/v2/gateway/api/disbursement/verify": "verify",
    "/v2/gateway/api/disbursement/balance": "balance",
    "/v2/gateway/api/disbursement/pay": "pay",
    "/v2/gateway/api/query": "query",
    "/v2/gateway/api/create": "create",
    "/v2/gateway/api/refund": "refund",
}
# Operations of the payment gateway (their signatures are in ``gateway_orders.GATEWAY_SIGNED``).
GATEWAY_OPERATIONS = frozenset({"create", "refund"})
REQUIRED = {
    "verify": ("orderId", "requestId", "requestType", "disbursementMethod", "signature"),
    "balance": ("orderId", "requestId", "signature"),
    "pay": ("orderId", "requestId", "requestType", "disbursementMethod", "signature"),
    "query": ("orderId", "requestId", "signature"),
    "create": ("orderId", "requestId", "requestType", "ipnUrl", "signature"),
    "refund": ("orderId", "requestId", "signature"),
}
JSON_TYPE = "application/json; charset=UTF-8"


def answer(data: dict[str, Any], status: int) -> Response:
    """A MoMo-style JSON response."""
    return Response(status, encode_json(data), {}, JSON_TYPE)
