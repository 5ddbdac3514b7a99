"""IPN verification: every failed check is rejected with its own error."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from django_momo.providers.base import Outcome
from django_momo.providers.momo_vn import (
    IpnFieldError,
    IpnMalformedError,
    IpnMismatchError,
    IpnPartnerMismatchError,
    IpnSignatureError,
    MomoCredentials,
    verify_ipn,
)
from django_momo.providers.momo_vn.ipn import IpnVerifier
from django_momo.providers.momo_vn.signing import DISBURSEMENT_IPN_FIELDS, Signer
from django_momo.sandbox import presets


def signed_ipn(**overrides: Any) -> dict[str, Any]:
    """An IPN as MoMo would send it for the preset merchant."""
    body: dict[str, Any] = {
        "partnerCode": presets.MOMO_PARTNER_CODE,
        "orderId": "ORD-0001",
        "requestId": "req-0001",
        "amount": 50000,
        "orderInfo": "Thanh toán lương tháng 11",
        "orderType": "momo_disbursement",
        "transId": 4000000001,
        "resultCode": 0,
        "message": "Thành công.",
        "responseTime": 1700000000000,
        "extraData": "",
        "partnerUserId": "unsigned-extra",
    }
    body.update(overrides)
    values = {**body, "accessKey": presets.MOMO_ACCESS_KEY}
    body["signature"] = Signer(presets.MOMO_SECRET_KEY).sign(DISBURSEMENT_IPN_FIELDS, values)
    return body


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def test_valid_ipn_is_parsed(credentials: MomoCredentials) -> None:
    ipn = verify_ipn(
        encode(signed_ipn()),
        credentials,
        expected_order_id="ORD-0001",
        expected_amount=Decimal(50000),
        expected_request_id="req-0001",
    )
    assert ipn.outcome is Outcome.SUCCESSFUL
    assert ipn.amount == Decimal(50000)
    assert isinstance(ipn.amount, Decimal)
    assert (ipn.trans_id, ipn.result_code, ipn.order_info) == (
        4000000001,
        0,
        "Thanh toán lương tháng 11",
    )


def test_failed_payout_ipn_has_failed_outcome(credentials: MomoCredentials) -> None:
    ipn = verify_ipn(encode(signed_ipn(resultCode=1007, message="Tài khoản")), credentials)
    assert ipn.outcome is Outcome.FAILED


def test_wrong_signature_is_rejected(credentials: MomoCredentials) -> None:
    body = signed_ipn()
    body["signature"] = Signer("another-secret").sign(
        DISBURSEMENT_IPN_FIELDS, {**body, "accessKey": presets.MOMO_ACCESS_KEY}
    )
    with pytest.raises(IpnSignatureError) as info:
        verify_ipn(encode(body), credentials)
    assert info.value.check == "signature"


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", 5_000_000), ("resultCode", 0), ("orderInfo", "Thanh toan luong thang 11")],
)
def test_changed_signed_field_is_rejected(
    credentials: MomoCredentials, field: str, value: Any
) -> None:
    body = signed_ipn(resultCode=1007)
    body[field] = value
    with pytest.raises(IpnSignatureError):
        verify_ipn(encode(body), credentials)


def test_unicode_normalisation_is_not_applied(credentials: MomoCredentials) -> None:
    import unicodedata

    body = signed_ipn()
    body["orderInfo"] = unicodedata.normalize("NFD", body["orderInfo"])
    with pytest.raises(IpnSignatureError):
        verify_ipn(encode(body), credentials)


@pytest.mark.parametrize(
    "field", ["amount", "orderType", "extraData", "transId", "signature", "responseTime"]
)
def test_missing_field_is_rejected(credentials: MomoCredentials, field: str) -> None:
    body = signed_ipn()
    del body[field]
    with pytest.raises(IpnFieldError) as info:
        verify_ipn(encode(body), credentials)
    assert info.value.field == field


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_malformed_body_is_rejected(credentials: MomoCredentials, raw: bytes) -> None:
    with pytest.raises(IpnMalformedError):
        verify_ipn(raw, credentials)


def test_float_amount_is_malformed_not_rounded(credentials: MomoCredentials) -> None:
    body = signed_ipn()
    text = encode(body).replace(b'"amount": 50000', b'"amount": 50000.0')
    with pytest.raises(IpnMalformedError) as info:
        verify_ipn(text, credentials)
    assert info.value.field == "amount"


def test_partner_code_mismatch_is_rejected(credentials: MomoCredentials) -> None:
    with pytest.raises(IpnPartnerMismatchError):
        verify_ipn(encode(signed_ipn(partnerCode="MOMOOTHER2026")), credentials)


@pytest.mark.parametrize(
    ("expectation", "field"),
    [
        ({"expected_amount": 49999}, "amount"),
        ({"expected_order_id": "ORD-0002"}, "orderId"),
        ({"expected_request_id": "req-0002"}, "requestId"),
    ],
)
def test_expectations_are_checked(
    credentials: MomoCredentials, expectation: dict[str, Any], field: str
) -> None:
    with pytest.raises(IpnMismatchError) as info:
        IpnVerifier(credentials).verify(encode(signed_ipn()), **expectation)
    assert info.value.field == field


def test_dict_body_is_accepted(credentials: MomoCredentials) -> None:
    assert verify_ipn(signed_ipn(), credentials).order_id == "ORD-0001"
