"""The MoMo IPN endpoint (Django test client): verify, match, settle once, refuse forgeries."""

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
IPN_URL = "/momo/callbacks/momo-vn/ipn/"
Make = Callable[..., Transfer]
Sign = Callable[..., dict[str, Any]]


def post(client: Client, body: dict[str, Any] | bytes | str, **extra: Any) -> Any:
    data = json.dumps(body, ensure_ascii=False) if isinstance(body, dict) else body
    return client.post(IPN_URL, data, content_type="application/json", **extra)


def momo_transfer(make_transfer: Make, **fields: Any) -> Transfer:
    return make_transfer(provider="momo_vn", **fields)


def test_url_is_stable() -> None:
    assert reverse("django_momo:momo-vn-ipn") == IPN_URL


def test_valid_ipn_settles_once_and_answers_204(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = momo_transfer(make_transfer)
    ipn = signed_ipn(transfer)
    resp = post(client, ipn)
    assert resp.status_code == 204
    assert resp.content == b""
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL
    assert transfer.provider_transaction_id == str(ipn["transId"])
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status, cb.transfer) == (V.VALID, 204, transfer)
    change = StatusChange.objects.get(transfer=transfer)
    assert change.actor == f"callback:{cb.pk}"
    # The very same IPN again: a duplicate, acknowledged, nothing new.
    assert post(client, ipn).status_code == 204
    assert Callback.objects.order_by("-id")[0].verdict == V.DUPLICATE
    assert StatusChange.objects.filter(transfer=transfer).count() == 1


