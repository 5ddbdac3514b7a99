"""Input rules for MoMo Disbursement requests, checked before any HTTP call.

Every failure raises ``InvalidInputError`` naming the field. Values are never silently changed
(no trimming, no phone-number rewriting): what is validated is exactly what gets signed. Patterns
are matched with ``fullmatch``: ``$`` alone would let a trailing newline through.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django_momo.money import AmountError, to_amount
from django_momo.providers.base import InvalidInputError

ORDER_ID_RE = re.compile(r"^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$")
ORDER_ID_MAX = 50
# requestId is free text for MoMo, but it is written raw into the signed string: keep it to
# characters that cannot be confused with the ``&``/``=`` separators (UUIDs fit).
REQUEST_ID_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.:-]*$")
REQUEST_ID_MAX = 50
LANGS = frozenset({"vi", "en"})
WALLET_ID_RE = re.compile(r"^0[0-9]{9}$")
PERSONAL_ID_RE = re.compile(r"^(?:[0-9]{9}|[0-9]{12})$")  # CMND (9) or CCCD (12 digits)
BANK_ACCOUNT_RE = re.compile(r"^[0-9]{5,20}$")
BANK_CARD_RE = re.compile(r"^[0-9]{12,19}$")
BANK_CODE_RE = re.compile(r"^[A-Z0-9]{2,20}$")
NAME_MAX = 100
ORDER_INFO_MAX = 200  # String(200) on some pages, 255 on others: the smaller one fits both
EXTRA_DATA_MAX = 1000
IPN_URL_MAX = 200
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PayoutLimits:
    """Per-payout VND limits; defaults from MoMo's disbursement page, overridable per account."""

    wallet_min: Decimal = Decimal(1_000)
    wallet_max: Decimal = Decimal(200_000_000)
    bank_min: Decimal = Decimal(20_000)
    bank_max: Decimal = Decimal(20_000_000)


DEFAULT_LIMITS = PayoutLimits()


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(field, f"must be a string, got {type(value).__name__}")
    return value


def order_id(value: object, field: str = "order_id") -> str:
    """MoMo's orderId pattern, at most 50 characters."""
    text = _text(field, value)
    if not text:
        raise InvalidInputError(field, "must not be empty")
    if len(text) > ORDER_ID_MAX:
        raise InvalidInputError(field, f"at most {ORDER_ID_MAX} characters, got {len(text)}")
    if not ORDER_ID_RE.fullmatch(text):
        raise InvalidInputError(
            field, "letters and digits, optionally joined by '-', '_' or '.', nothing else"
        )
    return text


def request_id(value: object, field: str = "request_id") -> str:
    """A non-empty ASCII id of at most 50 characters (a UUID is ideal)."""
    text = _text(field, value)
    if not text:
        raise InvalidInputError(field, "must not be empty")
    if len(text) > REQUEST_ID_MAX:
        raise InvalidInputError(field, f"at most {REQUEST_ID_MAX} characters, got {len(text)}")
    if not REQUEST_ID_RE.fullmatch(text):
        raise InvalidInputError(field, "letters, digits, '-', '_', '.' and ':' only")
    return text


def lang(value: object) -> str:
    """``vi`` or ``en``."""
    text = _text("lang", value)
    if text not in LANGS:
        raise InvalidInputError("lang", f"must be 'vi' or 'en', got {text!r}")
    return text


