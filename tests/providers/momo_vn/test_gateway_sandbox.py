"""The payment gateway client against the sandbox over real HTTP.

Create an order, pay it (the sandbox's control or its payment page), query it, refund it in
parts; re-send under the same requestId after a lost answer; verify the IPN and the redirect.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from django_momo.providers.base import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    Outcome,
    TransientError,
)
from django_momo.providers.http import HttpTransport
from django_momo.providers.momo_vn import (
    IpnFieldError,
    IpnSignatureError,
    MomoCredentials,
    MomoGatewayClient,
    PaymentOrder,
)
from django_momo.sandbox.control import SandboxHandle

from .conftest import make_credentials

pytest.importorskip("django_momo.sandbox.momo_vn.gateway")

_ids = itertools.count(1)
REDIRECT_URL = "https://shop.example/momo/return/"


def ids(prefix: str = "GW") -> dict[str, str]:
    n = next(_ids)
    return {"request_id": f"gw-req-{n:06d}", "order_id": f"{prefix}-{n:06d}"}


@pytest.fixture
def client(momo_sandbox: SandboxHandle) -> Iterator[MomoGatewayClient]:
    client = MomoGatewayClient(
        make_credentials(momo_sandbox.base_url),
        transport=HttpTransport(provider="momo_vn", timeout=(2.0, 10.0), max_retries=2),
        sleep=lambda _: None,
    )
    yield client
    client.close()


def create_kw(momo_sandbox: SandboxHandle, **extra: Any) -> dict[str, Any]:
    return {
        **ids(),
        "amount": Decimal(100000),
        "order_info": "Thanh toán đơn hàng",
        "redirect_url": REDIRECT_URL,
        "ipn_url": f"{momo_sandbox.base_url}/ipn-sink/",
        **extra,
    }


def entries(momo_sandbox: SandboxHandle, operation: str | None = None) -> list[dict[str, Any]]:
    ledger = momo_sandbox.control.ledger()
    assert ledger["violations"] == []
    found = [e for e in ledger["entries"] if e["provider"] == "momo_vn"]
    return [e for e in found if operation is None or e["operation"] == operation]


def settle(momo_sandbox: SandboxHandle, order_id: str, code: int = 0) -> dict[str, Any]:
    return momo_sandbox.control.post(  # type: ignore[no-any-return]
        "/_sandbox/momo_vn/gateway/settle", {"orderId": order_id, "resultCode": code}
    )


def ipn_of(momo_sandbox: SandboxHandle, order_id: str, count: int = 1) -> list[bytes]:
    log = momo_sandbox.control.wait_for_callbacks(count)
    return [
        d["body"].encode()
        for d in sorted(log, key=lambda d: d["id"])
        if d["provider"] == "momo_vn" and order_id in d["body"]
    ]


def paid_order(client: MomoGatewayClient, momo_sandbox: SandboxHandle, **extra: Any) -> Any:
    kw = create_kw(momo_sandbox, **extra)
    order = client.create(**kw)
    assert order.created
    settle(momo_sandbox, kw["order_id"])
    status = client.query(order_id=kw["order_id"])
    assert status.result_code == 0
    return kw, order, status


def test_create_pay_by_control_then_query_shows_the_payment(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw = create_kw(momo_sandbox, extra_data={"cart": "Giỏ hàng 7"})
    order = client.create(**kw)
    assert isinstance(order, PaymentOrder)
    assert order.created
    assert (order.outcome, order.final, order.ambiguous) == (Outcome.PENDING, False, False)
    assert order.pay_url
    assert order.pay_url.startswith(momo_sandbox.base_url)
    assert order.deeplink
    assert order.qr_code_url
    waiting = client.query(order_id=kw["order_id"])
    assert (waiting.result_code, waiting.outcome) == (1000, Outcome.PENDING)
    assert waiting.trans_id in (None, 0)

    settle(momo_sandbox, kw["order_id"])
    status = client.query(order_id=kw["order_id"], lang="en")
    assert (status.result_code, status.outcome, status.final) == (0, Outcome.SUCCESSFUL, True)
    assert isinstance(status.trans_id, int)
    assert status.trans_id > 0
    assert status.amount == Decimal(100000)
    assert status.pay_type
    assert status.refunds == ()

    [body] = ipn_of(momo_sandbox, kw["order_id"])
    note = client.verify_payment_notification(
        body,
        expected_order_id=kw["order_id"],
        expected_request_id=kw["request_id"],
        expected_amount=kw["amount"],
    )
    assert note.outcome is Outcome.SUCCESSFUL
    assert note.trans_id == status.trans_id
    assert note.order_info == "Thanh toán đơn hàng"
    [entry] = entries(momo_sandbox)
    assert (entry["reference"], entry["external_id"]) == (kw["request_id"], kw["order_id"])


def test_pay_on_the_payment_page_redirects_with_a_signed_result(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw = create_kw(momo_sandbox)
    order = client.create(**kw)
    assert order.pay_url
    page = requests.get(order.pay_url, timeout=10)
    assert page.status_code == 200
    assert "Pay" in page.text
    assert kw["order_id"] in page.text
    paid = requests.post(order.pay_url, data={"action": "pay"}, allow_redirects=False, timeout=10)
    assert paid.status_code == 302
    location = paid.headers["Location"]
    assert location.startswith(REDIRECT_URL)
    params = dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))
    note = client.verify_payment_notification(params, expected_amount=kw["amount"])
    assert (note.result_code, note.outcome) == (0, Outcome.SUCCESSFUL)
    assert note.order_id == kw["order_id"]
    # The redirect's parameters are strings; tampering with one breaks the signature.
    with pytest.raises(IpnSignatureError):
        client.verify_payment_notification({**params, "amount": "1000"})
    status = client.query(order_id=kw["order_id"])
    assert (status.result_code, status.trans_id) == (0, note.trans_id)


def test_cancel_on_the_payment_page_fails_the_payment(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw = create_kw(momo_sandbox)
    order = client.create(**kw)
    assert order.pay_url
    requests.post(order.pay_url, data={"action": "cancel"}, allow_redirects=False, timeout=10)
    status = client.query(order_id=kw["order_id"])
    assert (status.result_code, status.outcome, status.final) == (1006, Outcome.FAILED, True)
    [body] = ipn_of(momo_sandbox, kw["order_id"])
    assert client.verify_payment_notification(body).outcome is Outcome.FAILED


def test_duplicate_request_id_resend_gives_the_same_answer_and_one_order(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_create(**create_kw(momo_sandbox))
    first = client.send_create(prepared)
    again = client.resend_create(bytes(prepared.body))
    assert (again.result_code, again.pay_url) == (first.result_code, first.pay_url)
    assert again.created
    assert len(entries(momo_sandbox)) == 1


def test_lost_answer_then_resend_of_the_stored_body(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_create(**create_kw(momo_sandbox))
    stored = bytes(prepared.body)
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.send_create(prepared, retries=0)
    assert info.value.ambiguous
    assert info.value.reference == prepared.request_id
    order = client.resend_create(stored)
    assert order.created
    assert order.pay_url
    assert len(entries(momo_sandbox)) == 1


def test_lost_answer_is_resolved_within_one_send(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_create(**create_kw(momo_sandbox))
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    order = client.send_create(prepared)
    assert order.created
    assert order.ambiguous
    assert len(entries(momo_sandbox)) == 1


def test_server_error_before_booking_then_resend(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_create(**create_kw(momo_sandbox))
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError):
        client.send_create(prepared, retries=0)
    assert entries(momo_sandbox) == []
    assert client.send_create(prepared).created
    assert len(entries(momo_sandbox)) == 1


def test_reused_order_id_under_a_new_request_is_never_failed(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw = create_kw(momo_sandbox)
    client.create(**kw)
    second = client.create(**{**kw, "request_id": kw["request_id"] + "-b"})
    assert (second.result_code, second.outcome) == (41, Outcome.UNKNOWN)
    assert len(entries(momo_sandbox)) == 1


def test_refund_in_parts_then_one_more_is_refused(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw, _, paid = paid_order(client, momo_sandbox)
    first = client.refund(
        **ids("RF"), amount=60000, trans_id=paid.trans_id, description="Hoàn một phần"
    )
    assert (first.result_code, first.outcome, first.final) == (0, Outcome.SUCCESSFUL, True)
    assert isinstance(first.trans_id, int)
    assert first.amount == Decimal(60000)
    second = client.refund(**ids("RF"), amount=40000, trans_id=paid.trans_id)
    assert second.outcome is Outcome.SUCCESSFUL
    third = client.refund(**ids("RF"), amount=1000, trans_id=paid.trans_id)
    assert (third.result_code, third.outcome) == (1081, Outcome.FAILED)
    assert not third.ambiguous

    status = client.query(order_id=kw["order_id"])
    assert [r.amount for r in status.refunds] == [Decimal(60000), Decimal(40000)]
    assert {r.order_id for r in status.refunds} == {first.order_id, second.order_id}
    assert all(r.outcome is Outcome.SUCCESSFUL for r in status.refunds)
    assert status.refunded == Decimal(100000)
    assert len(entries(momo_sandbox, "gateway.refund")) == 2


def test_lost_refund_answer_then_resend_refunds_once(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    _, _, paid = paid_order(client, momo_sandbox)
    prepared = client.prepare_refund(**ids("RF"), amount=30000, trans_id=paid.trans_id)
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.send_refund(prepared, retries=0)
    assert info.value.ambiguous
    result = client.resend_refund(bytes(prepared.body))
    assert result.outcome is Outcome.SUCCESSFUL
    again = client.send_refund(prepared)
    assert again.trans_id == result.trans_id
    assert len(entries(momo_sandbox, "gateway.refund")) == 1


def test_refund_of_an_unpaid_order_is_refused(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw = create_kw(momo_sandbox)
    client.create(**kw)
    settle(momo_sandbox, kw["order_id"], 1006)
    failed = client.query(order_id=kw["order_id"])
    assert failed.trans_id
    result = client.refund(**ids("RF"), amount=10000, trans_id=failed.trans_id)
    assert (result.result_code, result.outcome) == (1088, Outcome.FAILED)


def test_atm_refund_minimum_is_checked_before_sending(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    _, _, paid = paid_order(client, momo_sandbox, request_type="payWithATM")
    with pytest.raises(InvalidInputError) as info:
        client.prepare_refund(
            **ids("RF"), amount=5000, trans_id=paid.trans_id, original_request_type="payWithATM"
        )
    assert info.value.field == "amount"
    assert entries(momo_sandbox, "gateway.refund") == []


def test_query_of_an_unknown_order_is_not_found(client: MomoGatewayClient) -> None:
    with pytest.raises(NotFoundError):
        client.query(order_id="GW-NEVER-CREATED")


def test_query_after_a_status_error_asks_again(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle
) -> None:
    kw = create_kw(momo_sandbox)
    client.create(**kw)
    momo_sandbox.control.set_faults(status_error={"next": 1, "provider": "momo_vn"})
    status = client.query(order_id=kw["order_id"])
    assert status.result_code == 1000


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        ("none", None),
        ("signature", IpnSignatureError),
        ("amount", IpnSignatureError),
        ("missing_field", IpnFieldError),
    ],
)
def test_forged_ipns_are_rejected(
    client: MomoGatewayClient,
    momo_sandbox: SandboxHandle,
    tamper: str,
    error: type[Exception] | None,
) -> None:
    kw, _, _ = paid_order(client, momo_sandbox)
    ipn_of(momo_sandbox, kw["order_id"])
    forged = momo_sandbox.control.post(
        "/_sandbox/momo_vn/gateway/forge-ipn", {"orderId": kw["order_id"], "tamper": tamper}
    )["body"]
    body = json.dumps(forged, ensure_ascii=False).encode()
    if error is None:
        assert client.verify_payment_notification(body, expected_amount=kw["amount"]).order_id
    else:
        with pytest.raises(error):
            client.verify_payment_notification(body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 1e5),
        ("amount", Decimal("100000.5")),
        ("amount", 999),
        ("order_id", "bad id"),
        ("redirect_url", "not a url"),
        ("lang", "de"),
    ],
)
def test_bad_input_never_reaches_the_sandbox(
    client: MomoGatewayClient, momo_sandbox: SandboxHandle, field: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.create(**{**create_kw(momo_sandbox), field: value})
    assert info.value.field == field
    assert momo_sandbox.control.ledger()["entries"] == []


def test_wrong_secret_is_an_authentication_error(momo_sandbox: SandboxHandle) -> None:
    good = make_credentials(momo_sandbox.base_url)
    bad = MomoCredentials(
        base_url=good.base_url,
        partner_code=good.partner_code,
        access_key=good.access_key,
        secret_key="not-the-secret-key-at-all",
        public_key=good.public_key,
    )
    with pytest.raises(AuthenticationError) as info:
        MomoGatewayClient(bad).create(**create_kw(momo_sandbox))
    assert "not-the-secret-key-at-all" not in str(info.value)
    assert entries(momo_sandbox) == []
