"""Fixtures: MTN clients pointed at the sandbox started by the ``momo_sandbox`` fixture."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from django_momo.providers.base import InMemoryTokenStore
from django_momo.providers.http import HttpTransport
from django_momo.providers.mtn import (
    CollectionClient,
    DisbursementClient,
    MtnProductClient,
    RemittanceClient,
)
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

CLIENTS: dict[str, type[MtnProductClient]] = {
    "collection": CollectionClient,
    "disbursement": DisbursementClient,
    "remittance": RemittanceClient,
}

MakeClient = Callable[..., Any]


def new_ref() -> str:
    return str(uuid.uuid4())


def no_sleep(_: float) -> None:
    """Backoff without waiting: the tests check what is retried, not how long it waits."""


@pytest.fixture
def make_client(momo_sandbox: SandboxHandle) -> MakeClient:
    """Build a product client on the sandbox with the preset credentials; kwargs override."""

    def build(product: str, **overrides: Any) -> Any:
        kwargs: dict[str, Any] = {
            "base_url": momo_sandbox.base_url,
            "target_environment": presets.MTN_TARGET_ENVIRONMENT,
            "subscription_key": presets.MTN_SUBSCRIPTION_KEYS[product],
            "api_user": presets.MTN_API_USER,
            "api_key": presets.MTN_API_KEY,
            "token_store": InMemoryTokenStore(),
            "transport": HttpTransport(provider="mtn", timeout=(2.0, 10.0), max_retries=3),
            "sleep": no_sleep,
        }
        kwargs.update(overrides)
        return CLIENTS[product](**kwargs)

    return build


@pytest.fixture
def collection(make_client: MakeClient) -> CollectionClient:
    return make_client("collection")  # type: ignore[no-any-return]


@pytest.fixture
def disbursement(make_client: MakeClient) -> DisbursementClient:
    return make_client("disbursement")  # type: ignore[no-any-return]


@pytest.fixture
def remittance(make_client: MakeClient) -> RemittanceClient:
    return make_client("remittance")  # type: ignore[no-any-return]


def callback_url(momo_sandbox: SandboxHandle, token: str = "cb") -> str:
    """A callback URL on the preset API user's providerCallbackHost."""
    port = momo_sandbox.base_url.rsplit(":", 1)[1]
    return f"http://{presets.MTN_CALLBACK_HOST}:{port}/_sandbox/echo/{token}"
