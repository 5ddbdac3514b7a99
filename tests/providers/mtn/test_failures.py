"""Errors over HTTP: bad credentials, wrong configuration, garbage bodies, refused input."""

from __future__ import annotations

import pytest

from django_momo.providers.base import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    RejectedError,
    TransientError,
)
from django_momo.providers.mtn import CollectionClient, DisbursementClient
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

from .conftest import MakeClient, callback_url, new_ref

NOTE = {"payer_message": "Invoice 9", "payee_note": "Invoice 9"}


def stats(momo_sandbox: SandboxHandle) -> dict:  # type: ignore[type-arg]
    return momo_sandbox.control.get("/_sandbox/mtn/stats")  # type: ignore[no-any-return]


def test_wrong_api_key_is_an_authentication_error_without_the_key(
    make_client: MakeClient,
) -> None:
    client = make_client("collection", api_key="0123456789abcdef-wrong")
    with pytest.raises(AuthenticationError) as info:
        client.get_account_balance()
    text = str(info.value) + repr(info.value) + (info.value.body or "")
    assert "0123456789abcdef-wrong" not in text
    assert presets.MTN_SUBSCRIPTION_KEYS["collection"] not in text


def test_callback_host_mismatch_is_a_configuration_error(
    collection: CollectionClient, momo_sandbox: SandboxHandle
) -> None:
    ref = new_ref()
    with pytest.raises(ConfigurationError) as info:
        collection.request_to_pay(
            ref,
            amount="1",
            payer="46733000301",
            external_id="c",
            **NOTE,
            callback_url="https://elsewhere.example.com/momo/cb/abc/",
        )
    assert info.value.code == "INVALID_CALLBACK_URL_HOST"
    assert info.value.reference == ref
    assert momo_sandbox.control.ledger()["entries"] == []


def test_per_call_callback_url_is_sent_and_called_back(
    collection: CollectionClient, momo_sandbox: SandboxHandle
) -> None:
    ref = new_ref()
    url = callback_url(momo_sandbox, "payment-1")
    collection.request_to_pay(
        ref, amount="1", payer="46733000302", external_id="c", **NOTE, callback_url=url
    )
    (entry,) = momo_sandbox.control.ledger()["entries"]
    assert entry["reference"] == ref
    deliveries = momo_sandbox.control.wait_for_callbacks(1)
    assert [d["url"] for d in deliveries] == [url]


def test_invalid_currency_is_rejected(make_client: MakeClient, momo_sandbox: SandboxHandle) -> None:
    # A client without a fixed currency lets the provider judge it: MTN refuses, nothing booked.
    client = make_client("collection", target_environment="sandbox", currency=None)
    client.currency = None
    with pytest.raises(RejectedError) as info:
        client.request_to_pay(
            new_ref(), amount="1", payer="46733000303", external_id="c", currency="UGX", **NOTE
        )
    assert info.value.code == "INVALID_CURRENCY"
    assert momo_sandbox.control.ledger()["entries"] == []


def test_wrong_target_environment_is_a_configuration_error(make_client: MakeClient) -> None:
    client = make_client("disbursement", target_environment="mtnuganda", currency="UGX")
    with pytest.raises(ConfigurationError) as info:
        client.get_account_balance()
    assert info.value.code == "NOT_ALLOWED_TARGET_ENVIRONMENT"


@pytest.mark.parametrize("kind", ["html", "empty", "text", "bad-json"])
def test_garbage_bodies_are_transient_errors(
    make_client: MakeClient, momo_sandbox: SandboxHandle, kind: str
) -> None:
    client = make_client("disbursement")
    client.get_access_token()
    momo_sandbox.control.post("/_sandbox/mtn/garbage", {"next": 10, "kind": kind, "status": 502})
    ref = new_ref()
    with pytest.raises(TransientError) as info:
        client.transfer(ref, amount="1", payee="46733000304", external_id="g", **NOTE)
    assert info.value.http_status == 502
    assert info.value.reference == ref
    assert momo_sandbox.control.ledger()["entries"] == []


def test_garbage_once_then_a_real_answer(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    client = make_client("disbursement")
    client.get_access_token()
    momo_sandbox.control.post("/_sandbox/mtn/garbage", {"next": 1, "kind": "html", "status": 503})
    ref = new_ref()
    sub = client.transfer(ref, amount="1", payee="46733000305", external_id="g", **NOTE)
    assert sub.http_status == 202
    assert len(momo_sandbox.control.ledger()["entries"]) == 1


BAD_INPUTS = [
    ("reference_id", {"reference_id": "not-a-uuid"}),
    ("reference_id", {"reference_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}),
    ("amount", {"amount": 1.5}),
    ("amount", {"amount": "0"}),
    ("amount", {"amount": "1.234"}),
    ("currency", {"currency": "EURO"}),
    ("currency", {"currency": "USD"}),
    ("payee", {"payee": "0772123456"}),
    ("payee", {"payee": "+"}),
    ("payer_message", {"payer_message": ""}),
    ("payer_message", {"payer_message": "x" * 161}),
    ("payee_note", {"payee_note": "Joe's shop"}),
    ("payee_note", {"payee_note": "Fish & chips"}),
    ("external_id", {"external_id": ""}),
    ("callback_url", {"callback_url": "not a url"}),
    ("payee_id_type", {"payee_id_type": "PHONE"}),
]


@pytest.mark.parametrize(("field", "override"), BAD_INPUTS)
def test_bad_input_is_refused_before_any_call(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle, field: str, override: dict
) -> None:  # type: ignore[type-arg]
    kwargs = {
        "reference_id": new_ref(),
        "amount": "1",
        "payee": "46733000306",
        "external_id": "b",
        **NOTE,
    }
    kwargs.update(override)
    with pytest.raises(InvalidInputError) as info:
        disbursement.transfer(kwargs.pop("reference_id"), **kwargs)
    assert info.value.field == field
    assert momo_sandbox.control.ledger()["entries"] == []
    # Not even a token was asked for.
    assert stats(momo_sandbox)["token_issuances_total"] == 0


def test_bad_refund_reference_is_refused_before_any_call(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    with pytest.raises(InvalidInputError) as info:
        disbursement.refund(
            new_ref(), amount="1", reference_id_to_refund="123", external_id="r", **NOTE
        )
    assert info.value.field == "reference_id_to_refund"
    assert stats(momo_sandbox)["requests_total"] == 0


def test_bad_status_reference_is_refused_before_any_call(
    collection: CollectionClient, momo_sandbox: SandboxHandle
) -> None:
    with pytest.raises(InvalidInputError):
        collection.get_request_to_pay_status("../../v1_0/account/balance")
    with pytest.raises(InvalidInputError):
        collection.get_basic_user_info("07721234")
    with pytest.raises(InvalidInputError):
        collection.is_active("46733000307", "phone")
    assert stats(momo_sandbox)["requests_total"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target_environment": "uganda"},
        {"base_url": "ftp://x"},
        {"api_key": ""},
        {"api_user": "a:b"},
        {"callback_url": "nope"},
    ],
)
def test_bad_configuration_is_refused_at_construction(
    make_client: MakeClient, kwargs: dict
) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigurationError):
        make_client("collection", **kwargs)


def test_reprs_hide_secrets(collection: CollectionClient) -> None:
    text = repr(collection) + repr(collection.credentials) + repr(collection.get_access_token())
    assert presets.MTN_API_KEY not in text
    assert presets.MTN_SUBSCRIPTION_KEYS["collection"] not in text
    assert collection.get_access_token().access_token not in text
