"""An MTN account in ``DJANGO_MOMO["ACCOUNTS"]``: its dataclass, its parser, its checks.

One entry is one MTN installation (a country's target environment) with the credentials of each
product it uses::

    {"PROVIDER": "mtn", "BASE_URL": "https://proxy.momoapi.mtn.com",
     "TARGET_ENVIRONMENT": "mtnuganda", "CURRENCY": "UGX", "CALLBACK_HOST": "shop.example.com",
     "DISBURSEMENT": {"SUBSCRIPTION_KEY": "...", "API_USER": "...", "API_KEY": "..."}}

``parse`` builds an ``MtnAccount`` from it; ``problems`` lists what is wrong with it (the system
checks ``django_momo.E006``-``E011``, ``W002`` and ``W004``), with the client's own rules so the
check and the client never disagree. No Django here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from django_momo.providers import AccountNotFound, ApprovalPolicy, Problem
from django_momo.providers.base import accepts
from django_momo.providers.mtn import config
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.config import MtnCredentials
from django_momo.providers.mtn.errors import PROVIDER
from django_momo.providers.sensitive import sensitive_variables

# The settings key of each product's credentials: "COLLECTION", "DISBURSEMENT", "REMITTANCE".
PRODUCT_SETTINGS: tuple[str, ...] = tuple(product.upper() for product in config.PRODUCTS)
# The keys of one product's credentials: "SUBSCRIPTION_KEY", "API_USER", "API_KEY".
CREDENTIAL_SETTINGS: tuple[str, ...] = tuple(f.name.upper() for f in fields(MtnCredentials))

# The operations each product's credentials allow (the service layer's operation names).
OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "COLLECTION": ("collection.request_to_pay", "collection.withdraw"),
    "DISBURSEMENT": ("disbursement.transfer", "disbursement.deposit", "disbursement.refund"),
    "REMITTANCE": ("remittance.transfer", "remittance.cash_transfer"),
}

# Where an MTN account's BASE_URL points (the system check's hint).
BASE_URL_HINT = f"MTN: {config.LEGACY_PRODUCTION_BASE_URL} or your country's host"

# One product's credentials: the client's own type, whose repr never shows the keys.
MtnProductCredentials = MtnCredentials


@dataclass(frozen=True)
class MtnAccount:
    """One MTN MoMo installation (a country's target environment) and its product credentials."""

    name: str
    base_url: str
    target_environment: str
    currency: str
    callback_host: str
    products: dict[str, MtnCredentials]
    provider: str = PROVIDER
    approvals: ApprovalPolicy | None = None

    def credentials(self, product: str) -> MtnCredentials:
        try:
            return self.products[product.upper()]
        except KeyError:
            raise AccountNotFound(
                f"MTN account {self.name!r} has no {product.upper()} credentials"
            ) from None

    @property
    def operations(self) -> list[str]:
        return [
            op
            for product in PRODUCT_SETTINGS
            if product in self.products
            for op in OPERATIONS[product]
        ]


@sensitive_variables("conf", "products")
def parse(
    name: str, conf: Mapping[str, Any], approvals: ApprovalPolicy | None = None
) -> MtnAccount:
    """The account ``name`` from its settings dict (missing values become empty strings)."""
    products = {
        product: MtnCredentials(
            subscription_key=str(conf[product].get("SUBSCRIPTION_KEY", "")),
            api_user=str(conf[product].get("API_USER", "")),
            api_key=str(conf[product].get("API_KEY", "")),
        )
        for product in PRODUCT_SETTINGS
        if isinstance(conf.get(product), dict)
    }
    return MtnAccount(
        name=name,
        base_url=str(conf.get("BASE_URL", "")).rstrip("/"),
        target_environment=str(conf.get("TARGET_ENVIRONMENT", "")),
        currency=str(conf.get("CURRENCY", "")).upper(),
        callback_host=str(conf.get("CALLBACK_HOST", "")),
        products=products,
        approvals=approvals,
    )


def _is_currency(value: object) -> bool:
    """An ISO 4217 code the client accepts (three letters whose minor units we know)."""
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha()):
        return False
    return accepts(v.validate_currency, value)


def _is_host(value: object) -> bool:
    """A bare host name, as MTN's providerCallbackHost (and our provisioning) wants it."""
    return accepts(v.validate_host, value)


