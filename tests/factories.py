"""Payments for tests, created through the services on the sandbox's preset accounts."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django_momo import services
from django_momo.models import Transfer

_numbers = itertools.count(1)


def make_transfer(provider: str = "mtn", *, prefix: str = "order", **overrides: Any) -> Transfer:
    """A created (not sent) payout on the preset MTN or MoMo account; ``overrides`` win."""
    n = next(_numbers)
    if provider == "mtn":
        fields: dict[str, Any] = {
            "account": "mtn",
            "operation": "mtn.disbursement.transfer",
            "party_id": f"2567{n:08d}",
            "amount": Decimal("12.50"),
        }
    else:
        fields = {
            "account": "momo",
            "operation": "momo_vn.pay_wallet",
            "party_id": f"091{n:07d}",
            "party_name": "NGUYEN VAN A",
            "amount": Decimal("15000"),
        }
    fields.update(external_id=f"{prefix}-{provider}-{n}", actor="test", message="payout")
    fields.update(overrides)
    transfer, _ = services.create_transfer(**fields)
    return transfer
