"""Storing a callback exactly as it arrived, before anything else looks at it.

The row is written in autocommit mode, outside any processing transaction (the views are
``non_atomic_requests``), so no later failure or rollback can lose it. Only its verdict and
processing result are written afterwards, and, for a request refused without naming a known
payment, a body cut to ``REFUSED_BODY_LIMIT`` bytes: junk must not fill the disk.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from django_momo.models import Callback, CallbackVerdict
from django_momo.providers.base import redact_mapping
from django_momo.services.adapters.base import CallbackDecision
from django_momo.services.callbacks import link, payment_link  # noqa: F401 (re-exported)

_MAX_ERROR = 8000
# Header names whose values are never stored, whatever redact_mapping knows about.
_SECRET_HEADER_PARTS = ("authorization", "cookie", "key", "secret", "token", "password", "session")
_MAX_HEADER_VALUE = 2048
_MAX_HEADERS = 100
# What is kept of the body of a refused request that named no known payment: enough to see
# what it was, not enough for junk to fill the disk.
REFUSED_BODY_LIMIT = 1024


# What processing concluded; the adapters build it (``services/adapters/base.py``).
Decision = CallbackDecision


def clean_text(value: object, limit: int) -> str:
    """``value`` as text any database accepts (no NUL), at most ``limit`` characters."""
    return str(value).replace("\x00", "\ufffd")[:limit]


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_HEADER_PARTS)


def request_headers(request: HttpRequest) -> dict[str, str]:
    """The request's headers with every secret-looking value replaced by ``"***"``."""
    headers: dict[str, str] = {}
    for name, value in list(request.headers.items())[:_MAX_HEADERS]:
        key = clean_text(name, 200)
        headers[key] = "***" if _is_secret_header(key) else clean_text(value, _MAX_HEADER_VALUE)
    return redact_mapping(headers)


def read_body(request: HttpRequest, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, and whether the body was longer than that.

    The body is read from the stream with a bound, so an oversized request is never held in
    memory whole.
    """
    declared = request.META.get("CONTENT_LENGTH") or ""
    try:
        length = int(declared) if str(declared).strip() else None
    except ValueError:
        length = None
    try:
        if length is not None and length > limit:
            return request.read(limit), True
        data = request.read(limit + 1)
    except OSError:
        # The client went away mid-body (UnreadablePostError): record what we know, no body.
        return b"", False
    if len(data) > limit:
        return data[:limit], True
    return data, False


def record(
    request: HttpRequest,
    *,
    provider: str,
    body: bytes,
    remote_addr: str | None,
    token: str = "",
) -> Callback:
    """Store the request now (committed at once outside an atomic block) and return the row."""
    return Callback.objects.create(
        provider=provider,
        method=clean_text(request.method or "", 10),
        path=clean_text(request.get_full_path(), 512),
        headers=request_headers(request),
        body=body,
        remote_addr=remote_addr,
        token=clean_text(token, 128),
        verdict=CallbackVerdict.RECEIVED,
    )


def finish(callback: Callback, decision: Decision, *, answered: bool = True) -> None:
    """Write the verdict and the result (and, when ``answered``, our HTTP answer) onto the row."""
    values: dict[str, Any] = {
        "transfer_id": callback.transfer_id,
        "collection_id": callback.collection_id,
        "refund_id": callback.refund_id,
        "verdict": decision.verdict,
        "result": decision.result,
        "error": decision.error,
        "processed_at": timezone.now(),
    }
    if answered:
        values["response_status"] = decision.status
    Callback.objects.filter(pk=callback.pk).update(**values)
    for name, value in values.items():
        if not name.endswith("_id"):
            setattr(callback, name, value)


def bound_refused_body(callback: Callback, body: bytes) -> None:
    """Keep only ``REFUSED_BODY_LIMIT`` bytes of a refused request's body, and say so."""
    if len(body) <= REFUSED_BODY_LIMIT:
        return
    note = (
        f"body stored cut to {REFUSED_BODY_LIMIT} of {len(body)} bytes: refused, and it names "
        "no known payment"
    )
    before = clean_text(callback.error, _MAX_ERROR - len(note) - 2)
    error = f"{before}; {note}" if before else note
    kept = body[:REFUSED_BODY_LIMIT]
    Callback.objects.filter(pk=callback.pk).update(body=kept, error=error)
    callback.body = kept
    callback.error = error
