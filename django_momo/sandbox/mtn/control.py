"""Control endpoints of the MTN sandbox, under ``/_sandbox/mtn/`` (listed in ``protocol.py``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..frame.web import Request, Response
from ..presets import MTN_API_USER
from . import wire
from .payments import FAILED, PENDING, SUCCESSFUL

if TYPE_CHECKING:
    from .protocol import MtnProtocol

FORGEABLE = (PENDING, SUCCESSFUL, FAILED)
# Run-time settings of ``/_sandbox/mtn/config`` and their defaults (the ``--mtn-*`` flags).
CONFIG_DEFAULTS: dict[str, Any] = {
    "token_ttl": 3600.0,
    "pending_seconds": 2.0,
    "settle_seconds": 0.0,
    "opening_balance": "1000000",
    "reason_style": "string",
}


def _error(message: str, status: int = 400) -> Response:
    return Response.json({"error": message}, status=status)


def _body(request: Request) -> dict[str, Any]:
    data = request.json() if request.body else {}
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def control(protocol: MtnProtocol, request: Request, subpath: str) -> Response | None:
    """Dispatch one control request; None for an unknown subpath (404)."""
    try:
        body = _body(request) if request.method == "POST" else {}
    except ValueError as exc:
        return _error(f"invalid JSON body: {exc}")
    method = request.method
    if subpath == "stats" and method == "GET":
        return Response.json(protocol.accounts.stats())
    if subpath == "revoke-tokens" and method == "POST":
        return Response.json({"revoked": protocol.accounts.revoke_all()})
    if subpath == "config" and method in ("GET", "POST"):
        return _config(protocol, body)
    if subpath == "garbage" and method in ("GET", "POST"):
        return _garbage(protocol, body, method)
    if subpath == "forge-callback" and method == "POST":
        return _forge(protocol, body)
    if subpath == "settle" and method == "POST":
        reference, status = body.get("reference"), body.get("status")
        reason = body.get("reason")
        if not isinstance(reference, str) or not isinstance(status, str):
            return _error("reference and status are required")
        if reason is not None and not isinstance(reason, str):
            return _error("reason must be a string")
        return protocol.settle(reference.lower(), status, reason)
    if subpath == "balance" and method == "GET":
        product = request.query.get("product", ["disbursement"])[0]
        user = request.query.get("api_user", [MTN_API_USER])[0]
        if product not in wire.PRODUCTS:
            return _error(f"product must be one of {wire.PRODUCTS}")
        balance = protocol.payments.balance(product, user)
        return Response.json(
            {
                "product": product,
                "api_user": user,
                "availableBalance": wire.money_text(balance),
                "currency": wire.CURRENCY,
            }
        )
    return None


def _config(protocol: MtnProtocol, body: dict[str, Any]) -> Response:
    unknown = set(body) - set(CONFIG_DEFAULTS)
    if unknown:
        return _error(f"unknown settings {sorted(unknown)}; known: {sorted(CONFIG_DEFAULTS)}")
    parsed: dict[str, Any] = {}
    for key, value in body.items():
        if key == "reason_style":
            if value not in ("string", "object"):
                return _error("reason_style must be string or object")
            parsed[key] = value
        elif key == "opening_balance":
            try:
                if isinstance(value, float) or Decimal(str(value)) < 0:
                    raise InvalidOperation
            except InvalidOperation:
                return _error("opening_balance must be a non-negative decimal string or integer")
            parsed[key] = str(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                return _error(f"{key} must be a number >= 0")
            parsed[key] = float(value)
    protocol.configure(parsed)
    return Response.json(
        {key: protocol.option("mtn_" + key, default) for key, default in CONFIG_DEFAULTS.items()}
    )


def _garbage(protocol: MtnProtocol, body: dict[str, Any], method: str) -> Response:
    if method == "POST":
        nxt = body.get("next", 1)
        kind = body.get("kind", "html")
        status = body.get("status", 500)
        if isinstance(nxt, bool) or not isinstance(nxt, int) or nxt < 0:
            return _error("next must be a whole number >= 0")
        if kind not in wire.GARBAGE_BODIES:
            return _error(f"kind must be one of {sorted(wire.GARBAGE_BODIES)}")
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            return _error("status must be an HTTP status code")
        protocol.set_garbage(nxt, kind, status)
    return Response.json(protocol.garbage())


def _forge(protocol: MtnProtocol, body: dict[str, Any]) -> Response:
    reference, status = body.get("reference"), body.get("status", SUCCESSFUL)
    if not isinstance(reference, str):
        return _error("reference is required")
    if status not in FORGEABLE:
        return _error(f"status must be one of {FORGEABLE}")
    entry = protocol.state.ledger.get("mtn", reference.lower())
    if entry is None:
        return _error(f"unknown reference {reference}", 404)
    url = body.get("url") or entry.extra.get("callback_url")
    if not isinstance(url, str) or not url:
        return _error("the payment has no X-Callback-Url; pass url")
    method = body.get("method") or entry.extra.get("callback_method", "POST")
    if method not in ("PUT", "POST"):
        return _error("method must be PUT or POST")
    reason = body.get("reason")
    payload = protocol.payments.status_body(entry, status=status, reason=reason)
    protocol.payments.send_callback(entry, url, method, payload, faults=False)
    return Response.json({"queued": True, "url": url, "method": method, "body": payload})
