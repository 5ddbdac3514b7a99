"""Validation of MoMo Vietnam disbursement requests, answering with MoMo's result codes.

Format problems answer ``20`` ("Bad format request.") with ``subErrors`` naming the field, as
MoMo's v2 gateway does; a malformed amount answers ``21``, an amount outside the limits ``22``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import urlsplit

from .codes import BANK_LIMITS, WALLET_LIMITS

ORDER_ID_RE = re.compile(r"^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$")
WALLET_ID_RE = re.compile(r"^0\d{9,10}$")
BANK_NUMBER_RE = re.compile(r"^\d{6,19}$")
DIGITS_RE = re.compile(r"^\d+$")
# An app link's scheme (RFC 3986 scheme syntax); the web and file-ish ones are not apps.
APP_SCHEME_RE = re.compile(r"^(?!(?:ftp|file|javascript|data)$)[a-z][a-z0-9+.-]*$")
MAX_ID_LENGTH = 50
MAX_ORDER_INFO = 255
MAX_EXTRA_DATA = 1000
MAX_URL = 200
LANGS = ("vi", "en")


class Rejection(Exception):
    """A request MoMo refuses before accepting it: a result code and the fields at fault."""

    def __init__(self, code: int, field: str | None = None, detail: str = "") -> None:
        super().__init__(f"{code} {field or ''} {detail}".strip())
        self.code = code
        self.sub_errors = [{"field": field, "message": detail}] if field else []


def parse_body(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 20 rejection."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Rejection(20, "body", "Request body must be a JSON object.") from exc
    if not isinstance(data, dict):
        raise Rejection(20, "body", "Request body must be a JSON object.")
    return data


def require_text(data: dict[str, Any], *names: str, allow_empty: bool = False) -> None:
    """Each field must be present as a string (non-empty unless ``allow_empty``)."""
    for name in names:
        value = data.get(name)
        if value is None:
            if allow_empty and name in data:
                continue
            raise Rejection(20, name, f"{name} is required.")
        if not isinstance(value, str) or (not allow_empty and not value):
            raise Rejection(20, name, f"{name} must be a non-empty string.")


def check_common(data: dict[str, Any]) -> str:
    """orderId pattern and length, requestId length, lang; returns the lang."""
    order_id = data["orderId"]
    if len(order_id) > MAX_ID_LENGTH or not ORDER_ID_RE.match(order_id):
        raise Rejection(
            20, "orderId", "orderId must match ^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$ (max 50)."
        )
    if len(data["requestId"]) > MAX_ID_LENGTH:
        raise Rejection(20, "requestId", "requestId must be at most 50 characters.")
    lang = data.get("lang")
    if lang not in LANGS:
        raise Rejection(20, "lang", "lang must be 'vi' or 'en'.")
    return str(lang)


def check_request_type(data: dict[str, Any], allowed: tuple[str, ...]) -> str:
    """requestType must be one of ``allowed``."""
    value = data.get("requestType")
    if value not in allowed:
        raise Rejection(20, "requestType", f"requestType must be one of {', '.join(allowed)}.")
    return str(value)


def check_order_group(data: dict[str, Any]) -> None:
    """orderGroupId, when given, is a whole number (JSON number or digit string)."""
    value = data.get("orderGroupId")
    if value is None:
        return
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and DIGITS_RE.match(value))
    ):
        raise Rejection(20, "orderGroupId", "orderGroupId must be a number.")


def amount_present(data: dict[str, Any]) -> None:
    """amount must be a JSON number or string (it is signed as sent)."""
    value = data.get("amount")
    if value is None:
        raise Rejection(20, "amount", "amount is required.")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Rejection(21, "amount", "amount must be a whole number of VND.")


def check_amount(value: Any, request_type: str) -> int:
    """A whole VND amount within the limits of ``request_type``."""
    low, high = BANK_LIMITS if request_type == "disburseToBank" else WALLET_LIMITS
    return check_amount_within(value, low, high)


def check_amount_within(value: Any, low: int, high: int) -> int:
    """A whole VND amount (JSON number or digit string) between ``low`` and ``high``."""
    if isinstance(value, int) and not isinstance(value, bool):
        amount = value
    elif isinstance(value, str) and DIGITS_RE.match(value):
        amount = int(value)
    else:
        raise Rejection(21, "amount", "amount must be a whole number of VND.")
    if not low <= amount <= high:
        raise Rejection(22, "amount", f"amount must be between {low} and {high} VND.")
    return amount


def check_whole_number(data: dict[str, Any], name: str) -> int:
    """A required whole number (JSON number or digit string), e.g. a refund's ``transId``."""
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and DIGITS_RE.match(value):
        return int(value)
    raise Rejection(20, name, f"{name} must be a whole number.")


