"""API keys in the admin: issued with the key shown once, listed without it, revoked by action."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from django_momo.admin.api_keys import ApiKeyAdmin
from django_momo.models import ApiKey

from .conftest import make_user

pytestmark = pytest.mark.django_db

KEYS = "/admin/django_momo/apikey/"
KEY_RE = re.compile(r"mk_live_[0-9a-f]{8}\.[A-Za-z0-9_-]{43}")


@pytest.fixture
def admin_client(db: Any) -> Client:
    client = Client()
    client.force_login(make_user("root", superuser=True))
    return client


@pytest.fixture
def backend(db: Any) -> User:
    return User.objects.create_user("shop-backend")


def issue_form(owner: User, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "owner": owner.pk,
        "name": "shop backend",
        "scopes": ["django_momo.add_transfer"],
        "accounts": ["mtn"],
        "expires_in_days": "30",
    }
    data.update(overrides)
    return data


def test_registered_with_its_admin_and_the_revoke_action() -> None:
    model_admin = admin.site._registry[ApiKey]
    assert isinstance(model_admin, ApiKeyAdmin)
    assert "revoke_keys" in model_admin.get_actions(_request(make_user("root", superuser=True)))


def _request(user: User) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get(KEYS)
    request.user = user
    return request


def test_issuing_shows_the_key_exactly_once(admin_client: Client, backend: User) -> None:
    assert admin_client.get(f"{KEYS}add/").status_code == 200
    response = admin_client.post(f"{KEYS}add/", issue_form(backend))
    assert response.status_code == 200
    html = response.content.decode()
    [plaintext] = set(KEY_RE.findall(html))
    assert "no-store" in response.headers["Cache-Control"]
    key = ApiKey.objects.get()
    assert plaintext.startswith(key.prefix + ".")
    assert key.owner == backend
    assert key.scopes == ["django_momo.add_transfer"]
    assert key.accounts == ["mtn"]
    assert key.expires_at is not None
    assert key.created_by is not None
    assert key.created_by.username == "root"
    secret = plaintext.split(".")[1]
    # Never again: not in the list, the change page, the history or the admin log.
    pages = [
        admin_client.get(KEYS),
        admin_client.get(f"{KEYS}{key.pk}/change/"),
        admin_client.get(f"{KEYS}{key.pk}/history/"),
        admin_client.get("/admin/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert secret not in text
        assert key.secret_hash not in text
    assert key.prefix in pages[0].content.decode()
    for entry in LogEntry.objects.all():
        assert secret not in f"{entry.object_repr} {entry.change_message}"


def test_a_creator_grants_only_permissions_it_holds(backend: User) -> None:
    client = Client()
    client.force_login(make_user("keymaster", "add_apikey", "view_apikey"))
    response = client.post(f"{KEYS}add/", issue_form(backend))
    assert response.status_code == 200
    assert "only grant permissions you hold" in response.content.decode()
    assert not KEY_RE.search(response.content.decode())
    assert ApiKey.objects.count() == 0


def test_invalid_form_issues_nothing(admin_client: Client, backend: User) -> None:
    response = admin_client.post(
        f"{KEYS}add/", issue_form(backend, accounts=["nowhere"], expires_in_days="0")
    )
    assert response.status_code == 200
    assert ApiKey.objects.count() == 0


def test_keys_are_not_editable_or_deletable(admin_client: Client, backend: User) -> None:
    key, _ = ApiKey.issue(owner=backend, name="old name")
    response = admin_client.post(f"{KEYS}{key.pk}/change/", {"name": "new name"})
    assert response.status_code in (200, 302)
    key.refresh_from_db()
    assert key.name == "old name"
    assert admin_client.get(f"{KEYS}{key.pk}/delete/").status_code == 403


def test_revoke_action(admin_client: Client, backend: User) -> None:
    first, _ = ApiKey.issue(owner=backend, name="one")
    second, _ = ApiKey.issue(owner=backend, name="two")
    second.revoke()
    revoked_at = ApiKey.objects.get(pk=second.pk).revoked_at
    response = admin_client.post(
        KEYS,
        {"action": "revoke_keys", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Revoked 1 API key." in text
    assert "1 API key was revoked already." in text
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert ApiKey.objects.get(pk=second.pk).revoked_at == revoked_at


def test_revoke_needs_the_change_permission(backend: User) -> None:
    key, _ = ApiKey.issue(owner=backend, name="one")
    client = Client()
    client.force_login(make_user("viewer", "view_apikey"))
    client.post(KEYS, {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is None
