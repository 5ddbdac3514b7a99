"""The MoMo Vietnam payment gateway of the sandbox (create, payment page, IPN, query, refund),
driven over HTTP with plain ``requests``. Signatures are computed here with ``hmac`` from MoMo's
documented field lists, not with ``django_momo.providers``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from django_momo.sandbox import presets

from .test_momo_vn_sandbox import pay_body, wallet

PARTNER = presets.MOMO_PARTNER_CODE
ACCESS = presets.MOMO_ACCESS_KEY
SECRET = presets.MOMO_SECRET_KEY
CREATE = "/v2/gateway/api/create"
QUERY = "/v2/gateway/api/query"
REFUND = "/v2/gateway/api/refund"
PAY = "/v2/gateway/api/disbursement/pay"
FIELDS = {
    "create": "accessKey amount extraData ipnUrl orderId orderInfo partnerCode redirectUrl "
    "requestId requestType",
    "create_answer": "accessKey amount orderId partnerCode payUrl requestId responseTime "
    "resultCode",
    "query": "accessKey orderId partnerCode requestId",
    "refund": "accessKey amount description orderId partnerCode requestId transId",
    "ipn": "accessKey amount extraData message orderId orderInfo orderType partnerCode payType "
    "requestId responseTime resultCode transId",
}
REDIRECT = "https://shop.example/momo/return?cart=7"
_ids = itertools.count(1)


def hmac_hex(operation: str, data: dict[str, Any], secret: str = SECRET) -> str:
    values = dict(data, accessKey=ACCESS)
    raw = "&".join(
        f"{k}={'' if values.get(k) is None else values[k]}" for k in FIELDS[operation].split()
    )
    return hmac.new(secret.encode(), raw.encode("utf-8"), hashlib.sha256).hexdigest()


def valid(operation: str, data: dict[str, Any]) -> bool:
    return hmac.compare_digest(hmac_hex(operation, data), str(data.get("signature", "")))


def new_id(prefix: str) -> str:
    return f"{prefix}{time.time_ns()}{next(_ids)}"


def create_body(
    *,
    amount: Any = 50000,
    request_type: str = "captureWallet",
    ipn: str = "http://127.0.0.1:9/ipn",
    **over: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partnerCode": PARTNER,
        "requestId": new_id("RQ"),
        "amount": amount,
        "orderId": new_id("ORD"),
        "orderInfo": "Thanh toán đơn hàng #7",
        "redirectUrl": REDIRECT,
        "ipnUrl": ipn,
        "requestType": request_type,
        "extraData": "eyJ1c2VybmFtZSI6ICJtb21vIn0=",
        "lang": "vi",
        "autoCapture": True,
    }
    body.update(over)
    body["signature"] = hmac_hex("create", body)
    return body


def signed(operation: str, **fields: Any) -> dict[str, Any]:
    body = {"partnerCode": PARTNER, "requestId": new_id("RQ"), "lang": "en", **fields}
    body["signature"] = hmac_hex(operation, body)
    return body


def refund_body(trans_id: Any, amount: Any, **over: Any) -> dict[str, Any]:
    fields = {"orderId": new_id("RF"), "amount": amount, "transId": trans_id, "description": ""}
    fields.update(over)
    return signed("refund", **fields)


def post(sb: Any, path: str, body: dict[str, Any] | bytes) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    return requests.post(sb.base_url + path, data=data, headers=headers, timeout=10)


def query(sb: Any, order_id: str) -> dict[str, Any]:
    resp = post(sb, QUERY, signed("query", orderId=order_id))
    return resp.json()  # type: ignore[no-any-return]


def entries(sb: Any, operation: str | None = None) -> list[dict[str, Any]]:
    found = sb.control.ledger("momo_vn")["entries"]
    return [e for e in found if operation is None or e["operation"] == operation]


def press(pay_url: str, action: str) -> requests.Response:
    return requests.post(pay_url, data={"action": action}, allow_redirects=False, timeout=10)


class Receiver:
    """A loopback IPN receiver that answers 204 and keeps the JSON bodies it got."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.received.append(json.loads(self.rfile.read(length).decode("utf-8")))
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


