"""How MTN's gateway answers on the wire: its three error-body families and its field rules.

Written from the provider notes (``mtn_momo.md`` sections 5 and 10), independently of the client.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from ..frame.web import Response

PRODUCTS = ("collection", "disbursement", "remittance")
TARGET_ENVIRONMENT = "sandbox"
CURRENCY = "EUR"
MAX_NOTE_CHARS = 160

# MTN's published amount pattern: <= 18 integer digits, no leading zero, 1 to 4 decimals.
AMOUNT_RE = re.compile(r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,4})?$")
# E.164 digits with country code, no '+', no leading 0 (the sandbox test numbers fit too).
MSISDN_RE = re.compile(r"^[1-9][0-9]{7,14}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
PARTY_TYPES = ("MSISDN", "EMAIL", "PARTY_CODE", "ALIAS")

SUBSCRIPTION_DENIED = (
    "Access denied due to invalid subscription key. "
    "Make sure to provide a valid key for an active subscription."
)
# The API gateway's answers when a subscription has used up its call volume quota or exceeds its
# rate limit: the call never reaches the wallet platform. MTN documents neither body; these are
# the gateway's own wording, with the shortest wait it would name.
QUOTA_EXCEEDED = "Out of call volume quota. Quota will be replenished in 00:00:01."
RATE_LIMITED = "Rate limit is exceeded. Try again in 1 seconds."
RETRY_AFTER_SECONDS = 1

# The front web server's page for a bodyless POST without Content-Length (observed as HTML).
LENGTH_REQUIRED_HTML = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
    "<HTML><HEAD><TITLE>Length Required</TITLE>\r\n"
    '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
    "<BODY><h2>Length Required</h2>\r\n<hr><p>HTTP Error 411. The request must be chunked "
    "or have a content length.</p>\r\n</BODY></HTML>\r\n"
)

# Bodies of the ``/_sandbox/mtn/garbage`` control: what a broken proxy in front of MTN returns.
GARBAGE_BODIES: dict[str, tuple[bytes, str | None]] = {
    "html": (
        b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
        b"</h1></center><hr><center>nginx</center></body></html>",
        "text/html",
    ),
    "empty": (b"", None),
    "text": (b"upstream connect error or disconnect/reset before headers", "text/plain"),
    "bad-json": (b'{"code": "INTERNAL_PROCESSING_ERROR", "message": "Unspec', "application/json"),
}


class WireError(Exception):
    """A request MTN refuses; carries the exact response to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def apim_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Azure APIM gateway family: ``{"statusCode", "message"}``."""
    return Response.json({"statusCode": status, "message": message}, status=status, headers=headers)


def quota_exceeded() -> Response:
    """403 from the gateway: the subscription's call volume quota is used up."""
    return apim_error(403, QUOTA_EXCEEDED)


