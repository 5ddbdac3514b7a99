"""Control endpoints of the sandbox's payment gateway, under ``/_sandbox/momo_vn/``.

* ``pay/<orderId>``: the payment page (``gateway_page.py``).
* ``GET gateway/order?order_id=...``: one order's state, with its refunds.
* ``POST gateway/settle`` ``{"orderId", "resultCode": 0, "notify": true}``: settle a waiting order
  (0 pays, 1006 cancels, any of ``codes.ORDER_SETTLE_CODES``); 409 when it is final already.
* ``POST gateway/expire`` ``{"orderId", "notify": true}``: expire a waiting order now (1005).
* ``POST gateway/forge-ipn`` ``{"orderId", "tamper": "none"|"signature"|"amount"|"missing_field",
  "url": optional}``: send one IPN for the order (its current result), possibly tampered with.

``order_id`` / ``result_code`` are accepted for ``orderId`` / ``resultCode`` too, as the
disbursement controls spell them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..frame.web import Request, Response
from .codes import ORDER_SETTLE_CODES
from .gateway import send_order_ipn, settle_order
from .gateway_orders import GatewayOrder
from .gateway_page import payment_page
from .payouts import TAMPERS

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol


def _error(text: str, status: int = 400) -> Response:
    return Response.json({"error": text}, status=status)


def _field(data: dict[str, Any], camel: str, snake: str, default: Any = None) -> Any:
    return data.get(camel, data.get(snake, default))


def _order(protocol: MomoVnProtocol, order_id: Any) -> GatewayOrder | None:
    with protocol.lock:
        return protocol.gateway.orders.get((protocol.partner_code, str(order_id or "")))


def _notify(data: dict[str, Any]) -> bool:
    notify = data.get("notify", True)
    if not isinstance(notify, bool):
        raise ValueError("notify must be true or false")
    return notify


def handle_gateway_control(
    protocol: MomoVnProtocol, request: Request, subpath: str, data: dict[str, Any] | None
) -> Response | None:
    """Answer ``pay/...`` or ``gateway/...``, or ``None`` for an unknown subpath (404).

    ``data`` is the JSON body of a POST to ``gateway/...`` (``None`` otherwise)."""
    if subpath.startswith("pay/"):
        return payment_page(protocol, request, subpath[len("pay/") :])
    if subpath == "gateway/order" and request.method == "GET":
        order_id = request.query.get("order_id", request.query.get("orderId", [""]))[0]
        order = _order(protocol, order_id)
        if order is None:
            return _error(f"no order with orderId {order_id!r}", 404)
        return Response.json(order.as_dict())
    if data is None or request.method != "POST":
        return None
    if subpath in ("gateway/settle", "gateway/expire"):
        order_id = _field(data, "orderId", "order_id")
        order = _order(protocol, order_id)
        if order is None:
            return _error(f"no order with orderId {order_id!r}", 404)
        code = 1005 if subpath == "gateway/expire" else _field(data, "resultCode", "result_code", 0)
        if isinstance(code, bool) or not isinstance(code, int) or code not in ORDER_SETTLE_CODES:
            raise ValueError(f"resultCode must be one of {sorted(ORDER_SETTLE_CODES)}")
        if not settle_order(protocol, order, code, notify=_notify(data)):
            return _error(f"order {order.order_id} is final already ({order.result_code})", 409)
        return Response.json(order.as_dict())
    if subpath == "gateway/forge-ipn":
        order_id = _field(data, "orderId", "order_id")
        order = _order(protocol, order_id)
        if order is None:
            return _error(f"no order with orderId {order_id!r}", 404)
        tamper = str(data.get("tamper", "none"))
        if tamper not in TAMPERS:
            raise ValueError(f"tamper must be one of {', '.join(TAMPERS)}")
        url = data.get("url")
        if url is not None and not isinstance(url, str):
            raise ValueError("url must be a string")
        body = send_order_ipn(protocol, order, tamper, url, forged=True)
        return Response.json({"url": url or order.ipn_url, "body": json.loads(body)})
    return None
