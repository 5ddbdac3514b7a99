"""Maker-checker through the REST API: the same rules as the service and the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_momo.models import Transfer

from .conftest import PAYOUT_PERMS, make_user, payout, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rule(sandbox_accounts: Any, settings: Any) -> Any:
    conf = dict(settings.DJANGO_MOMO)
    conf["ACCOUNTS"] = {k: dict(v) for k, v in conf["ACCOUNTS"].items()}
    conf["ACCOUNTS"]["mtn"]["APPROVALS"] = {"ABOVE": "100", "REQUIRED": 1}
    settings.DJANGO_MOMO = conf
    return sandbox_accounts


def as_user(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_checker_approves_then_the_payout_can_be_sent(rule: Any) -> None:
    maker = make_user("maker", perms=PAYOUT_PERMS)
    created = post(as_user(maker), "transfer-list", payout(amount="150.00", hold=True))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["approvals_required"] == 1
    assert body["held"] is True
    pk = body["id"]
    own = post(as_user(maker), "transfer-decision", {"decision": "approved"}, pk=pk)
    assert own.status_code == 403  # the maker lacks approve_transfer
    checker = make_user("checker", perms=("view_transfer", "approve_transfer"))
    bad = post(as_user(checker), "transfer-decision", {"decision": "maybe"}, pk=pk)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "decision"
    ok = post(as_user(checker), "transfer-decision", {"decision": "approved"}, pk=pk)
    assert ok.status_code == 200, ok.content
    again = post(as_user(checker), "transfer-decision", {"decision": "approved"}, pk=pk)
    assert again.status_code == 409
    from django_momo import services

    assert services.send_transfer(pk, actor="t").status == "pending"


def test_the_maker_cannot_approve_even_with_the_permission(rule: Any) -> None:
    maker = make_user("maker2", perms=(*PAYOUT_PERMS, "approve_transfer"))
    pk = post(as_user(maker), "transfer-list", payout(amount="150.00", hold=True)).json()["id"]
    refused = post(as_user(maker), "transfer-decision", {"decision": "approved"}, pk=pk)
    assert refused.status_code == 400
    assert "maker" in refused.json()["errors"][0]["message"]
    assert Transfer.objects.get(pk=pk).approvals.count() == 0


def test_a_rejection_needs_a_note_and_cancels(rule: Any) -> None:
    maker = make_user("maker3", perms=PAYOUT_PERMS)
    pk = post(as_user(maker), "transfer-list", payout(amount="150.00", hold=True)).json()["id"]
    checker = make_user("checker3", perms=("view_transfer", "approve_transfer"))
    silent = post(as_user(checker), "transfer-decision", {"decision": "rejected"}, pk=pk)
    assert silent.status_code == 400
    done = post(
        as_user(checker),
        "transfer-decision",
        {"decision": "rejected", "note": "unknown payee"},
        pk=pk,
    )
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled"
