"""API keys: ``Authorization: Api-Key <key>`` with scopes, accounts, expiry and revocation."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from django_momo.models import ApiKey, Collection, StatusChange, Transfer
from django_momo.models.api_keys import LAST_USED_RESOLUTION, hash_secret

from .conftest import (
    PAYOUT_PERMS,
    collection_request,
    errors_of,
    make_user,
    momo_payout,
    new_key,
    payout,
    url,
)

pytestmark = pytest.mark.django_db

ALL_SCOPES = [f"django_momo.{p}" for p in PAYOUT_PERMS]


@pytest.fixture
def service_user(db: Any) -> User:
    """The shop backend's user: every create permission, no staff status."""
    return make_user("shop-backend", staff=False, perms=PAYOUT_PERMS)


def issue(owner: User, **kwargs: Any) -> tuple[ApiKey, str]:
    kwargs.setdefault("scopes", ALL_SCOPES)
    return ApiKey.issue(owner=owner, name="shop backend", **kwargs)


def client(plaintext: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return api


def create(api: APIClient, route: str, body: Any, **kwargs: Any) -> Any:
    return api.post(
        url(route, **kwargs),
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": new_key()},
    )


def assert_401(response: Any, needle: str) -> None:
    assert response.status_code == 401, response.content
    assert response.headers["WWW-Authenticate"].startswith("Api-Key")
    [error] = errors_of(response)
    assert error["code"] == "authentication_failed"
    assert needle in error["message"]


def test_issue_stores_only_a_hash_and_hides_the_secret(service_user: User) -> None:
    key, plaintext = issue(service_user)
    prefix, secret = plaintext.split(".")
    assert prefix == key.prefix
    assert prefix.startswith("mk_live_")
    assert len(secret) >= 43
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.secret_hash == hash_secret(secret)
    assert secret not in json.dumps(
        [getattr(stored, f.attname) for f in ApiKey._meta.concrete_fields], default=str
    )
    assert secret not in str(stored)
    assert secret not in repr(stored)


def test_a_non_staff_service_user_reads_and_creates_with_a_key(
    service_user: User, sandbox_accounts: Any
) -> None:
    _, plaintext = issue(service_user)
    api = client(plaintext)
    assert api.get(url("account-list")).status_code == 200
    response = create(api, "transfer-list", payout())
    assert response.status_code == 201, response.content
    transfer = Transfer.objects.get()
    assert transfer.created_by == service_user
    actors = set(StatusChange.objects.values_list("actor", flat=True))
    assert any(a.startswith("api:shop-backend key:mk_live_") for a in actors), actors
    assert api.get(url("transfer-detail", pk=transfer.pk)).status_code == 200
    # Without the key the same user is refused: it is not staff.
    plain = APIClient()
    plain.force_authenticate(service_user)
    assert plain.get(url("transfer-list")).status_code == 403


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key",
        "Api-Key a b",
        "Api-Key not-a-key",
        "Api-Key mk_live_zzzzzzzz.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_malformed_keys_get_401(service_user: User, header: str) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(url("transfer-list"))
    assert_401(response, "malformed")


def test_unknown_key_and_wrong_secret_get_401(service_user: User) -> None:
    key, plaintext = issue(service_user)
    other = "mk_live_00000000." + plaintext.split(".")[1]
    if other.startswith(key.prefix):
        other = "mk_live_00000001." + plaintext.split(".")[1]
    assert_401(client(other).get(url("transfer-list")), "unknown API key")
    wrong = key.prefix + "." + "A" * 43
    assert_401(client(wrong).get(url("transfer-list")), "unknown API key")


def test_missing_credentials_get_401_with_the_scheme() -> None:
    response = APIClient().get(url("transfer-list"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Api-Key realm="api"'
    assert errors_of(response)[0]["code"] == "not_authenticated"


def test_revoked_key_gets_401_and_creates_nothing(
    service_user: User, sandbox_accounts: Any
) -> None:
    key, plaintext = issue(service_user)
    api = client(plaintext)
    assert api.get(url("transfer-list")).status_code == 200
    assert key.revoke()
    assert not key.revoke()  # the first revocation stays
    assert_401(api.get(url("transfer-list")), "revoked")
    assert_401(create(api, "transfer-list", payout()), "revoked")
    assert Transfer.objects.count() == 0


def test_expired_key_gets_401(service_user: User) -> None:
    key, plaintext = issue(service_user, expires_at=timezone.now() + timedelta(hours=1))
    api = client(plaintext)
    assert api.get(url("transfer-list")).status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_401(api.get(url("transfer-list")), "expired")


def test_inactive_owner_gets_401(service_user: User) -> None:
    _, plaintext = issue(service_user)
    User.objects.filter(pk=service_user.pk).update(is_active=False)
    assert_401(client(plaintext).get(url("transfer-list")), "inactive")


def test_a_key_lacking_the_scope_gets_403_and_nothing_changes(
    service_user: User, sandbox_accounts: Any
) -> None:
    _, plaintext = issue(service_user, scopes=["django_momo.request_collection"])
    api = client(plaintext)
    response = create(api, "transfer-list", payout())
    assert response.status_code == 403
    [error] = errors_of(response)
    assert error["code"] == "permission_denied"
    assert "django_momo.add_transfer" in error["message"]
    assert "scope" in error["message"]
    assert Transfer.objects.count() == 0
    assert create(api, "collection-list", collection_request()).status_code == 201


def test_a_scope_the_owner_lacks_gives_403(db: Any, sandbox_accounts: Any) -> None:
    clerk = make_user("clerk", staff=False, perms=("request_collection",))
    _, plaintext = issue(clerk)  # every scope, but the owner holds one permission
    response = create(client(plaintext), "transfer-list", payout())
    assert response.status_code == 403
    assert "owner" in errors_of(response)[0]["message"]
    assert Transfer.objects.count() == 0


def test_a_key_scoped_to_reading_may_only_read(service_user: User, sandbox_accounts: Any) -> None:
    _, plaintext = issue(service_user, scopes=["django_momo.view_collection"])
    api = client(plaintext)
    assert api.get(url("collection-list")).status_code == 200
    assert api.get(url("transfer-list")).status_code == 403  # not in its scopes
    assert create(api, "collection-list", collection_request()).status_code == 403
    assert Collection.objects.count() == 0
    _, nothing = issue(service_user, scopes=[])
    assert client(nothing).get(url("collection-list")).status_code == 403


def test_account_restriction_on_list_detail_create_and_accounts(
    service_user: User, sandbox_accounts: Any, operator: User
) -> None:
    staff = APIClient()
    staff.force_authenticate(operator)
    mtn = create(staff, "transfer-list", payout()).json()
    momo = create(staff, "transfer-list", momo_payout()).json()
    _, plaintext = issue(service_user, accounts=["mtn"])
    api = client(plaintext)

    listed = api.get(url("transfer-list")).json()["results"]
    assert [t["id"] for t in listed] == [mtn["id"]]
    assert api.get(url("transfer-list"), {"account": "momo"}).json()["results"] == []
    assert api.get(url("transfer-detail", pk=mtn["id"])).status_code == 200
    assert api.get(url("transfer-detail", pk=momo["id"])).status_code == 404

    refused = create(api, "transfer-list", momo_payout())
    assert refused.status_code == 403
    [error] = errors_of(refused)
    assert error["code"] == "account_not_allowed"
    assert error["field"] == "account"
    assert "'momo'" in error["message"]
    assert Transfer.objects.count() == 2
    assert create(api, "transfer-list", payout()).status_code == 201

    assert [a["name"] for a in api.get(url("account-list")).json()] == ["mtn"]
    assert api.get(url("account-balance", name="momo")).status_code == 403


def test_account_restriction_on_collections_and_refunds(
    service_user: User, sandbox_accounts: Any, operator: User
) -> None:
    staff = APIClient()
    staff.force_authenticate(operator)
    col = create(staff, "collection-list", collection_request()).json()
    _, plaintext = issue(service_user, accounts=["momo"])
    api = client(plaintext)
    assert api.get(url("collection-list")).json()["results"] == []
    assert api.get(url("collection-detail", pk=col["id"])).status_code == 404
    assert api.get(url("collection-refunds", pk=col["id"])).status_code == 404
    refund = create(api, "collection-refunds", {"amount": "1.00"}, pk=col["id"])
    assert refund.status_code == 404
    assert create(api, "collection-list", collection_request()).status_code == 403
    assert Collection.objects.count() == 1


def test_last_used_at_is_written_at_most_once_a_minute(service_user: User) -> None:
    key, plaintext = issue(service_user)
    assert key.last_used_at is None
    api = client(plaintext)
    api.get(url("account-list"))
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    api.get(url("account-list"))
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    # A minute later the next request writes again.
    earlier = first - LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=earlier)
    api.get(url("account-list"))
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first


def test_last_used_at_is_one_query_per_minute(
    service_user: User, django_assert_num_queries: Any
) -> None:
    _, plaintext = issue(service_user)
    api = client(plaintext)
    api.get(url("account-list"))
    with django_assert_num_queries(1):  # the key lookup, and no UPDATE
        assert api.get(url("account-list")).status_code == 200


def test_the_plaintext_never_appears_in_answers_or_logs(
    service_user: User, sandbox_accounts: Any, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    key, plaintext = issue(
        service_user,
        accounts=["mtn"],
        scopes=["django_momo.view_transfer", "django_momo.add_transfer"],
    )
    secret = plaintext.split(".")[1]
    api = client(plaintext)
    answers = [
        api.get(url("account-list")),
        api.get(url("transfer-list")),
        create(api, "transfer-list", payout()),
        create(api, "transfer-list", payout(hold=False)),  # no send scope: 403
        create(api, "transfer-list", momo_payout()),
        create(api, "collection-list", collection_request()),
        api.get(url("schema")),
    ]
    key.revoke()
    answers.append(api.get(url("transfer-list")))
    broken = client(key.prefix + "." + secret[::-1])
    answers.append(broken.get(url("transfer-list")))
    assert {a.status_code for a in answers} >= {200, 201, 401, 403}
    for answer in answers:
        text = answer.content.decode() + json.dumps(dict(answer.headers))
        assert secret not in text
    assert caplog.records, "refusals are logged"
    assert secret not in caplog.text
    assert plaintext not in caplog.text


def test_session_and_basic_auth_still_work(operator: User) -> None:
    import base64

    token = base64.b64encode(b"operator:pw-operator").decode()
    assert (
        APIClient().get(url("account-list"), HTTP_AUTHORIZATION=f"Basic {token}").status_code == 200
    )
    api = APIClient()
    api.login(username="operator", password="pw-operator")
    assert api.get(url("account-list")).status_code == 200
