"""Input checks run before any MTN call: a bad field raises ``InvalidInputError`` naming it.

Choices (documented in the README):

* MSISDN: digits with the country code, 8 to 15 of them, no leading 0. Spaces and one leading
  ``+`` are removed (``"+256 772 123456"`` -> ``"256772123456"``); anything else is refused.
  MTN's sandbox test numbers (``46733123450`` ...) pass as they are: no country is forced.
* payerMessage / payeeNote: non-empty, at most 160 characters; ``'`` and ``&`` are refused
  (MTN answers 400 to an apostrophe and silently drops a request containing ``&``). They are
  refused rather than cleaned up, so what the payer's history shows is what the caller wrote.
* References: UUID version 4, sent in lower-case canonical form.
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
_EMAIL_RE = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def validate_reference_id(value: object, field: str = "reference_id") -> str:
    """A UUID version 4 in canonical lower-case form (MTN's X-Reference-Id)."""
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value.strip())
        except ValueError:
            raise InvalidInputError(field, f"must be a UUID version 4, got {value!r}") from None
    else:
        raise InvalidInputError(field, "must be a UUID version 4 string")
    if parsed.version != 4 or parsed.variant != uuid.RFC_4122:
        raise InvalidInputError(field, f"must be a UUID version 4, got {value!r}")
    return str(parsed)


def validate_msisdn(value: object, field: str = "msisdn") -> str:
    """Digits with the country code (spaces and one leading ``+`` removed)."""
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be a string of digits with the country code")
    text = value.strip().replace(" ", "")
    if text.startswith("+"):
        text = text[1:]
    if not _MSISDN_RE.fullmatch(text):
        raise InvalidInputError(
            field,
            f"must be 8-15 digits with the country code, no leading 0, got {value!r}",
        )
    return text


def validate_party(party_id: object, party_id_type: str, field: str) -> dict[str, str]:
    """The ``{"partyIdType", "partyId"}`` object of a payer or payee."""
    kind = party_id_type.upper() if isinstance(party_id_type, str) else ""
    if kind not in PARTY_ID_TYPES:
        raise InvalidInputError(f"{field}_id_type", f"must be one of {', '.join(PARTY_ID_TYPES)}")
    if kind == "MSISDN":
        ident = validate_msisdn(party_id, field)
    elif kind == "EMAIL":
        if not isinstance(party_id, str) or not _EMAIL_RE.fullmatch(party_id.strip()):
            raise InvalidInputError(field, f"must be an e-mail address, got {party_id!r}")
        ident = party_id.strip()
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


def validate_message(value: object, field: str) -> str:
    """A payerMessage / payeeNote: non-empty, <= 160 characters, no ``'`` or ``&``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be a non-empty string")
    text = value.strip()
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
    text = value.strip()
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
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise InvalidInputError(field, f"must be a UUID, got {value!r}") from None
