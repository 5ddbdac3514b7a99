"""The MTN half of the sandbox: provisioning, balances, callbacks, faults, controls, consent."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from django_momo.sandbox import presets

from .mtn_driver import (
    KEYS,
    SUBSCRIPTION_DENIED,
    Mtn,
    Receiver,
    collect,
    mtn,
    payout,
    post_without_length,
    receiver,
)

__all__ = ["mtn", "receiver"]  # fixtures used by the tests below


# -- provisioning ---------------------------------------------------------------------------------
def test_provisioning_flow(mtn: Mtn) -> None:
    user = str(uuid.uuid4())
    headers = {"Ocp-Apim-Subscription-Key": KEYS["collection"], "X-Reference-Id": user}
    body = {"providerCallbackHost": "localhost"}
    resp = requests.post(f"{mtn.base}/v1_0/apiuser", json=body, headers=headers, timeout=10)
    assert (resp.status_code, resp.content) == (201, b"")
    resp = requests.post(f"{mtn.base}/v1_0/apiuser", json=body, headers=headers, timeout=10)
    assert resp.status_code == 409
    resp = requests.get(f"{mtn.base}/v1_0/apiuser/{user}", headers=headers, timeout=10)
    assert resp.json() == {"providerCallbackHost": "localhost", "targetEnvironment": "sandbox"}

    status, text = post_without_length(mtn.base, f"/v1_0/apiuser/{user}/apikey", KEYS["collection"])
    assert status == 411
    assert "<HTML>" in text
    resp = requests.post(f"{mtn.base}/v1_0/apiuser/{user}/apikey", headers=headers, timeout=10)
    assert resp.status_code == 201
    api_key = resp.json()["apiKey"]

    token = mtn.token("disbursement", user=user, key=api_key)
    assert token.status_code == 200
    mtn.tokens["disbursement"] = token.json()["access_token"]
    _, resp = mtn.create(
        "disbursement/v1_0/transfer", payout(), X_Callback_Url="http://127.0.0.1/cb"
    )
    assert resp.json()["code"] == "INVALID_CALLBACK_URL_HOST"
    _, resp = mtn.create(
        "disbursement/v1_0/transfer", payout(), X_Callback_Url="http://localhost:9/cb"
    )
    assert resp.status_code == 202
    assert mtn.ledger()["entries"][0]["account"] == user


def test_provisioning_rejects_url_and_bad_key(mtn: Mtn) -> None:
    headers = {"Ocp-Apim-Subscription-Key": KEYS["remittance"], "X-Reference-Id": str(uuid.uuid4())}
    resp = requests.post(
        f"{mtn.base}/v1_0/apiuser",
        json={"providerCallbackHost": "https://x.io/"},
        headers=headers,
        timeout=10,
    )
    assert resp.status_code == 400
    headers["Ocp-Apim-Subscription-Key"] = "nope"
    resp = requests.post(
        f"{mtn.base}/v1_0/apiuser",
        json={"providerCallbackHost": "x.io"},
        headers=headers,
        timeout=10,
    )
    assert (resp.status_code, resp.json()) == (401, SUBSCRIPTION_DENIED)


def test_preset_user_survives_reset(mtn: Mtn) -> None:
    mtn.control.reset()
    assert mtn.token("remittance").status_code == 200


# -- balances and refunds -------------------------------------------------------------------------
def _balance(mtn: Mtn, product: str) -> str:
    body = mtn.get(f"{product}/v1_0/account/balance").json()
    assert body["currency"] == "EUR"
    return body["availableBalance"]  # type: ignore[no-any-return]


def test_balances_follow_the_ledger(mtn: Mtn) -> None:
    assert _balance(mtn, "disbursement") == "1000000"
    assert _balance(mtn, "collection") == "0"
    mtn.create("disbursement/v1_0/transfer", payout(amount="100.25"))
    mtn.create("disbursement/v1_0/transfer", payout("46733123450", amount="50"))
    assert _balance(mtn, "disbursement") == "999899.75"
    assert mtn.get("disbursement/v1_0/account/balance/EUR").json()["availableBalance"] == (
        "999899.75"
    )
    assert mtn.get("disbursement/v1_0/account/balance/USD").status_code == 400

    collected, _ = mtn.create("collection/v1_0/requesttopay", collect(amount="80"))
    failed, _ = mtn.create("collection/v1_0/requesttopay", collect("46733123451", amount="80"))
    assert _balance(mtn, "collection") == "80"

    refund = {
        "amount": "30",
        "currency": "EUR",
        "externalId": "r1",
        "payerMessage": "refund",
        "payeeNote": "refund",
        "referenceIdToRefund": collected,
    }
    ref, resp = mtn.create("disbursement/v2_0/refund", refund)
    assert resp.status_code == 202
    result = mtn.get(f"disbursement/v1_0/refund/{ref}").json()
    assert result["status"] == "SUCCESSFUL"
    assert result["payee"]["partyId"] == "256771234567"
    assert _balance(mtn, "collection") == "50"

    _, too_much = mtn.create("disbursement/v1_0/refund", dict(refund, amount="50.01"))
    assert too_much.status_code == 400
    _, of_failed = mtn.create("disbursement/v1_0/refund", dict(refund, referenceIdToRefund=failed))
    assert of_failed.status_code == 400
    _, rest = mtn.create("disbursement/v1_0/refund", dict(refund, amount="50"))
    assert rest.status_code == 202
    assert _balance(mtn, "collection") == "0"
    ops = [e["operation"] for e in mtn.ledger()["entries"]]
    assert ops.count("disbursement.refund") == 2


def test_payout_beyond_balance_fails(mtn: Mtn) -> None:
    mtn.control.post("/_sandbox/mtn/config", {"opening_balance": "10"})
    ref, resp = mtn.create("disbursement/v1_0/deposit", payout(amount="10.01"))
    assert resp.status_code == 202
    result = mtn.get(f"disbursement/v1_0/deposit/{ref}").json()
    assert (result["status"], result["reason"]) == ("FAILED", "NOT_ENOUGH_FUNDS")
    assert _balance(mtn, "disbursement") == "10"


# -- callbacks ------------------------------------------------------------------------------------
def test_callbacks_use_the_documented_method_and_carry_no_reference(
    mtn: Mtn, receiver: Receiver
) -> None:
    r1, _ = mtn.create(
        "collection/v1_0/requesttopay",
        collect("46733123451"),
        X_Callback_Url=receiver.url + "/cb/one",
    )
    r2, _ = mtn.create(
        "disbursement/v2_0/deposit", payout(), X_Callback_Url=receiver.url + "/cb/two"
    )
    mtn.create("disbursement/v1_0/transfer", payout())  # no X-Callback-Url: no callback
    calls = {c["path"]: c for c in receiver.wait(2)}
    one, two = calls["/cb/one"], calls["/cb/two"]
    assert one["method"] == "POST"
    assert two["method"] == "PUT"
    assert one["body"]["status"] == "FAILED"
    assert one["body"]["reason"] == "APPROVAL_REJECTED"
    assert two["body"]["status"] == "SUCCESSFUL"
    assert "financialTransactionId" in two["body"]
    for call, ref in ((one, r1), (two, r2)):
        assert ref not in json.dumps(call["body"])
        assert "referenceId" not in call["body"]
    log = mtn.control.callbacks()
    assert sorted(d["reference"] for d in log) == sorted([r1, r2])


def test_settle_and_forge_callback(mtn: Mtn, receiver: Receiver) -> None:
    ref, _ = mtn.create(
        "collection/v1_0/requesttopay", collect("46733123454"), X_Callback_Url=receiver.url + "/cb"
    )
    forged = mtn.control.post(
        "/_sandbox/mtn/forge-callback", {"reference": ref, "status": "SUCCESSFUL"}
    )
    assert forged["method"] == "POST"
    (call,) = receiver.wait(1)
    assert call["body"]["status"] == "SUCCESSFUL"
    assert mtn.get(f"collection/v1_0/requesttopay/{ref}").json()["status"] == "PENDING"

    settle = {"reference": ref, "status": "FAILED", "reason": "EXPIRED"}
    settled = mtn.control.post("/_sandbox/mtn/settle", settle)
    assert settled["status"] == "FAILED"
    calls = receiver.wait(2)
    assert calls[1]["body"]["status"] == "FAILED"
    assert calls[1]["body"]["reason"] == "EXPIRED"
    result = mtn.get(f"collection/v1_0/requesttopay/{ref}").json()
    assert (result["status"], result["reason"]) == ("FAILED", "EXPIRED")
    with pytest.raises(ValueError, match="409"):
        mtn.control.post("/_sandbox/mtn/settle", {"reference": ref, "status": "SUCCESSFUL"})


# -- faults and garbage ---------------------------------------------------------------------------
def test_lost_after_booking_books_then_drops(mtn: Mtn) -> None:
    mtn.headers("disbursement")  # fetch the token before the fault is armed
    mtn.control.set_faults(lost_after_booking={"next": 1, "provider": "mtn"})
    body = payout()
    with pytest.raises(requests.ConnectionError):
        mtn.create("disbursement/v1_0/transfer", body)
    (entry,) = mtn.ledger()["entries"]
    assert entry["status"] == "SUCCESSFUL"
    _, again = mtn.create("disbursement/v1_0/transfer", body, ref=entry["reference"])
    assert again.status_code == 409
    assert mtn.get(f"disbursement/v1_0/transfer/{entry['reference']}").json()["status"] == (
        "SUCCESSFUL"
    )


def test_error_before_booking_books_nothing(mtn: Mtn) -> None:
    mtn.control.set_faults(error_before_booking={"next": 2, "provider": "mtn"})
    body = payout()
    ref, first = mtn.create("disbursement/v1_0/transfer", body)
    _, second = mtn.create("disbursement/v1_0/transfer", body, ref=ref)
    assert {first.status_code, second.status_code} == {500, 503}
    assert {first.json()["code"], second.json()["code"]} == {
        "SERVICE_UNAVAILABLE",
        "INTERNAL_PROCESSING_ERROR",
    }
    assert mtn.ledger()["entries"] == []
    _, third = mtn.create("disbursement/v1_0/transfer", body, ref=ref)
    assert third.status_code == 202
    assert len(mtn.ledger()["entries"]) == 1


def test_status_error(mtn: Mtn) -> None:
    ref, _ = mtn.create("disbursement/v1_0/transfer", payout())
    mtn.control.set_faults(status_error={"next": 1, "provider": "mtn"})
    assert mtn.get(f"disbursement/v1_0/transfer/{ref}").status_code == 500
    assert mtn.get(f"disbursement/v1_0/transfer/{ref}").status_code == 200


@pytest.mark.parametrize("kind", ["html", "empty", "text", "bad-json"])
def test_garbage_answers(mtn: Mtn, kind: str) -> None:
    mtn.headers("disbursement")
    mtn.control.post("/_sandbox/mtn/garbage", {"next": 1, "kind": kind, "status": 502})
    _, resp = mtn.create("disbursement/v1_0/transfer", payout())
    assert resp.status_code == 502
    with pytest.raises(ValueError):
        resp.json()
    assert mtn.ledger()["entries"] == []
    _, resp = mtn.create("disbursement/v1_0/transfer", payout())
    assert resp.status_code == 202


# -- consent and account holders ------------------------------------------------------------------
def test_consent_flow_returns_sand_box(mtn: Mtn) -> None:
    headers = mtn.headers("collection")
    resp = requests.post(
        f"{mtn.base}/collection/v1_0/bc-authorize",
        headers=headers,
        data={"login_hint": "ID:46733123459/MSISDN", "scope": "profile", "access_type": "offline"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    auth_req_id = resp.json()["auth_req_id"]
    resp = requests.post(
        f"{mtn.base}/collection/oauth2/token/",
        auth=(presets.MTN_API_USER, presets.MTN_API_KEY),
        headers={
            "Ocp-Apim-Subscription-Key": KEYS["collection"],
            "X-Target-Environment": "sandbox",
        },
        data={"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": auth_req_id},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["token_type"] == "Bearer"
    oauth2 = resp.json()["access_token"]
    info_headers = dict(headers, Authorization=f"Bearer {oauth2}")
    info = requests.get(
        f"{mtn.base}/collection/oauth2/v1_0/userinfo", headers=info_headers, timeout=10
    )
    assert info.json()["name"] == "Sand Box"
    plain = requests.get(f"{mtn.base}/collection/oauth2/v1_0/userinfo", headers=headers, timeout=10)
    assert plain.status_code == 401


def test_account_holder_queries(mtn: Mtn) -> None:
    base = "disbursement/v1_0/accountholder/msisdn"
    assert mtn.get(f"{base}/256771234567/active").json() == {"result": True}
    assert mtn.get(f"{base}/46733123451/active").json() == {"result": False}
    assert mtn.get(f"{base}/46733123450/active").status_code == 404
    assert mtn.get(f"{base}/256771234567/basicuserinfo").json()["family_name"] == "Box"


def test_delivery_notification(mtn: Mtn) -> None:
    ref, _ = mtn.create("collection/v1_0/requesttopay", collect())
    resp = requests.post(
        f"{mtn.base}/collection/v1_0/requesttopay/{ref}/deliverynotification",
        json={"notificationMessage": "Thank you"},
        headers=mtn.headers("collection"),
        timeout=10,
    )
    assert resp.status_code == 200
    unknown = requests.post(
        f"{mtn.base}/collection/v1_0/requesttopay/{uuid.uuid4()}/deliverynotification",
        json={"notificationMessage": "Thank you"},
        headers=mtn.headers("collection"),
        timeout=10,
    )
    assert unknown.status_code == 404
