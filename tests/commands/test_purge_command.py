from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from django_momo.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def make_key(user, key, age):
    row = IdempotencyKey.objects.create(
        user=user, key=key, method="POST", path="/momo/api/transfers/", fingerprint="f" * 64
    )
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)


def test_purge_deletes_only_keys_past_the_window():
    user = User.objects.create_user("shop")
    make_key(user, "old", timedelta(hours=30))
    make_key(user, "recent", timedelta(hours=2))
    out = StringIO()
    call_command("momo_purge_idempotency_keys", stdout=out)
    assert "Deleted 1 idempotency keys older than 24 hours." in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_purge_refuses_a_window_shorter_than_a_day():
    with pytest.raises(CommandError, match="at least 24"):
        call_command("momo_purge_idempotency_keys", "--hours", "1")
