"""One function maps an MTN error response onto the typed error hierarchy of ``base``.

MTN answers errors in three body families, and sometimes not in JSON at all:

* Open API: ``{"code": "PAYER_NOT_FOUND", "message": "..."}`` (map on ``code``, never ``message``);
* the APIM gateway: ``{"statusCode": 401, "message": "Access denied due to invalid ..."}``;
* token endpoints: ``{"error": "login_failed"}``;
* HTML pages (411, gateway 403/502), garbage or an empty body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from django_momo.providers.base import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from django_momo.providers.http import redact_text
from django_momo.providers.sensitive import sensitive_variables

PROVIDER = "mtn"
BODY_EXCERPT_LENGTH = 1000

# Business refusals: when one comes back on a creating call, no payment exists.
TERMINAL_CODES = frozenset(
    {
        "PAYER_NOT_FOUND",
        "PAYEE_NOT_FOUND",
        "NOT_ENOUGH_FUNDS",
        "PAYER_LIMIT_REACHED",
        "PAYEE_NOT_ALLOWED_TO_RECEIVE",
        "PAYMENT_NOT_APPROVED",
        "APPROVAL_REJECTED",
        "EXPIRED",
        "TRANSACTION_CANCELED",
        "COULD_NOT_PERFORM_TRANSACTION",
        "SENDER_ACCOUNT_NOT_ACTIVE",
        "INVALID_CURRENCY",
        "NOT_ALLOWED",
        "TRANSACTION_NOT_FOUND",
    }
)
# Our configuration is wrong (target environment, callback host); nothing was booked.
CONFIGURATION_CODES = frozenset({"NOT_ALLOWED_TARGET_ENVIRONMENT", "INVALID_CALLBACK_URL_HOST"})
# MTN could not answer for sure: the outcome is unknown, ask again about the same reference.
TRANSIENT_CODES = frozenset({"SERVICE_UNAVAILABLE", "INTERNAL_PROCESSING_ERROR"})
NOT_FOUND_CODES = frozenset({"RESOURCE_NOT_FOUND"})
# Token endpoint ``error`` values meaning the API user / key pair was refused.
CREDENTIAL_ERRORS = frozenset({"login_failed", "invalid_client", "unauthorized_client"})


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What could be read from an error response."""

    code: str | None
    message: str | None
    family: str  # "open_api" | "gateway" | "oauth" | "other_json" | "not_json" | "empty"


def parse_error_body(response: requests.Response) -> ErrorBody:
    """Read any of MTN's error body families without ever raising."""
    text = response.text if response.content else ""
    if not text.strip():
        return ErrorBody(None, None, "empty")
    try:
        data: Any = json.loads(text)
    except ValueError:
        return ErrorBody(None, None, "not_json")
    if not isinstance(data, dict):
        return ErrorBody(None, None, "other_json")
    if data.get("code") is not None:
        return ErrorBody(str(data["code"]), _opt(data.get("message")), "open_api")
    if data.get("statusCode") is not None:
        return ErrorBody(None, _opt(data.get("message")), "gateway")
    if data.get("error") is not None:
        error = data["error"]
        if isinstance(error, dict):  # some gateways nest {"error": {"code", "message"}}
            return ErrorBody(_opt(error.get("code")), _opt(error.get("message")), "oauth")
        message = _opt(data.get("error_description")) or str(error)
        return ErrorBody(str(error), message, "oauth")
    return ErrorBody(None, _opt(data.get("message")), "other_json")


def is_already_booked(response: requests.Response) -> bool:
    """MTN's "this reference was booked before" (409, or its code under any other status)."""
    if response.status_code == 409:
        return True
    body = parse_error_body(response)
    return body.family == "open_api" and (body.code or "").upper() == "RESOURCE_ALREADY_EXIST"


def is_token_problem(response: requests.Response) -> bool:
    """A 401 that a fresh token may cure (not an APIM subscription-key refusal)."""
    return response.status_code == 401 and parse_error_body(response).family != "gateway"


@sensitive_variables("secrets")
def error_from_response(
    response: requests.Response,
    *,
    operation: str,
    reference: str | None = None,
    secrets: Iterable[str] = (),
) -> ProviderError:
    """The typed error for a non-success MTN response, with every secret redacted."""
    secrets = tuple(secrets)
    status = response.status_code
    body = parse_error_body(response)
    cls = _classify(status, body)
    detail = body.message or body.code or _describe(body, status)
    message = redact_text(f"MTN {operation} failed: {detail}", secrets)
    excerpt = redact_text(response.text[:BODY_EXCERPT_LENGTH], secrets) if response.content else ""
    code = body.code if body.family in ("open_api", "oauth") else None
    return cls(
        message,
        provider=PROVIDER,
        http_status=status,
        code=redact_text(code, secrets) if code else None,
        reference=reference,
        body=excerpt,
    )


def _classify(status: int, body: ErrorBody) -> type[ProviderError]:
    code = (body.code or "").upper()
    if body.family == "open_api":
        if code in CONFIGURATION_CODES:
            return ConfigurationError
        if code in NOT_FOUND_CODES:
            # A 404 asks about an unknown reference; a 400 (e.g. a refund of an unknown
            # collection) refuses the request itself: nothing was booked.
            return NotFoundError if status == 404 else RejectedError
        if code in TERMINAL_CODES:
            return RejectedError
        if code in TRANSIENT_CODES:
            return TransientError
    if body.family == "oauth":
        if (body.code or "").lower() in CREDENTIAL_ERRORS:
            return AuthenticationError
        if "target-environment" in (body.message or "").lower():
            return ConfigurationError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitedError
    if status == 408 or status >= 500:
        return TransientError
    if status in (405, 411, 415) or 300 <= status < 400:
        # Our request is malformed (method, missing Content-Length) or the base URL redirects.
        return ConfigurationError
    return RejectedError


def _describe(body: ErrorBody, status: int) -> str:
    if body.family == "empty":
        return f"HTTP {status} with an empty body"
    if body.family == "not_json":
        return f"HTTP {status} with a non-JSON body"
    return f"HTTP {status}"


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
