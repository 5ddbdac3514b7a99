"""``manage.py momo_api_key``: the key printed once, list hides it, refusals change nothing."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command

from django_momo.models import ApiKey

pytestmark = pytest.mark.django_db

KEY_RE = re.compile(r"mk_live_[0-9a-f]{8}\.[A-Za-z0-9_-]{43}")


@pytest.fixture
def backend(db: Any) -> User:
    user = User.objects.create_user("shop-backend")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="django_momo", codename="add_transfer")
    )
    return user


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("momo_api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_key_once_and_list_never(backend: User) -> None:
    out, err = run(
        "create",
        "--user",
        "shop-backend",
        "--name",
        "shop",
        "--scope",
        "django_momo.add_transfer",
        "--account",
        "mtn",
        "--expires-in-days",
        "90",
    )
    [plaintext] = KEY_RE.findall(out)
    assert err == ""
    key = ApiKey.objects.get()
    assert plaintext.startswith(key.prefix + ".")
    assert key.owner == backend
    assert key.scopes == ["django_momo.add_transfer"]
    assert key.accounts == ["mtn"]
    assert key.expires_at is not None
    listed, _ = run("list")
    assert key.prefix in listed
    assert "active" in listed
    assert plaintext.split(".")[1] not in listed
    assert ApiKey.authenticate(plaintext) == key


def test_a_scope_the_owner_lacks_is_issued_with_a_warning(backend: User) -> None:
    _, err = run(
        "create",
        "--user",
        "shop-backend",
        "--name",
        "shop",
        "--scope",
        "django_momo.request_collection",
    )
    assert "does not hold django_momo.request_collection" in err
    assert ApiKey.objects.count() == 1


def test_revoke(backend: User) -> None:
    key, _ = ApiKey.issue(owner=backend, name="shop")
    out, _ = run("revoke", key.prefix)
    assert f"Revoked API key {key.prefix}" in out
    key.refresh_from_db()
    first = key.revoked_at
    assert first is not None
    with pytest.raises(CommandError, match="revoked already"):
        run("revoke", key.prefix)
    key.refresh_from_db()
    assert key.revoked_at == first
    assert "revoked" in run("list")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "no user named 'nobody'"),
        (["--scope", "django_momo.fly"], "unknown permission 'django_momo.fly'"),
        (["--scope", "auth.add_user"], "unknown permission 'auth.add_user'"),
        (["--account", "nowhere"], "unknown account 'nowhere'"),
        (["--expires-in-days", "0"], "must be from 1 to 3650"),
        (["--expires-in-days", "-3"], "must be from 1 to 3650"),
        (["--expires-in-days", "soon"], "not a whole number"),
        (["--name", "  "], "must not be blank"),
    ],
)
def test_each_refusal_is_a_command_error_and_changes_nothing(
    backend: User, args: list[str], message: str
) -> None:
    base = {"--user": "shop-backend", "--name": "shop", "--scope": "django_momo.add_transfer"}
    argv = ["create"]
    for option, value in base.items():
        if option not in args:
            argv += [option, value]
    argv += args
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*argv)
    assert ApiKey.objects.count() == 0


def test_inactive_user_is_refused(backend: User) -> None:
    User.objects.filter(pk=backend.pk).update(is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        run("create", "--user", "shop-backend", "--name", "shop")
    assert ApiKey.objects.count() == 0


def test_revoking_an_unknown_prefix_is_refused(backend: User) -> None:
    key, _ = ApiKey.issue(owner=backend, name="shop")
    with pytest.raises(CommandError, match="no API key 'mk_live_00000000'"):
        run("revoke", "mk_live_00000000")
    key.refresh_from_db()
    assert key.revoked_at is None


def test_missing_action_or_required_option_is_refused(db: Any) -> None:
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError):
        run("create", "--name", "shop")
    assert ApiKey.objects.count() == 0
