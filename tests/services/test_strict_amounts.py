"""Strict input in the services: an amount or party id not written the one way is refused, never
repaired, with a message saying how to write it, and nothing is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from django_momo import money, services
from django_momo.models import Collection, PaymentStatus, Refund, StatusChange, Transfer
from django_momo.services import InvalidRequest
from tests.bad_input import BAD_AMOUNT_TEXT, EUR_HOW, VND_HOW

pytestmark = pytest.mark.django_db

MTN = {
    "account": "mtn", "operation": "mtn.disbursement.transfer", "party_id": "256772123456",
    "amount": "10", "external_id": "strict-1", "actor": "user:bob",
}  # fmt: skip
MOMO = {
    "account": "momo", "operation": "momo_vn.pay_wallet", "party_id": "0901234567",
    "party_name": "NGUYEN VAN A", "amount": "50000", "external_id": "strict-vn-1", "actor": "a",
}  # fmt: skip

BAD_TEXT = BAD_AMOUNT_TEXT
BAD_VALUES: dict[str, Any] = {
    "float": 1000.5,
    "whole-float": 1000.0,
    "bool": True,
    "decimal-exponent": Decimal("1E+3"),
    "decimal-nan": Decimal("NaN"),
    "decimal-infinity": Decimal("Infinity"),
    "decimal-negative": Decimal("-5"),
    "none": None,
}


def _refused(args: dict[str, Any], field: str) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as info:
        services.create_transfer(**args)
    assert info.value.field == field
    assert not Transfer.objects.exists()
    assert not StatusChange.objects.exists()
    return info.value


@pytest.mark.parametrize("text", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_mtn_amount_text_is_refused_with_how_to_write_it(text: str) -> None:
    error = _refused({**MTN, "amount": text}, "amount")
    assert EUR_HOW in error.message
    assert "e.g. 1000 or 1000.50" in error.message


@pytest.mark.parametrize("text", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_momo_amount_text_is_refused_with_how_to_write_it(text: str) -> None:
    error = _refused({**MOMO, "amount": text}, "amount")
    assert VND_HOW in error.message


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_amount_values_that_are_not_exact_are_refused(value: Any) -> None:
    error = _refused({**MTN, "amount": value}, "amount")
    assert EUR_HOW in error.message


@pytest.mark.parametrize(
    ("args", "amount", "reason"),
    [
        (MTN, "10.123", "at most 2 decimal places"),
        (MTN, "10.500", "at most 2 decimal places"),
        (MTN, Decimal("10.125"), "at most 2 decimal places"),
        (MOMO, "50000.0", "whole numbers"),
        (MOMO, "500.000", "whole numbers"),
        (MOMO, Decimal("50000.5"), "no decimal places"),
    ],
)
def test_too_many_decimals_are_refused(args: dict[str, Any], amount: Any, reason: str) -> None:
    error = _refused({**args, "amount": amount}, "amount")
    assert reason in error.message


def test_1e3_is_never_paid_as_one_thousand() -> None:
    error = _refused({**MTN, "amount": "1e3"}, "amount")
    assert "exponent" in error.message
    with pytest.raises(money.AmountError, match="exponent"):
        money.to_amount(Decimal("1e3"), "EUR")


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("12.50", Decimal("12.50")),
        ("12.5", Decimal("12.50")),
        ("0.30", Decimal("0.30")),
        ("1000", Decimal("1000")),
        (1000, Decimal("1000")),
        (Decimal("12.50"), Decimal("12.50")),
        # A DecimalField hands back its own scale; the value is exact in cents, so it is taken.
        (Decimal("12.5000"), Decimal("12.50")),
    ],
)
def test_exact_amounts_are_accepted(amount: Any, stored: Decimal) -> None:
    transfer, created = services.create_transfer(**{**MTN, "amount": amount})
    assert created
    assert transfer.amount == stored


BAD_MSISDNS = {
    "plus-and-spaces": "+256 772 123456",
    "plus": "+256772123456",
    "local": "0772123456",
    "spaces": "256 772 123456",
    "leading-space": " 256772123456",
    "trailing-space": "256772123456 ",
    "nbsp": "256\u00a0772123456",
    "dashes": "256-772-123456",
    "arabic-indic": "\u0662\u0665\u0666\u0667\u0667\u0662\u0661\u0662\u0663\u0664\u0665\u0666",
    "newline": "256772123456\n",
}


@pytest.mark.parametrize("msisdn", BAD_MSISDNS.values(), ids=BAD_MSISDNS.keys())
def test_mtn_msisdn_not_in_the_documented_format_is_refused(msisdn: str) -> None:
    error = _refused({**MTN, "party_id": msisdn}, "party_id")
    assert "MSISDN must be digits only with the country code, no '+' or spaces" in error.message
    assert "e.g. 256772123456" in error.message


def test_mtn_local_number_is_told_to_use_the_country_code() -> None:
    error = _refused({**MTN, "party_id": "0772123456"}, "party_id")
    assert "country code" in error.message


@pytest.mark.parametrize("msisdn", ["46733123450", "46733123459", "256772123456"])
def test_mtn_msisdn_is_stored_as_given(msisdn: str) -> None:
    transfer, _ = services.create_transfer(**{**MTN, "party_id": msisdn})
    assert transfer.party_id == msisdn


BAD_WALLETS = {
    "international-plus": "+84901234567",
    "international": "84901234567",
    "spaces": "090 123 4567",
    "leading-space": " 0901234567",
    "trailing-space": "0901234567 ",
    "dots": "090.123.4567",
    "newline": "0901234567\n",
    "fullwidth": "\uff10\uff19\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
}


@pytest.mark.parametrize("wallet", BAD_WALLETS.values(), ids=BAD_WALLETS.keys())
def test_momo_wallet_not_in_local_format_is_refused(wallet: str) -> None:
    error = _refused({**MOMO, "party_id": wallet}, "party_id")
    assert "local format, 10 digits starting with 0" in error.message
    assert "e.g. 0901234567" in error.message


def test_momo_international_wallet_is_told_to_write_0() -> None:
    error = _refused({**MOMO, "party_id": "+84901234567"}, "party_id")
    assert "write 0 instead of +84" in error.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "eur"}, "currency"),
        ({"currency": " EUR"}, "currency"),
        ({"party_type": "msisdn"}, "party_type"),
        ({"party_type": " MSISDN"}, "party_type"),
        ({"party_type": "EMAIL", "party_id": " a@example.com"}, "party_id"),
        (
            {"party_type": "PARTY_CODE", "party_id": "{8d0e5d3a-2c39-4f5e-9a0b-1c2d3e4f5a6b}"},
            "party_id",
        ),
        ({"message": " Salary"}, "message"),
        ({"external_id": "strict-1 "}, "external_id"),
    ],
)
def test_other_fields_are_refused_not_rewritten(change: dict[str, Any], field: str) -> None:
    _refused({**MTN, **change}, field)


@pytest.mark.parametrize("text", ["1e3", " 20 ", "1,000", "+5", "\uff15"])
def test_payment_requests_use_the_same_rule(text: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        services.request_payment(
            account="mtn",
            operation="mtn.collection.request_to_pay",
            party_id="256772123456",
            amount=text,
            external_id="strict-c",
            actor="a",
        )
    assert info.value.field == "amount"
    assert EUR_HOW in info.value.message
    assert not Collection.objects.exists()


@pytest.mark.parametrize("text", ["1e1", " 5 ", "5.", "+5", "5.001", "\u0665"])
def test_refunds_use_the_same_rule(text: str) -> None:
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id="256772123456",
        amount="40",
        external_id="strict-c",
        actor="a",
    )
    Collection.objects.filter(pk=collection.pk).update(status=PaymentStatus.SUCCESSFUL)
    with pytest.raises(InvalidRequest) as info:
        services.create_refund(collection.pk, amount=text, external_id="strict-r", actor="a")
    assert info.value.field == "amount"
    assert EUR_HOW in info.value.message
    assert not Refund.objects.exists()
