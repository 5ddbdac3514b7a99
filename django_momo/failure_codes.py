"""Failure codes of every provider, in plain language for the operator.

One table per provider, keyed by the provider's registry key (``services.adapters.ADAPTERS``,
the ``provider`` column of a payment), built from the provider's own code tables: MoMo's
result codes (``providers/momo_vn/result_codes.py``) and MTN's reason codes
(``providers/mtn/errors.py``). A code resolved by an operator (``MANUAL``) reads the same for
every provider. An unlisted code is said to be unlisted, never guessed at.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from django_momo.models import Provider
from django_momo.providers.momo_vn import result_codes as momo_codes
from django_momo.providers.mtn import errors as mtn_errors

# What each kind of MoMo result means for the money, after MoMo's own wording of the code.
MOMO_KIND_TEXT = {
    momo_codes.Kind.SUCCESS: _("the payment went through."),
    momo_codes.Kind.IN_PROGRESS: _("MoMo is still processing it; wait for the final answer."),
    momo_codes.Kind.UNCERTAIN: _(
        "MoMo's answer says nothing about whether money moved; check the status again or "
        "MoMo's statement before doing anything."
    ),
    momo_codes.Kind.REQUEST: _("MoMo refused the request before processing it: no money moved."),
    momo_codes.Kind.AUTH: _(
        "MoMo refused the account's credentials or signature: no money moved. Check the "
        "account's keys."
    ),
    momo_codes.Kind.DECLINED: _("MoMo processed it and refused it for good: no money moved."),
}

# MTN's reason codes (``errors.py``'s sets), each explained.
MTN_TEXT = {
    "PAYER_NOT_FOUND": _("The payer's number is not an MTN MoMo account."),
    "PAYEE_NOT_FOUND": _("The payee's number is not an MTN MoMo account."),
    "NOT_ENOUGH_FUNDS": _("Not enough money on the paying account."),
    "PAYER_LIMIT_REACHED": _("The payer reached a transaction limit."),
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": _("The payee's account may not receive this payment."),
    "PAYMENT_NOT_APPROVED": _("The payer did not approve the payment."),
    "APPROVAL_REJECTED": _("The payer rejected the payment."),
    "EXPIRED": _("The payer did not answer in time; the request expired."),
    "TRANSACTION_CANCELED": _("The transaction was cancelled."),
    "COULD_NOT_PERFORM_TRANSACTION": _("MTN could not perform the transaction."),
    "SENDER_ACCOUNT_NOT_ACTIVE": _("The paying account is not active."),
    "INVALID_CURRENCY": _("The currency is not the account's currency."),
    "NOT_ALLOWED": _("MTN does not allow this operation for this account."),
    "TRANSACTION_NOT_FOUND": _("MTN does not know this transaction."),
    "NOT_ALLOWED_TARGET_ENVIRONMENT": _(
        "The account's target environment is wrong: a configuration error, no money moved."
    ),
    "INVALID_CALLBACK_URL_HOST": _(
        "The callback host is not the API user's: a configuration error, no money moved."
    ),
    "SERVICE_UNAVAILABLE": _(
        "MTN could not answer for sure; the outcome is unknown until it is asked again."
    ),
    "INTERNAL_PROCESSING_ERROR": _(
        "MTN had an internal error; the outcome is unknown until it is asked again."
    ),
    "RESOURCE_NOT_FOUND": _("MTN has no record of this reference."),
}
# Every code ``errors.py`` knows is explained above (a test keeps it so).
MTN_CODES = (
    mtn_errors.TERMINAL_CODES
    | mtn_errors.CONFIGURATION_CODES
    | mtn_errors.TRANSIENT_CODES
    | mtn_errors.NOT_FOUND_CODES
)

COMMON = {"MANUAL": _("Resolved by hand by an operator (see the timeline's note).")}


def _momo_table() -> dict[str, str]:
    return {
        str(code): f"{row.meaning}: {MOMO_KIND_TEXT[row.kind]}"
        for code, row in momo_codes.RESULT_CODES.items()
    }


def _mtn_table() -> dict[str, str]:
    return {code: str(MTN_TEXT.get(code, code)) for code in sorted(MTN_CODES)}


# provider registry key -> builder of its table (built when first asked, in the active language)
TABLES = {
    Provider.MTN.value: _mtn_table,
    Provider.MOMO_VN.value: _momo_table,
}


def table(provider: str) -> dict[str, str]:
    """Every known failure code of ``provider`` with its explanation."""
    build = TABLES.get(provider)
    return {**(build() if build else {}), **{k: str(v) for k, v in COMMON.items()}}


def explain(provider: str, code: str) -> str:
    """The plain-language meaning of ``code`` from ``provider``; empty for no code."""
    code = (code or "").strip()
    if not code:
        return ""
    known = table(provider).get(code)
    if known:
        return known
    return str(_("Code %(code)s is not in the provider's table of codes.") % {"code": code})
