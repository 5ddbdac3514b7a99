"""Faults that make an answer ambiguous: a booked payment answered as refused or unknown.

MTN: the gateway's quota and rate limit (``quota_exceeded``, ``rate_limited``) and a refusal of
the retry of a booked reference (``refuse_retry``). MoMo: an "Unknown error" on the re-send of a
booked payout (``replay_unknown``) and a refused order whose re-send answers 40 (``refuse_order``),
plus the replay rule of MoMo's result-code page (final answers again, others 40). All driven over
HTTP with plain ``requests``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from django_momo.sandbox.cli import build_parser
from django_momo.sandbox.control import SandboxHandle
from django_momo.sandbox.frame.app import SandboxApp
from django_momo.sandbox.frame.faults import FAULT_KINDS

from .mtn_driver import SUBSCRIPTION_DENIED, Mtn, Receiver, collect, mtn, payout, receiver
from .test_momo_vn_sandbox import PAY, QUERY, VERIFY, encrypt, hmac_hex, pay_body, post, signed
from .test_momo_vn_sandbox import Receiver as IpnReceiver
from .test_momo_vn_sandbox import wallet as momo_wallet

__all__ = ["mtn", "receiver"]  # fixtures used by the tests below

QUOTA = {
    "statusCode": 403,
    "message": "Out of call volume quota. Quota will be replenished in 00:00:01.",
}
RATE_LIMIT = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}
TRANSFER = "disbursement/v1_0/transfer"
REQUEST_TO_PAY = "collection/v1_0/requesttopay"


@pytest.fixture
def ipn_receiver() -> Iterator[IpnReceiver]:
    r = IpnReceiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def mtn_faults(mtn: Mtn) -> dict[str, int]:
    return mtn.control.get("/_sandbox/mtn/stats")["faults"]  # type: ignore[no-any-return]


def momo_counters(sb: SandboxHandle) -> dict[str, int]:
    return sb.control.get("/_sandbox/momo_vn/stats")["counters"]  # type: ignore[no-any-return]


def momo_order(sb: SandboxHandle, order_id: str) -> dict[str, Any]:
    return sb.control.get(f"/_sandbox/momo_vn/order?order_id={order_id}")  # type: ignore[no-any-return]


def reencrypted(body: dict[str, Any], wallet_id: str = "0912345678") -> dict[str, Any]:
    """The same pay request with a fresh RSA ciphertext (and so a new signature)."""
    again = dict(body, disbursementMethod=encrypt(momo_wallet(wallet_id)))
    again["signature"] = hmac_hex("pay", again)
    return again


# -- MTN: the gateway's quota and rate limit ------------------------------------------------------
LIMITS = [("quota_exceeded", 403, QUOTA, None), ("rate_limited", 429, RATE_LIMIT, "1")]


@pytest.mark.parametrize(("kind", "status", "body", "retry_after"), LIMITS)
def test_gateway_limit_refuses_a_creating_post_before_booking(
    mtn: Mtn, kind: str, status: int, body: dict[str, Any], retry_after: str | None
) -> None:
    mtn.headers("disbursement")  # the token first: token requests are never limited
    mtn.control.set_faults({kind: {"next": 1}})
    request = payout()
    ref, resp = mtn.create(TRANSFER, request)
    assert resp.status_code == status
    assert resp.json() == body
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers.get("Retry-After") == retry_after
    assert mtn.ledger()["entries"] == []
    assert mtn.get(f"{TRANSFER}/{ref}").status_code == 404
    _, again = mtn.create(TRANSFER, request, ref=ref)
    assert again.status_code == 202
    assert len(mtn.ledger()["entries"]) == 1
    assert mtn_faults(mtn) == {kind: 1}
    assert mtn.control.faults()[kind]["fired"] == 1


@pytest.mark.parametrize(("kind", "status", "body", "retry_after"), LIMITS)
def test_gateway_limit_refuses_a_status_query(
    mtn: Mtn, kind: str, status: int, body: dict[str, Any], retry_after: str | None
) -> None:
    ref, created = mtn.create(TRANSFER, payout())
    assert created.status_code == 202
    mtn.control.set_faults({kind: {"next": 1, "provider": "mtn"}})
    resp = mtn.get(f"{TRANSFER}/{ref}")
    assert (resp.status_code, resp.json()) == (status, body)
    assert resp.headers.get("Retry-After") == retry_after
    assert mtn.get(f"{TRANSFER}/{ref}").json()["status"] == "SUCCESSFUL"


def test_gateway_limits_spare_token_requests_and_check_the_key_first(mtn: Mtn) -> None:
    mtn.control.set_faults({"quota_exceeded": {"next": 1}, "rate_limited": {"next": 1}})
    assert mtn.token("disbursement").status_code == 200
    bad_key = dict(mtn.headers("disbursement"), **{"Ocp-Apim-Subscription-Key": "wrong"})
    resp = requests.get(
        f"{mtn.base}/disbursement/v1_0/account/balance", headers=bad_key, timeout=10
    )
    assert (resp.status_code, resp.json()) == (401, SUBSCRIPTION_DENIED)
    faults = mtn.control.faults()
    assert (faults["quota_exceeded"]["next"], faults["rate_limited"]["next"]) == (1, 1)
    first = mtn.get("disbursement/v1_0/account/balance")
    second = mtn.get("disbursement/v1_0/account/balance")
    assert (first.status_code, second.status_code) == (403, 429)
    assert mtn.get("disbursement/v1_0/account/balance").status_code == 200


# -- MTN: the retry of a booked reference refused ------------------------------------------------
REFUSALS = [
    (None, 403, QUOTA, None),
    ("quota", 403, QUOTA, None),
    ("rate_limit", 429, RATE_LIMIT, "1"),
    ("bad_request", 400, {"code": "PAYEE_NOT_FOUND", "message": "Payee does not exist"}, None),
    ("unauthorized", 401, SUBSCRIPTION_DENIED, None),
]


@pytest.mark.parametrize(("answer", "status", "body", "retry_after"), REFUSALS)
def test_refuse_retry_answers_the_retry_of_a_lost_booking_with_a_refusal(
    mtn: Mtn,
    receiver: Receiver,
    answer: str | None,
    status: int,
    body: dict[str, Any],
    retry_after: str | None,
) -> None:
    mtn.headers("disbursement")
    refuse: dict[str, Any] = {"next": 1} if answer is None else {"next": 1, "answer": answer}
    mtn.control.set_faults({"lost_after_booking": {"next": 1}, "refuse_retry": refuse})
    request = payout()
    ref = str(uuid.uuid4())
    with pytest.raises(requests.ConnectionError):
        mtn.create(TRANSFER, request, ref=ref, X_Callback_Url=receiver.url + "/cb")
    _, retry = mtn.create(TRANSFER, request, ref=ref, X_Callback_Url=receiver.url + "/cb")
    assert retry.status_code == status
    assert retry.json() == body
    assert retry.headers.get("Retry-After") == retry_after
    # The payment was booked by the first attempt and stays so.
    (entry,) = mtn.ledger()["entries"]
    assert (entry["reference"], entry["status"]) == (ref, "SUCCESSFUL")
    assert mtn.ledger()["violations"] == []
    assert mtn.get(f"{TRANSFER}/{ref}").json()["status"] == "SUCCESSFUL"
    (call,) = receiver.wait(1)
    assert call["body"]["status"] == "SUCCESSFUL"
    _, later = mtn.create(TRANSFER, request, ref=ref)
    assert later.status_code == 409
    assert later.json()["code"] == "RESOURCE_ALREADY_EXIST"
    assert mtn_faults(mtn) == {"lost_after_booking": 1, "refuse_retry": 1}
    faults = mtn.control.faults()
    assert faults["refuse_retry"]["fired"] == 1
    assert faults["refuse_retry"]["answer"] == (answer or "quota")


def test_refuse_retry_bad_request_names_the_payer_of_a_collection(mtn: Mtn) -> None:
    request = collect()
    ref, first = mtn.create(REQUEST_TO_PAY, request)
    assert first.status_code == 202
    mtn.control.set_faults(refuse_retry={"next": 1, "answer": "bad_request"})
    _, retry = mtn.create(REQUEST_TO_PAY, request, ref=ref)
    assert (retry.status_code, retry.json()) == (
        400,
        {"code": "PAYER_NOT_FOUND", "message": "Payer does not exist"},
    )
    assert mtn.get(f"{REQUEST_TO_PAY}/{ref}").json()["status"] == "SUCCESSFUL"


def test_refuse_retry_only_fires_on_a_reference_already_booked(mtn: Mtn) -> None:
    mtn.control.set_faults({"error_before_booking": {"next": 1}, "refuse_retry": {"next": 1}})
    request = payout()
    ref, first = mtn.create(TRANSFER, request)
    # 500 or 503 (the sandbox alternates): nothing booked, so the retry below is a first booking.
    assert first.status_code in (500, 503)
    _, second = mtn.create(TRANSFER, request, ref=ref)
    assert second.status_code == 202
    _, fresh = mtn.create(TRANSFER, payout())
    assert fresh.status_code == 202
    faults = mtn.control.faults()["refuse_retry"]
    assert (faults["next"], faults["fired"]) == (1, 0)
    _, retry = mtn.create(TRANSFER, request, ref=ref)
    assert (retry.status_code, retry.json()) == (403, QUOTA)
    assert len(mtn.ledger()["entries"]) == 2


# -- MoMo: replay_unknown --------------------------------------------------------------------------
def assert_unknown_error(resp: requests.Response, body: dict[str, Any]) -> None:
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    data = resp.json()
    assert set(data) == {"partnerCode", "orderId", "requestId", "responseTime", "message",
                         "resultCode"}  # fmt: skip
    assert (data["resultCode"], data["message"]) == (99, "Unknown error.")
    assert (data["orderId"], data["requestId"]) == (body["orderId"], body["requestId"])


def test_replay_unknown_answers_99_on_every_replay_of_a_pending_payout(
    momo_sandbox: SandboxHandle, ipn_receiver: IpnReceiver
) -> None:
    body = pay_body(momo_wallet("0900007002"), ipn=ipn_receiver.url)
    first = post(momo_sandbox, PAY, body)
    assert first.json()["resultCode"] == 7002
    momo_sandbox.control.set_faults(replay_unknown={"rate": 1, "provider": "momo_vn"})
    for replay in (body, body, reencrypted(body, "0900007002")):
        assert_unknown_error(post(momo_sandbox, PAY, replay), body)
    assert momo_order(momo_sandbox, body["orderId"])["resultCode"] == 7002
    [entry] = momo_sandbox.control.ledger("momo_vn")["entries"]
    assert entry["status"] == "PENDING"
    query = post(momo_sandbox, QUERY, signed("query", orderId=body["orderId"])).json()
    assert query["resultCode"] == 7002
    assert ipn_receiver.received == []

    momo_sandbox.control.post("/_sandbox/momo_vn/settle", {"order_id": body["orderId"]})
    [ipn] = ipn_receiver.wait(1)
    assert (ipn["body"]["resultCode"], ipn["body"]["transId"]) == (0, first.json()["transId"])
    assert_unknown_error(post(momo_sandbox, PAY, body), body)
    assert momo_sandbox.control.faults()["replay_unknown"]["fired"] == 4
    momo_sandbox.control.clear_faults()
    final = post(momo_sandbox, PAY, body).json()
    assert (final["resultCode"], final["transId"]) == (0, first.json()["transId"])
    counters = momo_counters(momo_sandbox)
    assert counters["faults.replay_unknown"] == 4
    assert counters["result.99"] == 4


def test_replay_unknown_after_a_lost_answer_leaves_the_success_booked(
    momo_sandbox: SandboxHandle, ipn_receiver: IpnReceiver
) -> None:
    momo_sandbox.control.set_faults(
        {"lost_after_booking": {"next": 1}, "replay_unknown": {"next": 1}}
    )
    body = pay_body(momo_wallet(), ipn=ipn_receiver.url)
    with pytest.raises(requests.ConnectionError):
        post(momo_sandbox, PAY, body)
    assert_unknown_error(post(momo_sandbox, PAY, body), body)
    [entry] = momo_sandbox.control.ledger("momo_vn")["entries"]
    assert entry["status"] == "SUCCESSFUL"
    [ipn] = ipn_receiver.wait(1)
    assert ipn["body"]["resultCode"] == 0
    again = post(momo_sandbox, PAY, body).json()
    assert again["resultCode"] == 0
    assert str(again["transId"]) == entry["financial_transaction_id"]


def test_replay_unknown_leaves_new_requests_and_other_bodies_alone(
    momo_sandbox: SandboxHandle,
) -> None:
    momo_sandbox.control.set_faults(replay_unknown={"next": 1})
    body = pay_body(momo_wallet())
    assert post(momo_sandbox, PAY, body).json()["resultCode"] == 0
    other = pay_body(momo_wallet(), amount="60000", requestId=body["requestId"])
    assert post(momo_sandbox, PAY, other).json()["resultCode"] == 40
    assert momo_sandbox.control.faults()["replay_unknown"]["next"] == 1


# -- MoMo: refuse_order and MoMo's replay rule ---------------------------------------------------
def test_refuse_order_answers_41_unbooked_then_40_on_each_replay(
    momo_sandbox: SandboxHandle,
) -> None:
    momo_sandbox.control.set_faults(refuse_order={"next": 1, "provider": "momo_vn"})
    body = pay_body(momo_wallet())
    first = post(momo_sandbox, PAY, body)
    assert first.status_code == 400
    data = first.json()
    assert set(data) == {"partnerCode", "orderId", "requestId", "responseTime", "message",
                         "resultCode"}  # fmt: skip
    assert (data["resultCode"], data["message"]) == (41, "Duplicated orderId.")
    assert momo_sandbox.control.ledger("momo_vn")["entries"] == []
    with pytest.raises(requests.HTTPError):
        momo_order(momo_sandbox, body["orderId"])
    for replay in (body, body, reencrypted(body)):
        resp = post(momo_sandbox, PAY, replay)
        assert (resp.status_code, resp.json()["resultCode"]) == (400, 40)
        assert resp.json()["message"] == "Duplicated requestId."
        assert resp.json()["requestId"] == body["requestId"]
    assert momo_sandbox.control.ledger("momo_vn")["violations"] == []
    # The order was never booked: a new request for it is paid.
    fresh = pay_body(momo_wallet(), orderId=body["orderId"])
    assert post(momo_sandbox, PAY, fresh).json()["resultCode"] == 0
    counters = momo_counters(momo_sandbox)
    assert (counters["faults.refuse_order"], counters["result.41"], counters["result.40"]) == (
        1, 1, 3,
    )  # fmt: skip


def test_a_real_duplicated_order_replays_as_40(momo_sandbox: SandboxHandle) -> None:
    paid = pay_body(momo_wallet())
    assert post(momo_sandbox, PAY, paid).json()["resultCode"] == 0
    second = pay_body(momo_wallet(), orderId=paid["orderId"])
    assert post(momo_sandbox, PAY, second).json()["resultCode"] == 41
    resp = post(momo_sandbox, PAY, second)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 40)
    assert len(momo_sandbox.control.ledger("momo_vn")["entries"]) == 1


def test_check_wallet_maintenance_is_not_final_and_replays_as_40(
    momo_sandbox: SandboxHandle,
) -> None:
    body = signed(
        "verify", requestType="checkWallet", disbursementMethod=encrypt({"walletId": "0900000010"})
    )
    first = post(momo_sandbox, VERIFY, body)
    assert (first.status_code, first.json()["resultCode"]) == (503, 10)
    again = post(momo_sandbox, VERIFY, body)
    assert (again.status_code, again.json()["resultCode"]) == (400, 40)


@pytest.mark.parametrize("code", [99, 1007, 1100])
def test_final_answers_are_given_again(momo_sandbox: SandboxHandle, code: int) -> None:
    if code == 1100:
        momo_sandbox.control.post("/_sandbox/momo_vn/settings", {"balance": 1000})
        body = pay_body(momo_wallet())
    else:
        body = pay_body(momo_wallet(f"090000{code:04d}"))
    first = post(momo_sandbox, PAY, body)
    assert first.json()["resultCode"] == code
    again = post(momo_sandbox, PAY, body)
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()


def test_pending_replays_422_then_the_final_answer(momo_sandbox: SandboxHandle) -> None:
    momo_sandbox.control.post("/_sandbox/momo_vn/settings", {"pending_seconds": 60})
    body = pay_body(momo_wallet("0900007000"))
    assert post(momo_sandbox, PAY, body).json()["resultCode"] == 7000
    in_flight = post(momo_sandbox, PAY, body)
    assert (in_flight.status_code, in_flight.json()["resultCode"]) == (422, 7000)
    momo_sandbox.control.post("/_sandbox/momo_vn/settle", {"order_id": body["orderId"]})
    done = post(momo_sandbox, PAY, body)
    assert (done.status_code, done.json()["resultCode"]) == (200, 0)


# -- fault specs, the control client, the command line ---------------------------------------------
def test_fault_settings_show_every_kind_and_the_refusal_answer(
    momo_sandbox: SandboxHandle,
) -> None:
    faults = momo_sandbox.control.faults()
    assert set(FAULT_KINDS) <= set(faults)
    assert {
        "quota_exceeded",
        "rate_limited",
        "refuse_retry",
        "replay_unknown",
        "refuse_order",
    } <= set(faults)
    assert faults["refuse_retry"] == {
        "rate": 0.0,
        "next": 0,
        "provider": None,
        "fired": 0,
        "answer": "quota",
    }
    shown = momo_sandbox.control.set_faults(
        {"refuse_retry": {"rate": 0.25, "answer": "unauthorized"}}, refuse_order=0.5
    )
    assert shown["refuse_retry"]["answer"] == "unauthorized"
    assert shown["refuse_retry"]["rate"] == 0.25
    assert shown["refuse_order"]["rate"] == 0.5
    assert "answer" not in shown["refuse_order"]
    assert momo_sandbox.control.clear_faults()["refuse_retry"]["answer"] == "quota"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"refuse_retry": {"next": 1, "answer": "teapot"}},
            "refuse_retry.answer must be one of quota, rate_limit, bad_request, unauthorized",
        ),
        ({"refuse_retry": {"answer": None}}, "refuse_retry.answer must be one of"),
        ({"refuse_order": {"next": 1, "answer": "quota"}}, "refuse_order: unknown keys"),
        ({"refuse_retry": {"next": 1, "provider": "momo_vn"}}, "refuse_retry is a mtn fault"),
        ({"replay_unknown": {"next": 1, "provider": "mtn"}}, "replay_unknown is a momo_vn fault"),
        ({"quota_exceeded": {"next": -1}}, "quota_exceeded.next"),
        ({"rate_limited": {"rate": 1.5}}, "rate_limited.rate"),
    ],
)
def test_bad_fault_specs_are_refused_and_change_nothing(
    momo_sandbox: SandboxHandle, spec: dict[str, Any], message: str
) -> None:
    momo_sandbox.control.set_faults(refuse_retry={"next": 2, "answer": "rate_limit"})
    before = momo_sandbox.control.faults()
    resp = requests.post(f"{momo_sandbox.base_url}/_sandbox/faults", json=spec, timeout=5)
    assert resp.status_code == 400
    assert message in resp.json()["error"]
    with pytest.raises(ValueError, match="400"):
        momo_sandbox.control.set_faults(spec)
    assert momo_sandbox.control.faults() == before


def test_command_line_sets_the_new_faults() -> None:
    args = build_parser().parse_args(
        ["--quota-exceeded", "0.1", "--rate-limited", "0.2", "--refuse-retry", "0.3",
         "--refuse-retry-answer", "bad_request", "--replay-unknown", "0.4",
         "--refuse-order", "0.5"]
    )  # fmt: skip
    app = SandboxApp(vars(args))
    try:
        faults = app.state.faults.as_dict()
        rates = {
            kind: faults[kind]["rate"]
            for kind in (
                "quota_exceeded",
                "rate_limited",
                "refuse_retry",
                "replay_unknown",
                "refuse_order",
            )
        }
        assert rates == {
            "quota_exceeded": 0.1,
            "rate_limited": 0.2,
            "refuse_retry": 0.3,
            "replay_unknown": 0.4,
            "refuse_order": 0.5,
        }
        assert faults["refuse_retry"]["answer"] == "bad_request"
        app.reset()  # a reset restores the command-line faults
        assert app.state.faults.as_dict()["refuse_retry"]["answer"] == "bad_request"
    finally:
        app.state.callbacks.stop()
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--refuse-retry-answer", "teapot"])
