"""Verification of MoMo's disbursement IPN (the server-to-server result notification).

MoMo signs the IPN with HMAC-SHA256 over a fixed field list that includes our ``accessKey``
(not in the body). The verifier checks, in order: JSON shape, required fields, signature
(constant time), partner code, then the caller's expectations (order id, request id, amount).
Each failure raises a distinct ``IpnError`` subclass naming the check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django_momo.providers.base import Outcome
from django_momo.providers.momo_vn.config import MomoCredentials
from django_momo.providers.momo_vn.result_codes import outcome_for
from django_momo.providers.momo_vn.signing import DISBURSEMENT_IPN_FIELDS, Signer
from django_momo.providers.sensitive import sensitive_variables

REQUIRED_FIELDS = (*(name for name in DISBURSEMENT_IPN_FIELDS if name != "accessKey"), "signature")
_INTEGER_FIELDS = ("amount", "resultCode", "transId", "responseTime")


class IpnError(ValueError):
    """An IPN that must not change any payment; ``check`` names the failed check."""

    check = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IpnMalformedError(IpnError):
    """The body is not a JSON object, or a field has the wrong type."""

    check = "malformed"


class IpnFieldError(IpnError):
    """A field the signature covers is missing."""

    check = "missing_field"


class IpnSignatureError(IpnError):
    """The signature does not match: not from MoMo, or altered on the way."""

    check = "signature"


class IpnPartnerMismatchError(IpnError):
    """Signed correctly but for another partner code."""

    check = "partner_code"


class IpnMismatchError(IpnError):
    """Signed correctly but about another payout than expected (order, request or amount)."""

    check = "mismatch"


@dataclass(frozen=True)
class DisbursementIpn:
    """A verified disbursement IPN."""

    partner_code: str
    order_id: str
    request_id: str
    amount: Decimal
    trans_id: int
    result_code: int
    message: str
    order_info: str
    order_type: str
    extra_data: str
    response_time: int
    outcome: Outcome
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def _parse(body: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    try:
        # Decimals, not floats: a float amount must fail the integer check, never round.
        data = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise IpnMalformedError("IPN body is not valid JSON") from None
    if not isinstance(data, dict):
        raise IpnMalformedError("IPN body is not a JSON object")
    return data


def _integer(data: Mapping[str, Any], name: str) -> int:
    value = data[name]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        return int(value)
    raise IpnMalformedError(f"IPN field {name} must be an integer", field=name)


class IpnVerifier:
    """Verifies IPNs for one merchant account (the HMAC key is prepared once)."""

    def __init__(self, credentials: MomoCredentials) -> None:
        self._partner_code = credentials.partner_code
        self._access_key = credentials.access_key
        self._signer = Signer(credentials.secret_key)

    def __repr__(self) -> str:
        return f"IpnVerifier(partner_code={self._partner_code!r})"

    @sensitive_variables("values")
    def verify(
        self,
        body: bytes | str | Mapping[str, Any],
        *,
        expected_order_id: str | None = None,
        expected_amount: Decimal | int | None = None,
        expected_request_id: str | None = None,
    ) -> DisbursementIpn:
        """Return the parsed IPN, or raise the ``IpnError`` subclass of the failed check."""
        data = _parse(body)
        for name in REQUIRED_FIELDS:
            if name not in data or data[name] is None:
                raise IpnFieldError(f"IPN field {name} is missing", field=name)
        for name in REQUIRED_FIELDS:
            if name not in _INTEGER_FIELDS and not isinstance(data[name], str):
                raise IpnMalformedError(f"IPN field {name} must be a string", field=name)
        integers = {name: _integer(data, name) for name in _INTEGER_FIELDS}
        # Signed over the values exactly as received (no normalisation of text).
        values = {**data, "accessKey": self._access_key}
        if not self._signer.verify(DISBURSEMENT_IPN_FIELDS, values, data["signature"]):
            raise IpnSignatureError("IPN signature does not match", field="signature")
        if data["partnerCode"] != self._partner_code:
            raise IpnPartnerMismatchError("IPN is for another partner code", field="partnerCode")
        if expected_order_id is not None and data["orderId"] != expected_order_id:
            raise IpnMismatchError("IPN orderId differs from the payout's", field="orderId")
        if expected_request_id is not None and data["requestId"] != expected_request_id:
            raise IpnMismatchError("IPN requestId differs from the payout's", field="requestId")
        if expected_amount is not None and Decimal(integers["amount"]) != Decimal(expected_amount):
            raise IpnMismatchError("IPN amount differs from the payout's", field="amount")
        return DisbursementIpn(
            partner_code=data["partnerCode"],
            order_id=data["orderId"],
            request_id=data["requestId"],
            amount=Decimal(integers["amount"]),
            trans_id=integers["transId"],
            result_code=integers["resultCode"],
            message=data["message"],
            order_info=data["orderInfo"],
            order_type=data["orderType"],
            extra_data=data["extraData"],
            response_time=integers["responseTime"],
            outcome=outcome_for(integers["resultCode"]),
            raw=data,
        )


def verify_ipn(
    body: bytes | str | Mapping[str, Any],
    credentials: MomoCredentials,
    *,
    expected_order_id: str | None = None,
    expected_amount: Decimal | int | None = None,
    expected_request_id: str | None = None,
) -> DisbursementIpn:
    """Verify a disbursement IPN body for ``credentials``' account (see ``IpnVerifier``)."""
    return IpnVerifier(credentials).verify(
        body,
        expected_order_id=expected_order_id,
        expected_amount=expected_amount,
        expected_request_id=expected_request_id,
    )
