"""Preparing payouts offline: body shape, signature, encryption, validation before any call."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import padding

from django_momo.providers.base import InvalidInputError
from django_momo.providers.momo_vn import (
    MomoCredentials,
    MomoDisbursementClient,
    PayoutLimits,
    PreparedRequest,
)
from django_momo.providers.momo_vn.signing import PAY_FIELDS, Signer
from django_momo.sandbox import presets

from .conftest import make_credentials, private_key

WALLET_KW: dict[str, Any] = {
    "request_id": "req-0001",
    "order_id": "ORD-0001",
    "amount": Decimal(50000),
    "wallet_id": "0901234567",
    "wallet_name": "Nguyễn Văn Á",
    "order_info": "Thanh toán lương tháng 11",
    "ipn_url": "https://shop.example.com/momo/ipn/",
}
BANK_KW: dict[str, Any] = {
    "request_id": "req-0002",
    "order_id": "ORD-0002",
    "amount": 25000,
    "holder_name": "Nguyễn Văn Á",
    "bank_code": "VCB",
    "bank_account_no": "0011004123456",
    "order_info": "Thanh toán lương tháng 11",
    "ipn_url": "https://shop.example.com/momo/ipn/",
}


def body_of(prepared: PreparedRequest) -> dict[str, Any]:
    return json.loads(prepared.body)


def method_of(body: dict[str, Any], bits: int = 2048) -> dict[str, Any]:
    plain = private_key(bits).decrypt(
        base64.b64decode(body["disbursementMethod"]), padding.PKCS1v15()
    )
    return json.loads(plain)


def test_wallet_payout_body_is_signed_over_the_pay_fields(
    offline_client: MomoDisbursementClient,
) -> None:
    prepared = offline_client.prepare_pay_to_wallet(**WALLET_KW, extra_data={"batch": "Tháng 11"})
    body = body_of(prepared)
    assert prepared.path == "/v2/gateway/api/disbursement/pay"
    assert (prepared.request_id, prepared.order_id, prepared.amount) == (
        "req-0001",
        "ORD-0001",
        Decimal(50000),
    )
    assert body["partnerCode"] == presets.MOMO_PARTNER_CODE
    assert body["amount"] == 50000
    assert isinstance(body["amount"], int)
    assert body["requestType"] == "disburseToWallet"
    assert body["orderInfo"] == "Thanh toán lương tháng 11"
    assert body["ipnUrl"] == WALLET_KW["ipn_url"]
    assert "accessKey" not in body
    assert json.loads(base64.b64decode(body["extraData"])) == {"batch": "Tháng 11"}
    values = {**body, "accessKey": presets.MOMO_ACCESS_KEY}
    assert Signer(presets.MOMO_SECRET_KEY).verify(PAY_FIELDS, values, body["signature"])
    # Raw UTF-8 on the wire, not \u escapes.
    assert "Thanh toán lương tháng 11".encode() in prepared.body
    assert method_of(body) == {
        "walletId": "0901234567",
        "walletName": "Nguyễn Văn Á",
        "validatePersonalId": False,
    }


def test_wallet_payout_with_personal_id_validation(
    offline_client: MomoDisbursementClient,
) -> None:
    prepared = offline_client.prepare_pay_to_wallet(
        **WALLET_KW, personal_id="001099012345", validate_personal_id=True
    )
    method = method_of(body_of(prepared))
    assert method["personalId"] == "001099012345"
    assert method["validatePersonalId"] is True


@pytest.mark.parametrize(
    ("number_kw", "expected_key"),
    [({"bank_account_no": "0011004123456"}, "bankAccountNo"), ({}, "bankCardNo")],
)
def test_bank_payout_by_account_or_card(
    offline_client: MomoDisbursementClient, number_kw: dict[str, str], expected_key: str
) -> None:
    kw = {k: v for k, v in BANK_KW.items() if k != "bank_account_no"}
    kw.update(number_kw or {"bank_card_no": "9704000000000018"})
    body = body_of(offline_client.prepare_pay_to_bank(**kw))
    assert body["requestType"] == "disburseToBank"
    assert body["extraData"] == ""
    assert body["ipnUrl"] == "https://shop.example.com/momo/ipn/"
    method = method_of(body)
    assert list(method) == [expected_key, "bankAccountHolderName", "bankCode"]
    assert method["bankAccountHolderName"] == "Nguyễn Văn Á"


def test_4096_bit_key_works_end_to_end_offline() -> None:
    client = MomoDisbursementClient(make_credentials(bits=4096))
    body = body_of(client.prepare_pay_to_wallet(**WALLET_KW))
    assert len(body["disbursementMethod"]) == 684
    assert method_of(body, 4096)["walletName"] == "Nguyễn Văn Á"


def test_prepared_request_rebuilds_from_stored_body(
    offline_client: MomoDisbursementClient,
) -> None:
    prepared = offline_client.prepare_pay_to_wallet(**WALLET_KW)
    again = PreparedRequest.from_body(prepared.body)
    assert again == prepared
    assert PreparedRequest.from_body(prepared.body.decode()).body == prepared.body
    assert "signature" not in repr(prepared)
    assert "disbursementMethod" not in repr(prepared)
    with pytest.raises(InvalidInputError):
        PreparedRequest.from_body(b"<html>")
    with pytest.raises(InvalidInputError, match="requestId"):
        PreparedRequest.from_body(b'{"orderId": "x"}')


def test_preparing_twice_encrypts_afresh(offline_client: MomoDisbursementClient) -> None:
    first = body_of(offline_client.prepare_pay_to_wallet(**WALLET_KW))
    second = body_of(offline_client.prepare_pay_to_wallet(**WALLET_KW))
    # Why the body must be stored: a new preparation is a different request on the wire.
    assert first["disbursementMethod"] != second["disbursementMethod"]
    assert first["signature"] != second["signature"]


BAD_WALLET_INPUTS = [
    ("request_id", ""),
    ("request_id", "r" * 51),
    ("request_id", "has space"),
    ("order_id", "ORD 1"),
    ("order_id", "-ORD"),
    ("order_id", "ORD-"),
    ("order_id", "O" * 51),
    ("order_id", "1629181466064:0123456778"),
    ("amount", 50000.0),
    ("amount", "50000"),
    ("amount", True),
    ("amount", Decimal("1000.5")),
    ("amount", 999),
    ("amount", 200_000_001),
    ("amount", -5),
    ("wallet_id", "84901234567"),
    ("wallet_id", "+84901234567"),
    ("wallet_id", "090123456"),
    ("wallet_id", " 0901234567"),
    ("wallet_name", ""),
    ("wallet_name", "   "),
    ("wallet_name", " Nguyễn"),
    ("wallet_name", "Nguyễn\nVăn"),
    ("order_info", ""),
    ("order_info", "x" * 201),
    ("ipn_url", "shop.example.com/ipn"),
    ("ipn_url", "https://shop.example.com/thanh toán"),
    ("ipn_url", "ftp://shop.example.com/ipn"),
    ("ipn_url", None),
    ("extra_data", "not base64!"),
    ("extra_data", base64.b64encode(b"[1, 2]").decode()),
    ("extra_data", {"x": object()}),
    ("lang", "fr"),
    ("personal_id", "12345"),
    ("order_group_id", 0),
]


@pytest.mark.parametrize(("field", "value"), BAD_WALLET_INPUTS)
def test_bad_wallet_input_names_the_field(
    offline_client: MomoDisbursementClient, field: str, value: object
) -> None:
    with pytest.raises(InvalidInputError) as info:
        offline_client.prepare_pay_to_wallet(**{**WALLET_KW, field: value})
    assert info.value.field == field


BAD_BANK_INPUTS = [
    ("amount", 19_999),
    ("amount", 20_000_001),
    ("bank_account_no", "12ab"),
    ("bank_account_no", "1234"),
    ("bank_code", "vcb"),
    ("bank_code", ""),
    ("holder_name", ""),
]


@pytest.mark.parametrize(("field", "value"), BAD_BANK_INPUTS)
def test_bad_bank_input_names_the_field(
    offline_client: MomoDisbursementClient, field: str, value: object
) -> None:
    with pytest.raises(InvalidInputError) as info:
        offline_client.prepare_pay_to_bank(**{**BANK_KW, field: value})
    assert info.value.field == field


def test_bank_needs_exactly_one_of_account_and_card(
    offline_client: MomoDisbursementClient,
) -> None:
    with pytest.raises(InvalidInputError, match="exactly one"):
        offline_client.prepare_pay_to_bank(**{**BANK_KW, "bank_card_no": "9704000000000018"})
    with pytest.raises(InvalidInputError, match="exactly one"):
        offline_client.prepare_pay_to_bank(**{**BANK_KW, "bank_account_no": None})
    with pytest.raises(InvalidInputError) as info:
        offline_client.prepare_pay_to_bank(
            **{**BANK_KW, "bank_account_no": None, "bank_card_no": "97040000"}
        )
    assert info.value.field == "bank_card_no"


def test_validate_personal_id_requires_a_personal_id(
    offline_client: MomoDisbursementClient,
) -> None:
    with pytest.raises(InvalidInputError) as info:
        offline_client.prepare_pay_to_wallet(**WALLET_KW, validate_personal_id=True)
    assert info.value.field == "personal_id"


def test_limits_are_overridable(credentials: MomoCredentials) -> None:
    client = MomoDisbursementClient(credentials, limits=PayoutLimits(bank_min=Decimal(10_000)))
    client.prepare_pay_to_bank(**{**BANK_KW, "amount": 10_000})
    with pytest.raises(InvalidInputError, match="between 10,000 and 20,000,000"):
        client.prepare_pay_to_bank(**{**BANK_KW, "amount": 9_999})


def test_already_encoded_extra_data_is_kept_verbatim(
    offline_client: MomoDisbursementClient,
) -> None:
    encoded = "eyJ1c2VybmFtZSI6ICJtb21vIn0="  # MoMo's own example of {"username": "momo"}
    body = body_of(offline_client.prepare_pay_to_wallet(**WALLET_KW, extra_data=encoded))
    assert body["extraData"] == encoded


def test_credentials_repr_and_client_repr_hide_secrets(credentials: MomoCredentials) -> None:
    client = MomoDisbursementClient(credentials)
    for text in (repr(credentials), repr(client), str(credentials)):
        assert presets.MOMO_SECRET_KEY not in text
        assert presets.MOMO_ACCESS_KEY not in text
        assert presets.MOMO_PARTNER_CODE in text
