"""A MoMo Vietnam account in ``DJANGO_MOMO["ACCOUNTS"]``: its dataclass, parser and checks.

One entry is one merchant (partner code) with its keys, MoMo's public key, and optionally its
answer language and payout limits::

    {"PROVIDER": "momo_vn", "BASE_URL": "https://payment.momo.vn", "PARTNER_CODE": "...",
     "ACCESS_KEY": "...", "SECRET_KEY": "...", "PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----...",
     "LANG": "vi", "LIMITS": {"BANK_MIN": 20000}}

``parse`` builds a ``MomoVnAccount`` from it; ``problems`` lists what is wrong with it (the system
checks ``django_momo.E012``-``E015``), with the client's own parser and rules (the public key is
parsed by ``crypto.load_public_key``, the language checked by ``validation.lang``), so the check
and the client never disagree. No Django here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django_momo.providers import ApprovalPolicy, Problem
from django_momo.providers.base import accepts
from django_momo.providers.momo_vn import config, crypto
from django_momo.providers.momo_vn import validation as check
from django_momo.providers.momo_vn.config import MomoCredentials
from django_momo.providers.momo_vn.responses import PROVIDER
from django_momo.providers.momo_vn.validation import DEFAULT_LIMITS, PayoutLimits
from django_momo.providers.sensitive import sensitive_variables

# The settings keys of the merchant's credentials: "PARTNER_CODE", "ACCESS_KEY", "SECRET_KEY",
# "PUBLIC_KEY" (every MomoCredentials field but the base URL).
CREDENTIAL_SETTINGS: tuple[str, ...] = tuple(
    f.name.upper() for f in fields(MomoCredentials) if f.name != "base_url"
)

# The ``LIMITS`` keys and their defaults in whole VND, from the client's own PayoutLimits:
# {"WALLET_MIN": 1000, "WALLET_MAX": 200000000, "BANK_MIN": 20000, "BANK_MAX": 20000000}.
DEFAULT_LIMIT_SETTINGS: Mapping[str, int] = MappingProxyType(
    {f.name.upper(): int(getattr(DEFAULT_LIMITS, f.name)) for f in fields(PayoutLimits)}
)

# The operations of a MoMo account, as the payment models name them.
PAYOUT_OPERATIONS = ("momo_vn.pay_wallet", "momo_vn.pay_bank")
PAYMENT_OPERATIONS = (
    "momo_vn.capture_wallet",
    "momo_vn.pay_with_atm",
    "momo_vn.pay_with_cc",
    "momo_vn.pay_with_method",
)
REFUND_OPERATION = "momo_vn.refund"

# Where a MoMo account's BASE_URL points (the system check's hint).
BASE_URL_HINT = f"MoMo: {config.PRODUCTION_BASE_URL} (test: {config.TEST_BASE_URL})"


@dataclass(frozen=True)
class MomoVnAccount:
    """One MoMo Vietnam merchant (partner code) with its keys and payout limits."""

    name: str
    base_url: str
    partner_code: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    public_key: str = field(repr=False)
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMIT_SETTINGS))
    lang: str = config.DEFAULT_LANG
    currency: str = config.CURRENCY
    provider: str = PROVIDER
    approvals: ApprovalPolicy | None = None

    @property
    def operations(self) -> list[str]:
        # One partner code signs every API: payouts (Disbursement), payments and their refunds
        # (payment gateway v2). Which ones MoMo enabled is in the merchant's contract.
        return [*PAYOUT_OPERATIONS, *PAYMENT_OPERATIONS, REFUND_OPERATION]

    @property
    def payout_limits(self) -> PayoutLimits:
        """``limits`` as the client's ``PayoutLimits`` (whole VND as ``Decimal``)."""
        return PayoutLimits(
            **{f.name: Decimal(int(self.limits[f.name.upper()])) for f in fields(PayoutLimits)}
        )

    def credentials(self) -> MomoCredentials:
        """The client's credentials; ``ConfigurationError`` when one of them is empty."""
        return MomoCredentials(
            base_url=self.base_url,
            partner_code=self.partner_code,
            access_key=self.access_key,
            secret_key=self.secret_key,
            public_key=self.public_key,
        )


@sensitive_variables("conf")
def parse(
    name: str, conf: Mapping[str, Any], approvals: ApprovalPolicy | None = None
) -> MomoVnAccount:
    """The account ``name`` from its settings dict (missing values become empty strings)."""
    limits = dict(DEFAULT_LIMIT_SETTINGS)
    limits.update({k: int(v) for k, v in (conf.get("LIMITS") or {}).items() if k in limits})
    return MomoVnAccount(
        name=name,
        base_url=str(conf.get("BASE_URL", "")).rstrip("/"),
        partner_code=str(conf.get("PARTNER_CODE", "")),
        access_key=str(conf.get("ACCESS_KEY", "")),
        secret_key=str(conf.get("SECRET_KEY", "")),
        public_key=str(conf.get("PUBLIC_KEY", "")),
        limits=limits,
        lang=str(conf.get("LANG", config.DEFAULT_LANG)),
        approvals=approvals,
    )


def _is_lang(value: object) -> bool:
    return accepts(check.lang, value)


@sensitive_variables("conf", "value", "key_text")
def problems(
    where: str, conf: Mapping[str, Any], callback_base_url: str | None = None
) -> list[Problem]:
    """What is wrong with the MoMo account settings ``conf`` (``where`` names it in messages).

    ``callback_base_url`` is not used: MoMo takes any ipnUrl.
    """
    found: list[Problem] = []
    for key in CREDENTIAL_SETTINGS:
        value = conf.get(key)
        if not isinstance(value, str) or not value.strip():
            found.append(
                Problem(
                    "django_momo.E012",
                    f"{where}[{key!r}] is missing or empty.",
                    "Copy it from MoMo's business portal (M4B); read it from an "
                    "environment variable.",
                )
            )
    key_text = conf.get("PUBLIC_KEY")
    if isinstance(key_text, str) and key_text.strip():
        reason = crypto.public_key_problem(key_text)
        if reason is not None:
            found.append(
                Problem(
                    "django_momo.E013",
                    f"{where}['PUBLIC_KEY'] is not a usable RSA public key: {reason}.",
                    "Paste MoMo's public key as PEM (-----BEGIN PUBLIC KEY-----) or as the "
                    "bare base64 DER text MoMo's portal shows.",
                )
            )
    lang = conf.get("LANG", config.DEFAULT_LANG)
    if not _is_lang(lang):
        found.append(
            Problem(
                "django_momo.E014",
                f"{where}['LANG'] is {lang!r}.",
                "Use " + " or ".join(f'"{code}"' for code in config.LANGS) + ".",
            )
        )
    limits = conf.get("LIMITS", {})
    if not isinstance(limits, dict) or any(
        not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in limits.values()
    ):
        found.append(
            Problem(
                "django_momo.E015",
                f"{where}['LIMITS'] must map limit names to positive whole VND.",
                'e.g. {"BANK_MIN": 10000}.',
            )
        )
    return found


__all__ = [
    "BASE_URL_HINT",
    "CREDENTIAL_SETTINGS",
    "DEFAULT_LIMIT_SETTINGS",
    "PROVIDER",
    "MomoVnAccount",
    "parse",
    "problems",
]
