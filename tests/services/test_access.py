"""One named permission per action and kind: the table every face asks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from django_momo.models import Collection, Refund, Transfer
from django_momo.services.access import PERMISSIONS, AccessDenied, can, permission_for, require

pytestmark = pytest.mark.django_db


def test_every_permission_in_the_table_exists():
    for codename in {p.split(".", 1)[1] for p in PERMISSIONS.values()}:
        assert Permission.objects.filter(
            content_type__app_label="django_momo", codename=codename
        ).exists(), codename


@pytest.mark.parametrize(("kind", "action"), sorted(PERMISSIONS))
def test_exactly_the_named_permission_allows_the_action(kind, action):
    model = {"transfer": Transfer, "collection": Collection, "refund": Refund}.get(kind, kind)
    codename = permission_for(model, action).split(".", 1)[1]
    holder = User.objects.create_user(f"holder-{kind}-{action}")
    holder.user_permissions.add(Permission.objects.get(codename=codename))
    other = User.objects.create_user(f"other-{kind}-{action}")
    others = Permission.objects.filter(content_type__app_label="django_momo").exclude(
        codename=codename
    )
    other.user_permissions.add(*others)
    assert can(User.objects.get(pk=holder.pk), model, action)
    assert not can(User.objects.get(pk=other.pk), model, action)
    with pytest.raises(AccessDenied, match=codename):
        require(User.objects.get(pk=other.pk), model, action)


def test_inactive_and_anonymous_users_may_do_nothing():
    from django.contrib.auth.models import AnonymousUser

    boss = User.objects.create_superuser("boss")
    assert can(boss, Transfer, "send")
    boss.is_active = False
    assert not can(boss, Transfer, "send")
    assert not can(AnonymousUser(), Transfer, "view")
    assert not can(None, Transfer, "view")


def test_an_unknown_action_or_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="no 'refund' action"):
        permission_for(Transfer, "refund")
    with pytest.raises(ValueError, match="not a django-momo payment kind"):
        permission_for(User, "view")
