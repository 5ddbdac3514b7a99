"""Strict input through the API: amounts and party ids refused with a clear 4xx naming the field,
never normalised by DRF or by us; bodies no parser can follow are a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_momo.models import Collection, IdempotencyKey, PaymentStatus, Refund, Transfer
from tests.bad_input import BAD_AMOUNT_TEXT, EUR_HOW, VND_HOW

from .conftest import (
    assert_error,
    collection_request,
    errors_of,
    momo_payout,
    new_key,
    payout,
    post,
    url,
)

pytestmark = pytest.mark.django_db


def raw_post(api: APIClient, route: str, body: str, **kwargs: Any) -> Any:
    """POST ``body`` exactly as written (JSON numbers stay numbers) with a fresh key."""
    return api.post(
        url(route, **kwargs),
        data=body,
        content_type="application/json",
        headers={"Idempotency-Key": new_key()},
    )


def _nothing_stored() -> None:
    assert not Transfer.objects.exists()
    assert not Collection.objects.exists()


@pytest.mark.parametrize("text", BAD_AMOUNT_TEXT.values(), ids=BAD_AMOUNT_TEXT.keys())
def test_mtn_payout_amount_text_is_refused(
    api: APIClient, sandbox_accounts: Any, text: str
) -> None:
    error = assert_error(post(api, "transfer-list", payout(amount=text)), 400, "amount", "invalid")
    assert EUR_HOW in error["message"]
    assert "e.g. 1000 or 1000.50" in error["message"]
    _nothing_stored()


@pytest.mark.parametrize("text", [*BAD_AMOUNT_TEXT.values(), "15000.0", "500.000"])
def test_momo_payout_amount_text_is_refused(
    api: APIClient, sandbox_accounts: Any, text: str
) -> None:
    response = post(api, "transfer-list", momo_payout(amount=text))
    error = assert_error(response, 400, "amount", "invalid")
    assert VND_HOW in error["message"]
    _nothing_stored()


@pytest.mark.parametrize("text", ["1e3", " 20 ", "1,000", "\uff12\uff10"])
def test_collection_amount_text_is_refused(
    api: APIClient, sandbox_accounts: Any, text: str
) -> None:
    response = post(api, "collection-list", collection_request(amount=text))
    error = assert_error(response, 400, "amount", "invalid")
    assert EUR_HOW in error["message"]
    _nothing_stored()


def _successful_collection(api: APIClient) -> int:
    data = post(api, "collection-list", collection_request()).json()
    Collection.objects.filter(pk=data["id"]).update(status=PaymentStatus.SUCCESSFUL)
    return int(data["id"])


@pytest.mark.parametrize("text", ["1e1", " 5", "5.", "+5", "1_0"])
def test_refund_amount_text_is_refused(api: APIClient, sandbox_accounts: Any, text: str) -> None:
    pk = _successful_collection(api)
    response = post(api, "collection-refunds", {"amount": text, "external_id": "r-1"}, pk=pk)
    error = assert_error(response, 400, "amount", "invalid")
    assert EUR_HOW in error["message"]
    assert not Refund.objects.exists()


@pytest.mark.parametrize("number", ["1000.5", "12.50", "1e3", "1E+1", "10.0", "-0.0"])
def test_json_numbers_with_a_fraction_or_exponent_are_refused(
    api: APIClient, sandbox_accounts: Any, number: str
) -> None:
    body = json.dumps(payout()).replace('"amount": "12.50"', f'"amount": {number}')
    assert f'"amount": {number}' in body
    error = assert_error(raw_post(api, "transfer-list", body), 400, "amount", "number")
    assert 'send the amount as a JSON string, e.g. "1000.50"' in error["message"]
    _nothing_stored()


def test_json_integer_amount_is_accepted(api: APIClient, sandbox_accounts: Any) -> None:
    body = json.dumps(payout()).replace('"amount": "12.50"', '"amount": 1000')
    response = raw_post(api, "transfer-list", body)
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "1000"


@pytest.mark.parametrize("value", [True, None, ["10"], {"value": "10"}])
def test_amount_of_another_json_type_is_refused(
    api: APIClient, sandbox_accounts: Any, value: Any
) -> None:
    response = post(api, "transfer-list", payout(amount=value))
    assert response.status_code == 400
    assert [e["field"] for e in errors_of(response)] == ["amount"]
    _nothing_stored()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_literals_are_a_parse_error(
    api: APIClient, sandbox_accounts: Any, literal: str
) -> None:
    body = json.dumps(payout()).replace('"amount": "12.50"', f'"amount": {literal}')
    assert_error(raw_post(api, "transfer-list", body), 400, None, "parse_error")
    _nothing_stored()


@pytest.mark.parametrize(
    "msisdn",
    [
        "+256 772 123456",
        "+256772123456",
        "0772123456",
        " 256772123456",
        "256772123456 ",
        "256 772 123456",
        "256\u00a0772123456",
    ],
)
def test_mtn_msisdn_is_refused_not_rewritten(
    api: APIClient, sandbox_accounts: Any, msisdn: str
) -> None:
    error = assert_error(
        post(api, "transfer-list", payout(party_id=msisdn)), 400, "party_id", "invalid"
    )
    assert "MSISDN must be digits only with the country code, no '+' or spaces" in error["message"]
    _nothing_stored()


@pytest.mark.parametrize("wallet", ["+84901234567", "84901234567", "090 123 4567", " 0901234567"])
def test_momo_wallet_is_refused_not_rewritten(
    api: APIClient, sandbox_accounts: Any, wallet: str
) -> None:
    response = post(api, "transfer-list", momo_payout(party_id=wallet))
    error = assert_error(response, 400, "party_id", "invalid")
    assert "local format, 10 digits starting with 0" in error["message"]
    _nothing_stored()


def test_party_id_as_a_json_number_is_refused(api: APIClient, sandbox_accounts: Any) -> None:
    response = post(api, "transfer-list", payout(party_id=256772123456))
    error = assert_error(response, 400, "party_id", "not_a_string")
    assert "JSON string" in error["message"]
    _nothing_stored()


def test_currency_is_refused_not_upper_cased(api: APIClient, sandbox_accounts: Any) -> None:
    assert_error(post(api, "transfer-list", payout(currency="eur")), 400, "currency", "invalid")
    _nothing_stored()


def test_sandbox_test_number_is_accepted_as_given(api: APIClient, sandbox_accounts: Any) -> None:
    response = post(api, "transfer-list", payout(party_id="46733123450"))
    assert response.status_code == 201, response.content
    assert Transfer.objects.get().party_id == "46733123450"


# -- bodies nested deeper than anything we read -----------------------------------------------

DEEP_BODIES = {
    "list-5000": "[" * 5000 + "]" * 5000,
    "object-5000": '{"a":' * 5000 + "1" + "}" * 5000,
    "object-1000": '{"a":' * 1000 + "1" + "}" * 1000,
    "field-3000": '{"account":' + "[" * 3000 + "]" * 3000 + "}",
    # Parsed by Python, yet deeper than any request of ours: refused before a view walks it.
    "field-100": '{"amount":' + "[" * 100 + "]" * 100 + "}",
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("route", ["transfer-list", "collection-list", "collection-refunds"])
def test_deep_json_is_a_400_on_every_create_endpoint(
    api: APIClient, sandbox_accounts: Any, route: str, body: str
) -> None:
    kwargs = {"pk": _successful_collection(api)} if route == "collection-refunds" else {}
    before = (Transfer.objects.count(), Collection.objects.count(), IdempotencyKey.objects.count())
    error = assert_error(raw_post(api, route, body, **kwargs), 400, None, "parse_error")
    assert "nested deeper than" in error["message"]
    after = (Transfer.objects.count(), Collection.objects.count(), IdempotencyKey.objects.count())
    assert after == before
    assert not Refund.objects.exists()


READ_ONLY_ROUTES: list[tuple[str, dict[str, Any]]] = [
    ("refund-list", {}),
    ("account-list", {}),
    ("account-balance", {"name": "mtn"}),
    ("transfer-detail", {"pk": 1}),
    ("collection-detail", {"pk": 1}),
    ("refund-detail", {"pk": 1}),
]


@pytest.mark.parametrize(
    ("route", "kwargs"), READ_ONLY_ROUTES, ids=[r for r, _ in READ_ONLY_ROUTES]
)
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_deep_json_never_a_500_on_read_only_endpoints(
    api: APIClient, route: str, kwargs: dict[str, Any], method: str
) -> None:
    send = getattr(api, method)
    response = send(
        url(route, **kwargs), data=DEEP_BODIES["list-5000"], content_type="application/json"
    )
    assert 400 <= response.status_code < 500, response.content
    errors_of(response)
