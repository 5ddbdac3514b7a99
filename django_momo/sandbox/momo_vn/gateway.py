"""MoMo Vietnam sandbox payment gateway: create, query and refund of one-time payments.

Each operation is called by ``MomoVnProtocol.handle`` once partner, required fields and signature
passed; the contract (answers, codes, faults) is listed in ``protocol.py``. Orders are settled by
the payment page (``gateway_page.py``), the control API (``gateway_control.py``) or their expiry.

Sources: create, developers.momo.vn/v3/docs/payment/api/wallet/onetime (.../atm/onetime,
.../credit/onetime); query, .../payment-api/query; refund, .../payment-api/refund ("orderId (new)
of the refund transaction which must be different from orderId of the original purchase";
1,000-50,000,000 VND, 10,000 minimum for domestic ATM; only for successful payments, partial
refunds allowed); result codes and their finality, .../result-handling/resultcode; IPN and
redirect, .../result-handling/notification ("Whenever a payment process is completed, we notify
you of the event and whether it was successful or not").
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from ..frame.ledger import body_digest
from ..frame.web import DropConnection, Request, Response
from .checks import (
    Rejection,
    check_amount_within,
    check_order_group,
    check_pay_texts,
    check_request_type,
    check_url,
    check_whole_number,
    require_text,
)
from .codes import (
    GATEWAY_LIMITS,
    ORDER_WAITING,
    REFUND_ATM_MINIMUM,
    REFUND_LIMITS,
    http_status,
    order_ledger_status,
)
from .crypto import wire_text
from .gateway_orders import (
    GATEWAY_SIGNED,
    PAY_TYPES,
    GatewayOrder,
    Refund,
    create_answer,
    now_ms,
    result_body,
    tampered,
)
from .payouts import encode_json
from .payouts import fingerprint as payout_fingerprint
from .replays import remember, replayed
from .wire import JSON_TYPE, PROVIDER, answer

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol

REQUEST_TYPES = tuple(GATEWAY_LIMITS)


def fingerprint(operation: str, data: dict[str, Any]) -> str:
    """What makes two gateway requests "the same": every field but ``signature``, the signed
    ones as they are signed (so ``"amount": "50000"`` and ``50000`` are one request)."""
    signed = set(GATEWAY_SIGNED[operation])
    fields = {
        name: wire_text(value) if name in signed else value
        for name, value in data.items()
        if name != "signature"
    }
    text = json.dumps([operation, fields], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def base_url(request: Request) -> str:
    """This sandbox's own address as the client reached it (for ``payUrl``)."""
    return "http://" + (request.headers.get("Host") or "127.0.0.1")


def order_id_taken(protocol: MomoVnProtocol, partner: str, order_id: str) -> bool:
    """True when a payout, an order or a refund of ``partner`` has this orderId. Hold the lock."""
    return (partner, order_id) in protocol.orders or protocol.gateway.taken(partner, order_id)


def _refused_order(
    protocol: MomoVnProtocol,
    request: Request,
    data: dict[str, Any],
    operation: str,
    print_: str,
    lang: str,
) -> Response | None:
    """41 (remembered, so a re-send answers 40) for a used orderId or the ``refuse_order``
    fault; ``None`` otherwise. Hold the lock."""
    refused = order_id_taken(protocol, data["partnerCode"], data["orderId"])
    if not refused and protocol.state.faults.check("refuse_order", PROVIDER):
        protocol.count("faults.refuse_order")
        refused = True
    if not refused:
        return None
    protocol.count("result.41")
    body = protocol.base_body(data, 41, lang)
    remember(protocol, request, data, operation, print_, body, http_status(41))
    return answer(body, http_status(41))


def _error_before_booking(protocol: MomoVnProtocol) -> bool:
    if protocol.state.faults.check("error_before_booking", PROVIDER):
        protocol.count("faults.error_before_booking")
        return True
    return False


def _lost_after_booking(protocol: MomoVnProtocol) -> None:
    if protocol.state.faults.check("lost_after_booking", PROVIDER):
        protocol.count("faults.lost_after_booking")
        raise DropConnection()


