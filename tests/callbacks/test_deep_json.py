"""Bodies nested deeper than the JSON parser can follow are recorded as malformed, never a 5xx."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from django_momo.callbacks.recording import REFUSED_BODY_LIMIT
from django_momo.models import Callback, CallbackVerdict, PaymentStatus, StatusChange, Transfer

pytestmark = pytest.mark.usefixtures("no_provider_settings")

V = CallbackVerdict
IPN_URL = "/momo/callbacks/momo-vn/ipn/"

DEEP_BODIES = {
    "list-5000": "[" * 5000 + "]" * 5000,
    "object-5000": '{"a":' * 5000 + "1" + "}" * 5000,
    "object-1000": '{"a":' * 1000 + "1" + "}" * 1000,
    "list-in-object": '{"partnerCode":' + "[" * 3000 + "]" * 3000 + "}",
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("method", ["put", "post"])
def test_mtn_callback_with_deep_json_is_malformed(
    client: Client, make_transfer: Callable[..., Transfer], body: str, method: str
) -> None:
    transfer = make_transfer()
    send = getattr(client, method)
    resp = send(
        reverse("django_momo:mtn-callback", args=[transfer.callback_token]),
        body,
        content_type="application/json",
    )
    assert resp.status_code == 400
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status, cb.transfer) == (V.MALFORMED, 400, transfer)
    assert bytes(cb.body) == body.encode()
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert not StatusChange.objects.filter(transfer=transfer).exists()


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_momo_ipn_with_deep_json_is_malformed(
    client: Client, make_transfer: Callable[..., Transfer], body: str
) -> None:
    transfer = make_transfer(provider="momo_vn")
    resp = client.post(IPN_URL, body, content_type="application/json")
    assert resp.status_code == 400
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status) == (V.MALFORMED, 400)
    # It names no payout (there is no requestId to read), so only its start is kept.
    assert bytes(cb.body) == body.encode()[:REFUSED_BODY_LIMIT]
    assert f"cut to {REFUSED_BODY_LIMIT} of {len(body.encode())} bytes" in cb.error
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert not StatusChange.objects.exists()
