"""MoMo payment IPNs and the customer's return page, with the Django test client.

The orders are real sandbox orders; the IPN bodies and return parameters are signed with the
sandbox's own (independent) signer, as MoMo would send them.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from django_momo import services
from django_momo.models import Callback, CallbackVerdict, Collection, PaymentStatus, StatusChange
from django_momo.sandbox import presets
from django_momo.sandbox.momo_vn.gateway_orders import sign_gateway

pytestmark = pytest.mark.django_db

V = CallbackVerdict
S = PaymentStatus
IPN_URL = "/momo/callbacks/momo-vn/ipn/"


@pytest.fixture
def accounts(momo_accounts: Any, settings: Any) -> Any:
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    conf["HTTP_MAX_RETRIES"] = 0
    settings.DJANGO_MOMO = conf
    return momo_accounts


def open_order(external_id: str = "ipn-1") -> Collection:
    order, _ = services.request_payment(
        account="momo",
        operation="momo_vn.capture_wallet",
        amount=120_000,
        external_id=external_id,
        party_id="",
        actor="user:alice",
    )
    order = services.send_collection(order.pk, actor="t")
    assert order.status == S.PENDING
    return order


def result_for(sandbox: Any, order: Collection, code: int = 0, **change: Any) -> dict[str, Any]:
    """Settle the order at the sandbox (no IPN sent) and sign its result as MoMo does."""
    sandbox.control.momo_gateway_settle(order.order_id, code, notify=False)
    state = sandbox.control.momo_gateway_order(order.order_id)
    body: dict[str, Any] = {
        "partnerCode": presets.MOMO_PARTNER_CODE,
        "orderId": order.order_id,
        "requestId": order.reference,
        "amount": int(order.amount),
        "orderInfo": order.message,
        "orderType": "momo_wallet",
        "transId": state["transId"],
        "resultCode": code,
        "message": "Thành công." if code == 0 else "Giao dịch bị từ chối.",
        "payType": state["payType"] or "qr",
        "responseTime": 1_700_000_000_000,
        "extraData": "",
    }
    body["signature"] = sign_gateway(
        "payment_ipn", body, presets.MOMO_ACCESS_KEY, presets.MOMO_SECRET_KEY
    )
    body.update(change)  # after signing: a forgery
    return body


def post_ipn(client: Client, body: dict[str, Any]) -> Any:
    return client.post(
        IPN_URL, json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


def test_a_signed_payment_ipn_settles_the_order_once(client: Client, accounts: Any) -> None:
    order = open_order()
    body = result_for(accounts, order)
    assert post_ipn(client, body).status_code == 204
    order.refresh_from_db()
    assert order.status == S.SUCCESSFUL
    assert order.provider_transaction_id == str(body["transId"])
    assert order.pay_type == body["payType"]
    assert Callback.objects.get().verdict == V.VALID
    # The same IPN again: acknowledged, nothing new.
    assert post_ipn(client, body).status_code == 204
    assert Callback.objects.order_by("-id")[0].verdict == V.DUPLICATE
    assert StatusChange.objects.filter(collection=order, to_status=S.SUCCESSFUL).count() == 1


def test_a_refusal_ipn_fails_the_order(client: Client, accounts: Any) -> None:
    order = open_order()
    assert post_ipn(client, result_for(accounts, order, 1006)).status_code == 204
    order.refresh_from_db()
    assert (order.status, order.failure_code) == (S.FAILED, "1006")


@pytest.mark.parametrize(
    ("change", "verdict"),
    [
        ({"amount": 1_000}, V.INVALID_SIGNATURE),
        ({"resultCode": 0, "transId": 1}, V.INVALID_SIGNATURE),
        ({"signature": "0" * 64}, V.INVALID_SIGNATURE),
    ],
)
def test_a_forged_payment_ipn_changes_nothing(
    client: Client, accounts: Any, change: dict[str, Any], verdict: str
) -> None:
    order = open_order()
    response = post_ipn(client, result_for(accounts, order, 1006, **change))
    assert response.status_code == 400
    assert Callback.objects.get().verdict == verdict
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_an_ipn_for_another_amount_is_a_mismatch(client: Client, accounts: Any) -> None:
    order = open_order()
    body = result_for(accounts, order)
    Collection.objects.filter(pk=order.pk).update(amount=130_000)  # the record says otherwise
    assert post_ipn(client, body).status_code == 400
    assert Callback.objects.get().verdict == V.MISMATCH
    order.refresh_from_db()
    assert order.status == S.PENDING


def return_path(order: Collection, params: dict[str, Any]) -> str:
    return f"/momo/returns/momo-vn/{order.callback_token}/?{urlencode(params)}"


def test_the_return_is_a_claim_that_asks_for_a_status_query(
    client: Client, accounts: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = open_order()
    params = result_for(accounts, order)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        page = client.get(return_path(order, params))
    assert page.status_code == 200
    assert "being confirmed" in page.content.decode() or "Paid" in page.content.decode()
    # The status query (which, on the immediate backend, settled it; then its signal).
    assert queued[0].__qualname__.startswith("enqueue refresh collection")
    stored = Callback.objects.get()
    assert (stored.verdict, stored.collection_id) == (V.VALID, order.pk)
    order.refresh_from_db()
    assert order.status == S.SUCCESSFUL  # by the query, not by the return


def test_a_tampered_return_changes_nothing_and_asks_nothing(
    client: Client, accounts: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = open_order()
    params = result_for(accounts, order, 1006, resultCode=0)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        page = client.get(return_path(order, params))
    assert page.status_code == 200
    assert "Waiting for the payment" in page.content.decode()
    assert queued == []
    assert Callback.objects.get().verdict == V.INVALID_SIGNATURE
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_a_return_link_that_names_no_payment(client: Client, accounts: Any) -> None:
    page = client.get("/momo/returns/momo-vn/no-such-token/?resultCode=0")
    assert page.status_code == 404
    assert "Payment not found" in page.content.decode()
    assert Callback.objects.get().verdict == V.UNKNOWN_TOKEN
