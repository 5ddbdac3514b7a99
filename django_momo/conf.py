"""Settings of django-momo: one ``DJANGO_MOMO`` dict, read only through ``momo_settings``.

Modelled on DRF's ``api_settings``: defaults below, an ``AttributeError`` for unknown names, and a
reload on ``setting_changed`` so ``override_settings(DJANGO_MOMO=...)`` works in tests. Nothing
reads settings at import time.

``ACCOUNTS`` maps a name of your choice to one provider account::

    DJANGO_MOMO = {
        "CALLBACK_BASE_URL": "https://shop.example.com/momo/",
        "ACCOUNTS": {
            "mtn-ug": {
                "PROVIDER": "mtn",
                "BASE_URL": "https://proxy.momoapi.mtn.com",
                "TARGET_ENVIRONMENT": "mtnuganda",
                "CURRENCY": "UGX",
                "COLLECTION": {"SUBSCRIPTION_KEY": "...", "API_USER": "...", "API_KEY": "..."},
                "DISBURSEMENT": {"SUBSCRIPTION_KEY": "...", "API_USER": "...", "API_KEY": "..."},
            },
            "momo-vn": {
                "PROVIDER": "momo_vn",
                "BASE_URL": "https://payment.momo.vn",
                "PARTNER_CODE": "...", "ACCESS_KEY": "...", "SECRET_KEY": "...",
                "PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----...",
            },
        },
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from django_momo.providers import AccountNotFound
from django_momo.providers import registry as _registry
from django_momo.providers.http import DEFAULT_TIMEOUT
from django_momo.providers.momo_vn import config as momo_vn_config
from django_momo.providers.momo_vn.account import DEFAULT_LIMIT_SETTINGS, MomoVnAccount
from django_momo.providers.mtn import config as mtn_config
from django_momo.providers.mtn.account import (
    PRODUCT_SETTINGS,
    MtnAccount,
    MtnProductCredentials,
)
from django_momo.providers.registry import Account
from django_momo.providers.sensitive import sensitive_variables

SETTING_NAME = "DJANGO_MOMO"

DEFAULTS: dict[str, Any] = {
    # Named provider accounts (see the module docstring).
    "ACCOUNTS": {},
    # Public base URL of this app's URL include; callback URLs are built under it.
    # Must be https when DEBUG is False (MTN and MoMo call it from the internet).
    "CALLBACK_BASE_URL": "",
    # Connect and read timeouts of every provider call, in seconds.
    "HTTP_TIMEOUT": DEFAULT_TIMEOUT,
    # Retries of a provider call whose outcome is unknown, always under the same reference:
    # MTN re-sends under the same X-Reference-Id, MoMo re-sends the byte-identical request under
    # the same requestId.
    "HTTP_MAX_RETRIES": 2,
    # Django cache alias where access tokens are shared by all processes.
    "TOKEN_CACHE": "default",
    # Refresh an MTN token this many seconds before it expires (MTN advises 10 minutes).
    "TOKEN_REFRESH_MARGIN": int(mtn_config.DEFAULT_TOKEN_REFRESH_MARGIN),
    # MTN caps status queries at 10 per second per subscription.
    "STATUS_QUERIES_PER_SECOND": mtn_config.STATUS_QUERIES_PER_SECOND,
    # Delays, in seconds, between successive status checks of a payment that is not final.
    "STATUS_CHECK_DELAYS": (10, 30, 60, 120, 300, 600, 1800, 3600),
    # A payment not final this many seconds after it was created is flagged for an operator
    # (signal ``payment_needs_attention``, a WARNING log line, the admin's "needs attention"
    # filter, a count in momo_reconcile's summary). It is still checked automatically.
    "PENDING_ALERT_AFTER": 24 * 3600,
    # MoMo keeps a requestId for at least 31 days; past that a re-send could be taken as a new
    # payout. A MoMo payout still unresolved this many seconds after it was sent is no longer
    # re-sent: it is flagged ("stopped") and waits for its IPN or an operator. Default: 30 days.
    "MOMO_REPLAY_MAX_AGE": (momo_vn_config.REQUEST_ID_RETENTION_DAYS - 1) * 24 * 3600,
    # A created payment that is not held and was not sent after this many seconds lost its
    # enqueue (broker down, a failing on_commit hook): the reconcile sweep sends it.
    "UNSENT_AFTER": 300,
    # Largest callback body accepted, in bytes.
    "CALLBACK_MAX_BODY": 64 * 1024,
    # Addresses of reverse proxies whose X-Forwarded-For may be trusted (IPs or CIDR networks).
    "TRUSTED_PROXIES": (),
    # Optional allow-list of callback source networks per provider,
    # e.g. {"momo_vn": ["118.69.210.244/32"]}.
    "CALLBACK_ALLOWED_NETWORKS": {},
    # Refused callback requests that name no known payment (unknown MTN token, an IPN whose
    # requestId is no payout's) accepted per source address and minute, counted in TOKEN_CACHE.
    # Past it the source gets 429 and nothing is stored; a request naming a known payment is
    # never limited (a provider retrying must get through). None: no limit.
    "CALLBACK_REFUSED_PER_MINUTE": 60,
    # Task queue used by django-momo's tasks (a name in TASKS).
    "TASK_QUEUE": "default",
    # Seconds an account balance is cached for the admin.
    "BALANCE_CACHE_SECONDS": 30,
}

# Provider facts live in django_momo.providers (one source each); these names stay importable.
PROVIDERS: tuple[str, ...] = tuple(_registry.PROVIDERS)
MTN_PRODUCTS = PRODUCT_SETTINGS
MTN_TARGET_ENVIRONMENTS = mtn_config.TARGET_ENVIRONMENTS
# MoMo Vietnam disbursement limits in VND (momo_vn.md §7); overridable per account.
MOMO_VN_DEFAULT_LIMITS = DEFAULT_LIMIT_SETTINGS


@dataclass(frozen=True)
class ApprovalRule:
    """Maker-checker for one account: payouts and refunds above ``above``, or taking the day's
    total above ``daily_limit``, need ``required`` approvals (amounts in the account's currency;
    ``None`` = no such limit)."""

    above: Decimal | None = None
    daily_limit: Decimal | None = None
    required: int = 1


def parse_approvals(conf: Any) -> ApprovalRule | None:
    """The ``APPROVALS`` dict of an account (``checks.py`` reports what is wrong with it)."""
    if not isinstance(conf, dict):
        return None

    def amount(key: str) -> Decimal | None:
        value = conf.get(key)
        if value is None:
            return None
        try:
            return Decimal(str(value)) if isinstance(value, str | int) else None
        except ArithmeticError:
            return None

    required = conf.get("REQUIRED", 1)
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        return None
    return ApprovalRule(amount("ABOVE"), amount("DAILY_LIMIT"), required)


class MomoSettings:
    """Attribute access to ``settings.DJANGO_MOMO`` with defaults."""

    def __init__(self) -> None:
        self._cached: set[str] = set()
        self._accounts: dict[str, Account] | None = None

    @property
    @sensitive_variables("value")
    def user_settings(self) -> dict[str, Any]:
        from django.conf import settings

        value = getattr(settings, SETTING_NAME, None) or {}
        if not isinstance(value, dict):
            return {}
        return value

    @sensitive_variables("value")
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid django-momo setting: {name!r}")
        value = self.user_settings.get(name, DEFAULTS[name])
        self._cached.add(name)
        setattr(self, name, value)
        return value

    def reload(self) -> None:
        for name in self._cached:
            delattr(self, name)
        self._cached.clear()
        self._accounts = None

    # -- accounts ---------------------------------------------------------------------------------
    @sensitive_variables("raw", "conf")
    def accounts(self) -> dict[str, Account]:
        """Every configured account, parsed (``checks.py`` reports what is wrong with them)."""
        if self._accounts is None:
            raw = self.ACCOUNTS if isinstance(self.ACCOUNTS, dict) else {}
            self._accounts = {
                name: parse_account(name, conf)
                for name, conf in raw.items()
                if isinstance(conf, dict) and conf.get("PROVIDER") in PROVIDERS
            }
        return self._accounts

    def account(self, name: str) -> Account:
        """The account called ``name``; raises ``AccountNotFound`` with the known names."""
        try:
            return self.accounts()[name]
        except KeyError:
            known = ", ".join(sorted(self.accounts())) or "none configured"
            raise AccountNotFound(f"unknown account {name!r} (known: {known})") from None


@sensitive_variables("conf")
def parse_account(name: str, conf: dict[str, Any]) -> Account:
    """Build an account object from its settings dict (missing values become empty strings).

    The provider named by ``conf["PROVIDER"]`` parses it (``providers.registry``); an unknown
    provider is a ``ValueError`` (``checks.py`` reports it as E004).
    """
    provider = _registry.provider_of(conf)
    if provider is None:
        raise ValueError(f"account {name!r}: PROVIDER is none of {', '.join(PROVIDERS)}")
    return provider.parse(name, conf, parse_approvals(conf.get("APPROVALS")))


__all__ = [
    "DEFAULTS",
    "MOMO_VN_DEFAULT_LIMITS",
    "MTN_PRODUCTS",
    "MTN_TARGET_ENVIRONMENTS",
    "PROVIDERS",
    "SETTING_NAME",
    "Account",
    "AccountNotFound",
    "ApprovalRule",
    "MomoSettings",
    "MomoVnAccount",
    "MtnAccount",
    "MtnProductCredentials",
    "momo_settings",
    "parse_account",
    "parse_approvals",
]


momo_settings = MomoSettings()


@receiver(setting_changed)
def _reload_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        momo_settings.reload()
