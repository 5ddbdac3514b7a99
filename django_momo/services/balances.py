"""Account balances for the admin and the API (asked live, never cached here)."""

from __future__ import annotations

from decimal import Decimal

from django_momo.services.adapters import adapter_for
from django_momo.services.clients import get_account


def get_balance(account: str) -> list[tuple[Decimal, str]]:
    """The account's available balance as ``[(amount, currency)]``; provider errors propagate."""
    acct = get_account(account)
    return adapter_for(acct.provider).balance(acct)
