"""Staff only by default; creating payments needs its own permission."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from django_momo.models import Collection, Transfer

from .conftest import collection_request, errors_of, make_user, payout, post, url

pytestmark = pytest.mark.django_db

READ_ROUTES = [
    ("transfer-list", {}),
    ("transfer-detail", {"pk": 1}),
    ("collection-list", {}),
    ("collection-detail", {"pk": 1}),
    ("collection-refunds", {"pk": 1}),
    ("refund-list", {}),
    ("refund-detail", {"pk": 1}),
    ("account-list", {}),
    ("account-balance", {"name": "mtn"}),
    ("schema", {}),
]
CREATE_ROUTES = [
    ("transfer-list", {}, "add_transfer"),
    ("collection-list", {}, "request_collection"),
    ("collection-refunds", {"pk": 1}, "refund_collection"),
]


@pytest.mark.parametrize(("name", "kwargs"), READ_ROUTES)
def test_anonymous_reads_are_refused(name: str, kwargs: dict[str, Any]) -> None:
    response = APIClient().get(url(name, **kwargs))
    assert response.status_code in (401, 403)
    assert errors_of(response)[0]["code"] == "not_authenticated"


@pytest.mark.parametrize(("name", "kwargs", "perm"), CREATE_ROUTES)
def test_anonymous_creates_are_refused(name: str, kwargs: dict[str, Any], perm: str) -> None:
    response = post(APIClient(), name, payout(), **kwargs)
    assert response.status_code in (401, 403)
    assert Transfer.objects.count() == 0


def test_drf_authentication_classes_are_used(operator: Any) -> None:
    import base64

    def basic(password: str) -> dict[str, str]:
        token = base64.b64encode(f"operator:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    good = APIClient().get(url("transfer-list"), headers=basic("pw-operator"))
    assert good.status_code == 200
    bad = APIClient().get(url("transfer-list"), headers=basic("wrong"))
    assert bad.status_code in (401, 403)
    assert errors_of(bad)[0]["code"] == "authentication_failed"


@pytest.mark.parametrize(("name", "kwargs"), READ_ROUTES)
def test_users_without_staff_status_are_refused(name: str, kwargs: dict[str, Any]) -> None:
    api = APIClient()
    api.force_authenticate(make_user("customer", staff=False, perms=("add_transfer",)))
    response = api.get(url(name, **kwargs))
    assert response.status_code == 403
    assert errors_of(response)[0]["code"] == "permission_denied"


@pytest.mark.parametrize(("name", "kwargs", "perm"), CREATE_ROUTES)
def test_staff_without_the_create_permission_may_read_but_not_create(
    sandbox_accounts: Any, name: str, kwargs: dict[str, Any], perm: str
) -> None:
    api = APIClient()
    api.force_authenticate(make_user("clerk", perms=("view_transfer",)))
    assert api.get(url("transfer-list")).status_code == 200
    response = post(api, name, payout(), **kwargs)
    assert response.status_code == 403
    assert perm in errors_of(response)[0]["message"]
    assert Transfer.objects.count() == 0


def test_each_create_permission_opens_only_its_endpoint(sandbox_accounts: Any) -> None:
    api = APIClient()
    api.force_authenticate(make_user("payer", perms=("add_transfer",)))
    assert post(api, "transfer-list", payout()).status_code == 201
    assert post(api, "collection-list", collection_request()).status_code == 403
    assert Collection.objects.count() == 0


def test_superuser_may_do_everything(sandbox_accounts: Any) -> None:
    from django.contrib.auth.models import User

    api = APIClient()
    api.force_authenticate(User.objects.create_superuser("root", password="x"))
    assert post(api, "transfer-list", payout()).status_code == 201
    assert post(api, "collection-list", collection_request()).status_code == 201


def test_throttle_scopes_apply_when_configured(api: Any, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"momo_api": "2/min"}}
    assert api.get(url("account-list")).status_code == 200
    assert api.get(url("account-list")).status_code == 200
    response = api.get(url("account-list"))
    assert response.status_code == 429
    assert errors_of(response)[0]["code"] == "throttled"
    assert "Retry-After" in response.headers
    # The create scope has no rate: POSTs are not limited by the read scope.
    assert post(api, "transfer-list", {}).status_code == 400
    cache.clear()