def created(sb: Any, **over: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    body = create_body(**over)
    resp = post(sb, CREATE, body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["resultCode"] == 0
    return body, resp.json()


def paid(sb: Any, **over: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    body, answer = created(sb, **over)
    assert press(answer["payUrl"], "pay").status_code == 302
    return body, query(sb, body["orderId"])


# -- create, page, pay, IPN, redirect, query -------------------------------------------------------
def test_create_pay_redirect_ipn_and_query(momo_sandbox, receiver):
    body, answer = created(momo_sandbox, ipn=receiver.url)
    assert (answer["orderId"], answer["requestId"], answer["amount"]) == (
        body["orderId"],
        body["requestId"],
        50000,
    )
    assert answer["message"] == "Thành công."
    assert valid("create_answer", answer)
    assert answer["payUrl"] == f"{momo_sandbox.base_url}/_sandbox/momo_vn/pay/{body['orderId']}"
    assert answer["deeplink"].startswith("momo://")
    assert answer["qrCodeUrl"]
    [entry] = entries(momo_sandbox)
    assert (entry["operation"], entry["status"], entry["extra"]["kind"]) == (
        "gateway.order",
        "PENDING",
        "order",
    )
    assert (entry["reference"], entry["external_id"], entry["amount"]) == (
        body["requestId"],
        body["orderId"],
        "50000",
    )
    waiting = query(momo_sandbox, body["orderId"])
    assert (waiting["resultCode"], waiting["transId"], waiting["payType"]) == (1000, 0, "")

    page = requests.get(answer["payUrl"], timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert body["orderId"] in page.text
    assert "50,000 VND" in page.text
    assert "Thanh toán đơn hàng #7" in page.text
    assert re.search(r'<form method="post"[^>]*>.*value="pay".*>Pay</button>', page.text)
    assert re.search(r'<form method="post"[^>]*>.*value="cancel".*>Cancel</button>', page.text)
    assert "<script" not in page.text

    resp = press(answer["payUrl"], "pay")
    assert resp.status_code == 302
    location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT.split("?")[0]
    params = dict(parse_qsl(location.query, keep_blank_values=True))
    assert params.pop("cart") == "7"
    assert valid("ipn", params)
    assert params["resultCode"] == "0"
    assert params["orderInfo"] == "Thanh toán đơn hàng #7"
    assert params["orderType"] == "momo_wallet"

    [ipn] = receiver.wait(1)
    assert valid("ipn", ipn)
    assert (ipn["resultCode"], ipn["payType"], ipn["orderType"]) == (0, "qr", "momo_wallet")
    assert (ipn["orderId"], ipn["requestId"], ipn["amount"]) == (
        body["orderId"],
        body["requestId"],
        50000,
    )
    assert ipn["extraData"] == body["extraData"]
    assert str(ipn["transId"]) == params["transId"]
    [delivery] = momo_sandbox.control.wait_for_callbacks(1)
    assert (delivery["provider"], delivery["status_code"]) == ("momo_vn", 204)

    final = query(momo_sandbox, body["orderId"])
    assert (final["resultCode"], final["transId"], final["payType"]) == (0, ipn["transId"], "qr")
    assert (final["amount"], final["refundTrans"]) == (50000, [])
    [entry] = entries(momo_sandbox)
    assert entry["status"] == "SUCCESSFUL"
    assert entry["financial_transaction_id"] == str(ipn["transId"])
    again = press(answer["payUrl"], "pay")
    assert again.status_code == 409
    assert len(receiver.wait(1)) == 1


def test_cancel_on_the_page(momo_sandbox, receiver):
    body, answer = created(momo_sandbox, ipn=receiver.url)
    resp = press(answer["payUrl"], "cancel")
    assert resp.status_code == 302
    params = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))
    assert params["resultCode"] == "1006"
    assert valid("ipn", {k: v for k, v in params.items() if k != "cart"})
    [ipn] = receiver.wait(1)
    assert (ipn["resultCode"], ipn["payType"]) == (1006, "")
    assert valid("ipn", ipn)
    assert query(momo_sandbox, body["orderId"])["resultCode"] == 1006
    assert entries(momo_sandbox)[0]["status"] == "CANCELLED"
    page = requests.get(answer["payUrl"], timeout=10)
    assert 'data-result-code="1006"' in page.text
    assert ">Pay</button>" not in page.text


def test_expire_from_the_control_api_and_by_validity(momo_sandbox, receiver):
    body, _ = created(momo_sandbox, ipn=receiver.url)
    expired = momo_sandbox.control.momo_gateway_expire(body["orderId"])
    assert (expired["resultCode"], expired["status"]) == (1005, "EXPIRED")
    assert query(momo_sandbox, body["orderId"])["resultCode"] == 1005
    [ipn] = receiver.wait(1)
    assert ipn["resultCode"] == 1005
    with pytest.raises(ValueError, match="409"):
        momo_sandbox.control.momo_gateway_settle(body["orderId"], 0)

    settings = momo_sandbox.control.post(
        "/_sandbox/momo_vn/settings", {"order_validity_seconds": 0}
    )
    assert settings["order_validity_seconds"] == 0
    late, answer = created(momo_sandbox, ipn=receiver.url)
    assert query(momo_sandbox, late["orderId"])["resultCode"] == 1005
    assert press(answer["payUrl"], "pay").status_code == 409
    assert receiver.wait(2)[1]["resultCode"] == 1005


def test_settle_from_the_control_api(momo_sandbox, receiver):
    body, _ = created(momo_sandbox, ipn=receiver.url, request_type="payWithATM")
    settled = momo_sandbox.control.momo_gateway_settle(body["orderId"], 0, notify=False)
    assert (settled["resultCode"], settled["payType"]) == (0, "napas")
    assert query(momo_sandbox, body["orderId"])["payType"] == "napas"
    time.sleep(0.2)
    assert receiver.received == []
    other, _ = created(momo_sandbox, ipn=receiver.url)
    assert momo_sandbox.control.momo_gateway_settle(other["orderId"], 1001)["resultCode"] == 1001
    assert receiver.wait(1)[0]["resultCode"] == 1001
    with pytest.raises(ValueError, match="400"):
        momo_sandbox.control.momo_gateway_settle(other["orderId"], 7)


# -- refusals --------------------------------------------------------------------------------------
def test_bad_signature_answers_20(momo_sandbox):
    body = create_body()
    body["signature"] = hmac_hex("create", body, secret="not-the-secret")
    resp = post(momo_sandbox, CREATE, body)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 20)
    assert resp.json()["subErrors"][0]["field"] == "signature"
    assert SECRET not in resp.text
    assert ACCESS not in resp.text
    unsigned_change = dict(create_body(), amount=60000)
    assert post(momo_sandbox, CREATE, unsigned_change).json()["resultCode"] == 20
    assert entries(momo_sandbox) == []


@pytest.mark.parametrize(
    ("request_type", "amount", "code"),
    [
        ("captureWallet", 999, 22),
        ("captureWallet", 1000, 0),
        ("captureWallet", "50000000", 0),
        ("captureWallet", 50_000_001, 22),
        ("payWithATM", 9_999, 22),
        ("payWithATM", 10_000, 0),
        ("payWithCC", 1_000, 0),
        ("payWithMethod", 50_000_001, 22),
        ("captureWallet", "1000.5", 21),
    ],
)
def test_amount_limits(momo_sandbox, request_type, amount, code):
    body = create_body(amount=amount, request_type=request_type)
    assert post(momo_sandbox, CREATE, body).json()["resultCode"] == code
    assert len(entries(momo_sandbox)) == (1 if code == 0 else 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"orderId": "bad order:1"}, "orderId"),
        ({"requestType": "linkWallet"}, "requestType"),
        ({"ipnUrl": "not a url"}, "ipnUrl"),
        ({"redirectUrl": "ftp://x"}, "redirectUrl"),
        ({"redirectUrl": "no url"}, "redirectUrl"),
        ({"orderInfo": ""}, "orderInfo"),
        ({"extraData": "not-base64"}, "extraData"),
        ({"autoCapture": False}, "autoCapture"),
        ({"lang": "fr"}, "lang"),
    ],
)
def test_format_errors_answer_20(momo_sandbox, change, field):
    resp = post(momo_sandbox, CREATE, create_body(**change))
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 20)
    assert resp.json()["subErrors"][0]["field"] == field


