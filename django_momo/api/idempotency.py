"""``Idempotency-Key`` handling of the API's POSTs (Stripe's semantics, Brandur's design).

The key row is inserted before the request runs; the unique constraint on (user, key) lets
exactly one request run per key. Later requests with the same key and the same body get the
first answer replayed (with ``Idempotent-Replayed: true``); another body gets 422; a request
arriving while the first still runs gets 409. Answers of 5xx and unexpected errors are not kept,
so the client may try again: the external id still protects against a second payment.

Keys are kept at least ``KEY_LIFETIME`` (24 hours); call :func:`delete_expired_keys` daily (for
example from a cron job or a periodic task) to remove older ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from django_momo.api.errors import ApiError, error_response
from django_momo.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_LIFETIME = timedelta(hours=24)
# A request still marked in progress after this long died with its worker: a retry may take over.
LOCK_TIMEOUT = timedelta(minutes=5)


def request_key(request: Request) -> str:
    """The request's idempotency key; 400 when it is missing, blank or too long."""
    value = request.headers.get(HEADER, "")
    key = value.strip()
    if not key:
        raise ApiError(
            400, "required", f"the {HEADER} header is required on every POST", field=HEADER
        )
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            400,
            "max_length",
            f"the {HEADER} header must be at most {MAX_KEY_LENGTH} characters",
            field=HEADER,
        )
    return key


def fingerprint(data: Any) -> str:
    """sha256 of the canonical JSON form of a request body (sorted keys, no spaces)."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(request: Request, key: str, digest: str) -> tuple[IdempotencyKey | None, bool]:
    """Insert the key row (True: this request runs) or read the row that is already there."""
    fields = {"method": request.method or "", "path": request.path[:255], "fingerprint": digest}
    user: Any = request.user  # authenticated: the permission check ran before
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                user=user, key=key, in_progress=True, locked_at=timezone.now(), **fields
            )
        return record, True
    except IntegrityError:
        return IdempotencyKey.objects.filter(user=user, key=key).first(), False


def _take_over(record: IdempotencyKey) -> bool:
    """Claim a key whose first request died while in progress (compare-and-set on locked_at)."""
    now = timezone.now()
    if record.locked_at is None or now - record.locked_at < LOCK_TIMEOUT:
        return False
    won = IdempotencyKey.objects.filter(
        pk=record.pk, in_progress=True, locked_at=record.locked_at
    ).update(locked_at=now)
    return won == 1


def _mismatch(record: IdempotencyKey, request: Request, digest: str) -> bool:
    return (
        record.method != request.method
        or record.path != request.path[:255]
        or record.fingerprint != digest
    )


def _store(record: IdempotencyKey, response: Response) -> None:
    body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    IdempotencyKey.objects.filter(pk=record.pk).update(
        in_progress=False, response_status=response.status_code, response_body=body
    )


def _release(record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, in_progress=True).delete()


def _replay(record: IdempotencyKey) -> Response:
    return Response(
        record.response_body,
        status=record.response_status or 200,
        headers={REPLAYED_HEADER: "true"},
    )


def _run(record: IdempotencyKey, handler: Callable[[], Response]) -> Response:
    try:
        response = handler()
    except Exception as exc:
        refusal = error_response(exc)
        if refusal is None or refusal.status_code >= 500:
            _release(record)
            raise
        response = refusal
    if response.status_code >= 500:
        _release(record)
        return response
    _store(record, response)
    return response


def idempotent(
    request: Request,
    handler: Callable[[], Response],
    *,
    on_replay: Callable[[Any], None] | None = None,
) -> Response:
    """Run ``handler`` at most once per (user, ``Idempotency-Key``); replay its answer after.

    ``on_replay`` gets the stored response body of a replay (e.g. to re-enqueue a send).
    """
    key = request_key(request)
    digest = fingerprint(request.data)
    record, created = _claim(request, key, digest)
    if record is None:
        # The first request failed and released the key between our insert and our read.
        raise ApiError(409, "request_in_progress", "a request with this key just ended; retry")
    if not created and _mismatch(record, request, digest):
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"this {HEADER} was already used for another request "
            f"({record.method} {record.path} with a different body); use a new key",
            field=HEADER,
        )
    if created:
        return _run(record, handler)
    if not record.in_progress:
        if on_replay is not None and record.response_status and record.response_status < 300:
            on_replay(record.response_body)
        return _replay(record)
    if _take_over(record):
        return _run(record, handler)
    raise ApiError(
        409,
        "request_in_progress",
        f"a request with this {HEADER} is still in progress; retry after it finished",
        field=HEADER,
    )


def delete_expired_keys(
    *, older_than: timedelta = KEY_LIFETIME, now: datetime | None = None
) -> int:
    """Delete finished keys older than ``older_than`` (at least 24 hours); returns how many."""
    if older_than < KEY_LIFETIME:
        raise ValueError(f"keys must be kept at least {KEY_LIFETIME}")
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
