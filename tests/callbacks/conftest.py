"""Fixtures of the callback tests: accounts pointed at the sandbox, payments, signed IPNs."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings

from django_momo.models import PaymentStatus, Transfer, TransferOperation
from django_momo.sandbox import presets
from django_momo.sandbox.momo_vn.crypto import sign

# The MTN sandbox only calls back to its API user's providerCallbackHost, 127.0.0.1.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def momo_config(base_url: str, callback_base_url: str, **extra: Any) -> dict[str, Any]:
    """The tests' DJANGO_MOMO with both accounts on ``base_url``."""
    config = copy.deepcopy(django_settings.DJANGO_MOMO)
    config["CALLBACK_BASE_URL"] = callback_base_url
    for account in config["ACCOUNTS"].values():
        account["BASE_URL"] = base_url
    config.update(extra)
    return config


@pytest.fixture
def momo_config_factory() -> Callable[..., dict[str, Any]]:
    """Build a DJANGO_MOMO dict (see ``momo_config``)."""
    return momo_config


_counter = iter(range(1, 10**9))


@pytest.fixture
def make_transfer(db: None) -> Callable[..., Transfer]:
    """A payout row in a given state, as the services would have left it."""

    def make(**fields: Any) -> Transfer:
        n = next(_counter)
        provider = fields.pop("provider", "mtn")
        defaults: dict[str, Any] = {
            "account": "mtn" if provider == "mtn" else "momo",
            "provider": provider,
            "operation": (
                TransferOperation.MTN_DISBURSEMENT_TRANSFER
                if provider == "mtn"
                else TransferOperation.MOMO_VN_WALLET
            ),
            "party_type": "MSISDN" if provider == "mtn" else "MOMO_WALLET",
            "party_id": "46733123459" if provider == "mtn" else "0917003003",
            "amount": Decimal("10.00") if provider == "mtn" else Decimal(50000),
            "currency": "EUR" if provider == "mtn" else "VND",
            "external_id": f"cb-test-{n}",
            "reference": f"ref-{n}",
            "order_id": "" if provider == "mtn" else f"order-{n}",
            "status": PaymentStatus.PENDING,
        }
        defaults.update(fields)
        return Transfer.objects.create(**defaults)

    return make


def ipn_for(transfer: Transfer, *, result_code: int = 0, **overrides: Any) -> dict[str, Any]:
    """A disbursement IPN for ``transfer``, signed with the sandbox partner's secret."""
    body: dict[str, Any] = {
        "partnerCode": presets.MOMO_PARTNER_CODE,
        "orderId": transfer.order_id,
        "requestId": transfer.reference,
        "amount": int(transfer.amount),
        "orderInfo": transfer.message,
        "partnerUserId": "",
        "orderType": "momo_disbursement",
        "transId": 4_000_000_000 + transfer.pk,
        "resultCode": result_code,
        "message": "Thành công." if result_code == 0 else "Thất bại.",
        "responseTime": 1_700_000_000_000,
        "extraData": "",
    }
    body.update(overrides)
    body["signature"] = sign("ipn", body, presets.MOMO_ACCESS_KEY, presets.MOMO_SECRET_KEY)
    return body


@pytest.fixture
def signed_ipn() -> Callable[..., dict[str, Any]]:
    """Build a signed IPN for a transfer (see ``ipn_for``)."""
    return ipn_for


@pytest.fixture
def no_provider_settings(settings: Any) -> None:
    """Accounts on an address where nothing listens: processing never reaches a provider."""
    settings.DJANGO_MOMO = momo_config("http://127.0.0.1:9", "http://127.0.0.1:8000/momo/")
