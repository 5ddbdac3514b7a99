"""Fixtures of the API tests: routed API, accounts on the sandbox, users with and without rights."""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from rest_framework.test import APIClient

from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

_numbers = itertools.count(1)

# Every value that must never appear in an API answer.
SECRETS = [
    *presets.MTN_SUBSCRIPTION_KEYS.values(),
    presets.MTN_API_KEY,
    presets.MOMO_ACCESS_KEY,
    presets.MOMO_SECRET_KEY,
    presets.MOMO_PRIVATE_KEY_PEM_PATH.read_text().splitlines()[1],
]

# Everything the API lets a shop's backend do: read, create and send each kind, see balances.
PAYOUT_PERMS = (
    "view_transfer", "add_transfer", "send_transfer",
    "view_collection", "request_collection", "send_collection",
    "view_refund", "refund_collection", "send_refund",
    "view_balance",
)  # fmt: skip


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # A fast hasher: the tests create many users and never need strong password hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sandbox_accounts(settings: Any, momo_sandbox: SandboxHandle) -> SandboxHandle:
    """The test accounts "mtn" and "momo" pointed at the running sandbox."""
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    for account in conf["ACCOUNTS"].values():
        account["BASE_URL"] = momo_sandbox.base_url
    settings.DJANGO_MOMO = conf
    return momo_sandbox


def make_user(name: str, *, staff: bool = True, perms: tuple[str, ...] = ()) -> User:
    """A user with the given staff flag and django_momo permissions."""
    user = User.objects.create_user(name, password="pw-" + name, is_staff=staff)
    for codename in perms:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="django_momo", codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def operator(db: Any) -> User:
    """Staff with every payment-creating permission."""
    return make_user("operator", perms=PAYOUT_PERMS)


@pytest.fixture
def api(operator: User) -> APIClient:
    """An API client logged in as the operator."""
    api = APIClient()
    api.force_authenticate(operator)
    return api


def url(route: str, **kwargs: Any) -> str:
    """Reverse an API route by its short name (e.g. ``"transfer-list"``)."""
    return reverse(f"django_momo:api-{route}", kwargs=kwargs or None)


def new_key() -> str:
    """A fresh idempotency key."""
    return str(uuid.uuid4())


def post(api: APIClient, route: str, body: Any, key: str | None = "new", **kwargs: Any) -> Any:
    """POST ``body`` as JSON with an idempotency key (a fresh one unless given; None: none)."""
    headers = {}
    if key is not None:
        headers["Idempotency-Key"] = new_key() if key == "new" else key
    return api.post(
        url(route, **kwargs),
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def payout(**overrides: Any) -> dict[str, Any]:
    """The body of a valid MTN payout request."""
    n = next(_numbers)
    body: dict[str, Any] = {
        "account": "mtn",
        "operation": "mtn.disbursement.transfer",
        "party_id": f"2567{n:08d}",
        "amount": "12.50",
        "external_id": f"order-{n}",
        "message": "payout",
        "hold": True,
    }
    body.update(overrides)
    return body


def momo_payout(**overrides: Any) -> dict[str, Any]:
    """The body of a valid MoMo Vietnam wallet payout request."""
    n = next(_numbers)
    body: dict[str, Any] = {
        "account": "momo",
        "operation": "momo_vn.pay_wallet",
        "party_id": f"091{n:07d}",
        "party_name": "NGUYEN VAN A",
        "amount": "15000",
        "external_id": f"vn-{n}",
        "hold": True,
    }
    body.update(overrides)
    return body


def collection_request(**overrides: Any) -> dict[str, Any]:
    """The body of a valid MTN request to pay."""
    n = next(_numbers)
    body: dict[str, Any] = {
        "account": "mtn",
        "operation": "mtn.collection.request_to_pay",
        "party_id": f"2567{n:08d}",
        "amount": "20.00",
        "external_id": f"inv-{n}",
        "hold": True,
    }
    body.update(overrides)
    return body


def errors_of(response: Any) -> list[dict[str, Any]]:
    """The ``errors`` list of an error answer, checking its shape."""
    data = response.json()
    assert set(data) == {"errors"}, data
    for item in data["errors"]:
        assert set(item) == {"field", "code", "message"}, item
        assert item["code"]
        assert item["message"]
    return data["errors"]


def assert_error(response: Any, status: int, field: str | None, code: str) -> dict[str, Any]:
    """The answer is ``status`` with an error on ``field`` with ``code``; returns that error."""
    assert response.status_code == status, response.content
    matching = [e for e in errors_of(response) if e["field"] == field and e["code"] == code]
    assert matching, response.json()
    return matching[0]
