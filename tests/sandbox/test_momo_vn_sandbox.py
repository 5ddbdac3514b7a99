"""The MoMo Vietnam half of the sandbox, driven over HTTP with plain ``requests``.

Requests are signed and ``disbursementMethod`` is encrypted here, in the test, from MoMo's rules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import itertools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from django_momo.sandbox import presets

PARTNER = presets.MOMO_PARTNER_CODE
ACCESS = presets.MOMO_ACCESS_KEY
SECRET = presets.MOMO_SECRET_KEY
PAY = "/v2/gateway/api/disbursement/pay"
VERIFY = "/v2/gateway/api/disbursement/verify"
BALANCE = "/v2/gateway/api/disbursement/balance"
QUERY = "/v2/gateway/api/query"
FIELDS = {
    "pay": "accessKey amount disbursementMethod extraData orderId orderInfo partnerCode requestId "
    "requestType",
    "verify": "accessKey disbursementMethod orderId partnerCode requestId requestType",
    "balance": "accessKey orderId partnerCode requestId",
    "query": "accessKey orderId partnerCode requestId",
    "ipn": "accessKey amount extraData message orderId orderInfo orderType partnerCode requestId "
    "responseTime resultCode transId",
}
_ids = itertools.count(1)


def hmac_hex(operation: str, data: dict[str, Any], secret: str = SECRET) -> str:
    values = dict(data, accessKey=ACCESS)
    raw = "&".join(
        f"{k}={'' if values.get(k) is None else values[k]}" for k in FIELDS[operation].split()
    )
    return hmac.new(secret.encode(), raw.encode("utf-8"), hashlib.sha256).hexdigest()


def encrypt(obj: dict[str, Any], bits: int = 2048) -> str:
    key = serialization.load_pem_public_key(presets.momo_public_key_pem(bits).encode())
    assert isinstance(key, rsa.RSAPublicKey)
    plain = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(key.encrypt(plain, padding.PKCS1v15())).decode("ascii")


def new_id(prefix: str) -> str:
    return f"{prefix}{time.time_ns()}{next(_ids)}"


def wallet(wallet_id: str = "0912345678") -> dict[str, Any]:
    return {"walletId": wallet_id, "walletName": "Nguyễn Văn A", "validatePersonalId": False}


def pay_body(
    method: dict[str, Any],
    *,
    amount: Any = "50000",
    ipn: str = "http://127.0.0.1:9/ipn",
    request_type: str = "disburseToWallet",
    **over: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partnerCode": PARTNER,
        "orderId": new_id("OD"),
        "requestId": new_id("RE"),
        "amount": amount,
        "requestType": request_type,
        "disbursementMethod": encrypt(method),
        "ipnUrl": ipn,
        "extraData": "",
        "orderInfo": "Chi tiền thưởng",
        "lang": "en",
    }
    body.update(over)
    body["signature"] = hmac_hex("pay", body)
    return body


def post(sb: Any, path: str, body: dict[str, Any] | bytes) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    return requests.post(sb.base_url + path, data=data, headers=headers, timeout=10)


def signed(operation: str, **fields: Any) -> dict[str, Any]:
    body = {
        "partnerCode": PARTNER,
        "orderId": new_id("OD"),
        "requestId": new_id("RE"),
        "lang": "en",
        **fields,
    }
    body["signature"] = hmac_hex(operation, body)
    return body


def momo_entries(sb: Any) -> list[dict[str, Any]]:
    return sb.control.ledger("momo_vn")["entries"]  # type: ignore[no-any-return]


def ipn_valid(body: dict[str, Any]) -> bool:
    return hmac.compare_digest(hmac_hex("ipn", body), body.get("signature", ""))


class Receiver:
    """A tiny IPN receiver on loopback that answers 204 and keeps what it got."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.received.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length).decode("utf-8")),
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/momo/ipn"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


