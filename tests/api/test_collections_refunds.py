"""Payment requests and refunds through the API."""

from __future__ import annotations

from typing import Any

import pytest

from django_momo.models import Collection, PaymentStatus, Refund

from .conftest import assert_error, collection_request, post, url

pytestmark = pytest.mark.django_db


def _collected(api: Any, **overrides: Any) -> dict[str, Any]:
    """A held collection, marked successful as if the payer had approved it."""
    data = post(api, "collection-list", collection_request(**overrides)).json()
    Collection.objects.filter(pk=data["id"]).update(status=PaymentStatus.SUCCESSFUL)
    return data


def test_request_payment_held(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "collection-list", collection_request(external_id="inv-a"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "created"
    assert data["operation"] == "mtn.collection.request_to_pay"
    assert data["amount"] == "20"
    assert sandbox_accounts.control.ledger()["entries"] == []


@pytest.mark.django_db(transaction=True)
def test_request_payment_is_sent(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "collection-list", collection_request(hold=False))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] != "created"
    entries = sandbox_accounts.control.ledger()["entries"]
    assert [(e["operation"], e["reference"]) for e in entries] == [
        ("collection.requesttopay", data["reference"])
    ]


def test_collection_validation(api: Any, sandbox_accounts: Any) -> None:
    assert_error(
        post(api, "collection-list", collection_request(operation="momo_vn.pay_wallet")),
        400,
        "operation",
        "invalid_choice",
    )
    assert_error(
        post(api, "collection-list", collection_request(amount="0")), 400, "amount", "invalid"
    )
    assert Collection.objects.count() == 0


def test_collection_list_retrieve_and_filters(api: Any, sandbox_accounts: Any) -> None:
    a = post(api, "collection-list", collection_request(external_id="col-a")).json()
    b = _collected(api, external_id="col-b")
    items = api.get(url("collection-list")).json()["results"]
    assert [i["id"] for i in items] == [b["id"], a["id"]]
    only = api.get(url("collection-list"), {"status": "successful"}).json()["results"]
    assert [i["id"] for i in only] == [b["id"]]
    by_ext = api.get(url("collection-list"), {"external_id": "col-a"}).json()["results"]
    assert [i["id"] for i in by_ext] == [a["id"]]
    assert api.get(url("collection-detail", pk=a["id"])).json()["external_id"] == "col-a"
    assert_error(api.get(url("collection-detail", pk=10**9)), 404, None, "not_found")


def test_refund_part_then_the_rest(api: Any, sandbox_accounts: Any) -> None:
    collection = _collected(api)
    first = post(api, "collection-refunds", {"amount": "5.00", "hold": True}, pk=collection["id"])
    assert first.status_code == 201, first.content
    assert first.json()["amount"] == "5"
    assert first.json()["collection"] == collection["id"]
    rest = post(
        api, "collection-refunds", {"hold": True, "external_id": "rest-1"}, pk=collection["id"]
    )
    assert rest.status_code == 201
    assert rest.json()["amount"] == "15"
    again = post(
        api, "collection-refunds", {"hold": True, "external_id": "rest-1"}, pk=collection["id"]
    )
    assert again.status_code == 200
    assert again.json()["id"] == rest.json()["id"]
    listed = api.get(url("collection-refunds", pk=collection["id"])).json()["results"]
    assert [r["id"] for r in listed] == [rest.json()["id"], first.json()["id"]]
    everywhere = api.get(url("refund-list"), {"status": "created"}).json()["results"]
    assert len(everywhere) == 2
    detail = api.get(url("refund-detail", pk=first.json()["id"]))
    assert detail.json() == first.json()


def test_refund_above_the_collected_amount_is_refused(api: Any, sandbox_accounts: Any) -> None:
    collection = _collected(api)
    response = post(api, "collection-refunds", {"amount": "20.01"}, pk=collection["id"])
    error = assert_error(response, 400, "amount", "refund_exceeds_collected")
    assert "20" in error["message"]
    assert Refund.objects.count() == 0


def test_refund_of_an_unfinished_collection_is_409(api: Any, sandbox_accounts: Any) -> None:
    collection = post(api, "collection-list", collection_request()).json()
    response = post(api, "collection-refunds", {"hold": True}, pk=collection["id"])
    assert_error(response, 409, None, "invalid_transition")


def test_refund_of_a_missing_collection_is_404(api: Any, sandbox_accounts: Any) -> None:
    assert_error(post(api, "collection-refunds", {}, pk=10**9), 404, None, "not_found")
    assert_error(api.get(url("collection-refunds", pk=10**9)), 404, None, "not_found")


@pytest.mark.django_db(transaction=True)
def test_refund_is_sent(api: Any, sandbox_accounts: Any) -> None:
    # A real collection first: sent to the sandbox and approved by the payer there.
    data = post(api, "collection-list", collection_request(hold=False)).json()
    Collection.objects.filter(pk=data["id"]).update(status=PaymentStatus.SUCCESSFUL)
    response = post(api, "collection-refunds", {"amount": "1.00"}, pk=data["id"])
    assert response.status_code == 201, response.content
    assert response.json()["status"] != "created"
    operations = [e["operation"] for e in sandbox_accounts.control.ledger()["entries"]]
    assert len(operations) == 2


def momo_payment_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account": "momo",
        "operation": "momo_vn.capture_wallet",
        "amount": "150000",
        "external_id": "momo-inv-1",
        "message": "Đơn hàng 1",
    }
    body.update(overrides)
    return body


@pytest.mark.django_db(transaction=True)
def test_momo_payment_request_answers_where_to_pay(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "collection-list", momo_payment_request())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["party_id"] == ""
    # Sent after the commit (immediate task backend): the order is open at MoMo.
    shown = api.get(url("collection-detail", pk=created["id"])).json()
    assert shown["status"] == "pending"
    assert shown["pay_url"].startswith(sandbox_accounts.base_url)
    assert "signature" not in json_text(shown)
    assert "request_body" not in shown
    # The customer pays; a status check (what the IPN's absence leaves to) settles it.
    order = Collection.objects.get(pk=created["id"])
    sandbox_accounts.control.momo_gateway_settle(order.order_id, 0, notify=False)
    from django_momo import services

    services.refresh_collection(order.pk, actor="t")
    paid = api.get(url("collection-detail", pk=created["id"])).json()
    assert paid["status"] == "successful"
    assert paid["provider_transaction_id"]
    # A partial refund through the API: its own orderId, sent to MoMo.
    refund = post(api, "collection-refunds", {"amount": "50000", "hold": False}, pk=created["id"])
    assert refund.status_code == 201, refund.content
    assert Refund.objects.get().status == PaymentStatus.SUCCESSFUL


def json_text(data: Any) -> str:
    import json

    return json.dumps(data)


def test_momo_payment_request_input_is_refused(api: Any, sandbox_accounts: Any) -> None:
    for change, field in [
        ({"amount": "999"}, "amount"),
        ({"amount": "1000.5"}, "amount"),
        ({"amount": "1e5"}, "amount"),
        ({"party_id": "0912345678"}, "party_id"),
        ({"operation": "momo_vn.pay_with_cc"}, "party_id"),
    ]:
        response = post(api, "collection-list", momo_payment_request(**change))
        assert response.status_code == 400, (change, response.content)
        assert field in response.content.decode(), change
    assert Collection.objects.count() == 0
