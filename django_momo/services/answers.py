"""What a provider answer means for a payment, and the one way such a meaning is stored.

An adapter (``services/adapters/``) turns a provider's reply, or its error, into an ``Answer``:
the status to move to (``""`` = no change), the reason written in the audit trail, the
redacted provider data, the fields to store and, when the reply is about another payment than
ours, a ``mismatch`` (never applied; the payment is flagged for an operator). ``apply_answer``
stores it with a compare-and-set, whatever the provider.
"""

from __future__ import annotations

import logging
from collections.abc import Collection as Container
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone

from django_momo.models import (
    FINAL_STATUSES,
    UNRESOLVED_STATUSES,
    Attention,
    Payment,
    PaymentStatus,
)
from django_momo.providers.base import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    Outcome,
    ProviderError,
    RejectedError,
)
from django_momo.services.attention import flag
from django_momo.services.transitions import load, next_check_at, schedule_check, transition

logger = logging.getLogger("django_momo")

S = PaymentStatus
P = TypeVar("P", bound=Payment)

OUTCOME_STATUS: dict[Outcome, str] = {
    Outcome.SUCCESSFUL: S.SUCCESSFUL,
    Outcome.FAILED: S.FAILED,
    Outcome.PENDING: S.PENDING,
    Outcome.UNKNOWN: S.UNKNOWN,
}

# Refusals: on the first attempt of a send they prove that nothing was booked.
REFUSALS = (RejectedError, AuthenticationError, ConfigurationError, InvalidInputError)


@dataclass
class Answer:
    """What a provider answer means: the status to move to ("" = no change) and what to store."""

    status: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    # Non-empty when the answer is about another payment than ours: never applied, flagged.
    mismatch: str = ""


def error_data(exc: ProviderError) -> dict[str, Any]:
    """What of a provider error is kept in the audit trail (the clients already redacted it)."""
    return {
        "error": type(exc).__name__,
        "message": str(exc)[:500],
        "http_status": exc.http_status,
        "code": exc.code,
    }


def failed(exc: ProviderError, why: str) -> Answer:
    """A refusal that proves nothing was booked: FAILED, with the provider's code and message."""
    code = (exc.code or type(exc).__name__)[:64]
    return Answer(
        S.FAILED,
        f"{why}: {exc.message}"[:500],
        error_data(exc),
        {"failure_code": code, "failure_message": exc.message[:2000]},
    )


def submit_error_answer(exc: ProviderError, *, first: bool) -> Answer:
    """What an error on a creating call means: FAILED only when it proves nothing was booked.

    A refusal proves it only on the first send, and only when no earlier attempt of that same
    call went unanswered (``exc.ambiguous``, set by the client that retried). Otherwise the
    payment may exist: UNKNOWN, resolved by a status query under the same reference.
    """
    if isinstance(exc, REFUSALS):
        if first and not exc.ambiguous:
            why = "refused by the provider" if isinstance(exc, RejectedError) else "not accepted"
            return failed(exc, why)
        when = "after an attempt that may have been booked" if exc.ambiguous else "on a re-send"
        return Answer(S.UNKNOWN, f"refused {when}: {exc.message}"[:500], error_data(exc))
    return Answer(S.UNKNOWN, f"no answer: {exc.message}"[:500], error_data(exc))


def apply_answer(
    model: type[P],
    payment: Payment,
    answer: Answer,
    *,
    actor: str,
    allowed_from: Container[str] = UNRESOLVED_STATUSES,
    now: datetime | None = None,
) -> P:
    """Store ``answer`` for ``payment``: one compare-and-set from ``allowed_from``, or no change.

    A status that does not change still counts a check and schedules the next one; an answer
    about another payment (``mismatch``) is never applied: a ``sending`` row becomes
    ``unknown`` (its request did leave) and the payment is flagged with its checks stopped.
    """
    now = now or timezone.now()
    pk = payment.pk
    checks = payment.status_checks
    name = model._meta.model_name
    if answer.mismatch:
        answer.status = S.UNKNOWN if payment.status == S.SENDING else ""
        answer.fields = {}
    if answer.status and answer.status != payment.status:
        fields = dict(answer.fields)
        if answer.status not in FINAL_STATUSES:
            fields["next_check_at"] = next_check_at(checks, now)
        result = transition(
            model,
            pk,
            answer.status,
            actor=actor,
            reason=answer.reason,
            provider_data=answer.data,
            allowed_from=set(allowed_from),
            fields=fields,
        )
        if result.changed:
            if answer.mismatch:
                _flag_mismatch(model, pk, answer, actor)
                return load(model, pk)
            return result.payment  # type: ignore[return-value]
        if result.payment.status in FINAL_STATUSES:
            logger.warning(
                "%s %s is already %s: late answer ignored (%s)",
                name,
                pk,
                result.payment.status,
                answer.reason,
            )
            return result.payment  # type: ignore[return-value]
        payment = result.payment
    # No status change: remember that we asked, and when to ask next.
    schedule_check(model, pk, UNRESOLVED_STATUSES, checks, now)
    logger.info("%s %s stays %s: %s", name, pk, payment.status, answer.reason)
    if answer.mismatch:
        _flag_mismatch(model, pk, answer, actor)
    return load(model, pk)


def _flag_mismatch(model: type[Payment], pk: int, answer: Answer, actor: str) -> None:
    note = f"provider answer not applied, it does not match the record: {answer.mismatch}"
    flag(model, pk, Attention.MISMATCH, note, actor=actor)
