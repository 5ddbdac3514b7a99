"""The callback endpoints: store the request, check the envelope, run the provider's rules, answer.

Both views are ``csrf_exempt`` (providers post no CSRF token) and ``non_atomic_requests``: under
``ATOMIC_REQUESTS`` the stored row would otherwise share the fate of a failed processing step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from django_momo.conf import momo_settings
from django_momo.models import Callback, CallbackVerdict, Provider
from django_momo.services.adapters import adapter_for

from . import limits
from .network import client_ip, source_allowed
from .processing import names_known_payment, process
from .recording import Decision, bound_refused_body, finish, read_body, record

logger = logging.getLogger("django_momo.callbacks")

V = CallbackVerdict


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


@dataclass(frozen=True)
class Endpoint:
    """One provider's envelope rules (from its adapter): methods and content types it may use."""

    provider: str
    methods: tuple[str, ...]
    empty_body_needs_type: bool

    @classmethod
    def of(cls, provider: str) -> Endpoint:
        """The endpoint of ``provider``, as its adapter describes it."""
        envelope = adapter_for(provider).callback
        return cls(provider, envelope.methods, envelope.empty_body_needs_type)


MTN = Endpoint.of(Provider.MTN)
MOMO_VN = Endpoint.of(Provider.MOMO_VN)


def _envelope(
    endpoint: Endpoint, request: HttpRequest, too_big: bool, source: str | None, body: bytes
) -> Decision | None:
    """The refusal for a request no provider would send, or ``None`` when it may be processed."""
    if request.method not in endpoint.methods:
        return Decision(V.MALFORMED, 405, error=f"method {request.method} not allowed")
    if too_big:
        limit = momo_settings.CALLBACK_MAX_BODY
        return Decision(V.MALFORMED, 413, error=f"body larger than {limit} bytes (stored cut)")
    if not source_allowed(endpoint.provider, source):
        return Decision(V.FORBIDDEN_SOURCE, 403, error=f"source {source or 'unknown'} not allowed")
    content_type = request.META.get("CONTENT_TYPE", "")
    if (body or endpoint.empty_body_needs_type) and not _is_json(content_type):
        return Decision(V.MALFORMED, 415, error=f"content type {content_type[:100]!r} not JSON")
    return None


def _answer(endpoint: Endpoint, decision: Decision) -> HttpResponseBase:
    if decision.status == 405:
        return HttpResponseNotAllowed(endpoint.methods)
    if decision.status < 300:
        return HttpResponse(status=decision.status)
    # Just the verdict: enough to debug an integration, nothing about our records.
    return HttpResponse(decision.verdict, status=decision.status, content_type="text/plain")


def _too_many() -> HttpResponseBase:
    response = HttpResponse("too many refused requests", status=429, content_type="text/plain")
    response["Retry-After"] = str(limits.seconds_left())
    return _logged(response)


def _logged(response: HttpResponseBase) -> HttpResponseBase:
    # Django logs every 4xx/5xx answer with its path, and an MTN path carries the payment's
    # callback token: our own line (below, masked) replaces that one.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _log_refusal(callback: Callback, decision: Decision, known: bool) -> None:
    # A refusal of a request that names a known payment is an integration to look at; one
    # that names nothing is most likely junk.
    level = logging.WARNING if known else logging.INFO
    logger.log(
        level,
        "%s callback %s answered %s (%s): %s %s",
        callback.provider,
        callback.pk,
        decision.status,
        decision.verdict,
        callback.method,
        callback.masked_path,
    )


def _refused(decision: Decision) -> bool:
    # A processing error (5xx) is ours, not the sender's: its body is kept for a reprocess.
    return 400 <= decision.status < 500


def _reached_payment(callback: Callback, endpoint: Endpoint, token: str, body: bytes) -> bool:
    if callback.transfer_id or callback.collection_id or callback.refund_id:
        return True
    return names_known_payment(endpoint.provider, token, body)


def receive(request: HttpRequest, endpoint: Endpoint, token: str = "") -> HttpResponseBase:
    """Store, check and process one callback request; always answers, never loses the record.

    A source past its refused-request limit is answered 429 with nothing stored, unless the
    request names a known payment.
    """
    body, too_big = read_body(request, int(momo_settings.CALLBACK_MAX_BODY))
    source = client_ip(request)
    if limits.exceeded(source) and not names_known_payment(endpoint.provider, token, body):
        limits.warn_once(source)
        return _too_many()
    callback: Callback = record(
        request, provider=endpoint.provider, body=body, remote_addr=source, token=token
    )
    decision = _envelope(endpoint, request, too_big, source, body)
    if decision is not None:
        finish(callback, decision)
    else:
        decision = process(callback)
    response = _answer(endpoint, decision)
    if decision.status < 400:
        return response
    if _refused(decision):
        known = _reached_payment(callback, endpoint, token, body)
        if not known:
            bound_refused_body(callback, body)
            limits.count_refusal(source)
        _log_refusal(callback, decision, known)
    return _logged(response)


# non_atomic_requests marks the function itself; csrf_exempt's wrapper copies that mark along.
@login_not_required
@csrf_exempt
@transaction.non_atomic_requests
def mtn_callback(request: HttpRequest, token: str) -> HttpResponseBase:
    """MTN callback (PUT or POST) for the payment whose token is in the URL; answers 200."""
    return receive(request, MTN, token=token)


@login_not_required
@csrf_exempt
@transaction.non_atomic_requests
def momo_vn_ipn(request: HttpRequest) -> HttpResponseBase:
    """MoMo Vietnam disbursement IPN (POST JSON, HMAC-signed); answers 204."""
    return receive(request, MOMO_VN)
