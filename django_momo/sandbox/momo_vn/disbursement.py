"""MoMo Vietnam sandbox disbursement operations: checkWallet (verify), balance and pay.

Each is called by ``MomoVnProtocol.handle`` once partner, required fields and signature passed;
the answers and faults are listed in ``protocol.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..frame.ledger import body_digest
from ..frame.web import DropConnection, Request, Response
from .checks import (
    check_amount,
    check_order_group,
    check_pay_texts,
    check_request_type,
    check_wallet_method,
)
from .codes import PENDING_CODES, http_status, ledger_status, magic_verify_code
from .payouts import Payout, fingerprint, pay_answer, receiver_of
from .replays import remember, replayed
from .wire import PROVIDER, answer

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol


def verify(protocol: MomoVnProtocol, request: Request, data: dict[str, Any], lang: str) -> Response:
    """checkWallet: the magic wallets' codes, 0 for any other wallet; nothing booked."""
    check_request_type(data, ("checkWallet",))
    method = protocol.decrypt(data)
    wallet_id = check_wallet_method(method, paying=False)
    print_ = fingerprint("verify", data, method)
    code = magic_verify_code(wallet_id)
    with protocol.lock:
        replay = replayed(protocol, request, data, "verify", print_)
        if replay is not None:
            return replay
        protocol.count(f"result.{code}")
        body = protocol.base_body(data, code, lang)
        remember(protocol, request, data, "verify", print_, body, http_status(code))
    return answer(body, http_status(code))


def balance(
    protocol: MomoVnProtocol, request: Request, data: dict[str, Any], lang: str
) -> Response:
    """The merchant's disbursement balance (VND)."""
    check_order_group(data)
    print_ = fingerprint("balance", data, None)
    with protocol.lock:
        replay = replayed(protocol, request, data, "balance", print_)
        if replay is not None:
            return replay
        protocol.count("result.0")
        body = protocol.base_body(data, 0, lang)
        body.update(amount=protocol.balance, currency="VND")
        remember(protocol, request, data, "balance", print_, body, 200)
    return answer(body, 200)


def pay(protocol: MomoVnProtocol, request: Request, data: dict[str, Any], lang: str) -> Response:
    """disburseToWallet / disburseToBank: book the payout, answer, send or schedule its IPN."""
    request_type = check_request_type(data, ("disburseToWallet", "disburseToBank"))
    amount = check_amount(data["amount"], request_type)
    ipn_url = check_pay_texts(data)
    method = protocol.decrypt(data)
    receiver = receiver_of(request_type, method)
    code, operation = receiver.code, receiver.operation
    print_ = fingerprint("pay", data, method)
    partner, order_id, request_id = data["partnerCode"], data["orderId"], data["requestId"]
    with protocol.lock:
        replay = replayed(protocol, request, data, "pay", print_)
        if replay is not None:
            return replay
        refused = (partner, order_id) in protocol.orders
        if not refused and protocol.state.faults.check("refuse_order", PROVIDER):
            protocol.count("faults.refuse_order")
            refused = True
        if refused:  # remembered: 41 is not final, so a re-send answers 40
            protocol.count("result.41")
            body = protocol.base_body(data, 41, lang)
            remember(protocol, request, data, "pay", print_, body, http_status(41))
            return answer(body, http_status(41))
        if protocol.state.faults.check("error_before_booking", PROVIDER):
            protocol.count("faults.error_before_booking")
            return answer(protocol.base_body(data, 10, lang), 503)
        if (code == 0 or code in PENDING_CODES) and amount > protocol.balance:
            code = 1100
        trans_id = next(protocol.trans_ids)
        entry = protocol.state.ledger.book(
            PROVIDER,
            operation,
            request_id,
            account=partner,
            external_id=order_id,
            amount=str(amount),
            currency="VND",
            party=receiver.party,
            status=ledger_status(code),
            body_digest=body_digest(request.body),
            reason=None if ledger_status(code) != "FAILED" else str(code),
            financial_transaction_id=str(trans_id),
            extra={"resultCode": code, "requestType": request_type},
        )
        payout = Payout(
            partner,
            order_id,
            request_id,
            request_type,
            amount,
            data["orderInfo"] or "",
            data["extraData"] or "",
            ipn_url,
            lang,
            trans_id,
            code,
            receiver.user_id,
            entry,
        )
        if ledger_status(code) != "FAILED":
            protocol.balance -= amount
        protocol.orders[(partner, order_id)] = payout
        body = pay_answer(payout, protocol.balance)
        remember(protocol, request, data, "pay", print_, body, 200, payout)
        protocol.count(f"result.{code}")
        if code not in PENDING_CODES:
            protocol.send_ipn(payout)
        elif code == 7000:
            protocol.state.callbacks.call_later(
                protocol.pending_seconds, lambda: protocol.settle_quietly(payout)
            )
    if protocol.state.faults.check("lost_after_booking", PROVIDER):
        protocol.count("faults.lost_after_booking")
        raise DropConnection()
    return answer(body, 200)
