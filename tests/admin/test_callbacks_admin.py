"""The callback admin: read-only, escaped raw bodies, filters, permission-gated reprocess."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client, RequestFactory
from django.urls import reverse

from django_momo.admin.callbacks import CallbackAdmin
from django_momo.models import Callback, CallbackVerdict, PaymentStatus, Transfer

# The callback fixtures, shared with tests/callbacks (test parameters name them: F811).
# ruff: noqa: F811
from tests.callbacks.conftest import (  # noqa: F401 (fixtures)
    make_transfer,
    momo_config,
    no_provider_settings,
    signed_ipn,
)

pytestmark = pytest.mark.usefixtures("no_provider_settings")
V = CallbackVerdict
CHANGELIST = "admin:django_momo_callback_changelist"


def staff(username: str, *perms: str) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    codenames = ["view_callback", *perms]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def store(client: Client, body: bytes | str, token: str = "nope") -> Callback:
    client.post(f"/momo/callbacks/mtn/{token}/", body, content_type="application/json")
    return Callback.objects.order_by("-id")[0]


def test_registered_read_only_with_reprocess_action(db: None) -> None:
    model_admin = admin.site._registry[Callback]
    assert isinstance(model_admin, CallbackAdmin)
    request = RequestFactory().get("/")
    request.user = User.objects.create_superuser("root", password="pw")
    assert "reprocess_callbacks" in model_admin.get_actions(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_changelist_filters_and_search(admin_client: Client) -> None:
    cb = store(Client(), "{}")
    url = reverse(CHANGELIST)
    expected = {
        "": 1,
        "?provider=mtn": 1,
        "?provider=momo_vn": 0,
        "?verdict=unknown_token": 1,
        "?verdict=valid": 0,
        "?q=nope": 1,
        "?q=other-token": 0,
        f"?received_at__year={cb.received_at.year}": 1,
        f"?received_at__year={cb.received_at.year - 1}": 0,
    }
    for query, count in expected.items():
        resp = admin_client.get(url + query)
        assert resp.status_code == 200, query
        assert resp.context["cl"].result_count == count, query


def test_raw_body_and_headers_are_escaped(admin_client: Client) -> None:
    evil = json.dumps({"status": "<script>alert(1)</script>"})
    cb = store(Client(HTTP_X_EVIL="<img src=x onerror=alert(2)>"), evil)
    resp = admin_client.get(reverse("admin:django_momo_callback_change", args=[cb.pk]))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    # Nothing to save: a record of the past.
    assert 'name="_save"' not in html


def test_reprocess_needs_its_permission(
    client: Client, make_transfer: Callable[..., Transfer], signed_ipn: Any, settings: Any
) -> None:
    transfer = make_transfer(provider="momo_vn", account="momo-retired")
    client.post(
        "/momo/callbacks/momo-vn/ipn/",
        json.dumps(signed_ipn(transfer)),
        content_type="application/json",
    )
    cb = Callback.objects.get()
    assert cb.verdict == V.ERROR
    config = momo_config("http://127.0.0.1:9", "http://127.0.0.1:8000/momo/")
    config["ACCOUNTS"]["momo-retired"] = config["ACCOUNTS"]["momo"]
    settings.DJANGO_MOMO = config
    action = {"action": "reprocess_callbacks", "_selected_action": [cb.pk]}

    viewer = Client()
    viewer.force_login(staff("viewer"))
    resp = viewer.get(reverse(CHANGELIST))
    assert resp.status_code == 200
    assert "reprocess_callbacks" not in resp.content.decode()
    viewer.post(reverse(CHANGELIST), action)
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert Callback.objects.get().verdict == V.ERROR

    operator = Client()
    operator.force_login(staff("operator", "reprocess_callback"))
    resp = operator.post(reverse(CHANGELIST), action, follow=True)
    assert resp.status_code == 200
    assert "1 callback accepted." in resp.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL
    cb.refresh_from_db()
    assert cb.verdict == V.VALID
    assert cb.result.startswith("reprocessed by user:operator")


def test_reprocess_reports_refusals_separately(admin_client: Client) -> None:
    cb = store(Client(), "{}")
    resp = admin_client.post(
        reverse(CHANGELIST),
        {"action": "reprocess_callbacks", "_selected_action": [cb.pk]},
        follow=True,
    )
    assert "1 callback refused." in resp.content.decode()
    cb.refresh_from_db()
    assert cb.verdict == V.UNKNOWN_TOKEN
