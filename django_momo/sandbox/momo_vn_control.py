"""Control endpoints of the MoMo Vietnam sandbox (``/_sandbox/momo_vn/...``, see ``momo_vn.py``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .momo_vn_codes import FAILED_CODES
from .web import Request, Response

if TYPE_CHECKING:
    from .momo_vn import MomoVnProtocol


def _error(text: str, status: int = 400) -> Response:
    return Response.json({"error": text}, status=status)


def _json_object(request: Request) -> dict[str, Any]:
    data = request.json() if request.body else {}
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def handle_control(protocol: MomoVnProtocol, request: Request, subpath: str) -> Response | None:
    """Answer one control request, or ``None`` for an unknown subpath (404)."""
    try:
        if subpath == "public-key" and request.method == "GET":
            return Response(200, protocol.key.public_pem.encode("ascii"), {},
                            "application/x-pem-file")  # fmt: skip
        if subpath == "stats" and request.method == "GET":
            return Response.json(protocol.snapshot())
        if subpath == "settings":
            return _settings(protocol, request)
        if subpath == "order" and request.method == "GET":
            order_id = request.query.get("order_id", [""])[0]
            payout = protocol.find_order(order_id)
            if payout is None:
                return _error(f"no payout with orderId {order_id!r}", 404)
            return Response.json(payout.as_dict())
        if subpath == "settle" and request.method == "POST":
            return _settle(protocol, _json_object(request))
        if subpath == "forge-ipn" and request.method == "POST":
            return _forge(protocol, _json_object(request))
    except ValueError as exc:
        return _error(str(exc))
    return None


def _settings(protocol: MomoVnProtocol, request: Request) -> Response:
    if request.method == "POST":
        data = _json_object(request)
        unknown = set(data) - {"pending_seconds", "balance"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        seconds = data.get("pending_seconds", protocol.pending_seconds)
        balance = data.get("balance", protocol.balance)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("pending_seconds must be a number >= 0")
        if isinstance(balance, bool) or not isinstance(balance, int) or balance < 0:
            raise ValueError("balance must be a whole number of VND >= 0")
        protocol.pending_seconds = float(seconds)
        protocol.balance = balance
    return Response.json({"pending_seconds": protocol.pending_seconds, "balance": protocol.balance})


def _settle(protocol: MomoVnProtocol, data: dict[str, Any]) -> Response:
    payout = protocol.find_order(str(data.get("order_id", "")))
    if payout is None:
        return _error(f"no payout with orderId {data.get('order_id')!r}", 404)
    code = data.get("result_code", 0)
    if (
        isinstance(code, bool)
        or not isinstance(code, int)
        or (code != 0 and code not in FAILED_CODES)
    ):
        raise ValueError(f"result_code must be 0 or one of {sorted(FAILED_CODES)}")
    if not protocol.settle(payout, code):
        return _error(f"payout {payout.order_id} is final already", 409)
    return Response.json(payout.as_dict())


def _forge(protocol: MomoVnProtocol, data: dict[str, Any]) -> Response:
    payout = protocol.find_order(str(data.get("order_id", "")))
    if payout is None:
        return _error(f"no payout with orderId {data.get('order_id')!r}", 404)
    url = data.get("url")
    if url is not None and not isinstance(url, str):
        raise ValueError("url must be a string")
    body = protocol.forge_ipn(payout, str(data.get("tamper", "none")), url)
    return Response.json({"url": url or payout.ipn_url, "body": json.loads(body)})
