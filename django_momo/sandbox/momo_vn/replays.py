"""Idempotency of the MoMo Vietnam sandbox: what a re-used requestId is answered, and remembering.

The rules are listed in ``protocol.py`` (section "Idempotency"); they hold for the disbursement and
the payment-gateway requests alike (one requestId space per partner). Callers hold the protocol's
lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..frame.ledger import body_digest
from ..frame.web import Request, Response
from .codes import PENDING_CODES, http_status, is_final
from .payouts import Payout, Remembered
from .wire import PROVIDER, answer

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol


def replayed(
    protocol: MomoVnProtocol, request: Request, data: dict[str, Any], operation: str, print_: str
) -> Response | None:
    """The answer to a re-used requestId, or ``None`` when it is new. Hold the lock."""
    record = protocol.records.get((data["partnerCode"], data["requestId"]))
    if record is None:
        return None
    digest = body_digest(request.body)
    if digest != record.digest and print_ != record.fingerprint:
        protocol.count("result.40")
        protocol.state.ledger.note_violation(
            "reference_reused_with_other_body",
            provider=PROVIDER,
            reference=data["requestId"],
            account=data["partnerCode"],
            operation=operation,
            first_operation=record.operation,
            first_body_digest=record.digest,
            body_digest=digest,
        )
        return answer(protocol.base_body(data, 40, data["lang"]), http_status(40))
    protocol.count("replays" if digest == record.digest else "replays_reencrypted")
    payout = record.payout
    if _booked(record) and protocol.state.faults.check("replay_unknown", PROVIDER):
        # The payout (order, refund) stays as it is: only this answer is lost in an "Unknown
        # error".
        protocol.count("faults.replay_unknown")
        protocol.count("result.99")
        return answer(protocol.base_body(data, 99, data["lang"]), http_status(99))
    if payout is not None and payout.result_code in PENDING_CODES:
        body = protocol.base_body(data, 7000, data["lang"])
        body.update(amount=payout.amount, transId=payout.trans_id)
        return answer(body, 422)
    if not is_final(record.answer["resultCode"]):
        # MoMo: only answers with "Final status: Yes" are given again.
        protocol.count("result.40")
        return answer(protocol.base_body(data, 40, data["lang"]), http_status(40))
    return answer(record.answer, record.status)


# Gateway operations that book when they answer 0 (``gateway.py``); a pay request books when
# it has a payout.
BOOKING_OPERATIONS = ("create", "refund")


def _booked(record: Remembered) -> bool:
    """True when the remembered request booked something (a payout, an order, a refund)."""
    if record.payout is not None:
        return True
    return record.operation in BOOKING_OPERATIONS and record.answer.get("resultCode") == 0


def remember(
    protocol: MomoVnProtocol,
    request: Request,
    data: dict[str, Any],
    operation: str,
    print_: str,
    body: dict[str, Any],
    status: int,
    payout: Payout | None = None,
) -> None:
    """Keep this request's answer under its (partnerCode, requestId). Hold the lock."""
    protocol.records[(data["partnerCode"], data["requestId"])] = Remembered(
        operation, body_digest(request.body), print_, status, body, payout
    )
