"""The permission matrix: every admin money action and every API request asks ``services.access``.

For each one, a user holding exactly the permissions it needs may do it; a user holding every
other permission may not, and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from django_momo.models import Collection, Refund, Transfer
from django_momo.services import access
from tests.api.conftest import collection_request, payout, post, url

from .conftest import CHANGELIST, make_transfer, post_action

pytestmark = pytest.mark.django_db

MODELS = (Transfer, Collection, Refund)


def user_with(name: str, codenames: set[str]) -> User:
    user = User.objects.create_user(name, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_momo", codename__in=codenames)
    )
    return User.objects.get(pk=user.pk)


def all_codenames() -> set[str]:
    return set(
        Permission.objects.filter(content_type__app_label="django_momo").values_list(
            "codename", flat=True
        )
    )


def codename(permission: str) -> str:
    return permission.split(".", 1)[1]


ADMIN_ACTIONS = [
    (model, name)
    for model in MODELS
    for name in admin.site._registry[model].actions  # type: ignore[attr-defined]
]


@pytest.mark.parametrize(
    ("model", "action"), ADMIN_ACTIONS, ids=[f"{m.__name__}.{a.__name__}" for m, a in ADMIN_ACTIONS]
)
def test_each_admin_action_needs_exactly_its_permission(model: Any, action: Any) -> None:
    modeladmin = admin.site._registry[model]
    [needed] = action.allowed_permissions
    permission = codename(access.permission_for(model, needed))
    view = codename(access.permission_for(model, access.Action.VIEW))
    request = RequestFactory().get("/")
    request.user = user_with("exact", {view, permission})
    assert action.__name__ in modeladmin.get_actions(request)
    request.user = user_with("others", all_codenames() - {permission})
    assert action.__name__ not in modeladmin.get_actions(request)


@pytest.mark.django_db(transaction=True)
def test_an_action_posted_without_its_permission_changes_nothing(sandbox_accounts: Any) -> None:
    transfer = make_transfer("mtn")
    client = Client()
    client.force_login(user_with("no-send", all_codenames() - {"send_transfer"}))
    post_action(client, CHANGELIST, "send_transfers", [transfer.pk], confirm="yes")
    transfer.refresh_from_db()
    assert transfer.status == "created"
    assert transfer.held is True


# -- the REST API ---------------------------------------------------------------------------------
READS = [
    ("transfer-list", {}, Transfer),
    ("collection-list", {}, Collection),
    ("refund-list", {}, Refund),
]


@pytest.mark.parametrize(("route", "kwargs", "model"), READS)
def test_each_api_read_needs_the_kind_view_permission(
    route: str, kwargs: dict[str, Any], model: Any
) -> None:
    view = codename(access.permission_for(model, access.Action.VIEW))
    api = APIClient()
    api.force_authenticate(user_with("reader", {view}))
    assert api.get(url(route, **kwargs)).status_code == 200
    api.force_authenticate(user_with("blind", all_codenames() - {view}))
    assert api.get(url(route, **kwargs)).status_code == 403


def test_balances_need_their_own_permission(sandbox_accounts: Any) -> None:
    api = APIClient()
    api.force_authenticate(user_with("no-balance", all_codenames() - {"view_balance"}))
    response = api.get(url("account-balance", name="mtn"))
    assert response.status_code == 403
    assert "view_balance" in response.json()["errors"][0]["message"]
    api.force_authenticate(user_with("balance", {"view_balance"}))
    assert api.get(url("account-balance", name="mtn")).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("route", "body", "model"),
    [("transfer-list", payout, Transfer), ("collection-list", collection_request, Collection)],
)
def test_creating_needs_create_and_sending_needs_send(
    sandbox_accounts: Any, route: str, body: Any, model: Any
) -> None:
    create = codename(access.permission_for(model, access.Action.CREATE))
    send = codename(access.permission_for(model, access.Action.SEND))
    api = APIClient()
    api.force_authenticate(user_with("maker", {create}))
    held = post(api, route, body(hold=True))
    assert held.status_code == 201, held.content
    assert model.objects.get().held is True
    refused = post(api, route, body(hold=False))
    assert refused.status_code == 403
    assert send in refused.json()["errors"][0]["message"]
    assert model.objects.count() == 1
    api.force_authenticate(user_with("no-create", all_codenames() - {create}))
    assert post(api, route, body(hold=True)).status_code == 403
    assert model.objects.count() == 1
    api.force_authenticate(user_with("sender", {create, send}))
    assert post(api, route, body(hold=False)).status_code == 201
    assert model.objects.count() == 2


def test_the_new_payout_form_needs_create_and_offers_sending_only_with_send() -> None:
    client = Client()
    client.force_login(user_with("no-create", all_codenames() - {"add_transfer"}))
    assert client.get("/admin/django_momo/transfer/add/").status_code == 403
    client.force_login(user_with("maker", {"view_transfer", "add_transfer"}))
    page = client.get("/admin/django_momo/transfer/add/")
    assert page.status_code == 200
    assert 'name="send_now"' not in page.content.decode()
    client.force_login(user_with("sender", {"view_transfer", "add_transfer", "send_transfer"}))
    assert 'name="send_now"' in client.get("/admin/django_momo/transfer/add/").content.decode()
