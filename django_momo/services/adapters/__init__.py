"""One adapter per provider: the only code outside ``providers/`` that knows a provider.

``adapter_for(payment.provider)`` (or ``adapter_for(account.provider)``) is a dictionary
lookup: the services never branch on the provider themselves. See ``base.ProviderAdapter`` for
the contract and what an adapter must not do.
"""

from __future__ import annotations

from django_momo.services.adapters.base import (
    CallbackDecision,
    CallbackEndpoint,
    PartyInput,
    ProviderAdapter,
)
from django_momo.services.adapters.momo_vn import ADAPTER as MOMO_VN
from django_momo.services.adapters.mtn import ADAPTER as MTN

ADAPTERS: dict[str, ProviderAdapter] = {MTN.provider: MTN, MOMO_VN.provider: MOMO_VN}


def adapter_for(provider: str) -> ProviderAdapter:
    """The adapter of ``provider`` ("mtn", "momo_vn"); ``LookupError`` for any other name."""
    try:
        return ADAPTERS[provider]
    except KeyError:
        raise LookupError(f"no adapter for provider {provider!r}") from None


__all__ = [
    "ADAPTERS",
    "MOMO_VN",
    "MTN",
    "CallbackDecision",
    "CallbackEndpoint",
    "PartyInput",
    "ProviderAdapter",
    "adapter_for",
]
