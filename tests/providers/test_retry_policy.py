"""The one retry rule both clients follow: ``should_retry``, ``retry_delay`` and the rest."""

from __future__ import annotations

import pytest

from django_momo.providers.base import (
    AnswerMismatch,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from django_momo.providers.http import (
    MAX_RETRY_AFTER,
    HttpTransport,
    failure_reason,
    may_have_landed,
    parse_retry_after,
    retry_delay,
    should_retry,
)

UNKNOWN = [
    TransientError("timed out (ReadTimeout) on POST http://x/pay: outcome unknown"),
    TransientError("MTN transfer failed: down", http_status=503, code="SERVICE_UNAVAILABLE"),
    # MTN's transient codes count whatever the status; so does an unreadable MoMo 4xx.
    TransientError("MTN transfer failed", http_status=400, code="INTERNAL_PROCESSING_ERROR"),
    TransientError("no readable resultCode", http_status=404),
    TransientError("gateway timeout", http_status=408),
    AnswerMismatch("answer names orderId 'B', expected 'A'", http_status=200, code="0"),
]
REFUSALS = [
    RejectedError("refused", http_status=400, code="PAYER_NOT_FOUND"),
    RejectedError("conflict on a GET", http_status=409),
    AuthenticationError("denied", http_status=401),
    AuthenticationError("quota", http_status=403),
    NotFoundError("unknown reference", http_status=404),
    ConfigurationError("TLS certificate refused"),
    ConfigurationError("redirect", http_status=302),
    InvalidInputError("amount", "must be positive"),
]
RATE_LIMITED = RateLimitedError("slow down", http_status=429)


@pytest.mark.parametrize("creating", [False, True])
@pytest.mark.parametrize("error", [*UNKNOWN, RATE_LIMITED], ids=repr)
def test_an_unknown_outcome_or_a_429_is_retried_while_the_budget_lasts(
    error: ProviderError, creating: bool
) -> None:
    kw = {"error": error, "status": error.http_status, "creating": creating, "reference": "r-1"}
    assert should_retry(attempt=1, max_retries=2, **kw)
    assert should_retry(attempt=2, max_retries=2, **kw)
    assert not should_retry(attempt=3, max_retries=2, **kw)
    assert not should_retry(attempt=1, max_retries=0, **kw)


@pytest.mark.parametrize("creating", [False, True])
@pytest.mark.parametrize("error", REFUSALS, ids=repr)
def test_a_refusal_is_never_retried(error: ProviderError, creating: bool) -> None:
    assert not should_retry(
        attempt=1,
        max_retries=5,
        error=error,
        status=error.http_status,
        creating=creating,
        reference="r-1",
    )


def test_a_creating_call_is_retried_only_under_a_reference() -> None:
    error = TransientError("lost")
    assert should_retry(attempt=1, max_retries=2, error=error, creating=True, reference="r-1")
    assert not should_retry(attempt=1, max_retries=2, error=error, creating=True, reference=None)
    assert not should_retry(attempt=1, max_retries=2, error=error, creating=True, reference="")
    # Not creating (a status GET, a token request): no reference needed.
    assert should_retry(attempt=1, max_retries=2, error=error, creating=False)


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        *[(408, True), (429, True), (500, True), (502, True), (503, True), (504, True)],
        *[(400, False), (401, False), (403, False), (404, False), (409, False), (422, False)],
        *[(200, False), (202, False), (302, False), (None, False)],
    ],
)
def test_without_an_error_the_status_decides(status: int | None, retried: bool) -> None:
    assert should_retry(attempt=1, max_retries=1, error=None, status=status) is retried


def test_the_error_decides_over_the_status() -> None:
    # MTN's SERVICE_UNAVAILABLE under a 400 is an unknown outcome; a typed refusal under a 5xx
    # status (never produced today) would stay a refusal.
    unknown = TransientError("x", http_status=400, code="SERVICE_UNAVAILABLE")
    assert should_retry(attempt=1, max_retries=1, error=unknown, status=400)
    refused = RejectedError("x", http_status=500)
    assert not should_retry(attempt=1, max_retries=1, error=refused, status=500)


def test_what_may_have_landed() -> None:
    for error in UNKNOWN:
        assert may_have_landed(error, creating=True)
        assert not may_have_landed(error, creating=False)
    # A 429 comes from the gateway in front of the provider: that attempt did not land.
    assert not may_have_landed(RATE_LIMITED, creating=True)
    for error in REFUSALS:
        assert not may_have_landed(error, creating=True)


def test_retry_delay_is_capped_full_jitter() -> None:
    for _ in range(200):
        for attempt in range(1, 10):
            delay = retry_delay(attempt, base=0.5, cap=2.0)
            assert 0 <= delay <= min(2.0, 0.5 * 2 ** (attempt - 1))
    assert retry_delay(10_000, cap=1.0) <= 1.0  # no overflow on absurd attempts


def test_retry_after_lengthens_the_wait_up_to_a_cap() -> None:
    for _ in range(50):
        assert retry_delay(1, 3.0) == 3.0
        assert retry_delay(1, 3600.0) == MAX_RETRY_AFTER
        assert retry_delay(1, float("inf")) == MAX_RETRY_AFTER
        assert 0 <= retry_delay(1, 0.0) <= 0.2  # shorter than the backoff: the backoff
        assert 0 <= retry_delay(1, -5.0) <= 0.2
        assert retry_delay(1, 30.0, max_retry_after=20.0) == 20.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        *[("1", 1.0), (" 2.5 ", 2.5), ("0", 0.0), (None, None), ("", None), ("soon", None)],
        *[("Wed, 21 Oct 2015 07:28:00 GMT", None), ("nan", None)],
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_the_transport_delays_use_its_base_and_cap() -> None:
    transport = HttpTransport(provider="mtn", max_retries=4, backoff_base=0.1, backoff_cap=0.3)
    for _ in range(50):
        assert 0 <= transport.retry_delay(1) <= 0.1
        assert 0 <= transport.retry_delay(4) <= 0.3
        assert transport.retry_delay(1, 2.0) == 2.0
        delays = list(transport.backoff_delays())
        assert len(delays) == 4
        assert all(0 <= d <= min(0.3, 0.1 * 2**i) for i, d in enumerate(delays))


def test_failure_reason_is_short_and_names_the_cause() -> None:
    assert failure_reason(TransientError("timed out (ReadTimeout) on GET http://x/y: unknown")) == (
        "timed out (ReadTimeout) on GET http://x/y: unknown"
    )
    down = TransientError("MTN transfer failed: text", http_status=503, code="SERVICE_UNAVAILABLE")
    assert failure_reason(down) == "HTTP 503 code=SERVICE_UNAVAILABLE"
    assert failure_reason(RATE_LIMITED) == "HTTP 429 (rate limited)"
    momo_5xx = TransientError("MoMo 5xx", http_status=503, code="10")
    assert failure_reason(momo_5xx) == "HTTP 503 code=10"
    assert failure_reason(TransientError("no resultCode", http_status=200)) == (
        "HTTP 200 (no resultCode)"
    )
    mismatch = AnswerMismatch("answer names orderId 'B'", http_status=200, code="0")
    assert failure_reason(mismatch) == "HTTP 200 code=0 (answer names orderId 'B')"
