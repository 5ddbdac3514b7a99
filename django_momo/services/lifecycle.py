"""Sending and resolving any payment (transfer, collection, refund): the two-phase protocol.

Phase 1 commits ``created -> sending`` with the provider reference (and whatever the adapter's
``prepare`` says must be stored first, e.g. MoMo's exact request body). The HTTP call then runs
outside any transaction, holding no lock. Phase 2 commits the answer with a compare-and-set from
``sending``. A process that dies between the phases leaves a ``sending`` row that
``refresh_payment`` resolves by asking about the same reference, never by sending under a new
one. What a provider's answer means is the adapter's to say (``services/adapters/``); this
module is the same for every provider.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from django_momo.models import (
    FINAL_STATUSES,
    Attention,
    Payment,
    PaymentStatus,
)
from django_momo.services.adapters import adapter_for
from django_momo.services.answers import apply_answer
from django_momo.services.approvals import awaiting_approval, valid_approvals
from django_momo.services.crash import crash_point
from django_momo.services.errors import InvalidTransition
from django_momo.services.transitions import SENDING_GRACE, load, transition

logger = logging.getLogger("django_momo")

S = PaymentStatus
P = TypeVar("P", bound=Payment)


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
    adapter = adapter_for(payment.provider)
    fields: dict[str, Any] = adapter.prepare(payment)
    now = timezone.now()
    fields.update(attempts=F("attempts") + 1, sent_at=now, next_check_at=now + SENDING_GRACE)
    # durable: the `sending` row must be committed before the request leaves.
    with transaction.atomic(durable=True):
        result = transition(
            model,
            pk,
            S.SENDING,
            actor=actor,
            reason="send",
            allowed_from={S.CREATED},
            fields=fields,
        )
    if not result.changed:
        logger.info("%s %s not sent: another worker sent it", model._meta.model_name, pk)
        return result.payment  # type: ignore[return-value]
    crash_point("send.after_phase1")
    sent = result.payment
    answer = adapter.submit(sent, first=True)
    crash_point("send.after_http")
    stored = apply_answer(model, sent, answer, actor=actor, allowed_from={S.SENDING})
    if stored.status == S.PENDING and adapter.has_news(sent):
        # A callback came while this row was still `sending`, so its status query was skipped
        # (phase 2 was ours to write). The provider has news: ask now, not at the next check.
        return refresh_payment(model, pk, actor=actor)
    return stored


def refresh_payment(model: type[P], pk: int, *, actor: str, now: datetime | None = None) -> P:
    """Ask the provider about an unresolved payment under its own reference and store the answer."""
    payment = load(model, pk)
    if payment.status in FINAL_STATUSES or payment.status == S.CREATED:
        return payment
    if payment.attention == Attention.STOPPED:
        logger.info("%s %s not checked: automatic checks stopped", model._meta.model_name, pk)
        return payment
    adapter = adapter_for(payment.provider)
    now = now or timezone.now()
    sent_at = payment.sent_at or payment.created_at
    stale = now - sent_at >= SENDING_GRACE
    if payment.status == S.SENDING and not stale and not adapter.has_news(payment):
        # Its sender may be waiting for the answer right now: phase 2 is that sender's job.
        # News from the provider (a callback), though, proves the sender may be dead: a status
        # query is read-only and phase 2 is a compare-and-set, so asking now is safe.
        return payment
    answer = adapter.resolve(payment, stale=stale, now=now, actor=actor)
    if answer is None:  # the adapter stopped the automatic checks (and said why)
        return load(model, pk)
    crash_point("refresh.after_http")
    if answer.status == S.UNKNOWN and (payment.status != S.SENDING or not stale):
        # Nothing learnt: a pending payment stays pending, and a young `sending` row stays
        # its sender's to settle (we only asked because a callback came).
        answer.status = ""
    return apply_answer(model, payment, answer, actor=actor, now=now)
