"""The sandbox's payment page: what a customer sees at an order's ``payUrl``.

``GET /_sandbox/momo_vn/pay/<orderId>`` shows the order (orderId, amount, orderInfo) with two plain
HTML forms, Pay and Cancel, that ``POST`` back to the same URL (``action=pay|cancel``, no
JavaScript). A POST settles the order (0 or 1006), sends its signed IPN through the callback
dispatcher and answers ``302`` to ``redirectUrl`` with the same signed fields as URL-encoded query
parameters, as MoMo's page does (developers.momo.vn/v3/docs/payment/api/result-handling/
notification: "the customer will be redirected to the redirectUrl ... redirectUrl?{parameters}").
An order that is no longer waiting shows its result (and a link back to the merchant) instead.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..frame.web import Request, Response
from .codes import ORDER_WAITING, message
from .gateway import expire_if_due, settle_order
from .gateway_orders import GatewayOrder, redirect_location

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol

HTML_TYPE = "text/html; charset=utf-8"
ACTIONS = {"pay": 0, "cancel": 1006}


def _html(title: str, body: str, status: int = 200) -> Response:
    text = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body>\n<h1>{escape(title)}</h1>\n{body}\n"
        "</body></html>\n"
    )
    return Response(status, text.encode("utf-8"), {"Cache-Control": "no-store"}, HTML_TYPE)


def _summary(order: GatewayOrder) -> str:
    return (
        "<dl>\n"
        f'<dt>Order</dt><dd id="orderId">{escape(order.order_id)}</dd>\n'
        f'<dt>Amount</dt><dd id="amount">{order.amount:,} VND</dd>\n'
        f'<dt>Order information</dt><dd id="orderInfo">{escape(order.order_info)}</dd>\n'
        f'<dt>Method</dt><dd id="requestType">{escape(order.request_type)}</dd>\n'
        "</dl>"
    )


def _waiting_page(order: GatewayOrder, action_url: str) -> Response:
    forms = "\n".join(
        f'<form method="post" action="{escape(action_url)}">'
        f'<input type="hidden" name="action" value="{action}">'
        f'<button type="submit" name="submit" value="{action}">{label}</button></form>'
        for action, label in (("pay", "Pay"), ("cancel", "Cancel"))
    )
    return _html("MoMo sandbox payment", _summary(order) + "\n" + forms)


def _result_page(order: GatewayOrder, status: int = 200) -> Response:
    text = message(order.result_code, "en")
    parts = [
        _summary(order),
        f'<p id="result" data-result-code="{order.result_code}">'
        f"{order.result_code}: {escape(text)}</p>",
    ]
    if order.redirect_url and order.result is not None:
        href = escape(redirect_location(order, order.result))
        parts.append(f'<p><a id="back" href="{href}">Back to the merchant</a></p>')
    return _html("MoMo sandbox payment", "\n".join(parts), status)


def payment_page(protocol: MomoVnProtocol, request: Request, order_id: str) -> Response:
    """GET: the page; POST ``action=pay|cancel``: settle, IPN, 302 to ``redirectUrl``."""
    with protocol.lock:
        order = protocol.gateway.orders.get((protocol.partner_code, order_id))
    if order is None:
        return _html("Order not found", f"<p>No order {escape(order_id)}.</p>", 404)
    expire_if_due(protocol, order)
    action_url = f"/_sandbox/momo_vn/pay/{order_id}"
    if request.method == "GET":
        if order.result_code == ORDER_WAITING:
            return _waiting_page(order, action_url)
        return _result_page(order)
    if request.method != "POST":
        return _html("Method not allowed", "<p>GET or POST.</p>", 405)
    action = request.form().get("action", "")
    if action not in ACTIONS:
        return _html("Bad request", "<p>action must be pay or cancel.</p>", 400)
    if not settle_order(protocol, order, ACTIONS[action]):
        return _result_page(order, 409)  # paid, cancelled or expired already
    protocol.count(f"gateway.page.{action}")
    if not order.redirect_url or order.result is None:
        return _result_page(order)
    return Response(302, b"", {"Location": redirect_location(order, order.result)})