@sensitive_variables("conf", "creds", "value")
def problems(
    where: str, conf: Mapping[str, Any], callback_base_url: str | None = None
) -> list[Problem]:
    """What is wrong with the MTN account settings ``conf`` (``where`` names it in messages).

    ``callback_base_url`` is ``CALLBACK_BASE_URL`` when it is an http(s) URL (else ``None``):
    MTN refuses callback URLs on another host than the API user's ``CALLBACK_HOST``.
    """
    found: list[Problem] = []
    env = conf.get("TARGET_ENVIRONMENT")
    if env not in config.TARGET_ENVIRONMENTS:
        found.append(
            Problem(
                "django_momo.E006",
                f"{where}['TARGET_ENVIRONMENT'] is {env!r}, not an MTN target environment.",
                f"Use one of: {', '.join(config.TARGET_ENVIRONMENTS)}.",
            )
        )
    currency = conf.get("CURRENCY")
    if not _is_currency(currency):
        found.append(
            Problem(
                "django_momo.E007",
                f"{where}['CURRENCY'] is missing or not an ISO 4217 code.",
                f'The currency of the target environment, e.g. "UGX"; "{config.SANDBOX_CURRENCY}" '
                "in sandbox.",
            )
        )
    elif (
        env == config.SANDBOX_TARGET_ENVIRONMENT
        and str(currency).upper() != config.SANDBOX_CURRENCY
    ):
        found.append(
            Problem(
                "django_momo.W002",
                f"{where}: MTN's sandbox only accepts {config.SANDBOX_CURRENCY}, "
                f"CURRENCY is {currency!r}.",
                f'Set "CURRENCY": "{config.SANDBOX_CURRENCY}" for the sandbox target environment.',
            )
        )
    host = conf.get("CALLBACK_HOST")
    if not _is_host(host):
        found.append(
            Problem(
                "django_momo.E008",
                f"{where}['CALLBACK_HOST'] is missing or not a bare host name.",
                'The providerCallbackHost of your API user, e.g. "shop.example.com" '
                "(no scheme, no path).",
            )
        )
    if callback_base_url is not None and isinstance(host, str) and host:
        url_host = urlsplit(callback_base_url).hostname
        if url_host != host.lower():
            found.append(
                Problem(
                    "django_momo.W004",
                    f'{where}["CALLBACK_HOST"] {host!r} differs from the CALLBACK_BASE_URL host '
                    f"{url_host!r}.",
                    "MTN rejects callback URLs whose host is not the API user's "
                    "providerCallbackHost.",
                )
            )
    found.extend(_credential_problems(where, conf))
    return found


@sensitive_variables("conf", "creds", "value")
def _credential_problems(where: str, conf: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    products = [product for product in PRODUCT_SETTINGS if product in conf]
    if not products:
        found.append(
            Problem(
                "django_momo.E009",
                f"{where} has no product credentials.",
                f"Add at least one of {', '.join(PRODUCT_SETTINGS)} with SUBSCRIPTION_KEY, "
                "API_USER and API_KEY.",
            )
        )
    for product in products:
        creds = conf[product]
        pwhere = f"{where}[{product!r}]"
        if not isinstance(creds, dict):
            found.append(
                Problem(
                    "django_momo.E009",
                    f"{pwhere} must be a dict.",
                    "Give SUBSCRIPTION_KEY, API_USER and API_KEY.",
                )
            )
            continue
        for key in CREDENTIAL_SETTINGS:
            value = creds.get(key)
            if not isinstance(value, str) or not value.strip():
                found.append(
                    Problem(
                        "django_momo.E010",
                        f"{pwhere}[{key!r}] is missing or empty.",
                        "Copy it from the MTN portal (sandbox: manage.py momo_mtn_provision); "
                        "read it from an environment variable.",
                    )
                )
        user = creds.get("API_USER")
        if isinstance(user, str) and user.strip() and not _is_uuid4(user):
            found.append(
                Problem(
                    "django_momo.E011",
                    f"{pwhere}['API_USER'] is not a UUID version 4.",
                    "MTN API users are UUIDv4 strings, e.g. "
                    '"ff80f18e-d701-4b00-8b58-ba5419001675".',
                )
            )
    return found


def _is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


__all__ = [
    "BASE_URL_HINT",
    "CREDENTIAL_SETTINGS",
    "OPERATIONS",
    "PRODUCT_SETTINGS",
    "PROVIDER",
    "MtnAccount",
    "MtnProductCredentials",
    "parse",
    "problems",
]