def amount(value: object, *, minimum: Decimal, maximum: Decimal) -> int:
    """A whole VND amount (``Decimal`` or ``int``) within the limits, as the int MoMo signs."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidInputError(
            "amount", f"must be a Decimal or an int (VND), got {type(value).__name__}"
        )
    try:
        checked = to_amount(value, "VND")
    except AmountError as exc:
        raise InvalidInputError("amount", str(exc)) from None
    if checked < minimum or checked > maximum:
        raise InvalidInputError(
            "amount", f"must be between {minimum:,} and {maximum:,} VND, got {checked:,}"
        )
    return int(checked)


def human_text(field: str, value: object, *, max_length: int, required: bool = True) -> str:
    """Free text (names, orderInfo): no control characters, no edge or blank-only whitespace."""
    text = _text(field, value)
    if not text:
        if required:
            raise InvalidInputError(field, "must not be empty")
        return text
    if len(text) > max_length:
        raise InvalidInputError(field, f"at most {max_length} characters, got {len(text)}")
    if _CONTROL_RE.search(text):
        raise InvalidInputError(field, "must not contain control characters")
    if text != text.strip():
        # MoMo's own signing helper trims; a trimmed value would no longer match our signature.
        raise InvalidInputError(field, "must not start or end with whitespace")
    return text


def order_info(value: object) -> str:
    """A short description, at most 200 characters."""
    return human_text("order_info", value, max_length=ORDER_INFO_MAX)


def wallet_id(value: object, field: str = "wallet_id") -> str:
    """A MoMo wallet number in local format ``0xxxxxxxxx`` (10 digits), exactly as given."""
    text = _text(field, value)
    if WALLET_ID_RE.fullmatch(text):
        return text
    if "+" in text or text.startswith("84"):
        why = "is in international format: write 0 instead of +84"
    elif any(char.isspace() for char in text):
        why = "contains spaces"
    elif not (text.isascii() and text.isdigit()):
        why = "is not made of the digits 0-9 only"
    else:
        why = f"has {len(text)} digits" if text.startswith("0") else "does not start with 0"
    shown = repr(text) if len(text) <= 40 else repr(text[:40] + "...")
    raise InvalidInputError(
        field,
        f"must be the wallet's phone number in local format, 10 digits starting with 0 and no "
        f"spaces, e.g. 0901234567; {shown} {why}",
    )


def personal_id(value: object) -> str:
    """A Vietnamese national ID number: 9 (CMND) or 12 (CCCD) digits, leading zeros kept."""
    text = _text("personal_id", value)
    if not PERSONAL_ID_RE.fullmatch(text):
        raise InvalidInputError("personal_id", "must be 9 or 12 digits")
    return text


def holder_name(value: object, field: str = "holder_name") -> str:
    """A receiver's name as registered (Vietnamese diacritics allowed)."""
    return human_text(field, value, max_length=NAME_MAX)


def bank_account_no(value: object) -> str:
    """A bank account number: 5 to 20 digits."""
    text = _text("bank_account_no", value)
    if not BANK_ACCOUNT_RE.fullmatch(text):
        raise InvalidInputError(
            "bank_account_no", "must be 5 to 20 digits 0-9, without spaces or dashes"
        )
    return text


def bank_card_no(value: object) -> str:
    """A domestic bank card number: 12 to 19 digits."""
    text = _text("bank_card_no", value)
    if not BANK_CARD_RE.fullmatch(text):
        raise InvalidInputError(
            "bank_card_no", "must be 12 to 19 digits 0-9, without spaces or dashes"
        )
    return text


def bank_code(value: object) -> str:
    """MoMo's bank code, e.g. ``VCB``, ``ACB``, ``BIDV``, ``CTG`` (upper case)."""
    text = _text("bank_code", value)
    if not BANK_CODE_RE.fullmatch(text):
        raise InvalidInputError("bank_code", "must be 2 to 20 upper-case letters or digits")
    return text


def extra_data(value: object) -> str:
    """``""``, a mapping (encoded here as base64 JSON) or an already-encoded base64 JSON string."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        try:
            encoded_json = json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise InvalidInputError("extra_data", f"is not JSON-serialisable: {exc}") from None
        text = base64.b64encode(encoded_json.encode("utf-8")).decode("ascii")
    else:
        text = _text("extra_data", value)
        if text:
            _check_base64_json(text)
    if len(text) > EXTRA_DATA_MAX:
        raise InvalidInputError("extra_data", f"at most {EXTRA_DATA_MAX} characters once encoded")
    return text


def _check_base64_json(text: str) -> None:
    try:
        decoded = base64.b64decode(text, validate=True)
        parsed: Any = json.loads(decoded.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInputError("extra_data", "must be base64 of a JSON object") from None
    if not isinstance(parsed, dict):
        raise InvalidInputError("extra_data", "must be base64 of a JSON object")


def ipn_url(value: object) -> str:
    """An absolute http(s) URL of at most 200 ASCII characters without spaces."""
    text = _text("ipn_url", value)
    if len(text) > IPN_URL_MAX:
        raise InvalidInputError("ipn_url", f"at most {IPN_URL_MAX} characters")
    if not text.isascii() or any(ch.isspace() for ch in text) or _CONTROL_RE.search(text):
        raise InvalidInputError("ipn_url", "must be ASCII without spaces")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInputError("ipn_url", "must be an absolute http(s) URL")
    return text


def order_group_id(value: object) -> int:
    """MoMo's orderGroupId: a positive integer MoMo assigned."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError("order_group_id", "must be a positive int assigned by MoMo")
    return value


# --- payment gateway (collections and refunds) ---------------------------------------------------

