"""HMAC-SHA256 request and IPN signatures over MoMo's fixed per-operation field lists.

The signed string is ``key=value`` pairs joined by ``&`` in a-z key order, over a FIXED field
list per operation (not every body field: ``ipnUrl`` and ``lang`` are never signed). Values go in
raw (no URL-encoding, no trimming), empty values stay as ``key=``, and the bytes are UTF-8.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django_momo.providers.sensitive import sensitive_variables

# Sorted field lists (momo_vn.md §3.2).
VERIFY_FIELDS = (
    "accessKey",
    "disbursementMethod",
    "orderId",
    "partnerCode",
    "requestId",
    "requestType",
)
PAY_FIELDS = (
    "accessKey",
    "amount",
    "disbursementMethod",
    "extraData",
    "orderId",
    "orderInfo",
    "partnerCode",
    "requestId",
    "requestType",
)
BALANCE_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
DISBURSEMENT_IPN_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)

# Payment gateway (collections and refunds), momo_vn.md §3.2. Create: the onetime, ATM and
# credit-card pages (https://developers.momo.vn/v3/docs/payment/api/wallet/onetime ,
# .../atm/onetime , .../credit/onetime); the same list for every requestType.
CREATE_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
)
# MoMo's signature over its create answer: from a [3P] copy of the Vietnamese onetime page only.
CREATE_RESPONSE_FIELDS = (
    "accessKey",
    "amount",
    "orderId",
    "partnerCode",
    "payUrl",
    "requestId",
    "responseTime",
    "resultCode",
)
# https://developers.momo.vn/v3/docs/payment/api/payment-api/query
QUERY_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
# https://developers.momo.vn/v3/docs/payment/api/payment-api/refund
REFUND_FIELDS = (
    "accessKey",
    "amount",
    "description",
    "orderId",
    "partnerCode",
    "requestId",
    "transId",
)
# The payment IPN and the redirect's query string carry the same signed fields:
# https://developers.momo.vn/v3/docs/payment/api/result-handling/notification (vector V1).
PAYMENT_IPN_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)


def field_text(value: Any) -> str:
    """One value as MoMo writes it in the signed string: ints in base 10, ``None`` as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        # JSON booleans are never in a signed list; refuse rather than guess "True"/"true".
        raise TypeError("booleans have no defined signature form")
    if isinstance(value, float):
        raise TypeError("floats are never signed: amounts and ids are integers")
    return str(value)


# ``values`` carries the access key; ``value`` is each field on its way through field_text.
@sensitive_variables("values", "value")
def raw_string(fields: tuple[str, ...], values: Mapping[str, Any]) -> str:
    """The ``key=value&...`` string for ``fields`` (already in a-z order) taken from ``values``."""
    return "&".join(f"{name}={field_text(values.get(name))}" for name in fields)


class Signer:
    """HMAC-SHA256 with one secret key, keyed once so each signature costs one copy."""

    __slots__ = ("_base",)

    @sensitive_variables("secret_key")
    def __init__(self, secret_key: str) -> None:
        self._base = hmac.new(secret_key.encode("utf-8"), digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return "Signer(secret_key='***')"

    @sensitive_variables("raw")
    def sign_raw(self, raw: str) -> str:
        """Lowercase hex HMAC-SHA256 of the UTF-8 ``raw`` string."""
        mac = self._base.copy()
        mac.update(raw.encode("utf-8"))
        return mac.hexdigest()

    @sensitive_variables("values")
    def sign(self, fields: tuple[str, ...], values: Mapping[str, Any]) -> str:
        """Signature of ``values`` over the operation's ``fields``."""
        return self.sign_raw(raw_string(fields, values))

    @sensitive_variables("values")
    def verify(self, fields: tuple[str, ...], values: Mapping[str, Any], signature: str) -> bool:
        """Constant-time check of ``signature`` (hex, any case) against ``values``."""
        if not isinstance(signature, str):
            return False
        expected = self.sign(fields, values)
        given = signature.lower().encode("ascii", "replace")
        return hmac.compare_digest(expected.encode("ascii"), given)


@sensitive_variables("secret_key", "values")
def sign(secret_key: str, fields: tuple[str, ...], values: Mapping[str, Any]) -> str:
    """One-off signature (the client keeps a ``Signer``)."""
    return Signer(secret_key).sign(fields, values)
