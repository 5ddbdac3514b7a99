"""Payment IPN and redirect verification: each failed check has its own ``IpnError``."""

from __future__ import annotations

import hmac
import json
from decimal import Decimal
from typing import Any

import pytest

from django_momo.providers.base import Outcome
from django_momo.providers.momo_vn import (
    IpnError,
    IpnFieldError,
    IpnMalformedError,
    IpnMismatchError,
    IpnPartnerMismatchError,
    IpnSignatureError,
    MomoCredentials,
    MomoGatewayClient,
    verify_payment_notification,
)
from django_momo.providers.momo_vn.signing import PAYMENT_IPN_FIELDS, Signer
from django_momo.sandbox import presets


def signed(secret: str = presets.MOMO_SECRET_KEY, **overrides: Any) -> dict[str, Any]:
    """A payment IPN as MoMo would send it for the preset merchant."""
    body: dict[str, Any] = {
        "partnerCode": presets.MOMO_PARTNER_CODE,
        "orderId": "ORD-0001",
        "requestId": "req-0001",
        "amount": 50000,
        "orderInfo": "Thanh toán đơn hàng 1",
        "orderType": "momo_wallet",
        "transId": 4000000001,
        "resultCode": 0,
        "message": "Thành công.",
        "payType": "qr",
        "responseTime": 1700000000000,
        "extraData": "",
        "paymentOption": "momo",  # unsigned extra
        **overrides,
    }
    values = {**body, "accessKey": presets.MOMO_ACCESS_KEY}
    body["signature"] = Signer(secret).sign(PAYMENT_IPN_FIELDS, values)
    return body


def as_redirect(body: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in body.items()}


@pytest.fixture
def client(credentials: MomoCredentials) -> MomoGatewayClient:
    return MomoGatewayClient(credentials)


def test_valid_ipn(client: MomoGatewayClient) -> None:
    note = client.verify_payment_notification(
        json.dumps(signed(), ensure_ascii=False).encode(),
        expected_order_id="ORD-0001",
        expected_request_id="req-0001",
        expected_amount=Decimal(50000),
    )
    assert note.outcome is Outcome.SUCCESSFUL
    assert (note.trans_id, note.amount, note.pay_type) == (4000000001, Decimal(50000), "qr")
    assert note.order_info == "Thanh toán đơn hàng 1"
    assert note.responded_at is not None


def test_valid_redirect_as_strings(client: MomoGatewayClient) -> None:
    note = client.verify_payment_notification(as_redirect(signed()))
    assert note.result_code == 0
    assert note.amount == Decimal(50000)


def test_redirect_from_a_django_querydict(client: MomoGatewayClient) -> None:
    from urllib.parse import urlencode

    from django.http import QueryDict

    params = QueryDict(urlencode(as_redirect(signed(extraData="eyJhIjoiYiJ9"))))
    assert client.verify_payment_notification(params).extra_data == "eyJhIjoiYiJ9"


@pytest.mark.parametrize(
    ("code", "outcome", "authorized"),
    [
        (0, Outcome.SUCCESSFUL, False),
        (9000, Outcome.PENDING, True),
        (1006, Outcome.FAILED, False),
        (1005, Outcome.FAILED, False),
        (99, Outcome.UNKNOWN, False),
    ],
)
def test_outcomes(client: MomoGatewayClient, code: int, outcome: Outcome, authorized: bool) -> None:
    note = client.verify_payment_notification(signed(resultCode=code))
    assert (note.outcome, note.authorized) == (outcome, authorized)


@pytest.mark.parametrize(
    ("name", "value"),
    [("amount", 5_000_000), ("resultCode", 1006), ("transId", 1), ("orderId", "ORD-0002")],
)
def test_tampered_fields_fail_the_signature(
    client: MomoGatewayClient, name: str, value: Any
) -> None:
    body = signed()
    body[name] = value
    with pytest.raises(IpnSignatureError) as info:
        client.verify_payment_notification(body)
    assert info.value.check == "signature"