# -- pay -------------------------------------------------------------------------------------------
def test_wallet_payout_succeeds_books_and_sends_a_signed_ipn(momo_sandbox, receiver):
    body = pay_body(wallet(), ipn=receiver.url)
    resp = post(momo_sandbox, PAY, body)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    data = resp.json()
    assert data["resultCode"] == 0
    assert data["message"] == "Successful."
    assert (data["orderId"], data["requestId"], data["amount"]) == (
        body["orderId"],
        body["requestId"],
        50000,
    )
    assert isinstance(data["transId"], int)
    assert data["balance"] == presets.MOMO_OPENING_BALANCE - 50000
    [entry] = momo_entries(momo_sandbox)
    assert entry["operation"] == "disbursement.pay_wallet"
    assert entry["reference"] == body["requestId"]
    assert entry["external_id"] == body["orderId"]
    assert entry["account"] == PARTNER
    assert entry["amount"] == "50000"
    assert entry["currency"] == "VND"
    assert entry["status"] == "SUCCESSFUL"
    assert entry["party"]["walletId"] == "0912345678"
    [ipn] = receiver.wait(1)
    assert ipn["path"] == "/momo/ipn"
    assert ipn["content_type"].startswith("application/json")
    assert ipn_valid(ipn["body"])
    assert ipn["body"]["resultCode"] == 0
    assert ipn["body"]["transId"] == data["transId"]
    assert ipn["body"]["orderType"] == "momo_disbursement"
    assert ipn["body"]["orderInfo"] == "Chi tiền thưởng"
    log = momo_sandbox.control.wait_for_callbacks(1)
    assert log[0]["status_code"] == 204
    assert log[0]["provider"] == "momo_vn"


FINAL_FAILURES = [99, 1001, 1007, 1008, 1100, 4001, 4002, 4003]


@pytest.mark.parametrize("code", FINAL_FAILURES)
def test_magic_wallet_gives_final_failure(momo_sandbox, code):
    body = pay_body(wallet(f"090000{code:04d}"))
    data = post(momo_sandbox, PAY, body).json()
    assert data["resultCode"] == code
    [entry] = momo_entries(momo_sandbox)
    assert entry["status"] == "FAILED"
    assert entry["reason"] == str(code)
    assert data["balance"] == presets.MOMO_OPENING_BALANCE
    query = post(momo_sandbox, QUERY, signed("query", orderId=body["orderId"])).json()
    assert query["resultCode"] == code


@pytest.mark.parametrize("code", [7002, 9000])
def test_magic_wallet_stays_pending_until_settled(momo_sandbox, receiver, code):
    body = pay_body(wallet(f"090000{code:04d}"), ipn=receiver.url)
    data = post(momo_sandbox, PAY, body).json()
    assert data["resultCode"] == code
    assert momo_entries(momo_sandbox)[0]["status"] == "PENDING"
    again = post(momo_sandbox, PAY, body)
    assert again.status_code == 422
    assert again.json()["resultCode"] == 7000
    settled = momo_sandbox.control.post(
        "/_sandbox/momo_vn/settle", {"order_id": body["orderId"], "result_code": 1007}
    )
    assert settled["resultCode"] == 1007
    [ipn] = receiver.wait(1)
    assert ipn["body"]["resultCode"] == 1007
    assert ipn_valid(ipn["body"])
    assert momo_entries(momo_sandbox)[0]["status"] == "FAILED"
    final = post(momo_sandbox, PAY, body)
    assert final.status_code == 200
    assert final.json()["resultCode"] == 1007
    assert final.json()["balance"] == presets.MOMO_OPENING_BALANCE
    with pytest.raises(ValueError, match="409"):
        momo_sandbox.control.post("/_sandbox/momo_vn/settle", {"order_id": body["orderId"]})


def test_7000_settles_to_success_with_an_ipn(momo_sandbox, receiver):
    momo_sandbox.control.post("/_sandbox/momo_vn/settings", {"pending_seconds": 0.2})
    body = pay_body(wallet("0900007000"), ipn=receiver.url)
    assert post(momo_sandbox, PAY, body).json()["resultCode"] == 7000
    [ipn] = receiver.wait(1)
    assert ipn["body"]["resultCode"] == 0
    assert ipn_valid(ipn["body"])
    assert momo_entries(momo_sandbox)[0]["status"] == "SUCCESSFUL"
    assert post(momo_sandbox, PAY, body).json()["resultCode"] == 0
    query = post(momo_sandbox, QUERY, signed("query", orderId=body["orderId"])).json()
    assert query["resultCode"] == 0
    assert query["amount"] == 50000


