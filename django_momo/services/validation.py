"""Checks of a new payment's input, all made before anything is stored or sent.

Refuse, never repair: an amount, currency, party type or party id that is not written the one
documented way is refused with a message saying how to write it; nothing is trimmed, upper-cased
or rewritten, so what is stored and sent is exactly what the caller gave.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django_momo.conf import MomoVnAccount, MtnAccount, momo_settings
from django_momo.money import AmountError, normalize_currency, to_amount
from django_momo.providers.base import InvalidInputError
from django_momo.providers.momo_vn import validation as momo_check
from django_momo.providers.mtn import validation as mtn_check
from django_momo.services import gateways
from django_momo.services.errors import InvalidRequest

EXTERNAL_ID_MAX = 64
MTN_PARTY_TYPES = ("MSISDN", "EMAIL", "PARTY_CODE")
# Operations whose extra fields (KYC of the sender) the payment models do not hold yet.
UNSUPPORTED = frozenset({"mtn.remittance.cash_transfer"})
DEFAULT_MTN_MESSAGE = "Payment"
_CURRENCY_RE = re.compile(r"[A-Z]{3}")


def _field_error(exc: InvalidInputError, field: str | None = None) -> InvalidRequest:
    name = field or exc.field
    return InvalidRequest(name, exc.message.removeprefix(f"{exc.field}: "))


def clean_external_id(value: object) -> str:
    """The shop's reference: non-empty, single line, at most 64 characters."""
    try:
        return mtn_check.validate_text(value, "external_id", max_length=EXTERNAL_ID_MAX)
    except InvalidInputError as exc:
        raise _field_error(exc) from None


def clean_amount(value: object, currency: str) -> Decimal:
    """A positive ``Decimal`` fitting the currency's minor units, by ``money.to_amount``'s rule.

    Strings are ASCII digits with an optional ``.`` and at most the minor units of decimals;
    ints are taken, floats and bools refused; Decimals must be finite and not in exponent form.
    """
    try:
        return to_amount(value, currency)
    except AmountError as exc:
        raise InvalidRequest("amount", str(exc)) from None


def clean_currency(value: object, account: MtnAccount | MomoVnAccount) -> str:
    """The account's currency; another one is refused (an account settles in one currency)."""
    if value is None or value == "":
        if not account.currency:
            raise InvalidRequest("currency", f"required: account {account.name!r} sets none")
        return account.currency
    if not isinstance(value, str) or not _CURRENCY_RE.fullmatch(value):
        raise InvalidRequest(
            "currency",
            f"write the currency as its three-letter ISO 4217 code in capitals, e.g. EUR; "
            f"got {value!r}",
        )
    try:
        code = normalize_currency(value)
    except AmountError as exc:
        raise InvalidRequest("currency", str(exc)) from None
    if account.currency and code != account.currency:
        raise InvalidRequest(
            "currency", f"account {account.name!r} settles in {account.currency}, not {code}"
        )
    return code


def clean_operation(operation: object, choices: Any, account: MtnAccount | MomoVnAccount) -> str:
    """An operation of this kind of payment that the account has credentials for."""
    if not isinstance(operation, str) or operation not in choices.values:
        raise InvalidRequest(
            "operation", f"must be one of {', '.join(choices.values)}, got {operation!r}"
        )
    provider = operation.split(".", 1)[0]
    if provider != account.provider:
        raise InvalidRequest(
            "operation", f"account {account.name!r} is a {account.provider} account"
        )
    short = operation.removeprefix("mtn.") if provider == "mtn" else operation
    if short not in account.operations:
        raise InvalidRequest(
            "operation", f"account {account.name!r} has no credentials for {operation}"
        )
    if operation in UNSUPPORTED:
        raise InvalidRequest("operation", f"{operation} is not supported by the services yet")
    return operation