def test_tampered_amount_in_the_redirect(client: MomoGatewayClient) -> None:
    params = as_redirect(signed())
    params["amount"] = "500000"
    with pytest.raises(IpnSignatureError):
        client.verify_payment_notification(params)


def test_signature_of_another_secret(client: MomoGatewayClient) -> None:
    with pytest.raises(IpnSignatureError):
        client.verify_payment_notification(signed(secret="another-merchants-secret-key-0000"))


def test_upper_case_signature_is_the_same_signature(client: MomoGatewayClient) -> None:
    body = signed()
    body["signature"] = body["signature"].upper()
    assert client.verify_payment_notification(body).order_id == "ORD-0001"


@pytest.mark.parametrize(
    "name", [name for name in PAYMENT_IPN_FIELDS if name != "accessKey"] + ["signature"]
)
def test_missing_field(client: MomoGatewayClient, name: str) -> None:
    body = signed()
    del body[name]
    with pytest.raises(IpnFieldError) as info:
        client.verify_payment_notification(body)
    assert (info.value.check, info.value.field) == ("missing_field", name)


def test_wrong_partner_code(credentials: MomoCredentials) -> None:
    other = MomoCredentials(
        base_url=credentials.base_url,
        partner_code="MOMOOTHER2026",
        access_key=credentials.access_key,
        secret_key=credentials.secret_key,
        public_key=credentials.public_key,
    )
    # Signed correctly (same keys) but for the preset partner code.
    with pytest.raises(IpnPartnerMismatchError) as info:
        verify_payment_notification(signed(), other)
    assert info.value.check == "partner_code"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("amount", "50000.0"),
        ("amount", 50000.0),
        ("amount", "5e4"),
        ("amount", 0),
        ("amount", -50000),
        ("amount", True),
        ("resultCode", "zero"),
        ("transId", "4000000001x"),
        ("responseTime", 1.7e12),
        ("message", 12),
        ("payType", None),
    ],
)
def test_malformed_fields(client: MomoGatewayClient, name: str, value: Any) -> None:
    # Checked before the signature: the value is swapped in after signing.
    body = signed()
    body[name] = value
    error: type[IpnError] = IpnFieldError if value is None else IpnMalformedError
    with pytest.raises(error) as info:
        client.verify_payment_notification(body)
    assert info.value.field == name


def test_json_float_amount_is_malformed_not_rounded(client: MomoGatewayClient) -> None:
    text = json.dumps(signed()).replace('"amount": 50000', '"amount": 50000.0')
    with pytest.raises(IpnMalformedError):
        client.verify_payment_notification(text)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", "\u00ff".encode("latin-1")])
def test_not_a_json_object(client: MomoGatewayClient, body: bytes) -> None:
    with pytest.raises(IpnMalformedError) as info:
        client.verify_payment_notification(body)
    assert info.value.check == "malformed"


@pytest.mark.parametrize(
    ("expected", "value"),
    [
        ("expected_order_id", "ORD-9999"),
        ("expected_request_id", "req-9999"),
        ("expected_amount", Decimal(60000)),
    ],
)
def test_expectations(client: MomoGatewayClient, expected: str, value: Any) -> None:
    with pytest.raises(IpnMismatchError) as info:
        client.verify_payment_notification(signed(), **{expected: value})
    assert info.value.check == "mismatch"


def test_the_compare_is_constant_time(
    client: MomoGatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    body = signed()
    client.verify_payment_notification(body)
    body["amount"] = 1000
    with pytest.raises(IpnSignatureError):
        client.verify_payment_notification(body)
    assert len(calls) == 2
    assert all(isinstance(a, bytes) and len(a) == 64 for a, _ in calls)


def test_raw_keeps_the_fields_and_hides_secrets(client: MomoGatewayClient) -> None:
    note = client.verify_payment_notification(signed())
    assert note.raw["paymentOption"] == "momo"
    assert presets.MOMO_SECRET_KEY not in repr(note)