def test_app_link_redirect(momo_sandbox):
    _, answer = created(momo_sandbox, redirectUrl="myshop://momo/return")
    resp = press(answer["payUrl"], "pay")
    assert resp.headers["Location"].startswith("myshop://momo/return?partnerCode=")


def test_missing_field_answers_20(momo_sandbox):
    body = create_body()
    del body["ipnUrl"]
    body["signature"] = hmac_hex("create", body)
    resp = post(momo_sandbox, CREATE, body)
    assert (resp.json()["resultCode"], resp.json()["subErrors"][0]["field"]) == (20, "ipnUrl")


def test_order_id_reuse_answers_41(momo_sandbox):
    body, _ = created(momo_sandbox)
    again = create_body(orderId=body["orderId"])
    resp = post(momo_sandbox, CREATE, again)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 41)
    assert post(momo_sandbox, CREATE, again).json()["resultCode"] == 40  # 41 is not final
    payout = pay_body(wallet(), orderId=body["orderId"])
    assert post(momo_sandbox, PAY, payout).json()["resultCode"] == 41
    paid_out = pay_body(wallet())
    assert post(momo_sandbox, PAY, paid_out).json()["resultCode"] == 0
    over_payout = create_body(orderId=paid_out["orderId"])
    assert post(momo_sandbox, CREATE, over_payout).json()["resultCode"] == 41
    assert len(entries(momo_sandbox, "gateway.order")) == 1