# -- create ----------------------------------------------------------------------------------------
def create(protocol: MomoVnProtocol, request: Request, data: dict[str, Any], lang: str) -> Response:
    """Accept a one-time payment: book the order (waiting, 1000) and answer its payUrl."""
    request_type = check_request_type(data, REQUEST_TYPES)
    amount = check_amount_within(data["amount"], *GATEWAY_LIMITS[request_type])
    ipn_url = check_pay_texts(data)
    require_text(data, "orderInfo")
    redirect_url = check_url(data, "redirectUrl", allow_empty=True, app_links=True)
    auto_capture = data.get("autoCapture", True)
    if auto_capture is not True:
        # MoMo: autoCapture defaults to true; false is the two-step flow (9000, then
        # /v2/gateway/api/confirm), which this sandbox does not simulate.
        raise Rejection(
            20, "autoCapture", "autoCapture must be true (two-step capture is not simulated)."
        )
    check_order_group(data)
    print_ = fingerprint("create", data)
    partner, order_id, request_id = data["partnerCode"], data["orderId"], data["requestId"]
    with protocol.lock:
        replay = replayed(protocol, request, data, "create", print_)
        if replay is not None:
            return replay
        refused = _refused_order(protocol, request, data, "create", print_, lang)
        if refused is not None:
            return refused
        if _error_before_booking(protocol):
            return answer(protocol.base_body(data, 10, lang), 503)
        entry = protocol.state.ledger.book(
            PROVIDER,
            "gateway.order",
            request_id,
            account=partner,
            external_id=order_id,
            amount=str(amount),
            currency="VND",
            party={"type": "payer", "requestType": request_type},
            status=order_ledger_status(ORDER_WAITING),
            body_digest=body_digest(request.body),
            extra={"kind": "order", "resultCode": ORDER_WAITING, "requestType": request_type},
        )
        book = protocol.gateway
        order = GatewayOrder(
            partner,
            order_id,
            request_id,
            request_type,
            amount,
            data["orderInfo"],
            data["extraData"] or "",
            redirect_url,
            ipn_url,
            lang,
            entry,
            expires_at=time.time() + book.validity_seconds,
        )
        book.orders[(partner, order_id)] = order
        body = create_answer(order, base_url(request), *protocol.signing_keys())
        remember(protocol, request, data, "create", print_, body, 200)
        protocol.count("result.0")
        protocol.state.callbacks.call_later(
            book.validity_seconds, lambda: expire_if_due(protocol, order)
        )
    _lost_after_booking(protocol)
    return answer(body, 200)


# -- query -----------------------------------------------------------------------------------------
def query_order(
    protocol: MomoVnProtocol, order: GatewayOrder, data: dict[str, Any], lang: str
) -> Response:
    """The order's current result: 1000 while waiting, then 0 or its failure code."""
    if protocol.state.faults.check("status_error", PROVIDER):
        protocol.count("faults.status_error")
        return answer(protocol.base_body(data, 10, lang), 500)
    with protocol.lock:
        expire_if_due(protocol, order)
        body = protocol.base_body(data, order.result_code, lang)
        body.update(
            extraData=order.extra_data,
            amount=order.amount,
            transId=order.trans_id,
            payType=order.pay_type,
            refundTrans=[refund.refund_trans() for refund in order.refunds],
            paymentOption="momo" if order.result_code == 0 else "",
            lastUpdated=order.last_updated,
        )
    return answer(body, 200)


# -- refund ----------------------------------------------------------------------------------------
def refund(protocol: MomoVnProtocol, request: Request, data: dict[str, Any], lang: str) -> Response:
    """Refund part or all of a paid order under a new orderId."""
    amount = check_amount_within(data["amount"], *REFUND_LIMITS)
    trans_id = check_whole_number(data, "transId")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise Rejection(20, "description", "description must be a string.")
    if len(description or "") > 255:
        raise Rejection(20, "description", "description must be at most 255 characters.")
    print_ = fingerprint("refund", data)
    partner, order_id, request_id = data["partnerCode"], data["orderId"], data["requestId"]
    with protocol.lock:
        replay = replayed(protocol, request, data, "refund", print_)
        if replay is not None:
            return replay
        refused = _refused_order(protocol, request, data, "refund", print_, lang)
        if refused is not None:
            return refused
        if _error_before_booking(protocol):
            return answer(protocol.base_body(data, 10, lang), 503)
        book = protocol.gateway
        original = book.by_trans_id.get(trans_id)
        if original is None or original.partner_code != partner:
            raise Rejection(42, "transId", "transId is not a payment of this partner.")
        code = 0
        if original.result_code != 0:
            code = 1088  # MoMo refunds "successful transactions (resultCode 0)" only
        elif original.request_type == "payWithATM" and amount < REFUND_ATM_MINIMUM:
            raise Rejection(
                22, "amount", f"amount must be at least {REFUND_ATM_MINIMUM} VND (ATM payment)."
            )
        elif original.refunded + amount > original.amount:
            code = 1081  # more than is left to refund
        body = protocol.base_body(data, code, lang)
        body["amount"] = amount
        if code != 0:  # final: remembered, a re-send gets it again; nothing booked
            protocol.count(f"result.{code}")
            remember(protocol, request, data, "refund", print_, body, http_status(code))
            return answer(body, http_status(code))
        refund_trans_id = next(protocol.trans_ids)
        entry = protocol.state.ledger.book(
            PROVIDER,
            "gateway.refund",
            request_id,
            account=partner,
            external_id=order_id,
            amount=str(amount),
            currency="VND",
            party={"type": "refund", "orderId": original.order_id, "transId": trans_id},
            status="SUCCESSFUL",
            body_digest=body_digest(request.body),
            financial_transaction_id=str(refund_trans_id),
            extra={"kind": "refund", "resultCode": 0, "originalOrderId": original.order_id},
        )
        item = Refund(
            partner,
            order_id,
            request_id,
            amount,
            refund_trans_id,
            description or "",
            original,
            entry,
        )
        original.refunds.append(item)
        original.last_updated = now_ms()
        book.refunds[(partner, order_id)] = item
        protocol.state.ledger.update(
            original.entry, extra=dict(original.entry.extra, refunded=original.refunded)
        )
        body["transId"] = refund_trans_id
        remember(protocol, request, data, "refund", print_, body, 200)
        protocol.count("result.0")
    _lost_after_booking(protocol)
    return answer(body, 200)


