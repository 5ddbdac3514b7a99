"""Sending and resolving any payment (transfer, collection, refund): the two-phase protocol.

Phase 1 commits ``created -> sending`` with the provider reference (and, for MoMo, the exact
request body) already stored. The HTTP call then runs outside any transaction, holding no lock.
Phase 2 commits the answer with a compare-and-set from ``sending``. A process that dies between
the phases leaves a ``sending`` row that ``refresh_payment`` resolves by asking about the same
reference, never by sending under a new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from django_momo.conf import momo_settings
from django_momo.models import (
    FINAL_STATUSES,
    Attention,
    Callback,
    Payment,
    PaymentStatus,
    Provider,
)
from django_momo.providers.base import (
    AnswerMismatch,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    Outcome,
    ProviderError,
    RejectedError,
    SubmissionState,
    TransientError,
    redact_mapping,
)
from django_momo.providers.momo_vn.result_codes import Kind, lookup
from django_momo.providers.momo_vn.results import DisbursementResult
from django_momo.providers.mtn import TransactionResult
from django_momo.services import gateways
from django_momo.services.approvals import awaiting_approval, valid_approvals
from django_momo.services.attention import flag
from django_momo.services.crash import crash_point
from django_momo.services.errors import InvalidRequest, InvalidTransition
from django_momo.services.transitions import (
    SENDING_GRACE,
    load,
    next_check_at,
    schedule_check,
    touch,
    transition,
)

logger = logging.getLogger("django_momo")

S = PaymentStatus
P = TypeVar("P", bound=Payment)

UNRESOLVED = frozenset({S.SENDING, S.UNKNOWN, S.PENDING})

_OUTCOME_STATUS = {
    Outcome.SUCCESSFUL: S.SUCCESSFUL,
    Outcome.FAILED: S.FAILED,
    Outcome.PENDING: S.PENDING,
    Outcome.UNKNOWN: S.UNKNOWN,
}


@dataclass
class Answer:
    """What a provider answer means: the status to move to ("" = no change) and what to store."""

    status: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    # Non-empty when the answer is about another payment than ours: never applied, flagged.
    mismatch: str = ""


def _error_data(exc: ProviderError) -> dict[str, Any]:
    # Provider errors are redacted by the clients; keep only what helps an operator.
    return {
        "error": type(exc).__name__,
        "message": str(exc)[:500],
        "http_status": exc.http_status,
        "code": exc.code,
    }


def _failed(exc: ProviderError, why: str) -> Answer:
    code = (exc.code or type(exc).__name__)[:64]
    return Answer(
        S.FAILED,
        f"{why}: {exc.message}"[:500],
        _error_data(exc),
        {"failure_code": code, "failure_message": exc.message[:2000]},
    )


# --- send ----------------------------------------------------------------------------------------


def release_for_sending(model: type[Payment], ids: list[int]) -> int:
    """Mark created payments as meant to be sent (not held); returns how many changed.

    Called in the transaction that enqueues their send: if that enqueue is lost, the reconcile
    sweep finds them (created, not held, older than ``UNSENT_AFTER``) and sends them.
    """
    if not ids:
        return 0
    qs = model._default_manager.filter(pk__in=ids, status=S.CREATED, held=True)
    # A payment still awaiting approvals stays held: it is sent once approved, by a send.
    ready = [p.pk for p in qs.filter(approvals_required__gt=0) if not awaiting_approval(p)]
    count = qs.filter(approvals_required=0).update(held=False, updated_at=timezone.now())
    return count + qs.filter(pk__in=ready).update(held=False, updated_at=timezone.now())


def send_payment(model: type[P], pk: int, *, actor: str) -> P:
    """Send a ``created`` payment once; any other status returns the row unchanged, no HTTP call."""
    payment = load(model, pk)
    if payment.status != S.CREATED:
        logger.info("%s %s not sent: already %s", model._meta.model_name, pk, payment.status)
        return payment
    if awaiting_approval(payment):
        raise InvalidTransition(
            f"{model._meta.model_name} {pk} is not approved yet: it needs "
            f"{payment.approvals_required} approvals ({valid_approvals(payment)} valid)",
            status=payment.status,
        )
    prepared = None
    fields: dict[str, Any] = {}
    if payment.provider == Provider.MOMO_VN:
        try:
            prepared = gateways.prepare_momo(payment)
        except InvalidInputError as exc:
            raise InvalidRequest(exc.field, exc.message.removeprefix(f"{exc.field}: ")) from None
        fields["request_body"] = prepared.body.decode("utf-8")
    now = timezone.now()
    fields.update(attempts=F("attempts") + 1, sent_at=now, next_check_at=now + SENDING_GRACE)
    # durable: the `sending` row must be committed before the request leaves.
    with transaction.atomic(durable=True):
        result = transition(
            model, pk, S.SENDING, actor=actor, reason="send", allowed_from={S.CREATED},
            fields=fields,
        )  # fmt: skip
    if not result.changed:
        logger.info("%s %s not sent: another worker sent it", model._meta.model_name, pk)
        return result.payment  # type: ignore[return-value]
    crash_point("send.after_phase1")
    sent = result.payment
    if sent.provider == Provider.MOMO_VN:
        assert prepared is not None
        answer = _momo_answer(sent, lambda: gateways.send_momo(sent, prepared), first=True)
    else:
        answer = _mtn_submit_answer(sent, first=True)
    crash_point("send.after_http")
    stored = _apply(model, sent, answer, actor=actor, allowed_from={S.SENDING})
    if stored.status == S.PENDING and _mtn_callback_arrived(sent):
        # The callback came while this row was still `sending`, so its status query was skipped
        # (phase 2 was ours to write). The provider has news: ask now instead of at the next check.
        return refresh_payment(model, pk, actor=actor)
    return stored


def _mtn_callback_arrived(payment: Payment) -> bool:
    """Whether an MTN callback for ``payment`` was recorded since it was sent (by URL token)."""
    if payment.provider != Provider.MTN or payment.sent_at is None:
        return False
    return Callback.objects.filter(
        token=payment.callback_token, received_at__gte=payment.sent_at
    ).exists()


# Refusals: on the first attempt of a send they prove that nothing was booked.
_REFUSALS = (RejectedError, AuthenticationError, ConfigurationError, InvalidInputError)


def _mtn_submit_answer(payment: Payment, *, first: bool) -> Answer:
    try:
        submission = gateways.submit_mtn(payment)
    except ProviderError as exc:
        return _submit_error_answer(exc, first=first)
    data = {"http_status": submission.http_status, "submission": str(submission.state)}
    if submission.state is SubmissionState.ALREADY_BOOKED:
        return Answer(S.PENDING, "already booked under this reference (409)", data)
    return Answer(S.PENDING, "accepted", data)


def _submit_error_answer(exc: ProviderError, *, first: bool) -> Answer:
    """What an error on a creating call means: FAILED only when it proves nothing was booked.

    A refusal proves it only on the first send, and only when no earlier attempt of that same
    call went unanswered (``exc.ambiguous``, set by the client that retried). Otherwise the
    payment may exist: UNKNOWN, resolved by a status query under the same reference.
    """
    if isinstance(exc, _REFUSALS):
        if first and not exc.ambiguous:
            why = "refused by the provider" if isinstance(exc, RejectedError) else "not accepted"
            return _failed(exc, why)
        when = "after an attempt that may have been booked" if exc.ambiguous else "on a re-send"
        return Answer(S.UNKNOWN, f"refused {when}: {exc.message}"[:500], _error_data(exc))
    return Answer(S.UNKNOWN, f"no answer: {exc.message}"[:500], _error_data(exc))


def momo_answer_mismatch(payment: Payment, result: DisbursementResult) -> str:
    """What in a MoMo payout answer contradicts the record ("" when nothing does)."""
    problems = []
    if result.request_id != payment.reference:
        problems.append(f"requestId {result.request_id!r} (ours {payment.reference!r})")
    if payment.order_id and result.order_id != payment.order_id:
        problems.append(f"orderId {result.order_id!r} (ours {payment.order_id!r})")
    moving = lookup(result.result_code).kind in (Kind.SUCCESS, Kind.IN_PROGRESS)
    if moving and result.amount is not None and result.amount != payment.amount:
        problems.append(f"amount {result.amount} (ours {payment.amount})")
    return "; ".join(problems)


def _momo_answer(payment: Payment, call: Any, *, first: bool) -> Answer:
    try:
        result: DisbursementResult = call()
    except AnswerMismatch as exc:
        return Answer(
            S.UNKNOWN, f"answer about another payout: {exc.message}"[:500], _error_data(exc),
            mismatch=exc.message,
        )  # fmt: skip
    except ProviderError as exc:
        return _submit_error_answer(exc, first=first)
    status = _OUTCOME_STATUS[result.outcome]
    data = {"result_code": result.result_code, "http_status": result.http_status,
            "response": redact_mapping(result.raw)}  # fmt: skip
    reason = f"MoMo {result.result_code}: {result.message}"
    mismatch = momo_answer_mismatch(payment, result)
    if mismatch:
        return Answer(S.UNKNOWN, f"{reason}: does not match: {mismatch}"[:500], data,
                      mismatch=mismatch)  # fmt: skip
    kind = lookup(result.result_code).kind
    if status == S.FAILED and kind in (Kind.REQUEST, Kind.AUTH) and (not first or result.ambiguous):
        # "Request refused" on a re-send says nothing of the first request, which may have paid.
        status = S.UNKNOWN
        reason = f"{reason} (refused on a re-send: proves nothing)"
    fields: dict[str, Any] = {}
    if result.trans_id is not None:
        fields["provider_transaction_id"] = str(result.trans_id)
    if status == S.FAILED:
        fields.update(failure_code=str(result.result_code), failure_message=result.message[:2000])
    return Answer(status, reason[:500], data, fields)


# --- refresh -------------------------------------------------------------------------------------


def refresh_payment(model: type[P], pk: int, *, actor: str, now: datetime | None = None) -> P:
    """Ask the provider about an unresolved payment under its own reference and store the answer."""
    payment = load(model, pk)
    if payment.status in FINAL_STATUSES or payment.status == S.CREATED:
        return payment
    if payment.attention == Attention.STOPPED:
        logger.info("%s %s not checked: automatic checks stopped", model._meta.model_name, pk)
        return payment
    now = now or timezone.now()
    sent_at = payment.sent_at or payment.created_at
    stale = now - sent_at >= SENDING_GRACE
    if payment.status == S.SENDING and not stale and not _mtn_callback_arrived(payment):
        # Its sender may be waiting for the answer right now: phase 2 is that sender's job.
        # A callback, though, proves MTN has news (and the sender may be dead): a status query
        # is read-only and phase 2 is a compare-and-set, so asking now is safe.
        return payment
    if payment.provider == Provider.MOMO_VN:
        max_age = timedelta(seconds=float(momo_settings.MOMO_REPLAY_MAX_AGE))
        if now - sent_at >= max_age:
            days = max_age.total_seconds() / 86400
            flag(
                model, pk, Attention.STOPPED,
                f"no final answer {days:g} days after it was sent: re-sends stopped (MoMo keeps "
                "a requestId about a month); wait for the IPN or resolve it by hand",
                actor=actor,
            )  # fmt: skip
            return load(model, pk)
        touch(model, pk, UNRESOLVED, attempts=F("attempts") + 1)
        answer = _momo_answer(payment, lambda: gateways.resend_momo(payment), first=False)
    else:
        answer = _mtn_resolve(model, payment, stale=stale)
    crash_point("refresh.after_http")
    if answer.status == S.UNKNOWN and (payment.status != S.SENDING or not stale):
        # Nothing learnt: a pending payment stays pending, and a young `sending` row stays
        # its sender's to settle (we only asked because a callback came).
        answer.status = ""
    return _apply(model, payment, answer, actor=actor, allowed_from=UNRESOLVED, now=now)


def _mtn_resolve(model: type[Payment], payment: Payment, *, stale: bool) -> Answer:
    try:
        result = gateways.query_mtn(payment)
    except NotFoundError as exc:
        if payment.status == S.PENDING or not stale:
            return Answer("", "not visible yet (404)", _error_data(exc))
        # Long after the send MTN still does not know the reference: send it again, same
        # reference and same body. 202 = booked now; 409 = it was booked after all.
        touch(model, payment.pk, UNRESOLVED, attempts=F("attempts") + 1)
        answer = _mtn_submit_answer(payment, first=False)
        if answer.status != S.PENDING:
            return answer
        # Booked now (202) or before (409): its status may already be final.
        try:
            settled = _mtn_status_answer(payment, gateways.query_mtn(payment))
        except ProviderError:
            return answer
        if settled.status in (S.SUCCESSFUL, S.FAILED):
            settled.reason = f"{answer.reason}; {settled.reason}"
            return settled
        return answer
    except TransientError as exc:
        return Answer(S.UNKNOWN, f"status query failed: {exc.message}"[:500], _error_data(exc))
    except ProviderError:
        schedule_check(model, payment.pk, UNRESOLVED, payment.status_checks)
        raise
    return _mtn_status_answer(payment, result)


def mtn_answer_mismatch(payment: Payment, result: TransactionResult) -> str:
    """What in an MTN status answer contradicts the record ("" when nothing does).

    Fields are conditional in MTN's answers, so only those present are compared.
    """
    problems = []
    if result.amount is not None and result.amount != payment.amount:
        problems.append(f"amount {result.amount} (ours {payment.amount})")
    if result.currency and result.currency.upper() != payment.currency:
        problems.append(f"currency {result.currency} (ours {payment.currency})")
    if result.external_id is not None and result.external_id != payment.external_id:
        problems.append(f"externalId {result.external_id!r} (ours {payment.external_id!r})")
    party = result.payee if result.payee is not None else result.payer
    if party is not None and party.party_id and party.party_id != payment.party_id:
        problems.append(f"party {party.party_id!r} (ours {payment.party_id!r})")
    return "; ".join(problems)


def _mtn_status_answer(payment: Payment, result: TransactionResult) -> Answer:
    data = {"status": result.raw_status, "response": redact_mapping(result.raw)}
    mismatch = mtn_answer_mismatch(payment, result)
    if mismatch:
        return Answer("", f"MTN status answer does not match: {mismatch}"[:500], data,
                      mismatch=mismatch)  # fmt: skip
    status = _OUTCOME_STATUS[result.outcome]
    fields: dict[str, Any] = {}
    if status == S.SUCCESSFUL and result.financial_transaction_id:
        fields["provider_transaction_id"] = result.financial_transaction_id[:64]
    if status == S.FAILED:
        fields.update(
            failure_code=(result.reason_code or "FAILED")[:64],
            failure_message=(result.reason_message or result.reason_code or "")[:2000],
        )
    reason = f"MTN status {result.raw_status or '?'}"
    if result.reason_code:
        reason += f" ({result.reason_code})"
    return Answer(status, reason, data, fields)


# --- storing an answer ---------------------------------------------------------------------------


def _apply(
    model: type[P],
    payment: Payment,
    answer: Answer,
    *,
    actor: str,
    allowed_from: frozenset[str] | set[str],
    now: datetime | None = None,
) -> P:
    now = now or timezone.now()
    pk = payment.pk
    checks = payment.status_checks
    name = model._meta.model_name
    if answer.mismatch:
        # Never applied: a `sending` row becomes `unknown` (its request did leave), and the
        # payment waits for an operator with its automatic checks stopped.
        answer.status = S.UNKNOWN if payment.status == S.SENDING else ""
        answer.fields = {}
    if answer.status and answer.status != payment.status:
        fields = dict(answer.fields)
        if answer.status not in FINAL_STATUSES:
            fields["next_check_at"] = next_check_at(checks, now)
        result = transition(
            model, pk, answer.status, actor=actor, reason=answer.reason,
            provider_data=answer.data, allowed_from=allowed_from, fields=fields,
        )  # fmt: skip
        if result.changed:
            if answer.mismatch:
                _flag_mismatch(model, pk, answer, actor)
                return load(model, pk)
            return result.payment  # type: ignore[return-value]
        if result.payment.status in FINAL_STATUSES:
            logger.warning(
                "%s %s is already %s: late answer ignored (%s)",
                name, pk, result.payment.status, answer.reason,
            )  # fmt: skip
            return result.payment  # type: ignore[return-value]
        payment = result.payment
    # No status change: remember that we asked, and when to ask next.
    schedule_check(model, pk, UNRESOLVED, checks, now)
    logger.info("%s %s stays %s: %s", name, pk, payment.status, answer.reason)
    if answer.mismatch:
        _flag_mismatch(model, pk, answer, actor)
    return load(model, pk)


def _flag_mismatch(model: type[Payment], pk: int, answer: Answer, actor: str) -> None:
    note = f"provider answer not applied, it does not match the record: {answer.mismatch}"
    flag(model, pk, Attention.MISMATCH, note, actor=actor)
