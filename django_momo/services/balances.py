"""Account balances for the admin and the API (asked live, never cached here)."""

from __future__ import annotations

from decimal import Decimal

from django_momo.conf import MtnAccount
from django_momo.providers.base import TransientError
from django_momo.services import gateways
from django_momo.services.errors import InvalidRequest

# The product whose balance is shown for an MTN account: the pool payouts are paid from.
MTN_BALANCE_PRODUCTS = ("disbursement", "collection", "remittance")


def get_balance(account: str) -> list[tuple[Decimal, str]]:
    """The account's available balance as ``[(amount, currency)]``; provider errors propagate."""
    acct = gateways.get_account(account)
    if isinstance(acct, MtnAccount):
        product = next((p for p in MTN_BALANCE_PRODUCTS if p.upper() in acct.products), None)
        if product is None:
            raise InvalidRequest("account", f"MTN account {account!r} has no product credentials")
        balance = gateways.mtn_client(acct, product).get_account_balance()
        if balance.available_balance is None:
            raise TransientError("MTN balance answer has no amount", provider="mtn")
        return [(balance.available_balance, balance.currency or acct.currency)]
    request_id, order_id = gateways.new_momo_ids()
    answer = gateways.momo_client(acct).get_balance(request_id=request_id, order_id=order_id)
    return [(answer.amount, answer.currency)]
