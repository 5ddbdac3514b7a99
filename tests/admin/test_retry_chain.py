"""The admin's retry action guards the whole retry chain, as the service does."""

from __future__ import annotations

import pytest
from django.test import Client

from django_momo import services
from django_momo.models import PaymentStatus, Transfer

from .confirming import confirm
from .conftest import CHANGELIST, force_status, make_transfer, post_action

pytestmark = pytest.mark.django_db(transaction=True)
S = PaymentStatus


def retry_in_admin(client: Client, *ids: int) -> None:
    response = confirm(client, CHANGELIST, "retry_transfers", list(ids), understood="on")
    assert response.status_code == 302


def test_the_original_is_not_retried_while_a_retry_of_its_retry_is_live(
    admin_client: Client,
) -> None:
    original = make_transfer("mtn")
    force_status(original, S.FAILED)
    first = services.retry_transfer(original.pk, actor="user:a")
    force_status(first, S.FAILED)
    second = services.retry_transfer(first.pk, actor="user:a")  # live, status created
    # The confirmation lists neither: both chains' payouts are covered by a live one.
    page = post_action(admin_client, CHANGELIST, "retry_transfers", [original.pk, first.pk])
    assert page.status_code == 200
    assert "2 selected are not failed, or were retried already" in page.content.decode()
    retry_in_admin(admin_client, original.pk, first.pk)
    chain = Transfer.objects.filter(chain_root=original)
    assert sorted(chain.values_list("pk", flat=True)) == [first.pk, second.pk]


def test_a_paid_chain_is_never_retried_again(admin_client: Client) -> None:
    original = make_transfer("mtn")
    force_status(original, S.FAILED)
    paid = services.retry_transfer(original.pk, actor="user:a")
    force_status(paid, S.SUCCESSFUL)
    retry_in_admin(admin_client, original.pk)
    assert Transfer.objects.filter(chain_root=original).count() == 1
