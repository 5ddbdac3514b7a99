"""Payouts through the API: create (held or sent), list with filters, retrieve, validation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from django_momo.models import PaymentStatus, StatusChange, Transfer

from .conftest import assert_error, momo_payout, payout, post, url

pytestmark = pytest.mark.django_db


def test_held_payout_is_stored_and_not_sent(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "transfer-list", payout(amount="12.5", external_id="shop-1"))
    assert response.status_code == 201, response.content
    data = response.json()
    transfer = Transfer.objects.get(pk=data["id"])
    assert data["status"] == transfer.status == PaymentStatus.CREATED
    assert data["amount"] == "12.5"
    assert data["currency"] == "EUR"
    assert data["external_id"] == "shop-1"
    assert transfer.created_by is not None
    assert transfer.created_by.username == "operator"
    assert StatusChange.objects.get(transfer=transfer).actor == "api:operator"
    assert sandbox_accounts.control.ledger()["entries"] == []


@pytest.mark.django_db(transaction=True)
def test_payout_is_sent_on_commit(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "transfer-list", payout(hold=False))
    assert response.status_code == 201, response.content
    data = response.json()
    # The immediate task backend sent it before the answer was built.
    assert data["status"] in (PaymentStatus.PENDING, PaymentStatus.SUCCESSFUL)
    entries = sandbox_accounts.control.ledger()["entries"]
    assert [e["reference"] for e in entries] == [data["reference"]]
    assert entries[0]["external_id"] == data["external_id"]


@pytest.mark.django_db(transaction=True)
def test_momo_payout_is_sent_and_hides_its_request_body(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "transfer-list", momo_payout(hold=False))
    assert response.status_code == 201, response.content
    data = response.json()
    transfer = Transfer.objects.get(pk=data["id"])
    assert transfer.request_body  # stored for re-sends...
    assert "request_body" not in data  # ...and never shown
    assert "callback_token" not in data
    assert transfer.callback_token not in response.content.decode()
    assert data["status"] != PaymentStatus.CREATED
    assert len(sandbox_accounts.control.ledger()["entries"]) == 1


def test_same_external_id_and_body_returns_the_first_payout(
    api: Any, sandbox_accounts: Any
) -> None:
    body = payout()
    first = post(api, "transfer-list", body)
    second = post(api, "transfer-list", body)  # a new idempotency key
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Transfer.objects.count() == 1


def test_conflicting_body_under_an_external_id_is_409(api: Any, sandbox_accounts: Any) -> None:
    body = payout()
    assert post(api, "transfer-list", body).status_code == 201
    response = post(api, "transfer-list", {**body, "amount": "99.00"})
    error = assert_error(response, 409, "external_id", "conflict")
    assert "amount" in error["message"]
    assert Transfer.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"account": None}, "account", "null"),
        ({"operation": "mtn.teleport"}, "operation", "invalid_choice"),
        ({"amount": "abc"}, "amount", "invalid"),
        ({"amount": True}, "amount", "invalid"),
        ({"amount": "12.345"}, "amount", "invalid"),
        ({"amount": "-5"}, "amount", "invalid"),
        ({"currency": "UGX"}, "currency", "invalid"),
        ({"account": "nowhere"}, "account", "invalid"),
        ({"account": "momo"}, "operation", "invalid"),
        ({"party_id": "not-a-phone"}, "party_id", "invalid"),
        ({"external_id": "x" * 65}, "external_id", "max_length"),
        ({"hold": "maybe"}, "hold", "invalid"),
        ({"party_type": "PIGEON"}, "party_type", "invalid_choice"),
    ],
)
def test_invalid_payout_names_the_field(
    api: Any, sandbox_accounts: Any, change: dict[str, Any], field: str, code: str
) -> None:
    response = post(api, "transfer-list", payout(**change))
    assert_error(response, 400, field, code)
    assert Transfer.objects.count() == 0


def test_json_number_amount_with_a_fraction_is_refused(api: Any, sandbox_accounts: Any) -> None:
    response = api.post(
        url("transfer-list"),
        data='{"account": "mtn", "operation": "mtn.disbursement.transfer", "party_id": '
        '"256700000001", "amount": 0.30, "external_id": "num-1", "hold": true}',
        content_type="application/json",
        headers={"Idempotency-Key": "num-1"},
    )
    error = assert_error(response, 400, "amount", "number")
    assert "JSON string" in error["message"]
    assert not Transfer.objects.exists()


def test_missing_fields_are_each_reported(api: Any, sandbox_accounts: Any) -> None:
    response = post(api, "transfer-list", {})
    assert response.status_code == 400
    for field in ("account", "operation", "party_id", "amount", "external_id"):
        assert_error(response, 400, field, "required")


def test_malformed_json_is_a_parse_error(api: Any) -> None:
    response = api.post(
        url("transfer-list"),
        data="{not json",
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert_error(response, 400, None, "parse_error")


def test_form_body_is_refused(api: Any) -> None:
    response = api.post(url("transfer-list"), data={"a": "b"}, headers={"Idempotency-Key": "k"})
    assert_error(response, 415, None, "unsupported_media_type")


def test_retrieve_and_404(api: Any, sandbox_accounts: Any) -> None:
    created = post(api, "transfer-list", payout()).json()
    response = api.get(url("transfer-detail", pk=created["id"]))
    assert response.status_code == 200
    assert response.json() == created
    assert_error(api.get(url("transfer-detail", pk=999999)), 404, None, "not_found")


def test_list_filters(api: Any, sandbox_accounts: Any) -> None:
    a = post(api, "transfer-list", payout(external_id="filter-a")).json()
    b = post(api, "transfer-list", momo_payout(external_id="filter-b")).json()
    Transfer.objects.filter(pk=b["id"]).update(status=PaymentStatus.FAILED)
    old = timezone.now() - timedelta(days=3)
    Transfer.objects.filter(pk=a["id"]).update(created_at=old)

    def ids(**params: Any) -> list[int]:
        response = api.get(url("transfer-list"), params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids() == [b["id"], a["id"]]  # newest first
    assert ids(status="failed") == [b["id"]]
    assert ids(status="created") == [a["id"]]
    assert ids(account="mtn") == [a["id"]]
    assert ids(external_id="filter-b") == [b["id"]]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_after=since) == [b["id"]]
    assert ids(created_before=since) == [a["id"]]
    assert_error(api.get(url("transfer-list"), {"status": "lost"}), 400, "status", "invalid_choice")
    assert_error(
        api.get(url("transfer-list"), {"created_after": "yesterday"}),
        400,
        "created_after",
        "invalid",
    )


def test_cursor_pagination_walks_every_payout_once(api: Any, sandbox_accounts: Any) -> None:
    for _ in range(7):
        post(api, "transfer-list", payout())
    seen: list[int] = []
    response = api.get(url("transfer-list"), {"page_size": 3})
    while True:
        data = response.json()
        seen += [item["id"] for item in data["results"]]
        if not data["next"]:
            break
        response = api.get(data["next"])
    newest_first = Transfer.objects.order_by("-created_at", "-id")
    assert seen == list(newest_first.values_list("id", flat=True))
    assert len(seen) == 7