def test_bank_payout_masks_the_account(momo_sandbox):
    method = {
        "bankAccountNo": "9704150961516941",
        "bankAccountHolderName": "Nguyen Van A",
        "bankCode": "CTG",
    }
    data = post(momo_sandbox, PAY, pay_body(method, request_type="disburseToBank")).json()
    assert data["resultCode"] == 0
    [entry] = momo_entries(momo_sandbox)
    assert entry["operation"] == "disbursement.pay_bank"
    assert entry["status"] == "SUCCESSFUL"
    assert entry["party"]["bankAccountNo"] == "************6941"
    assert "9704150961516941" not in json.dumps(momo_sandbox.control.ledger())


@pytest.mark.parametrize(
    ("method", "amount", "code"),
    [
        ({"bankAccountNo": "123456789", "bankCode": "NOPE"}, "50000", 1507),
        ({"bankCardNo": "9900001507", "bankCode": "VCB"}, "50000", 1507),
        ({"bankAccountNo": "9900004003", "bankCode": "VCB"}, "50000", 4003),
        ({"bankAccountNo": "123456789", "bankCode": "VCB"}, "19999", 22),
        ({"bankAccountNo": "123456789", "bankCode": "VCB"}, "20000001", 22),
    ],
)
def test_bank_payout_rules(momo_sandbox, method, amount, code):
    method = dict(method, bankAccountHolderName="Tran Thi B")
    body = pay_body(method, amount=amount, request_type="disburseToBank")
    assert post(momo_sandbox, PAY, body).json()["resultCode"] == code


# -- verify, balance, query ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wallet_id", "code", "status"),
    [
        ("0912345678", 0, 200),
        ("0900001007", 1007, 200),
        ("0900004003", 4003, 200),
        ("0900000099", 99, 200),
        ("0900000010", 10, 503),
        ("0900007000", 0, 200),
    ],
)
def test_check_wallet(momo_sandbox, wallet_id, code, status):
    body = signed(
        "verify", requestType="checkWallet", disbursementMethod=encrypt({"walletId": wallet_id})
    )
    resp = post(momo_sandbox, VERIFY, body)
    assert (resp.status_code, resp.json()["resultCode"]) == (status, code)
    assert set(resp.json()) >= {"partnerCode", "orderId", "requestId", "responseTime", "message"}
    assert momo_entries(momo_sandbox) == []


def test_balance_follows_the_ledger(momo_sandbox):
    def balance() -> int:
        data = post(momo_sandbox, BALANCE, signed("balance", orderGroupId=1000)).json()
        assert data["resultCode"] == 0
        assert data["currency"] == "VND"
        return int(data["amount"])

    start = balance()
    assert start == presets.MOMO_OPENING_BALANCE
    post(momo_sandbox, PAY, pay_body(wallet(), amount=120000))
    post(momo_sandbox, PAY, pay_body(wallet("0900001007"), amount=70000))
    pending = pay_body(wallet("0900007002"), amount=30000)
    post(momo_sandbox, PAY, pending)
    assert balance() == start - 150000
    momo_sandbox.control.post(
        "/_sandbox/momo_vn/settle", {"order_id": pending["orderId"], "result_code": 4001}
    )
    assert balance() == start - 120000


def test_insufficient_merchant_balance(momo_sandbox):
    momo_sandbox.control.post("/_sandbox/momo_vn/settings", {"balance": 100000})
    data = post(momo_sandbox, PAY, pay_body(wallet(), amount="200000")).json()
    assert data["resultCode"] == 1100
    assert data["balance"] == 100000
    assert momo_entries(momo_sandbox)[0]["status"] == "FAILED"


def test_query_unknown_order_and_status_error(momo_sandbox):
    resp = post(momo_sandbox, QUERY, signed("query", orderId="UNKNOWN1"))
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 42)
    body = pay_body(wallet())
    post(momo_sandbox, PAY, body)
    momo_sandbox.control.set_faults(status_error={"next": 1, "provider": "momo_vn"})
    assert post(momo_sandbox, QUERY, signed("query", orderId=body["orderId"])).status_code == 500
    query = post(momo_sandbox, QUERY, signed("query", orderId=body["orderId"]))
    assert query.status_code == 200
    assert query.json()["resultCode"] == 0


