"""What a MoMo answer with a ``resultCode`` means: one rule for payouts, orders and refunds.

Part of the MoMo adapter (``momo_vn.py`` for payouts, ``momo_vn_gateway.py`` for payment orders
and refunds): an answer about another request is never applied; a "request refused" code (or,
for a refund, 1081 "refund rejected, maybe already refunded") on a re-send, or after an attempt
that went unanswered, proves nothing about the first request: UNKNOWN, never FAILED.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_momo.models import Payment, PaymentStatus
from django_momo.providers.base import AnswerMismatch, ProviderError, redact_mapping
from django_momo.providers.momo_vn.result_codes import Kind, lookup
from django_momo.services.answers import OUTCOME_STATUS, Answer, error_data, submit_error_answer

S = PaymentStatus

# Refund refusals that a re-send of an already booked refund could get (momo_vn.md §4.4).
RESENT_REFUND = frozenset({1081})


def result_answer(
    payment: Payment, result: Any, *, first: bool, what: str, mismatch: str
) -> Answer:
    """What ``result`` (a payout, order or refund answer) means; ``mismatch`` is what in it
    contradicts the record ("" when nothing does)."""
    status = OUTCOME_STATUS[result.outcome]
    data = {
        "result_code": result.result_code,
        "http_status": result.http_status,
        "response": redact_mapping(result.raw),
    }
    reason = f"MoMo {what + ' ' if what else ''}{result.result_code}: {result.message}"
    if mismatch:
        reason = f"{reason}: does not match: {mismatch}"
        return Answer(S.UNKNOWN, reason[:500], data, mismatch=mismatch)
    resent = not first or result.ambiguous
    if (
        status == S.FAILED
        and resent
        and lookup(result.result_code).kind in (Kind.REQUEST, Kind.AUTH)
    ):
        # "Request refused" on a re-send says nothing of the first request, which may have landed.
        status = S.UNKNOWN
        reason = f"{reason} (refused on a re-send: proves nothing)"
    elif status == S.FAILED and resent and what == "refund" and result.result_code in RESENT_REFUND:
        # After a lost attempt this is what our own first request would cause: the query decides.
        status = S.UNKNOWN
        reason = f"{reason} (on a re-send: maybe refunded by the first attempt)"
    fields: dict[str, Any] = {}
    if status == S.FAILED:
        fields.update(failure_code=str(result.result_code), failure_message=result.message[:2000])
    return Answer(status, reason[:500], data, fields)


def call_answer(
    payment: Payment,
    call: Callable[[], Any],
    *,
    first: bool,
    what: str,
    mismatch_of: Callable[[Payment, Any], str],
) -> tuple[Answer, Any]:
    """Make ``call()`` (a send or re-send) and say what its answer means, with the answer."""
    try:
        result = call()
    except AnswerMismatch as exc:
        reason = f"answer about another {what or 'payout'}: {exc.message}"
        return Answer(S.UNKNOWN, reason[:500], error_data(exc), mismatch=exc.message), None
    except ProviderError as exc:
        return submit_error_answer(exc, first=first), None
    mismatch = mismatch_of(payment, result)
    return result_answer(payment, result, first=first, what=what, mismatch=mismatch), result
