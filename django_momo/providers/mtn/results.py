"""Typed results of MTN MoMo calls. Every field MTN may leave out is optional."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django_momo.providers.base import Outcome


class TransactionStatus(enum.StrEnum):
    """The ``status`` of a request-to-pay, transfer, deposit, refund, withdrawal, cash transfer."""

    CREATED = "CREATED"  # seen in MTN's sandbox before processing starts
    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"

    @property
    def outcome(self) -> Outcome:
        """What this status means for the payment."""
        return _OUTCOMES[self]


_OUTCOMES = {
    TransactionStatus.CREATED: Outcome.PENDING,
    TransactionStatus.PENDING: Outcome.PENDING,
    TransactionStatus.SUCCESSFUL: Outcome.SUCCESSFUL,
    TransactionStatus.FAILED: Outcome.FAILED,
}


def parse_reason(value: object) -> tuple[str | None, str | None]:
    """``(code, message)`` from a ``reason`` given as a bare string or a ``{code, message}``."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        code = value.get("code")
        message = value.get("message")
        return (str(code) if code else None, str(message) if message else None)
    return str(value), None


def parse_decimal(value: object) -> Decimal | None:
    """A ``Decimal`` from MTN's string amounts; ``None`` if absent or not a number."""
    if value is None or isinstance(value, (bool, float)):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Party:
    """A payer or payee: ``party_id_type`` is ``MSISDN``, ``EMAIL``, ``PARTY_CODE`` or ``ALIAS``."""

    party_id_type: str
    party_id: str

    @classmethod
    def from_json(cls, value: object) -> Party | None:
        """Parse ``{"partyIdType": ..., "partyId": ...}``; ``None`` if absent."""
        if not isinstance(value, dict):
            return None
        return cls(str(value.get("partyIdType", "")), str(value.get("partyId", "")))


@dataclass(frozen=True, slots=True)
class TransactionResult:
    """The answer of a status query (HTTP 200, whatever the transaction's status)."""

    reference_id: str
    status: TransactionStatus | None
    raw_status: str
    amount: Decimal | None = None
    currency: str | None = None
    financial_transaction_id: str | None = None
    external_id: str | None = None
    payer: Party | None = None
    payee: Party | None = None
    payer_message: str | None = None
    payee_note: str | None = None
    reason_code: str | None = None
    reason_message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def outcome(self) -> Outcome:
        """PENDING / SUCCESSFUL / FAILED, or UNKNOWN for a status MTN never documented."""
        return self.status.outcome if self.status is not None else Outcome.UNKNOWN

    @property
    def is_final(self) -> bool:
        """True once the transaction can no longer change."""
        return self.outcome in (Outcome.SUCCESSFUL, Outcome.FAILED)

    @classmethod
    def from_json(cls, reference_id: str, data: dict[str, Any]) -> TransactionResult:
        """Parse a status body; unknown status values become ``status=None`` (outcome UNKNOWN)."""
        raw_status = str(data.get("status") or "")
        try:
            status: TransactionStatus | None = TransactionStatus(raw_status.upper())
        except ValueError:
            status = None
        code, message = parse_reason(data.get("reason"))
        return cls(
            reference_id=reference_id,
            status=status,
            raw_status=raw_status,
            amount=parse_decimal(data.get("amount")),
            currency=_opt_str(data, "currency"),
            financial_transaction_id=_opt_str(data, "financialTransactionId"),
            external_id=_opt_str(data, "externalId"),
            payer=Party.from_json(data.get("payer")),
            payee=Party.from_json(data.get("payee")),
            payer_message=_opt_str(data, "payerMessage"),
            payee_note=_opt_str(data, "payeeNote"),
            reason_code=code,
            reason_message=message,
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Balance:
    """The merchant account's available balance."""

    available_balance: Decimal | None
    currency: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Balance:
        """Parse ``{"availableBalance": "1000", "currency": "EUR"}``."""
        return cls(parse_decimal(data.get("availableBalance")), _opt_str(data, "currency"), data)


@dataclass(frozen=True, slots=True)
class BasicUserInfo:
    """What MTN tells about an account holder without consent."""

    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    birthdate: str | None = None
    locale: str | None = None
    gender: str | None = None
    status: str | None = None
    sub: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BasicUserInfo:
        """Parse a basicuserinfo body."""
        names = ("given_name", "family_name", "name", "birthdate", "locale", "gender", "status")
        values = {key: _opt_str(data, key) for key in (*names, "sub")}
        return cls(**values, raw=data)


@dataclass(frozen=True, slots=True)
class UserInfo:
    """KYC data released by the account holder's consent (OpenID Connect userinfo)."""

    sub: str | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    middle_name: str | None = None
    email: str | None = None
    gender: str | None = None
    locale: str | None = None
    phone_number: str | None = None
    birthdate: str | None = None
    status: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserInfo:
        """Parse a userinfo body; every other field stays in ``raw``."""
        keys = (
            "sub", "name", "given_name", "family_name", "middle_name", "email", "gender",
            "locale", "phone_number", "birthdate", "status",
        )  # fmt: skip
        return cls(**{key: _opt_str(data, key) for key in keys}, raw=data)


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """The answer of bc-authorize: poll the oauth2 token endpoint every ``interval`` seconds."""

    auth_req_id: str
    interval: int
    expires_in: int


@dataclass(frozen=True, slots=True)
class ApiUser:
    """A sandbox API user as MTN describes it back."""

    api_user: str
    provider_callback_host: str | None
    target_environment: str | None