# -- refusals --------------------------------------------------------------------------------------
def test_bad_signature_and_unknown_partner(momo_sandbox):
    body = pay_body(wallet())
    body["signature"] = hmac_hex("pay", body, secret="not-the-secret")
    resp = post(momo_sandbox, PAY, body)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 20)
    assert resp.json()["subErrors"][0]["field"] == "signature"
    assert ACCESS not in resp.text
    assert SECRET not in resp.text
    other = dict(body, partnerCode="MOMOOTHER0001")
    resp = post(momo_sandbox, PAY, other)
    assert (resp.status_code, resp.json()["resultCode"]) == (401, 13)
    assert momo_entries(momo_sandbox) == []


def oaep(obj: dict[str, Any]) -> str:
    key = serialization.load_pem_public_key(presets.momo_public_key_pem().encode())
    assert isinstance(key, rsa.RSAPublicKey)
    pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return base64.b64encode(key.encrypt(json.dumps(obj).encode(), pad)).decode()


@pytest.mark.parametrize(
    "cipher",
    [
        lambda: "not base64!!",
        lambda: base64.b64encode(json.dumps(wallet()).encode()).decode(),
        lambda: oaep(wallet()),
        lambda: encrypt(wallet(), bits=4096),
        lambda: base64.b64encode(b"\x01" * 256).decode(),
    ],
    ids=["not-base64", "plain-json", "oaep", "other-key", "garbage-block"],
)
def test_undecryptable_method(momo_sandbox, cipher):
    body = pay_body(wallet())
    body["disbursementMethod"] = cipher()
    body["signature"] = hmac_hex("pay", body)
    resp = post(momo_sandbox, PAY, body)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 20)
    assert resp.json()["subErrors"][0]["field"] == "disbursementMethod"
    assert momo_entries(momo_sandbox) == []


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"orderId": "bad order:1"}, 20, "orderId"),
        ({"orderId": "A" * 51}, 20, "orderId"),
        ({"requestId": "R" * 51}, 20, "requestId"),
        ({"lang": "fr"}, 20, "lang"),
        ({"amount": "1000.5"}, 21, "amount"),
        ({"amount": 999}, 22, "amount"),
        ({"amount": "200000001"}, 22, "amount"),
        ({"requestType": "disburseToMoon"}, 20, "requestType"),
        ({"extraData": "not-base64"}, 20, "extraData"),
        ({"ipnUrl": ""}, 20, "ipnUrl"),
        ({"method": {"walletId": "84912345678"}}, 20, "disbursementMethod.walletId"),
        (
            {"method": {"walletId": "0912345678", "validatePersonalId": True}},
            20,
            "disbursementMethod.personalId",
        ),
    ],
)
def test_validation_errors(momo_sandbox, change, code, field):
    method = change.pop("method", wallet())
    body = pay_body(method, **change)
    resp = post(momo_sandbox, PAY, body)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, code)
    assert resp.json()["subErrors"][0]["field"] == field
    assert momo_entries(momo_sandbox) == []


def test_non_json_body(momo_sandbox):
    resp = post(momo_sandbox, PAY, b"partnerCode=x")
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 20)


# -- idempotency -----------------------------------------------------------------------------------
def test_identical_resend_gets_the_same_answer_and_one_booking(momo_sandbox):
    body = pay_body(wallet())
    first = post(momo_sandbox, PAY, body)
    second = post(momo_sandbox, PAY, body)
    assert second.status_code == 200
    assert second.json() == first.json()
    reencrypted = dict(body, disbursementMethod=encrypt(wallet()))
    reencrypted["signature"] = hmac_hex("pay", reencrypted)
    third = post(momo_sandbox, PAY, reencrypted)
    assert third.json() == first.json()
    ledger = momo_sandbox.control.ledger("momo_vn")
    assert len(ledger["entries"]) == 1
    assert ledger["violations"] == []


