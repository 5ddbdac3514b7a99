"""Maker-checker in the admin: the approve-or-reject action, bound to what it showed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_momo import services
from django_momo.models import Approval, Transfer

from .confirming import confirm, confirmation
from .conftest import CHANGELIST, make_transfer, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rule(sandbox_accounts: Any, settings: Any) -> Any:
    conf = dict(settings.DJANGO_MOMO)
    conf["ACCOUNTS"] = {k: dict(v) for k, v in conf["ACCOUNTS"].items()}
    conf["ACCOUNTS"]["mtn"]["APPROVALS"] = {"ABOVE": "10", "REQUIRED": 1}
    settings.DJANGO_MOMO = conf
    return sandbox_accounts


def test_a_checker_approves_from_the_admin(rule: Any, client: Client) -> None:
    maker = make_user("maker", "view_transfer", "add_transfer", "approve_transfer")
    big = make_transfer("mtn", created_by=maker)  # 12.50 EUR: above 10
    assert big.approvals_required == 1
    client.force_login(maker)
    confirm(client, CHANGELIST, "decide_transfers", [big.pk], decision="approved")
    assert not Approval.objects.exists()  # the maker may not approve: a failure of that row
    checker = make_user("checker", "view_transfer", "approve_transfer")
    client.force_login(checker)
    page = confirmation(client, CHANGELIST, "decide_transfers", [big.pk])
    assert "await approval" in page.content.decode()
    response = confirm(client, CHANGELIST, "decide_transfers", [big.pk], decision="approved")
    assert response.status_code == 302
    assert not services.awaiting_approval(Transfer.objects.get(pk=big.pk))


def test_a_rejection_needs_a_note_and_cancels(rule: Any, client: Client) -> None:
    big = make_transfer("mtn")
    client.force_login(make_user("checker", "view_transfer", "approve_transfer"))
    page = confirm(client, CHANGELIST, "decide_transfers", [big.pk], decision="rejected")
    assert page.status_code == 200
    assert "Say why you reject them." in page.content.decode()
    assert Transfer.objects.get(pk=big.pk).status == "created"
    confirm(client, CHANGELIST, "decide_transfers", [big.pk], decision="rejected", note="duplicate")
    assert Transfer.objects.get(pk=big.pk).status == "cancelled"


def test_without_the_permission_the_action_is_not_offered(rule: Any, client: Client) -> None:
    big = make_transfer("mtn")
    client.force_login(make_user("clerk", "view_transfer", "send_transfer"))
    page = client.get(CHANGELIST)
    assert "decide_transfers" not in page.content.decode()
    assert Transfer.objects.get(pk=big.pk).approvals.count() == 0
