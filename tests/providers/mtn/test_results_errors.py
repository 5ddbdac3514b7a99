"""Parsing of MTN status bodies and the error map (pure: responses built in memory)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests

from django_momo.providers.base import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    Outcome,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from django_momo.providers.mtn.errors import error_from_response, is_token_problem
from django_momo.providers.mtn.results import TransactionResult, TransactionStatus, parse_reason

SECRET = "sub-key-0123456789"


def make_response(status: int, body: object | bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.encoding = "utf-8"
    return response


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("CREATED", Outcome.PENDING),
        ("PENDING", Outcome.PENDING),
        ("SUCCESSFUL", Outcome.SUCCESSFUL),
        ("FAILED", Outcome.FAILED),
    ],
)
def test_status_outcomes(status: str, outcome: Outcome) -> None:
    assert TransactionStatus(status).outcome is outcome


def test_reason_as_string_or_object() -> None:
    assert parse_reason("APPROVAL_REJECTED") == ("APPROVAL_REJECTED", None)
    assert parse_reason({"code": "PAYEE_NOT_FOUND", "message": "no"}) == ("PAYEE_NOT_FOUND", "no")
    assert parse_reason(None) == (None, None)


def test_result_parsing_keeps_decimal_and_unknown_status_is_unknown() -> None:
    result = TransactionResult.from_json(
        "r",
        {
            "amount": "12.5",
            "currency": "EUR",
            "status": "FAILED",
            "reason": {"code": "NOT_ENOUGH_FUNDS", "message": "m"},
            "payee": {"partyIdType": "MSISDN", "partyId": "46733123450"},
        },
    )
    assert result.amount == Decimal("12.5")
    assert result.reason_code == "NOT_ENOUGH_FUNDS"
    assert result.payee is not None
    assert result.payee.party_id == "46733123450"
    assert result.outcome is Outcome.FAILED
    assert result.is_final
    odd = TransactionResult.from_json("r", {"status": "TIMEOUT"})
    assert odd.status is None
    assert odd.outcome is Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (500, {"code": "PAYER_NOT_FOUND", "message": "x"}, RejectedError, "PAYER_NOT_FOUND"),
        (400, {"code": "INVALID_CURRENCY", "message": "x"}, RejectedError, "INVALID_CURRENCY"),
        (500, {"code": "NOT_ENOUGH_FUNDS", "message": "x"}, RejectedError, "NOT_ENOUGH_FUNDS"),
        (500, {"code": "NOT_ALLOWED_TARGET_ENVIRONMENT", "message": "x"}, ConfigurationError, None),
        (500, {"code": "INVALID_CALLBACK_URL_HOST", "message": "x"}, ConfigurationError, None),
        (503, {"code": "SERVICE_UNAVAILABLE", "message": "x"}, TransientError, None),
        (500, {"code": "INTERNAL_PROCESSING_ERROR", "message": "x"}, TransientError, None),
        (500, {"code": "SOMETHING_NEW", "message": "x"}, TransientError, None),
        (404, {"code": "RESOURCE_NOT_FOUND", "message": "x"}, NotFoundError, None),
        (401, {"statusCode": 401, "message": "Access denied"}, AuthenticationError, None),
        (403, {"statusCode": 403, "message": "Forbidden"}, AuthenticationError, None),
        (500, {"error": "login_failed"}, AuthenticationError, "login_failed"),
        (429, {"statusCode": 429, "message": "Rate limit"}, RateLimitedError, None),
        (502, b"<html><h1>502 Bad Gateway</h1></html>", TransientError, None),
        (500, b"", TransientError, None),
        (500, b'{"code": "INTERNAL_PRO', TransientError, None),
        (411, b"<HTML>Length Required</HTML>", ConfigurationError, None),
        (400, {"code": "BAD_REQUEST", "message": "x"}, RejectedError, "BAD_REQUEST"),
    ],
)
def test_error_map(status: int, body: object, cls: type, code: str | None) -> None:
    error = error_from_response(
        make_response(status, body), operation="transfer", reference="ref-1"
    )
    assert type(error) is cls
    assert error.http_status == status
    assert error.reference == "ref-1"
    if code:
        assert error.code == code


def test_error_messages_and_bodies_are_redacted() -> None:
    body = {"code": "NOT_ALLOWED", "message": f"key {SECRET} refused"}
    error = error_from_response(make_response(500, body), operation="transfer", secrets=[SECRET])
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert SECRET not in (error.body or "")
    assert "***" in error.message


def test_token_problem_is_not_a_subscription_key_401() -> None:
    assert is_token_problem(make_response(401, {"code": "UNAUTHORIZED", "message": "expired"}))
    assert is_token_problem(make_response(401, b""))
    assert not is_token_problem(make_response(401, {"statusCode": 401, "message": "Access denied"}))
    assert not is_token_problem(make_response(500, {"code": "X"}))