def test_request_id_reused_with_another_body(momo_sandbox):
    body = pay_body(wallet())
    post(momo_sandbox, PAY, body)
    other = pay_body(wallet(), amount="60000", requestId=body["requestId"])
    resp = post(momo_sandbox, PAY, other)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 40)
    ledger = momo_sandbox.control.ledger("momo_vn")
    assert len(ledger["entries"]) == 1
    [violation] = ledger["violations"]
    assert violation["kind"] == "reference_reused_with_other_body"
    assert violation["reference"] == body["requestId"]


def test_order_id_reused_under_a_new_request_id(momo_sandbox):
    body = pay_body(wallet())
    post(momo_sandbox, PAY, body)
    resp = post(momo_sandbox, PAY, pay_body(wallet(), orderId=body["orderId"]))
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 41)
    assert len(momo_entries(momo_sandbox)) == 1


# -- faults ----------------------------------------------------------------------------------------
def test_lost_after_booking_then_identical_resend(momo_sandbox):
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    body = pay_body(wallet())
    with pytest.raises(requests.ConnectionError):
        post(momo_sandbox, PAY, body)
    [entry] = momo_entries(momo_sandbox)
    assert entry["status"] == "SUCCESSFUL"
    resp = post(momo_sandbox, PAY, body)
    assert resp.status_code == 200
    assert resp.json()["resultCode"] == 0
    assert str(resp.json()["transId"]) == entry["financial_transaction_id"]
    assert len(momo_entries(momo_sandbox)) == 1


def test_error_before_booking_books_nothing(momo_sandbox):
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    body = pay_body(wallet())
    resp = post(momo_sandbox, PAY, body)
    assert resp.status_code == 503
    assert resp.json()["resultCode"] == 10
    assert momo_entries(momo_sandbox) == []
    assert post(momo_sandbox, PAY, body).json()["resultCode"] == 0
    assert len(momo_entries(momo_sandbox)) == 1


# -- IPN forgery and control endpoints ------------------------------------------------------------
@pytest.mark.parametrize("tamper", ["none", "signature", "amount", "missing_field"])
def test_forge_ipn(momo_sandbox, receiver, tamper):
    body = pay_body(wallet("0900007002"))
    post(momo_sandbox, PAY, body)
    sent = momo_sandbox.control.post(
        "/_sandbox/momo_vn/forge-ipn",
        {"order_id": body["orderId"], "tamper": tamper, "url": receiver.url},
    )
    [ipn] = receiver.wait(1)
    assert ipn["body"] == sent["body"]
    assert ipn_valid(ipn["body"]) is (tamper == "none")
    if tamper == "amount":
        assert ipn["body"]["amount"] != 50000
    if tamper == "missing_field":
        assert "transId" not in ipn["body"]


def test_public_key_and_stats_show_nothing_secret(momo_sandbox):
    pem = requests.get(momo_sandbox.base_url + "/_sandbox/momo_vn/public-key", timeout=5).text
    assert pem == presets.momo_public_key_pem(2048)
    stats = requests.get(momo_sandbox.base_url + "/_sandbox/momo_vn/stats", timeout=5).text
    health = requests.get(momo_sandbox.base_url + "/_sandbox/health", timeout=5).text
    for text in (stats, health):
        assert SECRET not in text
        assert ACCESS not in text
        assert "PRIVATE" not in text


def test_4096_bit_key_pair():
    from django_momo.sandbox.control import SandboxControl, SandboxHandle
    from django_momo.sandbox.server import start_in_thread

    running = start_in_thread({"momo_key_bits": 4096})
    try:
        sb = SandboxHandle(running.base_url, SandboxControl(running.base_url))
        pem = requests.get(sb.base_url + "/_sandbox/momo_vn/public-key", timeout=5).text
        assert pem == presets.momo_public_key_pem(4096)
        body = pay_body(wallet())
        body["disbursementMethod"] = encrypt(wallet(), bits=4096)
        body["signature"] = hmac_hex("pay", body)
        assert len(body["disbursementMethod"]) == 684
        assert post(sb, PAY, body).json()["resultCode"] == 0
        old_key = pay_body(wallet())
        assert post(sb, PAY, old_key).json()["resultCode"] == 20
    finally:
        running.stop()