def test_failure_ipn_fails_the_payout(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = momo_transfer(make_transfer)
    resp = post(client, signed_ipn(transfer, result_code=1001))
    assert resp.status_code == 204
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.FAILED


@pytest.mark.parametrize(
    ("tamper", "verdict"),
    [
        ("signature", V.INVALID_SIGNATURE),
        ("amount", V.INVALID_SIGNATURE),  # changed after signing: the HMAC no longer matches
        ("result", V.INVALID_SIGNATURE),
        ("missing_transId", V.MALFORMED),
        ("missing_signature", V.MALFORMED),
        ("float_amount", V.MALFORMED),
    ],
)
def test_forged_or_tampered_ipn_changes_nothing(
    client: Client, make_transfer: Make, signed_ipn: Sign, tamper: str, verdict: str
) -> None:
    transfer = momo_transfer(make_transfer)
    ipn = signed_ipn(transfer)
    if tamper == "signature":
        ipn["signature"] = ("0" if ipn["signature"][0] != "0" else "1") + ipn["signature"][1:]
    elif tamper == "amount":
        ipn["amount"] += 1000
    elif tamper == "result":
        ipn = signed_ipn(transfer, result_code=1001)
        ipn["resultCode"] = 0
    elif tamper == "float_amount":
        ipn = signed_ipn(transfer)
        ipn["amount"] = float(ipn["amount"])
    else:
        del ipn[tamper.removeprefix("missing_")]
    resp = post(client, ipn)
    assert resp.status_code == 400
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert not StatusChange.objects.exists()
    cb = Callback.objects.get()
    assert (cb.verdict, cb.response_status) == (verdict, 400)
    assert cb.error


def test_signed_ipn_with_other_amount_or_order_is_a_mismatch(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = momo_transfer(make_transfer)
    # Correctly signed (by someone holding the secret) but not about this payout's amount/order.
    for overrides in ({"amount": int(transfer.amount) + 1}, {"orderId": "someone-else"}):
        resp = post(client, signed_ipn(transfer, **overrides))
        assert resp.status_code == 400
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert set(Callback.objects.values_list("verdict", flat=True)) == {V.MISMATCH}


def test_unknown_partner_code_cannot_be_verified(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = momo_transfer(make_transfer)
    resp = post(client, signed_ipn(transfer, partnerCode="MOMOOTHER2026"))
    assert resp.status_code == 400
    assert Callback.objects.get().verdict == V.INVALID_SIGNATURE


def test_unknown_request_id_is_404(client: Client, make_transfer: Make, signed_ipn: Sign) -> None:
    transfer = momo_transfer(make_transfer)
    resp = post(client, signed_ipn(transfer, requestId="never-sent"))
    assert resp.status_code == 404
    assert Callback.objects.get().verdict == V.UNKNOWN_TOKEN


@pytest.mark.parametrize("final", [PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED])
def test_late_and_out_of_order_ipns_change_nothing(
    client: Client, make_transfer: Make, signed_ipn: Sign, final: str
) -> None:
    transfer = momo_transfer(make_transfer, status=final)
    # A contradicting result, a still-processing result, the agreeing result: all too late.
    for code in (1001 if final == PaymentStatus.SUCCESSFUL else 0, 7000, 0):
        resp = post(client, signed_ipn(transfer, result_code=code))
        assert resp.status_code == 204
    transfer.refresh_from_db()
    assert transfer.status == final
    assert not StatusChange.objects.exists()
    assert set(Callback.objects.values_list("verdict", flat=True)) == {V.LATE}


def test_processing_result_then_final_result(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    transfer = momo_transfer(make_transfer)
    assert post(client, signed_ipn(transfer, result_code=7000)).status_code == 204
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert post(client, signed_ipn(transfer, result_code=0)).status_code == 204
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL


def test_ipn_while_sending_settles(client: Client, make_transfer: Make, signed_ipn: Sign) -> None:
    # The IPN can overtake the synchronous pay answer.
    transfer = momo_transfer(make_transfer, status=PaymentStatus.SENDING)
    assert post(client, signed_ipn(transfer)).status_code == 204
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL


@pytest.mark.parametrize(
    ("method", "content_type", "body", "status"),
    [
        ("PUT", "application/json", "{}", 405),
        ("GET", "application/json", "", 405),
        ("POST", "application/x-www-form-urlencoded", "partnerCode=x", 415),
        ("POST", "text/plain", "{}", 415),
        ("POST", "application/json", "[1, 2]", 400),
        ("POST", "application/json", "\xff\xfe", 400),
        ("POST", "application/json", "", 415),  # no body: the client sends no type
    ],
)
def test_envelope_refusals_are_recorded(
    client: Client, db: None, method: str, content_type: str, body: str, status: int
) -> None:
    resp = client.generic(method, IPN_URL, body, content_type=content_type)
    assert resp.status_code == status
    cb = Callback.objects.get()
    assert cb.response_status == status
    assert cb.verdict == V.MALFORMED
    assert cb.provider == "momo_vn"


def test_allow_list_refuses_a_correctly_signed_ipn_from_elsewhere(
    client: Client, make_transfer: Make, signed_ipn: Sign, settings: Any
) -> None:
    settings.DJANGO_MOMO = {
        **settings.DJANGO_MOMO,
        "CALLBACK_ALLOWED_NETWORKS": {"momo_vn": ["118.69.210.244"]},
    }
    transfer = momo_transfer(make_transfer)
    resp = post(client, signed_ipn(transfer))
    assert resp.status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert Callback.objects.get().verdict == V.FORBIDDEN_SOURCE
    assert post(client, signed_ipn(transfer), REMOTE_ADDR="118.69.210.244").status_code == 204


def test_a_valid_ipn_looks_its_payout_up_once(
    client: Client, make_transfer: Make, signed_ipn: Sign
) -> None:
    """One path: verified once, looked up once by its requestId, matched once, recorded once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    transfer = momo_transfer(make_transfer)
    with CaptureQueriesContext(connection) as queries:
        assert post(client, signed_ipn(transfer)).status_code == 204
    table = Transfer._meta.db_table
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and f'FROM "{table}"' in q["sql"]
        and ("reference" in q["sql"] or "order_id" in q["sql"])
        and '"id" =' not in q["sql"]
    ]
    assert len(lookups) == 1, lookups
    assert '"reference" =' in lookups[0]
    assert Callback.objects.count() == 1
    assert StatusChange.objects.filter(transfer=transfer).count() == 1
