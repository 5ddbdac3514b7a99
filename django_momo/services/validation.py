"""Checks of a new payment's input, all made before anything is stored or sent.

Refuse, never repair: an amount, currency, party type or party id that is not written the one
documented way is refused with a message saying how to write it; nothing is trimmed, upper-cased
or rewritten, so what is stored and sent is exactly what the caller gave.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django_momo.conf import Account
from django_momo.money import AmountError, normalize_currency, to_amount
from django_momo.providers.base import InvalidInputError
from django_momo.providers.mtn import validation as mtn_check
from django_momo.services.adapters import PartyInput, adapter_for
from django_momo.services.clients import get_account
from django_momo.services.errors import InvalidRequest
from django_momo.services.inputs import field_error

EXTERNAL_ID_MAX = 64
_CURRENCY_RE = re.compile(r"[A-Z]{3}")


def clean_external_id(value: object) -> str:
    """The shop's reference: non-empty, single line, at most 64 characters."""
    try:
        return mtn_check.validate_text(value, "external_id", max_length=EXTERNAL_ID_MAX)
    except InvalidInputError as exc:
        raise field_error(exc) from None


def clean_amount(value: object, currency: str) -> Decimal:
    """A positive ``Decimal`` fitting the currency's minor units, by ``money.to_amount``'s rule.

    Strings are ASCII digits with an optional ``.`` and at most the minor units of decimals;
    ints are taken, floats and bools refused; Decimals must be finite and not in exponent form.
    """
    try:
        return to_amount(value, currency)
    except AmountError as exc:
        raise InvalidRequest("amount", str(exc)) from None


def clean_currency(value: object, account: Account) -> str:
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


def clean_operation(operation: object, choices: Any, account: Account) -> str:
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
    if not adapter_for(account.provider).offers(account, operation):
        raise InvalidRequest(
            "operation", f"account {account.name!r} has no credentials for {operation}"
        )
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
    acct = get_account(account)
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
    party = PartyInput(party_id, party_type, party_name, bank_code, message, note)
    fields.update(adapter_for(acct.provider).clean_new(acct, op, value, ext, party))
    return fields
