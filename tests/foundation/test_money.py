from decimal import Decimal

import pytest

from django_momo.money import AmountError, format_amount, format_display, minor_units, to_amount


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("100", "EUR", Decimal("100.00")),
        (Decimal("12.5"), "eur", Decimal("12.50")),
        (1000, "VND", Decimal("1000")),
        ("7", "UGX", Decimal("7")),
        (Decimal("12.5000"), "EUR", Decimal("12.50")),  # a DecimalField's scale, value exact
    ],
)
def test_to_amount_accepts_exact_amounts(value, currency, expected):
    assert to_amount(value, currency) == expected


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [
        (0.1, "EUR", "not a float"),
        (True, "EUR", "not a boolean"),
        (" 7 ", "UGX", "contains spaces"),
        ("1.5", "UGX", "whole numbers"),
        ("500.000", "VND", "whole numbers"),
        ("1.00", "UGX", "whole numbers"),
        (Decimal("1.5"), "UGX", "no decimal places"),
        ("1.234", "EUR", "at most 2 decimal places"),
        ("0", "EUR", "greater than zero"),
        ("-5", "EUR", "greater than zero"),
        ("NaN", "EUR", "finite"),
        ("abc", "EUR", "not a number"),
        ("1e30", "EUR", "exponent notation"),
        ("1" * 19, "EUR", "too large"),
        ("5", "XYZ", "unsupported currency"),
        ("5", "EU", "three-letter"),
        (None, "EUR", "got NoneType"),
    ],
)
def test_to_amount_refuses_with_a_clear_message(value, currency, message):
    with pytest.raises(AmountError, match=message):
        to_amount(value, currency)


def test_format_amount_is_plain_and_exact():
    assert format_amount(Decimal("100.00"), "EUR") == "100"
    assert format_amount(Decimal("12.50"), "EUR") == "12.5"
    assert format_amount(Decimal("200000000"), "VND") == "200000000"
    assert format_display(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_display(Decimal("1000"), "VND") == "1,000 VND"
    assert minor_units("vnd") == 0
