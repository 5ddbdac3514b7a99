"""Typed requests and answers of the MoMo Disbursement client."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django_momo.providers.base import InvalidInputError, Outcome

PAY_PATH = "/v2/gateway/api/disbursement/pay"
VERIFY_PATH = "/v2/gateway/api/disbursement/verify"
BALANCE_PATH = "/v2/gateway/api/disbursement/balance"

WALLET = "disburseToWallet"
BANK = "disburseToBank"
CHECK_WALLET = "checkWallet"


def _ms_to_datetime(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=UTC)


@dataclass(frozen=True)
class PreparedRequest:
    """A validated, encrypted and signed payout, ready to send and to re-send byte for byte.

    MoMo's RSA ciphertext is random per encryption, so the exact ``body`` is stored before the
    first send; resolving an unknown outcome means sending this same body again.
    """

    path: str
    request_id: str
    order_id: str
    request_type: str
    amount: Decimal
    body: bytes = field(repr=False)

    @classmethod
    def from_body(cls, body: bytes | str, path: str = PAY_PATH) -> PreparedRequest:
        """Rebuild a prepared payout from its stored body (no re-encryption, no re-signing)."""
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        try:
            data: Any = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInputError("body", "is not the JSON of a prepared request") from None
        if not isinstance(data, dict):
            raise InvalidInputError("body", "is not the JSON of a prepared request")
        for name in ("requestId", "orderId", "requestType", "amount", "signature"):
            if name not in data:
                raise InvalidInputError("body", f"has no {name}: not a prepared payout")
        amount = data["amount"]
        if isinstance(amount, bool) or not isinstance(amount, (int, str)):
            raise InvalidInputError("body", "has a non-integer amount")
        try:
            value = Decimal(amount)
        except ArithmeticError:
            raise InvalidInputError("body", "has a non-integer amount") from None
        return cls(
            path=path,
            request_id=str(data["requestId"]),
            order_id=str(data["orderId"]),
            request_type=str(data["requestType"]),
            amount=value,
            body=raw,
        )


@dataclass(frozen=True)
class DisbursementResult:
    """MoMo's answer to a payout; ``outcome`` is what it means for the money."""

    request_id: str
    order_id: str
    result_code: int
    message: str
    outcome: Outcome
    final: bool  # MoMo's own "final status" column for this code
    http_status: int
    trans_id: int | None = None
    amount: Decimal | None = None
    balance: Decimal | None = None
    response_time: int | None = None  # milliseconds since the epoch, as MoMo sends it
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # True when an earlier attempt of this send got no answer: it may have been processed, so a
    # "request refused" code now (20, 41, 11 ...) proves nothing about the payout.
    ambiguous: bool = False

    @property
    def responded_at(self) -> datetime | None:
        """``response_time`` as an aware UTC datetime."""
        return _ms_to_datetime(self.response_time)


@dataclass(frozen=True)
class WalletCheck:
    """The answer to ``checkWallet``: can this wallet receive a payout now?"""

    request_id: str
    order_id: str
    result_code: int
    message: str
    eligible: bool
    http_status: int
    response_time: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Balance:
    """The merchant's disbursement balance."""

    request_id: str
    order_id: str
    amount: Decimal
    currency: str
    result_code: int
    message: str
    response_time: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
