"""Gateway input rules: every refusal is an ``InvalidInputError`` naming the field, before HTTP."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from django_momo.providers.base import InvalidInputError
from django_momo.providers.momo_vn import MomoCredentials, MomoGatewayClient, PaymentLimits
from django_momo.providers.momo_vn.gateway_results import PreparedOrder, PreparedRefund


class NoNetwork:
    """A transport that fails the test if anything is sent."""

    max_retries = 0

    def send(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nothing may be sent for refused input")

    def close(self) -> None:
        pass


@pytest.fixture
def client(credentials: MomoCredentials) -> MomoGatewayClient:
    return MomoGatewayClient(credentials, transport=NoNetwork())  # type: ignore[arg-type]


def create_kw(**extra: Any) -> dict[str, Any]:
    return {
        "request_id": "req-0001",
        "order_id": "ORD-0001",
        "amount": 50000,
        "order_info": "Thanh toán đơn hàng 1",
        "redirect_url": "https://shop.example/momo/return/",
        "ipn_url": "https://shop.example/momo/ipn/",
        **extra,
    }


def refund_kw(**extra: Any) -> dict[str, Any]:
    return {
        "request_id": "rq-rf-0001",
        "order_id": "RF-0001",
        "amount": 10000,
        "trans_id": 4000000002,
        **extra,
    }


LIMITS = [
    ("captureWallet", 1_000, 50_000_000),
    ("payWithATM", 10_000, 50_000_000),
    ("payWithCC", 1_000, 10_000_000),
    ("payWithMethod", 1_000, 50_000_000),
]
CARD_PAYER = {"email": "payer@example.com", "name": "Nguyễn Văn A"}


def typed_kw(request_type: str, **extra: Any) -> dict[str, Any]:
    extra.setdefault("request_type", request_type)
    if request_type == "payWithCC":
        extra.setdefault("user_info", CARD_PAYER)
    return create_kw(**extra)


@pytest.mark.parametrize(("request_type", "low", "high"), LIMITS)
def test_amount_limits_per_request_type(
    client: MomoGatewayClient, request_type: str, low: int, high: int
) -> None:
    assert client.prepare_create(**typed_kw(request_type, amount=low)).amount == Decimal(low)
    assert client.prepare_create(**typed_kw(request_type, amount=Decimal(high))).amount == high
    for bad in (low - 1, high + 1):
        with pytest.raises(InvalidInputError) as info:
            client.prepare_create(**typed_kw(request_type, amount=bad))
        assert info.value.field == "amount"


@pytest.mark.parametrize(
    "amount",
    [
        1e3,
        50000.0,
        Decimal("50000.5"),
        Decimal("1e3"),
        Decimal("5E+4"),
        "50000",
        "1e3",
        True,
        Decimal("NaN"),
        -50000,
        0,
        None,
    ],
)
def test_bad_amounts(client: MomoGatewayClient, amount: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.prepare_create(**create_kw(amount=amount))
    assert info.value.field == "amount"


def test_decimal_with_zero_fraction_is_the_whole_amount(client: MomoGatewayClient) -> None:
    # A DecimalField hands back Decimal("50000.00"): the same amount, signed as 50000.
    body = json.loads(client.prepare_create(**create_kw(amount=Decimal("50000.00"))).body)
    assert body["amount"] == 50000


def test_limits_are_overridable(credentials: MomoCredentials) -> None:
    client = MomoGatewayClient(
        credentials, limits=PaymentLimits(credit_card_max=Decimal(50_000_000))
    )
    prepared = client.prepare_create(**typed_kw("payWithCC", amount=50_000_000))
    assert prepared.amount == Decimal(50_000_000)


BAD_CREATE = [
    ("request_id", ""),
    ("request_id", "r" * 51),
    ("request_id", "req 1"),
    ("request_id", "req&1"),
    ("request_id", 12345),
    ("order_id", ""),
    ("order_id", "O" * 51),
    ("order_id", "bad id"),
    ("order_id", "-leading"),
    ("order_id", "trailing-"),
    ("order_id", "a:b"),
    ("order_id", "ORD-1\n"),
    ("order_info", ""),
    ("order_info", "x" * 256),
    ("order_info", " padded"),
    ("order_info", "tab\there"),
    ("redirect_url", ""),
    ("redirect_url", "ftp://shop.example/return"),
    ("redirect_url", "https://shop.example/a b"),
    ("redirect_url", "https://shop.example/đơn"),
    ("redirect_url", "https://shop.example/" + "a" * 180),
    ("redirect_url", "/relative/path"),
    ("ipn_url", "https://shop.example/" + "a" * 180),
    ("ipn_url", "shop.example/ipn"),
    ("ipn_url", None),
    ("request_type", "payWithToken"),
    ("request_type", "capturewallet"),
    ("extra_data", "not base64!"),
    ("extra_data", "bm90IGpzb24="),  # base64 of "not json"
    ("lang", "de"),
    ("lang", "VI"),
    ("auto_capture", "false"),
    ("auto_capture", 0),
    ("items", [{"name": "Áo", "price": 50000.0}]),
    ("items", [{"id": str(n)} for n in range(51)]),
    ("items", {"name": "not a list"}),
    ("items", ["not a mapping"]),
    ("user_info", {"email": 1}),
    ("user_info", "payer@example.com"),
    ("expires_in_minutes", 0),
    ("expires_in_minutes", 15.0),
    ("expires_in_minutes", True),
    ("expires_in_minutes", 7 * 24 * 60 + 1),
]


@pytest.mark.parametrize(("field", "value"), BAD_CREATE)
def test_bad_create_input_names_the_field(
    client: MomoGatewayClient, field: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.prepare_create(**create_kw(**{field: value}))
    assert info.value.field == field


def test_limits_at_the_edges_are_accepted(client: MomoGatewayClient) -> None:
    prepared = client.prepare_create(
        **create_kw(
            request_id="r" * 50,
            order_id="O" * 50,
            order_info="x" * 255,
            redirect_url="https://shop.example/" + "a" * 179,
            extra_data={"cart": "Giỏ hàng 1"},
            lang="en",
            items=[{"id": "SKU-1", "name": "Áo", "price": 50000, "quantity": 1}],
            user_info={"name": "Nguyễn Văn A", "phoneNumber": "0901234567"},
            expires_in_minutes=15,
            auto_capture=False,
        )
    )
    body = json.loads(prepared.body)
    assert body["autoCapture"] is False
    assert body["orderExpireTime"] == 15
    assert body["items"][0]["price"] == 50000
    assert body["lang"] == "en"
    assert PreparedOrder.from_body(prepared.body) == prepared


def test_credit_card_needs_the_payers_email(client: MomoGatewayClient) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.prepare_create(**create_kw(request_type="payWithCC"))
    assert info.value.field == "user_info"
    with pytest.raises(InvalidInputError) as info:
        client.prepare_create(**create_kw(request_type="payWithCC", user_info={"name": "A"}))
    assert info.value.field == "user_info"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 999),
        ("amount", 50_000_001),
        ("amount", 1e4),
        ("amount", Decimal("10000.5")),
        ("amount", Decimal("1e4")),
        ("amount", False),
        ("trans_id", 0),
        ("trans_id", -1),
        ("trans_id", "4000000002"),
        ("trans_id", 2**63),
        ("trans_id", True),
        ("order_id", "RF 1"),
        ("order_id", "R" * 51),
        ("request_id", "r" * 51),
        ("description", "x" * 256),
        ("description", " padded"),
        ("description", None),
        ("lang", "fr"),
        ("original_request_type", "payWithToken"),
        ("minimum", 10000.0),
    ],
)
def test_bad_refund_input_names_the_field(
    client: MomoGatewayClient, field: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.prepare_refund(**refund_kw(**{field: value}))
    assert info.value.field == field


def test_refund_minimum_of_an_atm_payment(client: MomoGatewayClient) -> None:
    assert client.prepare_refund(**refund_kw(amount=1000)).amount == Decimal(1000)
    with pytest.raises(InvalidInputError) as info:
        client.prepare_refund(**refund_kw(amount=9999, original_request_type="payWithATM"))
    assert info.value.field == "amount"
    ok = client.prepare_refund(**refund_kw(amount=10000, original_request_type="payWithATM"))
    assert ok.amount == Decimal(10000)
    with pytest.raises(InvalidInputError):
        client.prepare_refund(**refund_kw(amount=4000, minimum=5000))


def test_prepared_refund_round_trips(client: MomoGatewayClient) -> None:
    prepared = client.prepare_refund(**refund_kw(description="Hoàn tiền đơn 1"))
    assert PreparedRefund.from_body(prepared.body.decode()) == prepared


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"requestId": "r"}',
        b'{"requestId":"r","orderId":"o",'
        b'"requestType":"captureWallet","amount":1.5,"signature":"s"}',
    ],
)
def test_from_body_refuses_what_is_not_a_prepared_order(body: bytes) -> None:
    with pytest.raises(InvalidInputError) as info:
        PreparedOrder.from_body(body)
    assert info.value.field == "body"
