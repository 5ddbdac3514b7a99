"""Input checks run before any MTN call: a bad field raises ``InvalidInputError`` naming it.

Refuse, never repair: a value not written the documented way is refused, never trimmed or
rewritten, so what MTN receives is exactly what the caller gave. Choices (documented in the
README):

* MSISDN: ASCII digits with the country code, 8 to 15 of them, no leading 0, no ``+``, no spaces
  (``"256772123456"``; ``"+256 772 123456"`` and the local ``"0772123456"`` are refused).
  MTN's sandbox test numbers (``46733123450`` ...) pass as they are: no country is forced.
* E-mail and party code (a UUID, ``8-4-4-4-12`` hex digits) as given, without spaces.
* payerMessage / payeeNote: non-empty, at most 160 characters, no leading or trailing spaces;
  ``'`` and ``&`` are refused (MTN answers 400 to an apostrophe and silently drops a request
  containing ``&``), so what the payer's history shows is what the caller wrote.
* References: UUID version 4, sent in lower-case canonical form (UUIDs ignore case).
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from urllib.parse import urlsplit

from django_momo import money
from django_momo.providers.base import InvalidInputError

MESSAGE_MAX_LENGTH = 160
EXTERNAL_ID_MAX_LENGTH = 128
FORBIDDEN_MESSAGE_CHARACTERS = ("'", "&")

PARTY_ID_TYPES = ("MSISDN", "EMAIL", "PARTY_CODE", "ALIAS")
# Account-holder id types in the path of /accountholder/{type}/{id}/... (lower case).
ACCOUNT_HOLDER_ID_TYPES = ("msisdn", "email", "party_code")

_MSISDN_RE = re.compile(r"[1-9][0-9]{7,14}")
MSISDN_FORMAT = (
    "MSISDN must be digits only with the country code, no '+' or spaces, e.g. 256772123456"
)
_EMAIL_RE = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+")
_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def validate_reference_id(value: object, field: str = "reference_id") -> str:
    """A UUID version 4 in canonical lower-case form (MTN's X-Reference-Id)."""
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        if not _UUID_RE.fullmatch(value):
            raise InvalidInputError(
                field, f"must be a UUID version 4 (8-4-4-4-12 hex digits), got {value!r}"
            )
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            raise InvalidInputError(field, f"must be a UUID version 4, got {value!r}") from None
    else:
        raise InvalidInputError(field, "must be a UUID version 4 string")
    if parsed.version != 4 or parsed.variant != uuid.RFC_4122:
        raise InvalidInputError(field, f"must be a UUID version 4, got {value!r}")
    return str(parsed)


def validate_msisdn(value: object, field: str = "msisdn") -> str:
    """ASCII digits with the country code, exactly as given (nothing is removed or added)."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{MSISDN_FORMAT}, given as a string")
    if _MSISDN_RE.fullmatch(value):
        return value
    if not value:
        why = "is empty"
    elif "+" in value or any(char.isspace() for char in value):
        why = "contains a '+' or spaces"
    elif not (value.isascii() and value.isdigit()):
        why = "is not made of the digits 0-9 only"
    elif value.startswith("0"):
        why = "is in local format: replace the leading 0 with the country code"
    else:
        why = f"has {len(value)} digits, not 8 to 15"
    shown = repr(value) if len(value) <= 40 else repr(value[:40] + "...")
    raise InvalidInputError(field, f"{MSISDN_FORMAT}; {shown} {why}")


def validate_party(party_id: object, party_id_type: str, field: str) -> dict[str, str]:
    """The ``{"partyIdType", "partyId"}`` object of a payer or payee."""
    kind = party_id_type.upper() if isinstance(party_id_type, str) else ""
    if kind not in PARTY_ID_TYPES:
        raise InvalidInputError(f"{field}_id_type", f"must be one of {', '.join(PARTY_ID_TYPES)}")
    if kind == "MSISDN":
        ident = validate_msisdn(party_id, field)
    elif kind == "EMAIL":
        if not isinstance(party_id, str) or not _EMAIL_RE.fullmatch(party_id):
            raise InvalidInputError(
                field,
                f"must be an e-mail address without spaces, e.g. a@example.com, got {party_id!r}",
            )
        ident = party_id
    elif kind == "PARTY_CODE":
        ident = _uuid_any_version(party_id, field)
    else:
        ident = validate_text(party_id, field, max_length=EXTERNAL_ID_MAX_LENGTH)
    return {"partyIdType": kind, "partyId": ident}


def validate_account_holder(account: object, account_type: str) -> tuple[str, str]:
    """``(type, id)`` for the account-holder paths (``msisdn``, ``email``, ``party_code``)."""
    kind = account_type.lower() if isinstance(account_type, str) else ""
    if kind not in ACCOUNT_HOLDER_ID_TYPES:
        raise InvalidInputError(
            "account_type", f"must be one of {', '.join(ACCOUNT_HOLDER_ID_TYPES)}"
        )
    party = validate_party(account, kind.upper(), "account")
    return kind, party["partyId"]


def _no_edge_spaces(value: str, field: str) -> str:
    if value != value.strip():
        raise InvalidInputError(field, "must not start or end with spaces")
    return value


def validate_message(value: object, field: str) -> str:
    """A payerMessage / payeeNote: non-empty, <= 160 characters, no ``'`` or ``&``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be a non-empty string")
    text = _no_edge_spaces(value, field)
    if len(text) > MESSAGE_MAX_LENGTH:
        raise InvalidInputError(
            field, f"must be at most {MESSAGE_MAX_LENGTH} characters, got {len(text)}"
        )
    for char in FORBIDDEN_MESSAGE_CHARACTERS:
        if char in text:
            raise InvalidInputError(field, f"must not contain {char!r} (MTN rejects it)")
    if _CONTROL_RE.search(text):
        raise InvalidInputError(field, "must not contain control characters")
    return text


def validate_text(value: object, field: str, *, max_length: int = EXTERNAL_ID_MAX_LENGTH) -> str:
    """A non-empty single-line string of at most ``max_length`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be a non-empty string")
    text = _no_edge_spaces(value, field)
    if len(text) > max_length:
        raise InvalidInputError(field, f"must be at most {max_length} characters")
    if _CONTROL_RE.search(text):
        raise InvalidInputError(field, "must not contain control characters")
    return text


def validate_currency(value: object, field: str = "currency") -> str:
    """An ISO 4217 code we know the minor units of, upper-cased."""
    try:
        code = money.normalize_currency(value)
        money.minor_units(code)
    except money.AmountError as exc:
        raise InvalidInputError(field, str(exc)) from None
    return code


def validate_amount(value: object, currency: str, field: str = "amount") -> str:
    """The amount as the plain string MTN wants (``"100"``, ``"12.5"``); floats are refused."""
    try:
        amount: Decimal = money.to_amount(value, currency)
        return money.format_amount(amount, currency)
    except money.AmountError as exc:
        raise InvalidInputError(field, str(exc)) from None


def validate_callback_url(value: object, field: str = "callback_url") -> str:
    """An absolute http(s) URL (its host must be the API user's providerCallbackHost)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be an absolute http(s) URL")
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(field, f"must be an absolute http(s) URL, got {value!r}")
    if _CONTROL_RE.search(text) or " " in text:
        raise InvalidInputError(field, "must not contain spaces or control characters")
    return text


def validate_host(value: object, field: str = "provider_callback_host") -> str:
    """A bare host name (no scheme, no path), as MTN's providerCallbackHost wants."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be a host name such as 'example.com'")
    text = value.strip()
    if any(char in text for char in "/: @?#"):
        raise InvalidInputError(
            field, f"must be a bare host name (no scheme, port or path), got {value!r}"
        )
    return text


def _uuid_any_version(value: object, field: str) -> str:
    if not isinstance(value, str) or not _UUID_RE.fullmatch(value):
        raise InvalidInputError(
            field, f"must be a UUID written as 8-4-4-4-12 hex digits, got {value!r}"
        )
    return value
