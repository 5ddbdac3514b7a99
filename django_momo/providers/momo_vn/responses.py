"""Reading MoMo's answers: JSON shape, HTTP status classes, credential refusals."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import requests

from django_momo.providers.base import AnswerMismatch, AuthenticationError, TransientError
from django_momo.providers.http import redact_text
from django_momo.providers.momo_vn.result_codes import Kind, lookup
from django_momo.providers.sensitive import sensitive_variables

PROVIDER = "momo_vn"
_BODY_EXCERPT = 500


def _excerpt(response: requests.Response, secrets: Iterable[str]) -> str:
    return redact_text(response.content[:_BODY_EXCERPT].decode("utf-8", "replace"), secrets)


@sensitive_variables("secrets")
def read_answer(
    response: requests.Response, reference: str, secrets: Iterable[str]
) -> tuple[int, dict[str, Any]]:
    """``(http_status, json)`` of an answer carrying an integer ``resultCode``, else raise.

    MoMo's HTTP status is coarse (4xx still carries a meaningful ``resultCode``, e.g. 422/7000),
    so only a 5xx, a redirect or an answer without a readable ``resultCode`` is transport
    trouble: the request may or may not have been processed.
    """
    status = response.status_code
    data: Any = None
    try:
        data = json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        data = None
    code = data.get("resultCode") if isinstance(data, dict) else None
    if not (200 <= status < 300 or 400 <= status < 500):
        raise TransientError(
            "MoMo answered with a server error: outcome unknown",
            provider=PROVIDER,
            http_status=status,
            code=None if code is None else str(code),
            reference=reference,
            body=_excerpt(response, secrets),
        )
    if not isinstance(data, dict) or isinstance(code, bool) or not isinstance(code, int):
        raise TransientError(
            "MoMo's answer has no readable resultCode: outcome unknown",
            provider=PROVIDER,
            http_status=status,
            reference=reference,
            body=_excerpt(response, secrets),
        )
    return status, data


def _signature_refused(data: Mapping[str, Any]) -> bool:
    errors = data.get("subErrors")
    if not isinstance(errors, list):
        return False
    return any(isinstance(e, Mapping) and e.get("field") == "signature" for e in errors)


def raise_for_auth(status: int, data: Mapping[str, Any], reference: str) -> None:
    """Raise ``AuthenticationError`` when MoMo refused our credentials or signature."""
    code = data["resultCode"]
    if lookup(code).kind is Kind.AUTH or (code == 20 and _signature_refused(data)):
        raise AuthenticationError(
            f"MoMo refused the credentials or signature: {data.get('message') or ''}".rstrip(),
            provider=PROVIDER,
            http_status=status,
            code=str(code),
            reference=reference,
        )


def int_or_none(value: Any) -> int | None:
    """An integer field of the answer (MoMo sends numbers; tolerate digit strings)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        return int(value)
    return None


def decimal_or_none(value: Any) -> Decimal | None:
    """A money field of the answer as ``Decimal`` (never via float)."""
    if value is None or isinstance(value, (bool, float)):
        return None
    try:
        return Decimal(value) if isinstance(value, (int, str, Decimal)) else None
    except ArithmeticError:
        return None


def check_echo(
    data: Mapping[str, Any],
    status: int,
    *,
    partner_code: str,
    order_id: str,
    request_id: str,
    amount: Decimal,
) -> None:
    """Raise ``TransientError`` if the answer is about another payout than the one sent."""
    # An answer about another payout proves nothing about ours: report the outcome as unknown.
    code = data["resultCode"]
    expected = {"partnerCode": partner_code, "orderId": order_id, "requestId": request_id}
    for name, value in expected.items():
        got = data.get(name)
        if got is not None and str(got) != value:
            raise AnswerMismatch(
                f"answer names {name} {got!r}, expected {value!r}: outcome unknown",
                provider=PROVIDER,
                http_status=status,
                code=str(code),
                reference=request_id,
            )
    got_amount = decimal_or_none(data.get("amount"))
    moving = lookup(code).kind in (Kind.SUCCESS, Kind.IN_PROGRESS)
    if moving and got_amount is not None and got_amount != amount:
        raise AnswerMismatch(
            f"answer carries amount {got_amount}, expected {amount}: outcome unknown",
            provider=PROVIDER,
            http_status=status,
            code=str(code),
            reference=request_id,
        )