def test_same_request_id_gets_the_same_answer_and_one_entry(momo_sandbox):
    body, first = created(momo_sandbox)
    second = post(momo_sandbox, CREATE, body)
    assert second.status_code == 200
    assert second.json() == first
    reformatted = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
    assert post(momo_sandbox, CREATE, reformatted).json() == first
    press(first["payUrl"], "pay")
    assert post(momo_sandbox, CREATE, body).json() == first  # the create's answer, still 0
    other = create_body(requestId=body["requestId"], amount=60000)
    resp = post(momo_sandbox, CREATE, other)
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 40)
    ledger = momo_sandbox.control.ledger("momo_vn")
    assert len(ledger["entries"]) == 1
    [violation] = ledger["violations"]
    assert violation["kind"] == "reference_reused_with_other_body"


# -- refunds ---------------------------------------------------------------------------------------
def test_refunds_in_parts_up_to_the_amount(momo_sandbox):
    body, order = paid(momo_sandbox, amount=100_000)
    trans_id = order["transId"]
    first = refund_body(trans_id, 60_000, description="Hoàn tiền một phần")
    resp = post(momo_sandbox, REFUND, first)
    assert (resp.status_code, resp.json()["resultCode"]) == (200, 0)
    refund_trans_id = resp.json()["transId"]
    assert refund_trans_id != trans_id
    assert resp.json()["amount"] == 60_000
    assert post(momo_sandbox, REFUND, first).json() == resp.json()  # idempotent re-send
    second = post(momo_sandbox, REFUND, refund_body(str(trans_id), "40000"))
    assert second.json()["resultCode"] == 0
    one_more = refund_body(trans_id, 1_000)
    refused = post(momo_sandbox, REFUND, one_more)
    assert (refused.status_code, refused.json()["resultCode"]) == (200, 1081)
    assert post(momo_sandbox, REFUND, one_more).json()["resultCode"] == 1081  # final

    state = query(momo_sandbox, body["orderId"])
    assert state["resultCode"] == 0
    assert [(r["orderId"], r["amount"], r["resultCode"]) for r in state["refundTrans"]] == [
        (first["orderId"], 60_000, 0),
        (second.json()["orderId"], 40_000, 0),
    ]
    assert state["refundTrans"][0]["transId"] == refund_trans_id
    assert isinstance(state["refundTrans"][0]["createdTime"], int)
    refunds = entries(momo_sandbox, "gateway.refund")
    assert [(e["amount"], e["status"], e["extra"]["kind"]) for e in refunds] == [
        ("60000", "SUCCESSFUL", "refund"),
        ("40000", "SUCCESSFUL", "refund"),
    ]
    reuse = refund_body(trans_id, 1_000, orderId=body["orderId"])
    assert post(momo_sandbox, REFUND, reuse).json()["resultCode"] == 41
    reuse = refund_body(trans_id, 1_000, orderId=first["orderId"])
    assert post(momo_sandbox, REFUND, reuse).json()["resultCode"] == 41
    assert query(momo_sandbox, first["orderId"])["resultCode"] == 42  # a refund is no order


def test_refund_refusals(momo_sandbox):
    unknown = post(momo_sandbox, REFUND, refund_body(999_999, 10_000))
    assert (unknown.status_code, unknown.json()["resultCode"]) == (400, 42)
    body, answer = created(momo_sandbox)
    press(answer["payUrl"], "cancel")
    cancelled = query(momo_sandbox, body["orderId"])["transId"]
    assert post(momo_sandbox, REFUND, refund_body(cancelled, 10_000)).json()["resultCode"] == 1088
    _, atm = paid(momo_sandbox, request_type="payWithATM", amount=100_000)
    assert post(momo_sandbox, REFUND, refund_body(atm["transId"], 9_999)).json()["resultCode"] == 22
    assert post(momo_sandbox, REFUND, refund_body(atm["transId"], 999)).json()["resultCode"] == 22
    _, wallet_order = paid(momo_sandbox, amount=5_000)
    small = post(momo_sandbox, REFUND, refund_body(wallet_order["transId"], 1_000))
    assert small.json()["resultCode"] == 0
    bad = refund_body(wallet_order["transId"], 1_000)
    bad["signature"] = hmac_hex("refund", dict(bad, description="x"))
    assert post(momo_sandbox, REFUND, bad).json()["resultCode"] == 20
    assert len(entries(momo_sandbox, "gateway.refund")) == 1


