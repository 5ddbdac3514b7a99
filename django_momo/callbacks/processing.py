"""Running the provider's rules on a stored callback, apart from HTTP so the admin can re-run them.

What a callback means is its provider adapter's to say (``services/adapters/``,
``read_callback``): an MTN callback only names its payment by the URL token and asks for a
status query; a MoMo IPN is verified, looked up once by its requestId, matched once and settled.
This module links the stored row to the payment, enqueues the status query the adapter asked
for (services never enqueue) and writes the verdict. Duplicates and late arrivals change nothing.
"""

from __future__ import annotations

import logging

from django_momo import tasks
from django_momo.models import Callback
from django_momo.services.adapters import adapter_for

from .recording import Decision, finish, link

logger = logging.getLogger("django_momo.callbacks")


def names_known_payment(provider: str, token: str, body: bytes) -> bool:
    """Whether the request names a payment we have (the MTN URL token, the IPN's requestId).

    Such a request keeps its whole body and is never rate-limited, whatever else is wrong with
    it: it may be a provider retrying, and an operator needs to see what came in.
    """
    return adapter_for(provider).names_known_payment(token, body)


def process(callback: Callback, *, actor: str | None = None, answered: bool = True) -> Decision:
    """Run the provider's rules on a stored callback; unexpected errors become an ERROR verdict.

    ``answered`` says whether the decision's status is the one the provider is being sent (not
    so when an operator reprocesses a stored callback later).
    """
    try:
        adapter = adapter_for(callback.provider)
        decision = adapter.read_callback(callback, actor=actor or f"callback:{callback.pk}")
        if decision.payment is not None:
            link(callback, decision.payment)
            if decision.refresh:
                # The body is a hint only: the status query decides, after this answer is sent.
                tasks.enqueue_refresh(decision.payment)
    except Exception as exc:  # the record must end with a verdict, whatever went wrong
        logger.exception("callback %s could not be processed", callback.pk)
        decision = Decision.failure(exc)
    finish(callback, decision, answered=answered)
    return decision


def process_return(callback: Callback) -> Decision:
    """Read a stored MoMo return (``redirectUrl``): a claim; at most a status query follows."""
    from django_momo.services.adapters import MOMO_VN

    try:
        decision = MOMO_VN.read_return(callback, actor=f"return:{callback.pk}")
        if decision.payment is not None:
            link(callback, decision.payment)
            if decision.refresh:
                tasks.enqueue_refresh(decision.payment)
    except Exception as exc:  # the record must end with a verdict, whatever went wrong
        logger.exception("return %s could not be processed", callback.pk)
        decision = Decision.failure(exc, status=200)
    finish(callback, decision, answered=True)
    return decision


def reprocess(callback: Callback, *, actor: str) -> Decision:
    """Run the rules again on a stored callback (e.g. after fixing settings); notes who did it."""
    decision = process(callback, actor=actor, answered=False)
    note = f"reprocessed by {actor}: {decision.result or decision.verdict}"
    Callback.objects.filter(pk=callback.pk).update(result=note)
    callback.result = note
    return decision
