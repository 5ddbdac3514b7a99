"""Input checks of the MTN client (pure, no HTTP)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from django_momo.providers.base import InvalidInputError
from django_momo.providers.mtn import validation as v


def test_reference_id_accepts_uuid4_in_canonical_lower_case() -> None:
    ref = uuid.uuid4()
    assert v.validate_reference_id(str(ref).upper()) == str(ref)
    assert v.validate_reference_id(ref) == str(ref)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-a-uuid",
        "6fa459ea-ee8a-11ca-8d1b-0800200c9a66",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        None,
        42,
    ],
)
def test_reference_id_refuses_anything_but_uuid4(value: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        v.validate_reference_id(value)
    assert info.value.field == "reference_id"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("46733123450", "46733123450"),  # sandbox test numbers pass untouched
        ("256772123456", "256772123456"),
        ("12345678", "12345678"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_msisdn_is_taken_as_given(raw: str, expected: str) -> None:
    assert v.validate_msisdn(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0772123456",
        "1234567",
        "1234567890123456",
        "256-772-123456",
        "++256772123456",
        "",
        256,
        "+256 772 123456",
        " 256772123456 ",
        "+256772123456",
        "256 772 123456",
    ],
)
def test_msisdn_refusals(raw: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        v.validate_msisdn(raw, "payer")
    assert info.value.field == "payer"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "non-empty"), ("   ", "non-empty"), ("x" * 161, "160"), ("Joe's", "'"), ("A & B", "&")],
)
def test_message_refusals_name_the_field(text: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        v.validate_message(text, "payer_message")
    assert info.value.field == "payer_message"
    assert reason in str(info.value)


def test_message_at_limit_is_kept() -> None:
    assert v.validate_message("x" * 160, "payee_note") == "x" * 160


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("100"), "EUR", "100"),
        (Decimal("12.50"), "EUR", "12.5"),
        (5000, "UGX", "5000"),
        ("1.05", "EUR", "1.05"),
    ],
)
def test_amount_rendering(amount: object, currency: str, expected: str) -> None:
    assert v.validate_amount(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (1.5, "EUR"),
        ("1.005", "EUR"),
        ("10.5", "UGX"),
        (0, "EUR"),
        ("-1", "EUR"),
        ("abc", "EUR"),
        (True, "EUR"),
        (Decimal("NaN"), "EUR"),
    ],
)
def test_amount_refusals(amount: object, currency: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        v.validate_amount(amount, currency)
    assert info.value.field == "amount"


@pytest.mark.parametrize("currency", ["EURO", "E1R", "", "XYZ", None])
def test_currency_refusals(currency: object) -> None:
    with pytest.raises(InvalidInputError):
        v.validate_currency(currency)


def test_party_types() -> None:
    assert v.validate_party("a@b.co", "email", "payee") == {
        "partyIdType": "EMAIL",
        "partyId": "a@b.co",
    }
    code = str(uuid.uuid4())
    assert v.validate_party(code, "PARTY_CODE", "payee")["partyId"] == code
    with pytest.raises(InvalidInputError):
        v.validate_party("x", "PHONE", "payee")
    with pytest.raises(InvalidInputError):
        v.validate_party("nope", "EMAIL", "payee")


@pytest.mark.parametrize("url", ["ftp://x/y", "/relative", "http://", "http://a b/"])
def test_callback_url_refusals(url: str) -> None:
    with pytest.raises(InvalidInputError):
        v.validate_callback_url(url)


@pytest.mark.parametrize("host", ["https://shop.example.com", "shop.example.com/x", "h:8000", ""])
def test_provider_callback_host_must_be_bare(host: str) -> None:
    with pytest.raises(InvalidInputError):
        v.validate_host(host)
    assert v.validate_host(" shop.example.com ") == "shop.example.com"
