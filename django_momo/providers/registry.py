"""Every provider django-momo speaks, by the name an account's ``PROVIDER`` setting gives.

``PROVIDERS["mtn"].parse(name, conf)`` builds an account from its ``DJANGO_MOMO["ACCOUNTS"]``
entry, ``PROVIDERS["mtn"].problems(where, conf, callback_base_url)`` lists what is wrong with it.
``django_momo.conf`` and ``django_momo.checks`` look providers up here and nowhere else: a third
provider is one new package (with its ``account.py``) and one entry below. No Django here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from django_momo.providers import ApprovalPolicy, Problem
from django_momo.providers.momo_vn import account as momo_vn
from django_momo.providers.momo_vn.account import MomoVnAccount
from django_momo.providers.mtn import account as mtn
from django_momo.providers.mtn.account import MtnAccount

Account = MtnAccount | MomoVnAccount


class ParseAccount(Protocol):
    """``parse(name, conf, approvals)``: the account ``name`` from its settings dict."""

    def __call__(
        self, name: str, conf: Mapping[str, Any], approvals: ApprovalPolicy | None = None, /
    ) -> Account: ...


class AccountProblems(Protocol):
    """``problems(where, conf, callback_base_url)``: what is wrong with an account's settings.

    ``where`` names the account in messages; ``callback_base_url`` is ``CALLBACK_BASE_URL`` when
    it is an http(s) URL, else ``None``.
    """

    def __call__(
        self, where: str, conf: Mapping[str, Any], callback_base_url: str | None = None, /
    ) -> list[Problem]: ...


@dataclass(frozen=True)
class AccountProvider:
    """What django-momo knows about one provider's accounts."""

    name: str  # the PROVIDER setting
    account_type: type[MtnAccount] | type[MomoVnAccount]
    parse: ParseAccount
    problems: AccountProblems
    base_url_hint: str  # where its BASE_URL points, e.g. "MTN: https://... or your country's host"


PROVIDERS: Mapping[str, AccountProvider] = MappingProxyType(
    {
        provider.name: provider
        for provider in (
            AccountProvider(mtn.PROVIDER, MtnAccount, mtn.parse, mtn.problems, mtn.BASE_URL_HINT),
            AccountProvider(
                momo_vn.PROVIDER,
                MomoVnAccount,
                momo_vn.parse,
                momo_vn.problems,
                momo_vn.BASE_URL_HINT,
            ),
        )
    }
)


def provider_of(conf: object) -> AccountProvider | None:
    """The provider an account's settings dict names in ``PROVIDER`` (None: none, or unknown)."""
    name = conf.get("PROVIDER") if isinstance(conf, Mapping) else None
    return PROVIDERS.get(name) if isinstance(name, str) else None


__all__ = [
    "PROVIDERS",
    "Account",
    "AccountProblems",
    "AccountProvider",
    "ParseAccount",
    "provider_of",
]
