"""The MTN callback endpoint with the Django test client: store, check, enqueue, never trust."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from django_momo.models import Callback, CallbackVerdict, PaymentStatus, StatusChange, Transfer

pytestmark = pytest.mark.usefixtures("no_provider_settings")

V = CallbackVerdict
SUCCESS_BODY = json.dumps(
    {"externalId": "x", "amount": "10", "currency": "EUR", "status": "SUCCESSFUL"}
)


def url(token: str) -> str:
    return reverse("django_momo:mtn-callback", args=[token])


def test_route_names_and_paths() -> None:
    assert url("abc") == "/momo/callbacks/mtn/abc/"
    assert reverse("django_momo:momo-vn-ipn") == "/momo/callbacks/momo-vn/ipn/"


def test_known_token_enqueues_a_status_query_and_body_changes_nothing(
    client: Client,
    make_transfer: Callable[..., Transfer],
    django_capture_on_commit_callbacks: Any,
) -> None:
    transfer = make_transfer()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        resp = client.put(
            url(transfer.callback_token),
            SUCCESS_BODY,
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer leaked",
            HTTP_OCP_APIM_SUBSCRIPTION_KEY="k3y",
        )
    assert resp.status_code == 200
    assert len(queued) == 1  # the refresh, to run after commit
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert not StatusChange.objects.filter(transfer=transfer).exists()
    cb = Callback.objects.get()
    assert cb.provider == "mtn"
    assert cb.verdict == V.VALID
    assert cb.response_status == 200
    assert cb.transfer == transfer
    assert cb.method == "PUT"
    assert cb.token == transfer.callback_token
    assert bytes(cb.body) == SUCCESS_BODY.encode()
    assert cb.remote_addr == "127.0.0.1"
    assert cb.headers["Authorization"] == "***"
    assert cb.headers["Ocp-Apim-Subscription-Key"] == "***"
    assert "leaked" not in json.dumps(cb.headers)
    assert cb.processed_at is not None


def test_post_is_accepted_too(client: Client, make_transfer: Callable[..., Transfer]) -> None:
    transfer = make_transfer()
    resp = client.post(url(transfer.callback_token), SUCCESS_BODY, content_type="application/json")
    assert resp.status_code == 200
    assert Callback.objects.get().verdict == V.VALID


def test_unknown_token_is_404_and_recorded(client: Client, db: None) -> None:
    resp = client.post(url("no-such-token"), SUCCESS_BODY, content_type="application/json")
    assert resp.status_code == 404
    cb = Callback.objects.get()
    assert cb.verdict == V.UNKNOWN_TOKEN
    assert cb.response_status == 404
    assert cb.token == "no-such-token"
    assert cb.transfer is None


def test_duplicate_body_is_acknowledged_once(
    client: Client,
    make_transfer: Callable[..., Transfer],
    django_capture_on_commit_callbacks: Any,
) -> None:
    transfer = make_transfer()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client.post(
            url(transfer.callback_token), SUCCESS_BODY, content_type="application/json"
        )
        second = client.post(
            url(transfer.callback_token), SUCCESS_BODY, content_type="application/json"
        )
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(queued) == 1
    verdicts = list(Callback.objects.order_by("id").values_list("verdict", flat=True))
    assert verdicts == [V.VALID, V.DUPLICATE]


@pytest.mark.parametrize("final", [PaymentStatus.FAILED, PaymentStatus.SUCCESSFUL])
def test_late_callback_for_final_payment_changes_nothing(
    client: Client,
    make_transfer: Callable[..., Transfer],
    django_capture_on_commit_callbacks: Any,
    final: str,
) -> None:
    transfer = make_transfer(status=final)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        resp = client.put(
            url(transfer.callback_token), SUCCESS_BODY, content_type="application/json"
        )
    assert resp.status_code == 200
    assert queued == []
    transfer.refresh_from_db()
    assert transfer.status == final
    assert Callback.objects.get().verdict == V.LATE


@pytest.mark.parametrize(
    ("method", "status"), [("GET", 405), ("DELETE", 405), ("PATCH", 405), ("HEAD", 405)]
)
def test_other_methods_are_405_and_recorded(
    client: Client, make_transfer: Callable[..., Transfer], method: str, status: int
) -> None:
    transfer = make_transfer()
    resp = client.generic(method, url(transfer.callback_token))
    assert resp.status_code == status
    assert set(resp["Allow"].split(", ")) == {"PUT", "POST"}
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status, cb.method) == (V.MALFORMED, status, method)


def test_non_json_content_type_is_415(
    client: Client, make_transfer: Callable[..., Transfer]
) -> None:
    transfer = make_transfer()
    resp = client.post(
        url(transfer.callback_token),
        "status=SUCCESSFUL",
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 415
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status) == (V.MALFORMED, 415)
    assert bytes(cb.body) == b"status=SUCCESSFUL"


def test_malformed_json_is_400(client: Client, make_transfer: Callable[..., Transfer]) -> None:
    transfer = make_transfer()
    resp = client.post(url(transfer.callback_token), "{not json", content_type="application/json")
    assert resp.status_code == 400
    assert Callback.objects.get().verdict == V.MALFORMED


def test_oversized_body_is_413_and_recorded_cut(
    client: Client, make_transfer: Callable[..., Transfer], settings: Any
) -> None:
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "CALLBACK_MAX_BODY": 100}
    transfer = make_transfer()
    body = json.dumps({"status": "SUCCESSFUL", "pad": "x" * 500})
    resp = client.post(url(transfer.callback_token), body, content_type="application/json")
    assert resp.status_code == 413
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status) == (V.MALFORMED, 413)
    assert bytes(cb.body) == body.encode()[:100]
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING


def test_source_outside_allow_list_is_403(
    client: Client,
    make_transfer: Callable[..., Transfer],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DJANGO_MOMO = {
        **settings.DJANGO_MOMO,
        "CALLBACK_ALLOWED_NETWORKS": {"mtn": ["198.51.100.0/24"]},
        "TRUSTED_PROXIES": ["127.0.0.1"],
    }
    transfer = make_transfer()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        # The forger's own X-Forwarded-For entry sits left of what our proxy appended.
        forged = client.post(
            url(transfer.callback_token),
            SUCCESS_BODY,
            content_type="application/json",
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66",
        )
        allowed = client.post(
            url(transfer.callback_token),
            SUCCESS_BODY,
            content_type="application/json",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    assert forged.status_code == 403
    assert allowed.status_code == 200
    assert len(queued) == 1
    first, second = Callback.objects.order_by("id")
    assert (first.verdict, first.remote_addr) == (V.FORBIDDEN_SOURCE, "203.0.113.66")
    assert (second.verdict, second.remote_addr) == (V.VALID, "198.51.100.7")


def test_views_opt_out_of_atomic_requests_and_csrf() -> None:
    from django_momo.callbacks import views

    for view in (views.mtn_callback, views.momo_vn_ipn):
        assert "default" in view._non_atomic_requests  # type: ignore[attr-defined]
        assert view.csrf_exempt is True  # type: ignore[attr-defined]


def test_csrf_enforcing_client_is_not_refused(
    make_transfer: Callable[..., Transfer],
) -> None:
    transfer = make_transfer()
    client = Client(enforce_csrf_checks=True)
    resp = client.post(url(transfer.callback_token), SUCCESS_BODY, content_type="application/json")
    assert resp.status_code == 200


def test_a_client_that_hangs_up_mid_body_is_still_recorded(db: None) -> None:
    from django.http import UnreadablePostError
    from django.test import RequestFactory

    from django_momo.callbacks.views import mtn_callback

    class BrokenStream:
        def read(self, *args: Any) -> bytes:
            raise UnreadablePostError("connection reset by peer")

    request = RequestFactory().post(
        "/momo/callbacks/mtn/gone/", b'{"status": "SUCCESSFUL"}', content_type="application/json"
    )
    request._stream = BrokenStream()  # type: ignore[attr-defined]
    response = mtn_callback(request, token="gone")
    assert response.status_code == 404
    callback = Callback.objects.get()
    assert callback.verdict == CallbackVerdict.UNKNOWN_TOKEN
    assert bytes(callback.body) == b""


@pytest.mark.parametrize("token", ["\x00", "a\x00b", "abc def", "é" * 3, "x" * 65])
def test_a_token_outside_our_alphabet_names_no_payment(
    client: Client, make_transfer: Callable[..., Transfer], token: str
) -> None:
    """Never sent to the database as it is (PostgreSQL refuses NUL bytes): a 404, stored."""
    from django_momo.callbacks.processing import names_known_payment

    make_transfer()
    assert names_known_payment("mtn", token, b"") is False
    resp = client.post(f"/momo/callbacks/mtn/{token}/", b"{}", content_type="application/json")
    assert resp.status_code == 404
    assert Callback.objects.get().verdict == V.UNKNOWN_TOKEN


def test_an_ipn_request_id_with_a_nul_names_no_payout(
    make_transfer: Callable[..., Transfer],
) -> None:
    from django_momo.callbacks.processing import names_known_payment

    make_transfer(provider="momo_vn")
    body = json.dumps({"requestId": "\x00", "partnerCode": "x"}).encode()
    assert names_known_payment("momo_vn", "", body) is False
