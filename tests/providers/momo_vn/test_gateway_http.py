"""The gateway client's reading of answers and its retry rule, with a scripted transport.

(The same paths over real HTTP are in ``test_gateway_sandbox.py``.)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests

from django_momo.providers.base import (
    AnswerMismatch,
    AuthenticationError,
    NotFoundError,
    Outcome,
    RejectedError,
    TransientError,
)
from django_momo.providers.momo_vn import (
    MomoGatewayClient,
    PreparedOrder,
    PreparedRefund,
    ResponseSignatureError,
)
from django_momo.providers.momo_vn.signing import CREATE_RESPONSE_FIELDS, Signer
from django_momo.sandbox import presets

from ..logs import assert_no_secret
from .conftest import make_credentials

LOGGER = "django_momo.providers.momo_vn"


def response(body: dict[str, Any] | bytes, status: int = 200) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return resp


Step = Callable[[dict[str, Any]], requests.Response]


class Script:
    """A transport answering each send with the next step (a function of the body sent)."""

    def __init__(self, *steps: Step, max_retries: int = 2) -> None:
        self.steps = list(steps)
        self.max_retries = max_retries
        self.sent: list[bytes] = []

    def send(self, method: str, url: str, **kw: Any) -> requests.Response:
        self.sent.append(kw["data"])
        return self.steps.pop(0)(json.loads(kw["data"]))

    def retry_delay(self, attempt: int, retry_after: float | None = None) -> float:
        return 0.0

    def close(self) -> None:
        pass


def lost(_: dict[str, Any]) -> requests.Response:
    raise TransientError("timed out: outcome unknown", provider="momo_vn", reference="x")


def server_error(_: dict[str, Any]) -> requests.Response:
    return response(b"<html>bad gateway</html>", 502)


def signed_create_answer(body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    answer = {
        "partnerCode": body["partnerCode"],
        "requestId": body["requestId"],
        "orderId": body["orderId"],
        "amount": body["amount"],
        "responseTime": 1700000000000,
        "message": "Thành công.",
        "resultCode": 0,
        "payUrl": "https://test-payment.momo.vn/v2/gateway/pay?t=abc",
        "deeplink": "momo://app?action=payWithApp&sid=abc",
        "qrCodeUrl": "momo://app?action=payWithApp&isScanQR=true&sid=abc",
        "userFee": 0,
        **overrides,
    }
    values = {**answer, "accessKey": presets.MOMO_ACCESS_KEY}
    answer["signature"] = Signer(presets.MOMO_SECRET_KEY).sign(CREATE_RESPONSE_FIELDS, values)
    return answer


def ok_create(**overrides: Any) -> Step:
    return lambda body: response(signed_create_answer(body, **overrides))


def client_with(script: Script) -> MomoGatewayClient:
    return MomoGatewayClient(make_credentials(), transport=script, sleep=lambda _: None)  # type: ignore[arg-type]


def prepare_order(client: MomoGatewayClient, **extra: Any) -> PreparedOrder:
    kw: dict[str, Any] = {
        "request_id": "req-gw-1",
        "order_id": "ORDER-1",
        "amount": 50000,
        "order_info": "Đơn hàng 1",
        "redirect_url": "https://shop.example/momo/return/",
        "ipn_url": "https://shop.example/momo/ipn/",
        **extra,
    }
    return client.prepare_create(**kw)


def test_create_answer_is_a_pending_order_with_its_links() -> None:
    script = Script(ok_create())
    client = client_with(script)
    order = client.send_create(prepare_order(client))
    assert order.created
    assert order.outcome is Outcome.PENDING
    assert not order.final
    assert order.pay_url == "https://test-payment.momo.vn/v2/gateway/pay?t=abc"
    assert order.deeplink
    assert order.qr_code_url
    assert order.deeplink_mini_app is None
    assert order.amount == Decimal(50000)
    assert order.responded_at is not None
    assert not order.ambiguous
    assert len(script.sent) == 1


def test_create_answer_with_a_wrong_signature_is_refused_and_retried() -> None:
    def forged(body: dict[str, Any]) -> requests.Response:
        answer = signed_create_answer(body)
        answer["payUrl"] = "https://evil.example/pay"
        return response(answer)

    script = Script(forged, forged, forged)
    client = client_with(script)
    prepared = prepare_order(client)
    with pytest.raises(ResponseSignatureError) as info:
        client.send_create(prepared)
    assert isinstance(info.value, AnswerMismatch)
    assert info.value.reference == prepared.request_id
    # Each retry sent the same bytes.
    assert script.sent == [prepared.body] * 3


def test_create_answer_without_signature_is_accepted() -> None:
    def unsigned(body: dict[str, Any]) -> requests.Response:
        answer = signed_create_answer(body)
        del answer["signature"]
        return response(answer)

    client = client_with(Script(unsigned))
    assert client.send_create(prepare_order(client)).created


def test_create_answer_about_another_order_is_a_mismatch() -> None:
    script = Script(ok_create(orderId="ORDER-2"), max_retries=0)
    client = client_with(script)
    with pytest.raises(AnswerMismatch):
        client.send_create(prepare_order(client))


def test_create_answer_with_another_amount_is_a_mismatch() -> None:
    client = client_with(Script(ok_create(amount=60000), max_retries=0))
    with pytest.raises(AnswerMismatch):
        client.send_create(prepare_order(client))


def test_lost_create_is_resent_byte_for_byte_and_marked_ambiguous(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    script = Script(lost, server_error, ok_create())
    client = client_with(script)
    prepared = prepare_order(client)
    order = client.send_create(prepared)
    assert order.created
    assert order.ambiguous
    assert script.sent == [prepared.body] * 3
    creds = make_credentials()
    assert_no_secret(caplog, [creds.access_key, creds.secret_key])
    assert caplog.records, "the retries were logged"
    signature = json.loads(prepared.body)["signature"]
    assert all(signature not in record.getMessage() for record in caplog.records)


def test_giving_up_raises_ambiguous_transient() -> None:
    client = client_with(Script(lost, lost, max_retries=1))
    with pytest.raises(TransientError) as info:
        client.send_create(prepare_order(client))
    assert info.value.ambiguous


def test_retries_zero_is_one_attempt() -> None:
    script = Script(lost, ok_create())
    client = client_with(script)
    with pytest.raises(TransientError):
        client.send_create(prepare_order(client), retries=0)
    assert len(script.sent) == 1


@pytest.mark.parametrize(
    ("code", "outcome", "final"),
    [
        (20, Outcome.FAILED, False),
        (22, Outcome.FAILED, False),
        (41, Outcome.UNKNOWN, False),
        (40, Outcome.PENDING, False),
        (7000, Outcome.PENDING, False),
        (98, Outcome.FAILED, True),
        (4242, Outcome.UNKNOWN, False),
    ],
)
def test_create_result_codes(code: int, outcome: Outcome, final: bool) -> None:
    def refusal(body: dict[str, Any]) -> requests.Response:
        return response(
            {
                "partnerCode": body["partnerCode"],
                "requestId": body["requestId"],
                "orderId": body["orderId"],
                "amount": body["amount"],
                "resultCode": code,
                "message": "refused",
                "responseTime": 1700000000000,
            },
            400 if code < 1000 else 200,
        )

    client = client_with(Script(refusal))
    order = client.send_create(prepare_order(client))
    assert (order.result_code, order.outcome, order.final) == (code, outcome, final)
    assert not order.created
    assert order.pay_url is None


def test_create_refused_credentials_raise() -> None:
    client = client_with(Script(lambda b: response({"resultCode": 13, "message": "auth"}, 401)))
    with pytest.raises(AuthenticationError):
        client.send_create(prepare_order(client))


def test_resend_create_from_the_stored_body() -> None:
    script = Script(ok_create(), ok_create())
    client = client_with(script)
    prepared = prepare_order(client)
    stored = prepared.body.decode()
    assert PreparedOrder.from_body(stored) == prepared
    first = client.send_create(prepared)
    again = client.resend_create(stored)
    assert again.pay_url == first.pay_url
    assert script.sent[0] == script.sent[1]


# -- query ------------------------------------------------------------------------------------


def query_answer(code: int, **extra: Any) -> Step:
    def step(body: dict[str, Any]) -> requests.Response:
        return response(
            {
                "partnerCode": body["partnerCode"],
                "requestId": body["requestId"],
                "orderId": body["orderId"],
                "resultCode": code,
                "message": "m",
                "responseTime": 1700000000000,
                **extra,
            },
            200 if code in (0, 1000, 9000) or code >= 1000 else 400,
        )

    return step


def test_query_paid_order_with_refunds() -> None:
    refunds = [
        {"orderId": "RF-1", "amount": 10000, "resultCode": 0, "transId": 11, "createdTime": 1},
        {"orderId": "RF-2", "amount": 5000, "resultCode": 1081, "transId": 12, "createdTime": 2},
        {"orderId": "RF-3", "amount": 5000},
        "garbage",
    ]
    client = client_with(
        Script(query_answer(0, transId=42, payType="qr", amount=50000, refundTrans=refunds))
    )
    status = client.query(order_id="ORDER-1", request_id="q-1")
    assert status.outcome is Outcome.SUCCESSFUL
    assert status.final
    assert (status.trans_id, status.pay_type, status.amount) == (42, "qr", Decimal(50000))
    assert [r.outcome for r in status.refunds] == [
        Outcome.SUCCESSFUL,
        Outcome.FAILED,
        Outcome.UNKNOWN,
    ]
    assert status.refunds[2].result_code is None
    assert status.refunded == Decimal(10000)
    assert status.request_id == "q-1"


@pytest.mark.parametrize(
    ("code", "outcome", "final"),
    [
        (1000, Outcome.PENDING, False),
        (9000, Outcome.PENDING, False),
        (1005, Outcome.FAILED, True),
        (1006, Outcome.FAILED, True),
        (1003, Outcome.FAILED, True),
    ],
)
def test_query_states(code: int, outcome: Outcome, final: bool) -> None:
    status = client_with(Script(query_answer(code))).query(order_id="ORDER-1")
    assert (status.outcome, status.final) == (outcome, final)
    assert status.authorized is (code == 9000)


@pytest.mark.parametrize("code", [10, 40, 99])
def test_query_without_usable_answer_asks_again_under_a_fresh_request_id(code: int) -> None:
    script = Script(query_answer(code), query_answer(0, transId=1))
    status = client_with(script).query(order_id="ORDER-1", request_id="q-first")
    assert status.outcome is Outcome.SUCCESSFUL
    first, second = (json.loads(b)["requestId"] for b in script.sent)
    assert first == "q-first"
    assert second != first
    assert status.request_id == second


def test_query_unknown_order_is_not_found_and_not_repeated() -> None:
    script = Script(query_answer(42))
    with pytest.raises(NotFoundError):
        client_with(script).query(order_id="ORDER-1")
    assert len(script.sent) == 1


def test_query_bad_request_is_rejected() -> None:
    with pytest.raises(RejectedError):
        client_with(Script(query_answer(20))).query(order_id="ORDER-1")


def test_query_answer_about_another_order_is_a_mismatch() -> None:
    with pytest.raises(AnswerMismatch):
        client_with(Script(query_answer(0, orderId="OTHER"), max_retries=0)).query(
            order_id="ORDER-1"
        )


# -- refund -----------------------------------------------------------------------------------


def refund_answer(code: int, **extra: Any) -> Step:
    def step(body: dict[str, Any]) -> requests.Response:
        return response(
            {
                "partnerCode": body["partnerCode"],
                "requestId": body["requestId"],
                "orderId": body["orderId"],
                "amount": body["amount"],
                "transId": 900 if code == 0 else None,
                "resultCode": code,
                "message": "m",
                "responseTime": 1700000000000,
                **extra,
            }
        )

    return step


def prepare_refund(client: MomoGatewayClient, **extra: Any) -> PreparedRefund:
    kw: dict[str, Any] = {
        "request_id": "rq-rf-1",
        "order_id": "RF-1",
        "amount": 10000,
        "trans_id": 42,
        **extra,
    }
    return client.prepare_refund(**kw)


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (0, Outcome.SUCCESSFUL),
        (7000, Outcome.PENDING),
        (1080, Outcome.FAILED),
        (1081, Outcome.FAILED),
        (1088, Outcome.FAILED),
        (41, Outcome.UNKNOWN),
        (99, Outcome.UNKNOWN),
    ],
)
def test_refund_result_codes(code: int, outcome: Outcome) -> None:
    client = client_with(Script(refund_answer(code)))
    result = client.send_refund(prepare_refund(client))
    assert (result.result_code, result.outcome) == (code, outcome)
    assert result.trans_id == (900 if code == 0 else None)


def test_lost_refund_resent_then_refused_is_ambiguous() -> None:
    script = Script(lost, refund_answer(1081))
    client = client_with(script)
    prepared = prepare_refund(client)
    result = client.send_refund(prepared)
    assert result.ambiguous
    assert result.outcome is Outcome.FAILED  # the code's meaning; ambiguous says "unproven"
    assert script.sent == [prepared.body] * 2


def test_resend_refund_from_the_stored_body() -> None:
    script = Script(refund_answer(0), refund_answer(0))
    client = client_with(script)
    prepared = prepare_refund(client)
    assert PreparedRefund.from_body(prepared.body) == prepared
    client.send_refund(prepared)
    assert client.resend_refund(prepared.body).outcome is Outcome.SUCCESSFUL
    assert script.sent[0] == script.sent[1]


def test_refund_answer_with_another_amount_is_a_mismatch() -> None:
    client = client_with(Script(refund_answer(0, amount=20000), max_retries=0))
    with pytest.raises(AnswerMismatch):
        client.send_refund(prepare_refund(client))


def test_raw_is_redacted_and_repr_hides_secrets() -> None:
    client = client_with(Script(ok_create(accessKey=presets.MOMO_ACCESS_KEY)))
    order = client.send_create(prepare_order(client))
    assert order.raw["accessKey"] == "***"
    assert presets.MOMO_SECRET_KEY not in repr(client)
    assert presets.MOMO_ACCESS_KEY not in repr(client)
