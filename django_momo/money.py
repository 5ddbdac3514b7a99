"""Money as ``Decimal`` with each currency's own minor units (ISO 4217). Floats never touch it."""

from __future__ import annotations

import re
from decimal import Decimal

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


# The only way an amount may be written: ASCII digits, no sign, no leading zero (except "0.x"),
# an optional "." followed by the fraction. No exponent, no separators, no spaces.
_AMOUNT_TEXT_RE = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
_MAX_TEXT_LENGTH = 64
_SEPARATORS = frozenset(",_'\u066b\u066c\u2019")
_NON_FINITE = frozenset({"nan", "snan", "inf", "infinity"})


def how_to_write(currency: str) -> str:
    """The one way to write an amount of ``currency``, for error messages."""
    places = minor_units(currency)
    if places == 0:
        return "write the amount as plain digits without separators or decimals, e.g. 15000"
    example = "1000." + "50".ljust(places, "0")[:places]
    return (
        f"write the amount as plain digits with an optional '.' and at most {places} "
        f"decimal{'s' if places > 1 else ''}, e.g. 1000 or {example}"
    )


def _refuse(reason: str, currency: str) -> AmountError:
    return AmountError(f"{reason}; {how_to_write(currency)}")


def _text_problem(text: str) -> str:
    """Why ``text`` is not an amount written the one accepted way."""
    shown = repr(text) if len(text) <= 40 else repr(text[:40] + "...")
    if not text:
        return "amount is empty"
    if any(char.isspace() for char in text):
        return f"amount {shown} contains spaces"
    if text[0] in "+-":
        return f"amount {shown} must not carry a sign: amounts are greater than zero"
    if any(char.isdigit() and not char.isascii() for char in text):
        return f"amount {shown} must use the digits 0-9 only"
    if text.lower().lstrip("+-") in _NON_FINITE:
        return f"amount {shown} must be a finite number"
    if any(char in _SEPARATORS for char in text):
        return f"amount {shown} must not contain thousands separators"
    if "e" in text.lower() and any(char.isdigit() for char in text):
        return f"amount {shown} must not use exponent notation"
    if re.fullmatch(r"[0-9]*\.[0-9]*", text) and (text.startswith(".") or text.endswith(".")):
        return f"amount {shown} needs digits on both sides of the '.'"
    if re.fullmatch(r"0[0-9]+(?:\.[0-9]+)?", text):
        return f"amount {shown} must not start with a 0"
    return f"amount {shown} is not a number"


def _parse_text(text: str, currency: str, places: int) -> Decimal:
    match = _AMOUNT_TEXT_RE.fullmatch(text) if len(text) <= _MAX_TEXT_LENGTH else None
    if match is None:
        if len(text) > _MAX_TEXT_LENGTH:
            raise _refuse(f"amount is longer than {_MAX_TEXT_LENGTH} characters", currency)
        raise _refuse(_text_problem(text), currency)
    whole, fraction = match.group(1), match.group(2)
    code = normalize_currency(currency)
    if fraction is not None and places == 0:
        # "500.000" is five hundred thousand dong to a Vietnamese operator, 500 to Decimal.
        raise _refuse(f"{code} amounts are whole numbers, got {text!r}", currency)
    if fraction is not None and len(fraction) > places:
        raise _refuse(
            f"{code} amounts have at most {places} decimal places, got {text!r}", currency
        )
    if len(whole) > MAX_INTEGER_DIGITS:
        raise _refuse(f"amount {text!r} is too large", currency)
    return Decimal(text)


def _check_decimal(value: Decimal, currency: str, places: int) -> Decimal:
    if not value.is_finite():
        raise _refuse("amount must be a finite number", currency)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent > 0:
        # Decimal("1e3") or a normalize()d value: what text in exponent notation parses to.
        raise _refuse(
            f"amount {value!r} is in exponent notation: pass Decimal({format(value, 'f')!r})",
            currency,
        )
    if value != value.quantize(Decimal(1).scaleb(-places)):
        code = normalize_currency(currency)
        unit = "no decimal places" if places == 0 else f"at most {places} decimal places"
        raise _refuse(f"{code} amounts have {unit}, got {value}", currency)
    return value


def to_amount(value: object, currency: str) -> Decimal:
    """Parse ``value`` into a positive ``Decimal`` of ``currency``, or raise ``AmountError``.

    Refuse, never repair. A string must be ASCII digits with an optional ``.`` and at most the
    currency's minor units of decimals (``"1000"``, ``"1000.50"``; VND and UGX have none): no
    sign, exponent, spaces, separators or leading zero. An ``int`` (not a ``bool``) is taken as
    is. A ``Decimal`` must be finite, not in exponent notation (``Decimal("1E+3")`` is refused)
    and exact in the minor units; zeros past them are accepted, since a ``DecimalField`` hands
    back ``Decimal("12.5000")``. Floats are refused: ``0.1 + 0.2`` is how payment apps lose money.
    """
    places = minor_units(currency)
    if isinstance(value, bool):
        raise _refuse("amount must be a number, not a boolean", currency)
    if isinstance(value, float):
        raise _refuse("amount must be a Decimal, an int or a string, not a float", currency)
    if isinstance(value, str):
        amount = _parse_text(value, currency, places)
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = _check_decimal(value, currency, places)
    else:
        raise _refuse(
            f"amount must be a Decimal, an int or a string, got {type(value).__name__}", currency
        )
    if amount <= 0:
        raise _refuse("amount must be greater than zero", currency)
    if amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise _refuse(f"amount {value} is too large", currency)
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