def check_pay_texts(data: dict[str, Any]) -> str:
    """extraData (empty or base64 JSON), orderInfo and ipnUrl; returns the ipnUrl."""
    require_text(data, "extraData", "orderInfo", allow_empty=True)
    extra = data.get("extraData") or ""
    if len(extra) > MAX_EXTRA_DATA:
        raise Rejection(20, "extraData", "extraData must be at most 1000 characters.")
    if extra:
        try:
            decoded = json.loads(base64.b64decode(extra, validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise Rejection(20, "extraData", "extraData must be base64 of a JSON object.") from exc
        if not isinstance(decoded, dict):
            raise Rejection(20, "extraData", "extraData must be base64 of a JSON object.")
    if len(data.get("orderInfo") or "") > MAX_ORDER_INFO:
        raise Rejection(20, "orderInfo", "orderInfo must be at most 255 characters.")
    return check_url(data, "ipnUrl")


def check_url(
    data: dict[str, Any], name: str, *, allow_empty: bool = False, app_links: bool = False
) -> str:
    """An http(s) URL of at most 200 characters, no spaces or unicode (MoMo's ipnUrl rule);
    ``app_links`` also takes an app's own scheme (``myapp://...``; MoMo's redirectUrl: "Support:
    AppLink and WebLink")."""
    url = data.get(name)
    if allow_empty and url == "":
        return url
    if not isinstance(url, str) or not url:
        raise Rejection(20, name, f"{name} is required.")
    parts = urlsplit(url)
    web = parts.scheme in ("http", "https")
    if (
        len(url) > MAX_URL
        or not (web or (app_links and APP_SCHEME_RE.match(parts.scheme)))
        or not parts.netloc
        or any(c.isspace() or ord(c) > 126 for c in url)
    ):
        kind = "a web or app URL" if app_links else "an http(s) URL"
        raise Rejection(20, name, f"{name} must be {kind} without spaces or unicode.")
    return url


def check_wallet_method(method: dict[str, Any], *, paying: bool) -> str:
    """The decrypted wallet object; returns the walletId."""
    wallet_id = method.get("walletId")
    if not isinstance(wallet_id, str) or not WALLET_ID_RE.match(wallet_id):
        raise Rejection(
            20, "disbursementMethod.walletId", "walletId must be a local phone number 0xxxxxxxxx."
        )
    name = method.get("walletName")
    if name is not None and not isinstance(name, str):
        raise Rejection(20, "disbursementMethod.walletName", "walletName must be a string.")
    personal_id = method.get("personalId")
    if personal_id not in (None, "") and not (
        (isinstance(personal_id, int) and not isinstance(personal_id, bool))
        or (isinstance(personal_id, str) and DIGITS_RE.match(personal_id))
    ):
        raise Rejection(20, "disbursementMethod.personalId", "personalId must be digits.")
    validate = method.get("validatePersonalId", False)
    if validate not in (None, True, False):
        raise Rejection(
            20, "disbursementMethod.validatePersonalId", "validatePersonalId must be a boolean."
        )
    if paying and validate and personal_id in (None, ""):
        raise Rejection(
            20,
            "disbursementMethod.personalId",
            "personalId is required when validatePersonalId is true.",
        )
    return wallet_id


def check_bank_method(method: dict[str, Any]) -> tuple[str, str, str]:
    """The decrypted bank object; returns (kind, number, bankCode)."""
    account = method.get("bankAccountNo")
    card = method.get("bankCardNo")
    if (account in (None, "")) == (card in (None, "")):
        raise Rejection(
            20, "disbursementMethod.bankAccountNo", "Give exactly one of bankAccountNo, bankCardNo."
        )
    kind = "bankAccountNo" if account not in (None, "") else "bankCardNo"
    number = method[kind]
    if not isinstance(number, str) or not BANK_NUMBER_RE.match(number):
        raise Rejection(20, f"disbursementMethod.{kind}", f"{kind} must be 6-19 digits.")
    holder = method.get("bankAccountHolderName")
    if not isinstance(holder, str) or not holder.strip():
        raise Rejection(
            20,
            "disbursementMethod.bankAccountHolderName",
            "bankAccountHolderName is required.",
        )
    code = method.get("bankCode")
    if not isinstance(code, str) or not code:
        raise Rejection(20, "disbursementMethod.bankCode", "bankCode is required.")
    return kind, number, code


def mask(number: str) -> str:
    """A bank account or card number with all but the last four digits hidden."""
    return "*" * max(len(number) - 4, 0) + number[-4:]
