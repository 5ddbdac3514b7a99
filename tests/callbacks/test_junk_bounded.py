"""Junk at the unauthenticated callback endpoints cannot fill the disk.

A refused request that names no known payment keeps only ``REFUSED_BODY_LIMIT`` bytes of its
body (and says so); a request naming a known payment keeps all of it. Past
``CALLBACK_REFUSED_PER_MINUTE`` refusals a source gets 429 and nothing is stored, with one
WARNING a minute; requests naming a known payment always get through.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from django_momo.callbacks.limits import WINDOW_SECONDS
from django_momo.callbacks.recording import REFUSED_BODY_LIMIT
from django_momo.models import Callback, CallbackVerdict, PaymentStatus, Transfer

pytestmark = pytest.mark.usefixtures("no_provider_settings")

V = CallbackVerdict
IPN_URL = "/momo/callbacks/momo-vn/ipn/"
PAD = "x" * 5000
Make = Callable[..., Transfer]
Sign = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def fresh_counters(settings: Any) -> None:
    """Counters of earlier tests (same cache, same source 127.0.0.1) start from zero.

    The counters are per minute of the clock: a test that starts in a minute's last seconds
    waits for the next one, so its requests all fall in one window.
    """
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 10:
        time.sleep(left + 0.05)
    caches[settings.DJANGO_MOMO.get("TOKEN_CACHE", "default")].clear()


@pytest.fixture
def limit(settings: Any) -> Callable[[int | None], None]:
    def set_limit(value: int | None) -> None:
        settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "CALLBACK_REFUSED_PER_MINUTE": value}

    return set_limit


def mtn(
    client: Client, token: str, body: str, content_type: str = "application/json", **extra: Any
) -> Any:
    url = reverse("django_momo:mtn-callback", args=[token])
    return client.post(url, body, content_type=content_type, **extra)


def ipn(client: Client, body: dict[str, Any] | str, **extra: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(IPN_URL, data, content_type="application/json", **extra)


def last() -> Callback:
    return Callback.objects.order_by("-id")[0]


def assert_cut(callback: Callback, sent: str | bytes) -> None:
    raw = sent.encode() if isinstance(sent, str) else sent
    assert len(raw) > REFUSED_BODY_LIMIT
    assert bytes(callback.body) == raw[:REFUSED_BODY_LIMIT]
    assert f"body stored cut to {REFUSED_BODY_LIMIT} of {len(raw)} bytes" in callback.error
    assert "names no known payment" in callback.error


def assert_whole(callback: Callback, sent: str | bytes) -> None:
    raw = sent.encode() if isinstance(sent, str) else sent
    assert bytes(callback.body) == raw
    assert "cut to" not in callback.error


# -- bounded bodies ------------------------------------------------------------------------------
def test_unknown_mtn_token_keeps_a_bounded_body(client: Client, db: None) -> None:
    body = json.dumps({"status": "SUCCESSFUL", "pad": PAD})
    assert mtn(client, "no-such-token", body).status_code == 404
    cb = last()
    assert cb.verdict == V.UNKNOWN_TOKEN
    assert_cut(cb, body)
    assert cb.error.startswith("no payment has this callback token")


def test_small_refused_body_is_kept_whole_and_unannotated(client: Client, db: None) -> None:
    assert mtn(client, "no-such-token", '{"status": "FAILED"}').status_code == 404
    cb = last()
    assert_whole(cb, '{"status": "FAILED"}')
    assert cb.error == "no payment has this callback token"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "verdict"),
    [
        ("{" + PAD, "application/json", 400, V.MALFORMED),
        (PAD, "text/plain", 415, V.MALFORMED),
        (json.dumps(["not", "an", "object", PAD]), "application/json", 400, V.MALFORMED),
    ],
)
def test_malformed_ipn_keeps_a_bounded_body(
    client: Client, db: None, body: str, content_type: str, status: int, verdict: str
) -> None:
    resp = client.post(IPN_URL, body, content_type=content_type)
    assert resp.status_code == status
    cb = last()
    assert (cb.verdict, cb.response_status) == (verdict, status)
    assert_cut(cb, body)


def test_ipn_with_bad_signature_for_no_payout_keeps_a_bounded_body(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = make_transfer(provider="momo_vn")
    forged = {**signed_ipn(transfer), "requestId": "not-ours", "extraData": PAD}
    resp = ipn(client, forged)
    assert resp.status_code == 400
    cb = last()
    assert cb.verdict == V.INVALID_SIGNATURE
    assert_cut(cb, json.dumps(forged, ensure_ascii=False))
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING


def test_signed_ipn_for_an_unknown_payout_keeps_a_bounded_body(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = make_transfer(provider="momo_vn")
    body = signed_ipn(transfer, requestId="never-sent", extraData=PAD)
    assert ipn(client, body).status_code == 404
    cb = last()
    assert cb.verdict == V.UNKNOWN_TOKEN
    assert_cut(cb, json.dumps(body, ensure_ascii=False))


def test_forbidden_source_without_a_known_payment_keeps_a_bounded_body(
    client: Client, settings: Any, db: None
) -> None:
    settings.DJANGO_MOMO = {
        **settings.DJANGO_MOMO,
        "CALLBACK_ALLOWED_NETWORKS": {"mtn": ["198.51.100.0/24"]},
    }
    body = json.dumps({"pad": PAD})
    assert mtn(client, "no-such-token", body).status_code == 403
    cb = last()
    assert cb.verdict == V.FORBIDDEN_SOURCE
    assert_cut(cb, body)


def test_oversized_junk_is_cut_to_the_refused_bound(
    client: Client, settings: Any, db: None
) -> None:
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "CALLBACK_MAX_BODY": 4096}
    resp = mtn(client, "no-such-token", json.dumps({"pad": PAD * 4}))
    assert resp.status_code == 413
    cb = last()
    assert len(bytes(cb.body)) == REFUSED_BODY_LIMIT
    assert "body larger than 4096 bytes" in cb.error
    assert f"cut to {REFUSED_BODY_LIMIT} of 4096 bytes" in cb.error


# -- known payments keep everything --------------------------------------------------------------
def test_known_mtn_token_keeps_the_whole_body(client: Client, make_transfer: Make) -> None:
    transfer = make_transfer()
    body = json.dumps({"status": "SUCCESSFUL", "pad": PAD})
    assert mtn(client, transfer.callback_token, body).status_code == 200
    cb = last()
    assert (cb.verdict, cb.transfer) == (V.VALID, transfer)
    assert_whole(cb, body)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [("{" + PAD, "application/json", 400), (PAD, "text/plain", 415)],
)
def test_refused_request_with_a_known_token_keeps_the_whole_body(
    client: Client, make_transfer: Make, body: str, content_type: str, status: int
) -> None:
    transfer = make_transfer()
    assert mtn(client, transfer.callback_token, body, content_type).status_code == status
    assert_whole(last(), body)


def test_valid_ipn_keeps_the_whole_body(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = make_transfer(provider="momo_vn")
    body = signed_ipn(transfer, extraData=PAD)
    assert ipn(client, body).status_code == 204
    cb = last()
    assert (cb.verdict, cb.transfer) == (V.VALID, transfer)
    assert_whole(cb, json.dumps(body, ensure_ascii=False))


def test_forged_ipn_naming_a_known_payout_keeps_the_whole_body(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    # An operator looking into forgeries against a real payout needs all of what came in.
    transfer = make_transfer(provider="momo_vn")
    forged = {**signed_ipn(transfer), "extraData": PAD}
    assert ipn(client, forged).status_code == 400
    cb = last()
    assert cb.verdict == V.INVALID_SIGNATURE
    assert_whole(cb, json.dumps(forged, ensure_ascii=False))


# -- the rate limit ------------------------------------------------------------------------------
def test_past_the_limit_junk_gets_429_and_nothing_is_stored(
    client: Client,
    db: None,
    limit: Callable[[int | None], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    limit(3)
    caplog.set_level(logging.INFO, logger="django_momo.callbacks")
    statuses = [mtn(client, f"junk-{n}", json.dumps({"pad": PAD})).status_code for n in range(3)]
    assert statuses == [404, 404, 404]
    assert Callback.objects.count() == 3
    turned_away = [mtn(client, f"more-{n}", json.dumps({"pad": PAD})) for n in range(5)]
    turned_away.append(ipn(client, "{not json"))
    assert [r.status_code for r in turned_away] == [429] * 6
    assert 1 <= int(turned_away[0]["Retry-After"]) <= 60
    assert Callback.objects.count() == 3
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "429" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert "127.0.0.1" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_known_payments_pass_the_limit(
    client: Client,
    make_transfer: Make,
    signed_ipn: Sign,
    limit: Callable[[int | None], None],
) -> None:
    limit(2)
    mtn_payout = make_transfer()
    momo_payout = make_transfer(provider="momo_vn")
    for n in range(2):
        assert mtn(client, f"junk-{n}", "{}").status_code == 404
    assert mtn(client, "junk-late", "{}").status_code == 429
    stored = Callback.objects.count()
    # The limit is reached, yet every request naming a known payment is processed and stored.
    assert mtn(client, mtn_payout.callback_token, '{"status": "SUCCESSFUL"}').status_code == 200
    assert mtn(client, mtn_payout.callback_token, "x", "text/plain").status_code == 415
    assert ipn(client, signed_ipn(momo_payout)).status_code == 204
    assert ipn(client, {**signed_ipn(momo_payout), "signature": "0" * 64}).status_code == 400
    assert Callback.objects.count() == stored + 4
    momo_payout.refresh_from_db()
    assert momo_payout.status == PaymentStatus.SUCCESSFUL
    # ... and none of them counts as junk, nor unblocks the junk.
    assert mtn(client, "junk-again", "{}").status_code == 429


def test_refusals_naming_a_known_payment_do_not_count(
    client: Client, make_transfer: Make, limit: Callable[[int | None], None]
) -> None:
    limit(2)
    transfer = make_transfer()
    for _ in range(5):
        assert mtn(client, transfer.callback_token, "x", "text/plain").status_code == 415
    assert mtn(client, "junk", "{}").status_code == 404


def test_the_limit_is_per_source(
    client: Client, settings: Any, db: None, limit: Callable[[int | None], None]
) -> None:
    limit(1)
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "TRUSTED_PROXIES": ["127.0.0.1"]}
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.2"}
    assert mtn(client, "junk", "{}", **first).status_code == 404
    assert mtn(client, "junk", "{}", **first).status_code == 429
    assert mtn(client, "junk", "{}", **second).status_code == 404
    assert mtn(client, "junk", "{}", **second).status_code == 429
    assert sorted(Callback.objects.values_list("remote_addr", flat=True)) == [
        "203.0.113.1",
        "203.0.113.2",
    ]


def test_processing_errors_are_not_junk(
    client: Client,
    make_transfer: Make,
    signed_ipn: Sign,
    limit: Callable[[int | None], None],
) -> None:
    # A payout whose account is no longer configured: processing fails (ours, not the sender's).
    limit(1)
    transfer = make_transfer(provider="momo_vn", account="momo-retired")
    body = signed_ipn(transfer, extraData=PAD)
    for _ in range(2):
        assert ipn(client, body).status_code == 503
    cb = last()
    assert cb.verdict == V.ERROR
    assert_whole(cb, json.dumps(body, ensure_ascii=False))
    assert mtn(client, "junk", "{}").status_code == 404


def test_no_limit_when_turned_off(
    client: Client, db: None, limit: Callable[[int | None], None]
) -> None:
    limit(None)
    assert {mtn(client, f"junk-{n}", "{}").status_code for n in range(70)} == {404}
    assert Callback.objects.count() == 70


def test_the_default_limit_is_sixty(client: Client, db: None, settings: Any) -> None:
    conf = dict(settings.DJANGO_MOMO)
    conf.pop("CALLBACK_REFUSED_PER_MINUTE", None)
    settings.DJANGO_MOMO = conf
    statuses = [mtn(client, f"junk-{n}", "{}").status_code for n in range(61)]
    assert statuses == [404] * 60 + [429]
    assert Callback.objects.count() == 60