# -- disbursement pay under a gateway orderId -----------------------------------------------------
def refuse_pay_on_gateway_order(
    protocol: MomoVnProtocol, request: Request, data: dict[str, Any], lang: str
) -> Response | None:
    """41 for a new pay request whose orderId an order or refund holds (orderIds are one space
    per partner, as ``/v2/gateway/api/query`` looks both up); ``None`` otherwise."""
    partner = data["partnerCode"]
    with protocol.lock:
        if (partner, data["requestId"]) in protocol.records or not protocol.gateway.taken(
            partner, data["orderId"]
        ):
            return None  # a re-send, or an orderId of no order: ``disbursement.pay`` decides
    print_ = payout_fingerprint("pay", data, protocol.decrypt(data))
    with protocol.lock:
        protocol.count("result.41")
        body = protocol.base_body(data, 41, lang)
        remember(protocol, request, data, "pay", print_, body, http_status(41))
    return answer(body, http_status(41))


# -- settling, expiry and IPNs ---------------------------------------------------------------------
def settle_order(
    protocol: MomoVnProtocol, order: GatewayOrder, code: int, *, notify: bool = True
) -> bool:
    """Make a waiting order final with ``code`` (0 pays) and send its IPN unless ``notify`` is
    false; False when it is final already (or forgotten by a reset)."""
    with protocol.lock:
        if order.result_code != ORDER_WAITING:
            return False
        book = protocol.gateway
        if book.orders.get((order.partner_code, order.order_id)) is not order:
            return False
        order.result_code = code
        order.trans_id = next(protocol.trans_ids)
        order.pay_type = PAY_TYPES[order.request_type] if code == 0 else ""
        order.last_updated = now_ms()
        book.by_trans_id[order.trans_id] = order
        status = order_ledger_status(code)
        protocol.state.ledger.update(
            order.entry,
            status=status,
            reason=None if code == 0 else str(code),
            financial_transaction_id=str(order.trans_id),
            party=dict(order.entry.party, payType=order.pay_type),
            extra=dict(order.entry.extra, resultCode=code),
        )
        order.result = result_body(order, *protocol.signing_keys())
        protocol.count(f"gateway.settled.{code}")
        if notify:
            send_order_ipn(protocol, order)
    return True


def expire_if_due(protocol: MomoVnProtocol, order: GatewayOrder) -> None:
    """Settle a waiting order whose validity has passed to 1005 (with its IPN)."""
    if order.result_code == ORDER_WAITING and time.time() >= order.expires_at:
        settle_order(protocol, order, 1005)


def send_order_ipn(
    protocol: MomoVnProtocol,
    order: GatewayOrder,
    tamper: str = "none",
    url: str | None = None,
    forged: bool = False,
) -> bytes:
    """POST the order's signed result to its ``ipnUrl`` (or ``url``) through the callback
    dispatcher; returns the body sent. Forged IPNs skip the callback misbehaviour settings."""
    with protocol.lock:
        signed = order.result or result_body(order, *protocol.signing_keys())
        body = encode_json(tampered(signed, tamper))
        protocol.count("ipn_forged" if forged else "ipn_sent")
        protocol.state.callbacks.send(
            url or order.ipn_url,
            body=body,
            method="POST",
            headers={"Content-Type": JSON_TYPE},
            provider=PROVIDER,
            reference=order.request_id,
            apply_faults=not forged,
        )
    return body