def rate_limited() -> Response:
    """429 from the gateway, with ``Retry-After``."""
    return apim_error(429, RATE_LIMITED, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def retry_refusal(answer: str, party_field: str) -> Response:
    """The ``refuse_retry`` fault's answer to a re-sent POST of a booked reference.

    Each is a refusal a client may read as "refused for good" although the first attempt was
    booked: the gateway's quota (403), rate limit (429) or subscription key (401) answers, or a
    wallet error naming the party as unknown (400 ``PAYEE_NOT_FOUND`` / ``PAYER_NOT_FOUND``).
    """
    if answer == "rate_limit":
        return rate_limited()
    if answer == "unauthorized":
        return subscription_denied()
    if answer == "bad_request":
        who = "payer" if party_field == "payer" else "payee"
        return wallet_error(400, f"{who.upper()}_NOT_FOUND", f"{who.capitalize()} does not exist")
    return quota_exceeded()


def subscription_denied() -> Response:
    """401 for a missing or wrong ``Ocp-Apim-Subscription-Key``."""
    return apim_error(401, SUBSCRIPTION_DENIED)


def wallet_error(status: int, code: str, message: str) -> Response:
    """Wallet / Open API family: ``{"code", "message"}``."""
    return Response.json({"code": code, "message": message}, status=status)


def token_error(status: int, error: str) -> Response:
    """Token endpoint family: ``{"error"}``."""
    return Response.json({"error": error}, status=status)


def bad_request(message: str) -> WireError:
    """400 naming the offending field."""
    return WireError(wallet_error(400, "BAD_REQUEST", message))


def not_found(message: str = "Requested resource was not found.") -> Response:
    """404 ``RESOURCE_NOT_FOUND``, as for an unknown reference."""
    return wallet_error(404, "RESOURCE_NOT_FOUND", message)


def duplicate_reference() -> Response:
    """409 for a reused ``X-Reference-Id``."""
    return wallet_error(
        409, "RESOURCE_ALREADY_EXIST", "Duplicated reference id. Creation of resource failed."
    )


def length_required() -> Response:
    """411 with the HTML page the gateway serves."""
    return Response(411, LENGTH_REQUIRED_HTML.encode(), {}, "text/html")


def reference_id(value: str | None, header: str = "X-Reference-Id") -> str:
    """The canonical (lower-case) form of a UUID version 4; ``WireError`` 400 otherwise."""
    if not value:
        raise bad_request(f"{header} header is missing.")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise bad_request(f"{header} must be a UUID version 4.") from None
    if parsed.version != 4 or str(parsed) != value.lower():
        raise bad_request(f"{header} must be a UUID version 4.")
    return str(parsed)


def is_uuid4(value: str) -> bool:
    """True for a canonical UUID version 4 string."""
    try:
        return reference_id(value) == value.lower()
    except WireError:
        return False


def amount(body: dict[str, Any], field: str = "amount") -> Decimal:
    """The positive amount of ``body[field]`` (a string per MTN's schema)."""
    value = body.get(field)
    if not isinstance(value, str):
        raise bad_request(f'{field} must be a string of digits, e.g. "100".')
    if not AMOUNT_RE.match(value):
        raise bad_request(f"{field} {value!r} does not match the amount format.")
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise bad_request(f"{field} {value!r} is not a number.") from None
    if parsed <= 0:
        raise bad_request(f"{field} must be greater than zero.")
    return parsed


def currency(body: dict[str, Any], field: str = "currency") -> str:
    """The currency, which must be the target environment's (EUR in sandbox)."""
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise bad_request(f"{field} is missing.")
    if value != CURRENCY:
        raise WireError(
            wallet_error(
                400,
                "INVALID_CURRENCY",
                "Invalid currency - needs to match the target environment currency.",
            )
        )
    return value


def note(body: dict[str, Any], field: str) -> str | None:
    """An optional history text: a string of at most 160 characters, without apostrophes."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{field} must be a string.")
    if len(value) > MAX_NOTE_CHARS:
        raise bad_request(f"{field} is longer than {MAX_NOTE_CHARS} characters.")
    if "'" in value:
        raise bad_request(f"{field} contains an unsupported special character (').")
    return value


def external_id(body: dict[str, Any]) -> str:
    """The caller's externalId (a non-empty string)."""
    value = body.get("externalId")
    if not isinstance(value, str) or not value.strip():
        raise bad_request("externalId must be a non-empty string.")
    if len(value) > 255:
        raise bad_request("externalId is longer than 255 characters.")
    return value


def party(body: dict[str, Any], field: str) -> dict[str, str]:
    """A ``{partyIdType, partyId}`` object, validated per its type."""
    value = body.get(field)
    if not isinstance(value, dict):
        raise bad_request(f"{field} must be an object with partyIdType and partyId.")
    kind, ident = value.get("partyIdType"), value.get("partyId")
    if not isinstance(kind, str) or kind.upper() not in PARTY_TYPES:
        raise bad_request(f"{field}.partyIdType must be one of {', '.join(PARTY_TYPES)}.")
    if not isinstance(ident, str) or not ident:
        raise bad_request(f"{field}.partyId must be a non-empty string.")
    check_party_id(kind, ident, f"{field}.partyId")
    return {"partyIdType": kind, "partyId": ident}


def check_party_id(kind: str, ident: str, field: str) -> None:
    """Validate an account holder id per its type (MSISDN, EMAIL, PARTY_CODE, ALIAS)."""
    kind = kind.upper()
    if kind == "MSISDN" and not MSISDN_RE.match(ident):
        raise bad_request(
            f"{field} {ident!r} is not an MSISDN (digits with country code, no '+' or leading 0)."
        )
    if kind == "EMAIL" and not EMAIL_RE.match(ident):
        raise bad_request(f"{field} is not an e-mail address.")
    if kind == "PARTY_CODE" and not is_uuid4(ident):
        raise bad_request(f"{field} must be a UUID for PARTY_CODE.")
    if len(ident) > 255:
        raise bad_request(f"{field} is too long.")


def callback_host_error() -> Response:
    """500 ``INVALID_CALLBACK_URL_HOST``."""
    return wallet_error(
        500,
        "INVALID_CALLBACK_URL_HOST",
        "Callback URL with different host name to configured for API User",
    )


def target_environment_error() -> Response:
    """500 ``NOT_ALLOWED_TARGET_ENVIRONMENT``."""
    return wallet_error(
        500,
        "NOT_ALLOWED_TARGET_ENVIRONMENT",
        "Value passed in header X-Target-Environment is incorrect",
    )


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object; 400 otherwise."""
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.")
    return data


def money_text(value: Decimal) -> str:
    """A balance as MTN writes it: a plain decimal string, no exponent."""
    return format(value, "f")