def clean_payment(
    *,
    account: str,
    operation: str,
    choices: Any,
    party_id: object,
    amount: object,
    external_id: object,
    currency: object = None,
    party_type: object = None,
    party_name: object = "",
    bank_code: object = "",
    message: object = "",
    note: object = "",
) -> dict[str, Any]:
    """Every model field of a new transfer or collection, validated, references included."""
    acct = gateways.get_account(account)
    op = clean_operation(operation, choices, acct)
    code = clean_currency(currency, acct)
    value = clean_amount(amount, code)
    ext = clean_external_id(external_id)
    fields: dict[str, Any] = {
        "account": acct.name,
        "provider": acct.provider,
        "operation": op,
        "amount": value,
        "currency": code,
        "external_id": ext,
    }
    if isinstance(acct, MtnAccount):
        fields.update(_clean_mtn_party(party_id, party_type, message, note))
        fields["reference"] = gateways.new_mtn_reference()
    else:
        fields.update(
            _clean_momo_party(op, acct, value, party_id, party_type, party_name, bank_code)
        )
        fields["message"] = _clean_order_info(message, ext)
        if not momo_settings.CALLBACK_BASE_URL:
            raise InvalidRequest("CALLBACK_BASE_URL", "must be set: MoMo requires an ipnUrl")
        fields["reference"], fields["order_id"] = gateways.new_momo_ids()
    return fields


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRequest(field, "must be a string")
    return value


def _party_type(value: object, choices: tuple[str, ...], default: str) -> str:
    kind = _text(value, "party_type") or default
    if kind not in choices:
        raise InvalidRequest(
            "party_type", f"must be one of {', '.join(choices)} (in capitals), got {value!r}"
        )
    return kind


def _clean_mtn_party(
    party_id: object, party_type: object, message: object, note: object
) -> dict[str, Any]:
    kind = _party_type(party_type, MTN_PARTY_TYPES, "MSISDN")
    try:
        party = mtn_check.validate_party(party_id, kind, "party_id")
        # MTN wants both texts non-empty; a stored default keeps every re-send identical.
        text = mtn_check.validate_message(_text(message, "message") or DEFAULT_MTN_MESSAGE,
                                          "message")  # fmt: skip
        remark = mtn_check.validate_message(_text(note, "note") or text, "note")
    except InvalidInputError as exc:
        raise _field_error(exc) from None
    return {"party_type": kind, "party_id": party["partyId"], "message": text, "note": remark}


def _clean_momo_party(
    operation: str,
    account: MomoVnAccount,
    amount: Decimal,
    party_id: object,
    party_type: object,
    party_name: object,
    bank_code: object,
) -> dict[str, Any]:
    limits = account.limits
    if operation == "momo_vn.pay_wallet":
        if _text(party_type, "party_type") not in ("", "MOMO_WALLET"):
            raise InvalidRequest("party_type", "a wallet payout goes to a MOMO_WALLET")
        kind = "MOMO_WALLET"
        low, high = limits["WALLET_MIN"], limits["WALLET_MAX"]
    else:
        kind = _text(party_type, "party_type") or "BANK_ACCOUNT"
        if kind not in ("BANK_ACCOUNT", "BANK_CARD"):
            raise InvalidRequest("party_type", "a bank payout goes to a BANK_ACCOUNT or BANK_CARD")
        low, high = limits["BANK_MIN"], limits["BANK_MAX"]
    if not low <= amount <= high:
        raise InvalidRequest("amount", f"must be between {low} and {high} VND for this payout")
    out: dict[str, Any] = {"party_type": kind}
    try:
        if kind == "MOMO_WALLET":
            out["party_id"] = momo_check.wallet_id(party_id, "party_id")
        elif kind == "BANK_ACCOUNT":
            out["party_id"] = momo_check.bank_account_no(party_id)
        else:
            out["party_id"] = momo_check.bank_card_no(party_id)
        out["party_name"] = momo_check.holder_name(party_name, "party_name")
        if kind != "MOMO_WALLET":
            out["bank_code"] = momo_check.bank_code(bank_code)
    except InvalidInputError as exc:
        field = "party_id" if exc.field in ("bank_account_no", "bank_card_no") else None
        raise _field_error(exc, field) from None
    return out


def _clean_order_info(message: object, external_id: str) -> str:
    text = _text(message, "message") or f"Payout {external_id}"
    try:
        return momo_check.order_info(text)
    except InvalidInputError as exc:
        raise _field_error(exc, "message") from None
