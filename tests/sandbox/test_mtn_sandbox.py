"""The MTN half of the sandbox over real HTTP: tokens, payments, test numbers, rejections."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from django_momo.sandbox import presets

from .mtn_driver import (
    KEYS,
    SUBSCRIPTION_DENIED,
    Mtn,
    collect,
    mtn,
    payout,
    post_without_length,
    receiver,
)

__all__ = ["mtn", "receiver"]  # fixtures used by the tests below


# -- tokens ---------------------------------------------------------------------------------------
def test_token_is_issued_and_counted(mtn: Mtn) -> None:
    resp = mtn.token("disbursement")
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "access_token"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2
    mtn.token("disbursement")
    stats = mtn.control.get("/_sandbox/mtn/stats")
    assert stats["token_issuances"]["disbursement"][presets.MTN_API_USER] == 2
    assert stats["requests"]["disbursement.token"] == 2


def test_token_rejects_bad_credentials_body_and_missing_length(mtn: Mtn) -> None:
    resp = mtn.token("collection", key="wrong-key")
    assert (resp.status_code, resp.json()) == (401, {"error": "login_failed"})
    resp = requests.post(
        f"{mtn.base}/collection/token/",
        auth=(presets.MTN_API_USER, presets.MTN_API_KEY),
        headers={"Ocp-Apim-Subscription-Key": KEYS["collection"]},
        json={"grant_type": "client_credentials"},
        timeout=10,
    )
    assert resp.status_code == 400
    assert post_without_length(mtn.base, "/collection/token/", KEYS["collection"])[0] == 411
    assert mtn.control.get("/_sandbox/mtn/stats")["token_issuances_total"] == 0


def test_token_is_valid_only_for_its_product_and_until_expiry(mtn: Mtn) -> None:
    collection_token = mtn.token("collection").json()["access_token"]
    headers = mtn.headers("disbursement", Authorization=f"Bearer {collection_token}")
    resp = requests.get(
        f"{mtn.base}/disbursement/v1_0/account/balance", headers=headers, timeout=10
    )
    assert resp.status_code == 401
    assert "error" in resp.json()
    assert "statusCode" not in resp.json()

    mtn.control.post("/_sandbox/mtn/config", {"token_ttl": 0})
    expired = mtn.token("disbursement").json()
    assert expired["expires_in"] == 0
    headers["Authorization"] = f"Bearer {expired['access_token']}"
    resp = requests.get(
        f"{mtn.base}/disbursement/v1_0/account/balance", headers=headers, timeout=10
    )
    assert (resp.status_code, resp.json()) == (401, {"error": "access_token_expired"})


def test_revoke_tokens_forces_a_refresh(mtn: Mtn) -> None:
    assert mtn.get("disbursement/v1_0/account/balance").status_code == 200
    assert mtn.control.post("/_sandbox/mtn/revoke-tokens")["revoked"] == 1
    assert mtn.get("disbursement/v1_0/account/balance").status_code == 401
    mtn.tokens.clear()
    assert mtn.get("disbursement/v1_0/account/balance").status_code == 200
    stats = mtn.control.get("/_sandbox/mtn/stats")
    assert stats["token_issuances"]["disbursement"][presets.MTN_API_USER] == 2


# -- test numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("party", "status", "reason"),
    [
        ("46733123450", "FAILED", "INTERNAL_PROCESSING_ERROR"),
        ("46733123451", "FAILED", "APPROVAL_REJECTED"),
        ("46733123452", "FAILED", "EXPIRED"),
        ("46733123454", "PENDING", None),
        ("256771234567", "SUCCESSFUL", None),
    ],
)
def test_transfer_status_per_test_number(
    mtn: Mtn, party: str, status: str, reason: str | None
) -> None:
    body = payout(party, amount="25.50")
    ref, resp = mtn.create("disbursement/v1_0/transfer", body)
    assert (resp.status_code, resp.content) == (202, b"")
    result = mtn.get(f"disbursement/v1_0/transfer/{ref}").json()
    assert result["status"] == status
    assert result.get("reason") == reason
    assert ("financialTransactionId" in result) == (status == "SUCCESSFUL")
    assert result["amount"] == "25.50"
    assert result["currency"] == "EUR"
    assert result["externalId"] == body["externalId"]
    assert result["payee"] == body["payee"]
    assert result["payerMessage"] == "Salary"
    assert result["payeeNote"] == "Thanks"
    assert "referenceId" not in result
    (entry,) = mtn.ledger()["entries"]
    assert entry["operation"] == "disbursement.transfer"
    assert entry["reference"] == ref
    assert entry["status"] == status
    assert entry["account"] == presets.MTN_API_USER
    assert entry["external_id"] == body["externalId"]
    assert entry["amount"] == "25.50"
    assert entry["party"] == body["payee"]


def test_pending_number_settles_successful_later(mtn: Mtn) -> None:
    mtn.control.post("/_sandbox/mtn/config", {"pending_seconds": 0.3})
    ref, resp = mtn.create("collection/v1_0/requesttopay", collect("46733123453"))
    assert resp.status_code == 202
    assert mtn.get(f"collection/v1_0/requesttopay/{ref}").json()["status"] == "PENDING"
    assert mtn.wait_status(f"collection/v1_0/requesttopay/{ref}", "SUCCESSFUL")["status"] == (
        "SUCCESSFUL"
    )


def test_reason_object_style(mtn: Mtn) -> None:
    mtn.control.post("/_sandbox/mtn/config", {"reason_style": "object"})
    ref, _ = mtn.create("collection/v1_0/requesttopay", collect("46733123451"))
    reason = mtn.get(f"collection/v1_0/requesttopay/{ref}").json()["reason"]
    assert reason["code"] == "APPROVAL_REJECTED"
    assert reason["message"]


@pytest.mark.parametrize(
    ("create", "status"),
    [
        ("collection/v1_0/requesttopay", "collection/v1_0/requesttopay"),
        ("collection/v1_0/requesttowithdraw", "collection/v1_0/requesttowithdraw"),
        ("collection/v2_0/requesttowithdraw", "collection/v1_0/requesttowithdraw"),
        ("disbursement/v1_0/deposit", "disbursement/v1_0/deposit"),
        ("disbursement/v2_0/deposit", "disbursement/v1_0/deposit"),
        ("remittance/v1_0/transfer", "remittance/v1_0/transfer"),
    ],
)
def test_every_creating_operation_and_its_status(mtn: Mtn, create: str, status: str) -> None:
    body = collect() if create.startswith("collection") else payout()
    ref, resp = mtn.create(create, body)
    assert resp.status_code == 202
    result = mtn.get(f"{status}/{ref}").json()
    assert result["status"] == "SUCCESSFUL"
    (entry,) = mtn.ledger()["entries"]
    assert entry["operation"] == ".".join(create.split("/")[::2])


def test_cashtransfer_echoes_kyc_fields(mtn: Mtn) -> None:
    body = payout(
        payerFirstName="Ada",
        payerSurName="Lovelace",
        originalAmount="110",
        originalCurrency="USD",
        payerIdentificationType="PASS",
    )
    ref, resp = mtn.create("remittance/v2_0/cashtransfer", body)
    assert resp.status_code == 202
    result = mtn.get(f"remittance/v2_0/cashtransfer/{ref}").json()
    assert result["status"] == "SUCCESSFUL"
    assert result["payerFirstName"] == "Ada"
    assert result["originalCurrency"] == "USD"
    assert mtn.ledger()["entries"][0]["operation"] == "remittance.cashtransfer"


def test_unknown_reference_is_404(mtn: Mtn) -> None:
    resp = mtn.get(f"disbursement/v1_0/transfer/{uuid.uuid4()}")
    assert resp.status_code == 404
    assert resp.json()["code"] == "RESOURCE_NOT_FOUND"


def test_ampersand_in_note_is_accepted_then_never_found(mtn: Mtn) -> None:
    ref, resp = mtn.create("disbursement/v1_0/transfer", payout(payeeNote="A & B"))
    assert resp.status_code == 202
    assert mtn.get(f"disbursement/v1_0/transfer/{ref}").status_code == 404
    assert mtn.ledger()["entries"] == []


# -- rejections -----------------------------------------------------------------------------------
@pytest.mark.parametrize("key", [None, "nope", KEYS["collection"]])
def test_wrong_or_missing_subscription_key(mtn: Mtn, key: str | None) -> None:
    headers = mtn.headers("disbursement", **{"X-Reference-Id": str(uuid.uuid4())})
    del headers["Ocp-Apim-Subscription-Key"]
    if key:
        headers["Ocp-Apim-Subscription-Key"] = key
    resp = requests.post(
        f"{mtn.base}/disbursement/v1_0/transfer", json=payout(), headers=headers, timeout=10
    )
    assert (resp.status_code, resp.json()) == (401, SUBSCRIPTION_DENIED)
    assert mtn.ledger()["entries"] == []


def test_missing_token_is_401(mtn: Mtn) -> None:
    headers = mtn.headers("disbursement", **{"X-Reference-Id": str(uuid.uuid4())})
    del headers["Authorization"]
    resp = requests.post(
        f"{mtn.base}/disbursement/v1_0/transfer", json=payout(), headers=headers, timeout=10
    )
    assert resp.status_code == 401
    assert resp.json() == {"error": "invalid_token"}


def test_wrong_target_environment(mtn: Mtn) -> None:
    _, resp = mtn.create("disbursement/v1_0/transfer", payout(), X_Target_Environment="mtnghana")
    assert resp.status_code == 500
    assert resp.json()["code"] == "NOT_ALLOWED_TARGET_ENVIRONMENT"


def test_callback_host_must_match_provider_callback_host(mtn: Mtn) -> None:
    _, resp = mtn.create(
        "disbursement/v1_0/transfer", payout(), X_Callback_Url="https://evil.example/cb"
    )
    assert resp.status_code == 500
    assert resp.json()["code"] == "INVALID_CALLBACK_URL_HOST"
    assert mtn.ledger()["entries"] == []


def test_currency_must_be_eur(mtn: Mtn) -> None:
    _, resp = mtn.create("disbursement/v1_0/transfer", payout(currency="UGX"))
    assert resp.status_code == 400
    assert resp.json()["code"] == "INVALID_CURRENCY"


@pytest.mark.parametrize(
    "change",
    [
        {"payerMessage": "x" * 161},
        {"payeeNote": "y" * 161},
        {"payeeNote": "it's mine"},
        {"amount": 100},
        {"amount": "01"},
        {"amount": "1.23456"},
        {"amount": "0"},
        {"amount": "-5"},
        {"payee": {"partyIdType": "MSISDN", "partyId": "+256771234567"}},
        {"payee": {"partyIdType": "MSISDN", "partyId": "0771234567"}},
        {"payee": {"partyIdType": "PHONE", "partyId": "256771234567"}},
        {"externalId": ""},
    ],
)
def test_bad_fields_are_400(mtn: Mtn, change: dict[str, Any]) -> None:
    _, resp = mtn.create("disbursement/v1_0/transfer", payout(**change))
    assert resp.status_code == 400, resp.text
    assert resp.json()["message"]
    assert mtn.ledger()["entries"] == []


def test_160_characters_are_fine(mtn: Mtn) -> None:
    _, resp = mtn.create("disbursement/v1_0/transfer", payout(payerMessage="x" * 160))
    assert resp.status_code == 202


@pytest.mark.parametrize("ref", ["not-a-uuid", "6fa459ea-ee8a-11ca-8d1b-0800200c9a66", ""])
def test_reference_must_be_uuid4(mtn: Mtn, ref: str) -> None:
    headers = mtn.headers("disbursement", **{"X-Reference-Id": ref})
    resp = requests.post(
        f"{mtn.base}/disbursement/v1_0/transfer", json=payout(), headers=headers, timeout=10
    )
    assert resp.status_code == 400


def test_duplicate_reference(mtn: Mtn) -> None:
    body = payout()
    ref, first = mtn.create("disbursement/v1_0/transfer", body)
    assert first.status_code == 202
    _, again = mtn.create("disbursement/v1_0/transfer", body, ref=ref)
    assert again.status_code == 409
    assert again.json()["code"] == "RESOURCE_ALREADY_EXIST"
    assert mtn.ledger()["violations"] == []
    _, other = mtn.create("disbursement/v1_0/transfer", payout(amount="7"), ref=ref)
    assert other.status_code == 409
    (violation,) = mtn.ledger()["violations"]
    assert violation["kind"] == "reference_reused_with_other_body"
    assert len(mtn.ledger()["entries"]) == 1