# The create page's requestTypes this client sends (momo_vn.md §6).
PAYMENT_REQUEST_TYPES = ("captureWallet", "payWithATM", "payWithCC", "payWithMethod")
# String(255) on the current onetime page; the disbursement limit above (200) stays as it is.
PAYMENT_ORDER_INFO_MAX = 255
# redirectUrl / ipnUrl: String(200) on the token pages, "no unicode or spaces" (momo_vn.md §7).
GATEWAY_URL_MAX = 200
# "List of products displayed on the payment page. Maximum: 50 items" (onetime page).
ITEMS_MAX = 50
# MoMo documents no length for a refund's description; the legacy refund API allowed 300
# (https://payment.momo.vn/docs/refund/). 255, like orderInfo, fits both.
REFUND_DESCRIPTION_MAX = 255
# transId is a Java Long at MoMo.
TRANS_ID_MAX = 2**63 - 1
# orderExpireTime in minutes: no documented bound we could read; a week is far beyond any
# checkout and keeps a typo (seconds, milliseconds) from being sent.
EXPIRE_MINUTES_MAX = 7 * 24 * 60


def payment_request_type(value: object, field: str = "request_type") -> str:
    """One of ``captureWallet``, ``payWithATM``, ``payWithCC``, ``payWithMethod``."""
    text = _text(field, value)
    if text not in PAYMENT_REQUEST_TYPES:
        raise InvalidInputError(
            field, f"must be one of {', '.join(PAYMENT_REQUEST_TYPES)}, got {text!r}"
        )
    return text


def payment_order_info(value: object) -> str:
    """A payment's description shown to the payer, at most 255 characters."""
    return human_text("order_info", value, max_length=PAYMENT_ORDER_INFO_MAX)


def gateway_url(value: object, field: str) -> str:
    """``redirect_url`` / ``ipn_url``: an absolute http(s) URL, at most 200 ASCII characters."""
    text = _text(field, value)
    if not text:
        raise InvalidInputError(field, "must not be empty")
    if len(text) > GATEWAY_URL_MAX:
        raise InvalidInputError(field, f"at most {GATEWAY_URL_MAX} characters, got {len(text)}")
    if not text.isascii() or any(ch.isspace() for ch in text) or _CONTROL_RE.search(text):
        raise InvalidInputError(field, "must be ASCII without spaces")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInputError(field, "must be an absolute http(s) URL")
    return text


def flag(value: object, field: str) -> bool:
    """A real ``bool`` (``1``, ``"false"`` and ``None`` are refused, never guessed)."""
    if not isinstance(value, bool):
        raise InvalidInputError(field, f"must be a bool, got {type(value).__name__}")
    return value


def trans_id(value: object, field: str = "trans_id") -> int:
    """MoMo's transaction id: a positive int (a Java Long)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= TRANS_ID_MAX:
        raise InvalidInputError(field, "must be MoMo's transId, a positive int")
    return value


def expire_minutes(value: object) -> int:
    """``orderExpireTime``: whole minutes, 1 to a week."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError("expires_in_minutes", "must be an int (minutes)")
    if not 1 <= value <= EXPIRE_MINUTES_MAX:
        raise InvalidInputError(
            "expires_in_minutes", f"must be between 1 and {EXPIRE_MINUTES_MAX} minutes"
        )
    return value


def refund_description(value: object) -> str:
    """A refund's description (signed; may be empty), at most 255 characters."""
    return human_text("description", value, max_length=REFUND_DESCRIPTION_MAX, required=False)


def _no_floats(field: str, value: object) -> None:
    """Refuse floats (money is never a float) and non-JSON values anywhere in ``value``."""
    if isinstance(value, float):
        raise InvalidInputError(field, "must not contain floats: write amounts as ints (VND)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(field, "keys must be strings")
            _no_floats(field, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _no_floats(field, item)
    elif value is not None and not isinstance(value, (str, int, bool)):
        raise InvalidInputError(field, f"is not JSON-serialisable ({type(value).__name__})")


def items(value: object) -> list[dict[str, Any]]:
    """The products shown on MoMo's payment page: at most 50 JSON objects, without floats."""
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError("items", f"must be a list of mappings, got {type(value).__name__}")
    if len(value) > ITEMS_MAX:
        raise InvalidInputError("items", f"at most {ITEMS_MAX} items, got {len(value)}")
    out: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, Mapping):
            raise InvalidInputError("items", "every item must be a mapping")
        _no_floats("items", item)
        out.append(dict(item))
    return out


def user_info(value: object, *, email_required: bool = False) -> dict[str, Any]:
    """The payer (``name``, ``phoneNumber``, ``email``): a mapping of strings."""
    if not isinstance(value, Mapping):
        raise InvalidInputError("user_info", f"must be a mapping, got {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidInputError("user_info", "keys and values must be strings")
        if _CONTROL_RE.search(item):
            raise InvalidInputError("user_info", f"{key} must not contain control characters")
    if email_required and not value.get("email"):
        raise InvalidInputError("user_info", "an email is required for payWithCC")
    return dict(value)