def test_query_unknown_order_answers_42(momo_sandbox):
    resp = post(momo_sandbox, QUERY, signed("query", orderId="NOSUCHORDER1"))
    assert (resp.status_code, resp.json()["resultCode"]) == (400, 42)


# -- faults ----------------------------------------------------------------------------------------
def test_faults_apply_to_create(momo_sandbox):
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    body = create_body()
    resp = post(momo_sandbox, CREATE, body)
    assert (resp.status_code, resp.json()["resultCode"]) == (503, 10)
    assert entries(momo_sandbox) == []
    assert post(momo_sandbox, CREATE, body).json()["resultCode"] == 0

    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    lost = create_body()
    with pytest.raises(requests.ConnectionError):
        post(momo_sandbox, CREATE, lost)
    assert len(entries(momo_sandbox)) == 2
    resent = post(momo_sandbox, CREATE, lost).json()
    assert resent["resultCode"] == 0
    assert resent["payUrl"].endswith(lost["orderId"])

    momo_sandbox.control.set_faults(replay_unknown={"next": 1})
    assert post(momo_sandbox, CREATE, lost).json()["resultCode"] == 99
    assert post(momo_sandbox, CREATE, lost).json() == resent

    momo_sandbox.control.set_faults(refuse_order={"next": 1})
    refused = create_body()
    assert post(momo_sandbox, CREATE, refused).json()["resultCode"] == 41
    assert post(momo_sandbox, CREATE, refused).json()["resultCode"] == 40
    assert len(entries(momo_sandbox)) == 2

    momo_sandbox.control.set_faults(latency_ms=300)
    started = time.monotonic()
    assert post(momo_sandbox, CREATE, create_body()).json()["resultCode"] == 0
    assert time.monotonic() - started >= 0.3


def test_faults_apply_to_refund_and_query(momo_sandbox):
    body, order = paid(momo_sandbox, amount=20_000)
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    lost = refund_body(order["transId"], 20_000)
    with pytest.raises(requests.ConnectionError):
        post(momo_sandbox, REFUND, lost)
    assert post(momo_sandbox, REFUND, lost).json()["resultCode"] == 0
    assert len(entries(momo_sandbox, "gateway.refund")) == 1
    momo_sandbox.control.set_faults(status_error={"next": 1, "provider": "momo_vn"})
    resp = post(momo_sandbox, QUERY, signed("query", orderId=body["orderId"]))
    assert (resp.status_code, resp.json()["resultCode"]) == (500, 10)
    assert len(query(momo_sandbox, body["orderId"])["refundTrans"]) == 1


def test_callback_misbehaviour_applies_to_payment_ipns(momo_sandbox, receiver):
    momo_sandbox.control.set_callbacks(duplicate_rate=1.0)
    _, answer = created(momo_sandbox, ipn=receiver.url)
    press(answer["payUrl"], "pay")
    first, second = receiver.wait(2)
    assert first == second
    assert valid("ipn", first)
    momo_sandbox.control.set_callbacks(duplicate_rate=0.0, drop_rate=1.0)
    _, dropped = created(momo_sandbox, ipn=receiver.url)
    press(dropped["payUrl"], "pay")
    log = momo_sandbox.control.callbacks()
    assert [d["dropped"] for d in log] == [False, False, True]


@pytest.mark.parametrize("tamper", ["none", "signature", "amount", "missing_field"])
def test_forge_ipn(momo_sandbox, receiver, tamper):
    body, _ = paid(momo_sandbox)
    sent = momo_sandbox.control.post(
        "/_sandbox/momo_vn/gateway/forge-ipn",
        {"orderId": body["orderId"], "tamper": tamper, "url": receiver.url},
    )
    [ipn] = receiver.wait(1)
    assert ipn == sent["body"]
    assert valid("ipn", ipn) is (tamper == "none")
    assert ipn["resultCode"] == 0
    if tamper == "missing_field":
        assert "transId" not in ipn


def test_order_control_and_reset(momo_sandbox):
    body, _ = created(momo_sandbox)
    state = momo_sandbox.control.momo_gateway_order(body["orderId"])
    assert (state["resultCode"], state["status"], state["refunded"]) == (1000, "PENDING", 0)
    with pytest.raises(requests.HTTPError):
        momo_sandbox.control.momo_gateway_order("NOPE1")
    momo_sandbox.control.reset()
    assert query(momo_sandbox, body["orderId"])["resultCode"] == 42
    pay_url = f"{momo_sandbox.base_url}/_sandbox/momo_vn/pay/{body['orderId']}"
    assert requests.get(pay_url, timeout=5).status_code == 404
