"""The MoMo Vietnam sandbox's memory: remembered requests (idempotency), payouts and their IPNs."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from ..frame.ledger import Entry
from .checks import check_bank_method, check_wallet_method, mask
from .codes import BANK_CODES, magic_pay_code, message
from .crypto import SIGNED_FIELDS, sign, wire_text

ORDER_TYPE = "momo_disbursement"
TAMPERS = ("none", "signature", "amount", "missing_field")


def now_ms() -> int:
    """MoMo's ``responseTime``: milliseconds since the epoch."""
    return int(time.time() * 1000)


@dataclass
class Payout:
    """One accepted pay request, final or not."""

    partner_code: str
    order_id: str
    request_id: str
    request_type: str
    amount: int
    order_info: str
    extra_data: str
    ipn_url: str
    lang: str
    trans_id: int
    result_code: int
    partner_user_id: str
    entry: Entry
    last_updated: int = field(default_factory=now_ms)

    def as_dict(self) -> dict[str, Any]:
        """What the control API shows (no receiver details beyond the ledger's party)."""
        return {
            "orderId": self.order_id,
            "requestId": self.request_id,
            "requestType": self.request_type,
            "amount": self.amount,
            "transId": self.trans_id,
            "resultCode": self.result_code,
            "status": self.entry.status,
            "ipnUrl": self.ipn_url,
            "lastUpdated": self.last_updated,
        }


@dataclass
class Remembered:
    """A request kept under its requestId, so a re-send gets the same answer."""

    operation: str
    digest: str
    fingerprint: str
    status: int
    answer: dict[str, Any]
    payout: Payout | None = None


def fingerprint(operation: str, data: dict[str, Any], method: dict[str, Any] | None) -> str:
    """What makes two requests "the same" although their RSA ciphertexts differ.

    The operation, every signed field except ``disbursementMethod`` and ``signature``, and the
    decrypted receiver object.
    """
    signed = {
        name: wire_text(data.get(name))
        for name in SIGNED_FIELDS[operation]
        if name not in ("accessKey", "disbursementMethod")
    }
    text = json.dumps([operation, signed, method], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pay_answer(payout: Payout, balance: int) -> dict[str, Any]:
    """The synchronous answer to a pay request (no signature: MoMo documents none)."""
    return {
        "partnerCode": payout.partner_code,
        "orderId": payout.order_id,
        "requestId": payout.request_id,
        "amount": payout.amount,
        "transId": payout.trans_id,
        "responseTime": now_ms(),
        "message": message(payout.result_code, payout.lang),
        "resultCode": payout.result_code,
        "balance": balance,
    }


def ipn_body(
    payout: Payout, access_key: str, secret_key: str, tamper: str = "none"
) -> dict[str, Any]:
    """The signed IPN for the payout's current result, optionally tampered with after signing."""
    body: dict[str, Any] = {
        "partnerCode": payout.partner_code,
        "orderId": payout.order_id,
        "requestId": payout.request_id,
        "amount": payout.amount,
        "orderInfo": payout.order_info,
        "partnerUserId": payout.partner_user_id,
        "orderType": ORDER_TYPE,
        "transId": payout.trans_id,
        "resultCode": payout.result_code,
        "message": message(payout.result_code, payout.lang),
        "responseTime": now_ms(),
        "extraData": payout.extra_data,
    }
    body["signature"] = sign("ipn", body, access_key, secret_key)
    if tamper == "signature":
        flipped = "0" if body["signature"][0] != "0" else "1"
        body["signature"] = flipped + body["signature"][1:]
    elif tamper == "amount":
        body["amount"] = payout.amount + 1_000
    elif tamper == "missing_field":
        del body["transId"]
    return body


def encode_json(data: dict[str, Any]) -> bytes:
    """JSON as MoMo sends it: UTF-8, Vietnamese text unescaped."""
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@dataclass
class Receiver:
    """Who a payout goes to: ledger operation and party, the result it ends in, MoMo's user id."""

    operation: str
    party: dict[str, Any]
    code: int
    user_id: str


def receiver_of(request_type: str, method: dict[str, Any]) -> Receiver:
    """Validate the decrypted ``disbursementMethod`` and pick the payout's result."""
    if request_type == "disburseToWallet":
        wallet_id = check_wallet_method(method, paying=True)
        party = {
            "type": "wallet",
            "walletId": wallet_id,
            "walletName": method.get("walletName") or "",
        }
        # partnerUserId: an opaque, stable id per wallet, as MoMo's own ids are.
        user_id = hashlib.sha256(wallet_id.encode()).hexdigest()[:20]
        return Receiver("disbursement.pay_wallet", party, magic_pay_code(wallet_id, None), user_id)
    kind, number, bank_code = check_bank_method(method)
    party = {
        "type": "bank",
        "bankCode": bank_code,
        kind: mask(number),
        "bankAccountHolderName": method["bankAccountHolderName"],
    }
    code = magic_pay_code(None, number) if bank_code in BANK_CODES else 1507
    return Receiver("disbursement.pay_bank", party, code, "")
