"""Money as ``Decimal`` with each currency's own minor units (ISO 4217). Floats never touch it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 minor units of the currencies our providers' markets use, and a few common others.
MINOR_UNITS: dict[str, int] = {
    # MTN markets
    "UGX": 0, "GHS": 2, "XOF": 0, "XAF": 0, "ZMW": 2, "SZL": 2, "GNF": 0, "ZAR": 2, "LRD": 2,
    "SSP": 2, "NGN": 2, "RWF": 0, "CDF": 2, "BIF": 0, "KES": 2, "TZS": 2, "MZN": 2, "SLE": 2,
    "GMD": 2, "BWP": 2, "MWK": 2, "ETB": 2,
    # MoMo Vietnam
    "VND": 0,
    # MTN sandbox and common
    "EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "CHF": 2, "CNY": 2, "INR": 2,
}  # fmt: skip

# The largest amount we ever accept, whatever the currency: 18 integer digits (MTN's pattern).
MAX_INTEGER_DIGITS = 18


class AmountError(ValueError):
    """An amount or currency that cannot be paid; the message says why."""


def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency``; raises ``AmountError`` for unknown codes."""
    code = normalize_currency(currency)
    try:
        return MINOR_UNITS[code]
    except KeyError:
        raise AmountError(f"unsupported currency {code!r}") from None


def normalize_currency(currency: object) -> str:
    """Upper-cased ISO 4217 alphabetic code; raises ``AmountError`` if it is not one."""
    if not isinstance(currency, str):
        raise AmountError("currency must be a three-letter ISO 4217 code")
    code = currency.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise AmountError(f"currency must be a three-letter ISO 4217 code, got {currency!r}")
    return code


def to_amount(value: object, currency: str) -> Decimal:
    """Parse ``value`` (``Decimal``, ``int`` or numeric string) into a positive ``Decimal``.

    Floats are refused: ``0.1 + 0.2`` is how payment apps lose money. The amount must fit the
    currency's minor units (no ``10.5`` UGX, no ``1.234`` EUR).
    """
    if isinstance(value, (bool, float)):
        raise AmountError("amount must be a Decimal, an int or a numeric string, not a float")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise AmountError(f"amount {value!r} is not a number") from None
    else:
        raise AmountError(
            f"amount must be a Decimal, an int or a numeric string, got {type(value).__name__}"
        )
    if not amount.is_finite():
        raise AmountError("amount must be a finite number")
    if amount <= 0:
        raise AmountError("amount must be greater than zero")
    places = minor_units(currency)
    if places == 0 and isinstance(value, str) and ("." in value or "," in value):
        # "500.000" is five hundred thousand dong to a Vietnamese operator, 500 to Decimal.
        raise AmountError(
            f"{normalize_currency(currency)} amounts are whole numbers: write them without "
            f"separators or decimals, got {value!r}"
        )
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        unit = "no decimal places" if places == 0 else f"at most {places} decimal places"
        raise AmountError(f"{normalize_currency(currency)} amounts have {unit}, got {value}")
    if amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise AmountError(f"amount {value} is too large")
    return amount.quantize(Decimal(1).scaleb(-places))


def format_amount(amount: Decimal, currency: str) -> str:
    """The plain string providers want: no exponent, no trailing zeros, ``"100"`` or ``"12.5"``."""
    checked = to_amount(amount, currency)
    text = format(checked.normalize(), "f")
    return text


def format_display(amount: Decimal, currency: str) -> str:
    """Human display with the currency's minor units and thousands separators: ``"1,000 UGX"``."""
    places = minor_units(currency)
    return f"{amount:,.{places}f} {normalize_currency(currency)}"
