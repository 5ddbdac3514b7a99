"""Control endpoints of the MoMo Vietnam sandbox, ``/_sandbox/momo_vn/`` (see ``protocol.py``)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from .. import presets
from ..frame.web import Request, Response
from .codes import FAILED_CODES, PENDING_CODES
from .gateway_control import handle_gateway_control
from .gateway_orders import DEFAULT_VALIDITY_SECONDS

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol


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
            return Response(
                200, protocol.key.public_pem.encode("ascii"), {}, "application/x-pem-file"
            )
        if subpath == "stats" and request.method == "GET":
            return Response.json(snapshot(protocol))
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
        if subpath.startswith(("pay/", "gateway/")):
            data = (
                _json_object(request)
                if subpath.startswith("gateway/") and request.method == "POST"
                else None
            )
            return handle_gateway_control(protocol, request, subpath, data)
    except ValueError as exc:
        return _error(str(exc))
    return None


def _settings(protocol: MomoVnProtocol, request: Request) -> Response:
    if request.method == "POST":
        data = _json_object(request)
        unknown = set(data) - {"pending_seconds", "balance", "order_validity_seconds"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        seconds = data.get("pending_seconds", protocol.pending_seconds)
        balance = data.get("balance", protocol.balance)
        validity = data.get("order_validity_seconds", protocol.gateway.validity_seconds)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("pending_seconds must be a number >= 0")
        if isinstance(balance, bool) or not isinstance(balance, int) or balance < 0:
            raise ValueError("balance must be a whole number of VND >= 0")
        if isinstance(validity, bool) or not isinstance(validity, int | float) or validity < 0:
            raise ValueError("order_validity_seconds must be a number >= 0")
        with protocol.state.ledger.lock:
            protocol.pending_seconds = float(seconds)
            protocol.balance = balance
            protocol.gateway.validity_seconds = float(validity)
    return Response.json(
        {
            "pending_seconds": protocol.pending_seconds,
            "balance": protocol.balance,
            "order_validity_seconds": protocol.gateway.validity_seconds,
        }
    )


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


def add_momo_arguments(parser: argparse.ArgumentParser) -> None:
    """``--momo-key-bits``, ``--momo-pending-seconds``, ``--momo-opening-balance``,
    ``--momo-order-validity-seconds``."""
    g = parser.add_argument_group("MoMo Vietnam")
    g.add_argument(
        "--momo-key-bits",
        type=int,
        choices=(2048, 4096),
        default=2048,
        help="RSA key pair for disbursementMethod (default 2048)",
    )
    g.add_argument(
        "--momo-pending-seconds",
        type=float,
        default=2.0,
        help="seconds until a 7000 payout settles to success (default 2.0)",
    )
    g.add_argument(
        "--momo-opening-balance",
        type=int,
        default=presets.MOMO_OPENING_BALANCE,
        help="merchant disbursement balance at start and after reset (VND)",
    )
    g.add_argument(
        "--momo-order-validity-seconds",
        type=float,
        default=DEFAULT_VALIDITY_SECONDS,
        help="seconds a payment-gateway order waits for the user before it expires (1005; "
        "default 6000 = 100 minutes)",
    )


def snapshot(protocol: MomoVnProtocol) -> dict[str, Any]:
    """Counters, balance and pending payouts (for ``stats``)."""
    with protocol.state.ledger.lock:
        orders = protocol.orders.values()
        pending = [p.order_id for p in orders if p.result_code in PENDING_CODES]
        return {
            "counters": dict(protocol.stats),
            "balance": protocol.balance,
            "payouts": len(protocol.orders),
            "remembered_requests": len(protocol.records),
            "pending": pending[:1000],
            "pending_count": len(pending),
            "key_bits": protocol.key.bits,
            "pending_seconds": protocol.pending_seconds,
            "orders": len(protocol.gateway.orders),
            "refunds": len(protocol.gateway.refunds),
            "order_validity_seconds": protocol.gateway.validity_seconds,
        }
