"""Held collections and refunds are sent or cancelled from the admin, like payouts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import Client

from django_momo import services
from django_momo.admin import actions
from django_momo.models import Collection, PaymentStatus, Refund, StatusChange

from .confirming import confirm
from .conftest import (
    COLLECTIONS,
    force_status,
    make_collection,
    make_user,
    messages_of,
    post_action,
    successful_collection,
)

# Enqueues run on commit: these tests commit, as the admin does in production.
pytestmark = pytest.mark.django_db(transaction=True)
S = PaymentStatus
REFUNDS = "/admin/django_momo/refund/"


def held_refund(collection: Collection, amount: str = "5.00", ext: str = "") -> Refund:
    return services.create_refund(
        collection.pk,
        amount=Decimal(amount),
        external_id=ext or f"held-{collection.pk}",
        actor="test",
    )


def paid_collection() -> Collection:
    """A successful collection without the sandbox (its refunds are not sent here)."""
    collection = make_collection()
    force_status(collection, S.SUCCESSFUL)
    return collection


def offered(client: Client, url: str) -> set[str]:
    html = client.get(url).content.decode()
    names = ("send_collections", "cancel_collections", "send_refunds", "cancel_refunds")
    return {name for name in names if f'value="{name}"' in html}


# -- collections -----------------------------------------------------------------------------------
def test_a_held_collection_is_sent(admin_client: Client, sandbox_accounts: Any) -> None:
    held, sent = make_collection(), make_collection()
    services.send_collection(sent.pk, actor="test")
    response = confirm(admin_client, COLLECTIONS, "send_collections", [held.pk, sent.pk])
    assert response.status_code == 302
    msgs = messages_of(admin_client.get(COLLECTIONS))
    assert "1 collection queued for sending." in msgs
    assert "1 collection skipped: no longer in 'created'." in msgs
    held.refresh_from_db()
    assert held.status in (S.PENDING, S.SUCCESSFUL)
    requests = [
        e
        for e in sandbox_accounts.control.ledger()["entries"]
        if e["external_id"] == held.external_id
    ]
    assert len(requests) == 1


def test_a_held_collection_is_cancelled_with_its_reason(admin_client: Client) -> None:
    held = make_collection()
    response = confirm(
        admin_client, COLLECTIONS, "cancel_collections", [held.pk], reason="customer left"
    )
    assert response.status_code == 302
    assert "1 collection cancelled." in messages_of(admin_client.get(COLLECTIONS))
    held.refresh_from_db()
    assert held.status == S.CANCELLED
    change = held.status_changes.order_by("id").last()
    assert (change.to_status, change.reason, change.actor) == (
        S.CANCELLED,
        "customer left",
        "user:admin",
    )


def test_cancelling_a_sent_collection_is_refused_and_changes_nothing(
    admin_client: Client,
) -> None:
    sent = make_collection()
    force_status(sent, S.PENDING)
    changes = StatusChange.objects.count()
    with pytest.raises(services.InvalidTransition, match="only a created collection"):
        services.cancel_collection(sent.pk, actor="test")
    # From the admin it is not offered for cancelling: the page shows nothing to do.
    page = post_action(admin_client, COLLECTIONS, "cancel_collections", [sent.pk])
    assert page.context["count"] == 0
    assert 'id="momo-confirm-form"' not in page.content.decode()
    sent.refresh_from_db()
    assert sent.status == S.PENDING
    assert StatusChange.objects.count() == changes


def test_cancelling_twice_is_harmless() -> None:
    held = make_collection()
    services.cancel_collection(held.pk, actor="test")
    changes = StatusChange.objects.count()
    assert services.cancel_collection(held.pk, actor="test").status == S.CANCELLED
    assert StatusChange.objects.count() == changes


# -- refunds ---------------------------------------------------------------------------------------
def test_a_held_refund_is_sent(admin_client: Client, sandbox_accounts: Any) -> None:
    collection = successful_collection()
    refund = held_refund(collection, "15.00")
    assert refund.status == S.CREATED
    response = confirm(admin_client, REFUNDS, "send_refunds", [refund.pk])
    assert response.status_code == 302
    assert "1 refund queued for sending." in messages_of(admin_client.get(REFUNDS))
    refund.refresh_from_db()
    assert refund.status in (S.PENDING, S.SUCCESSFUL)
    booked = [
        e
        for e in sandbox_accounts.control.ledger()["entries"]
        if e["operation"] == "disbursement.refund"
    ]
    assert len(booked) == 1


def test_a_cancelled_refund_frees_its_amount(admin_client: Client) -> None:
    collection = paid_collection()
    refund = held_refund(collection, "30.00")
    assert services.refundable_amount(collection) == Decimal("10.00")
    with pytest.raises(services.RefundExceedsCollected):
        services.create_refund(collection.pk, amount="20.00", external_id="x2", actor="test")
    response = confirm(admin_client, REFUNDS, "cancel_refunds", [refund.pk], reason="wrong")
    assert response.status_code == 302
    assert "1 refund cancelled." in messages_of(admin_client.get(REFUNDS))
    refund.refresh_from_db()
    assert refund.status == S.CANCELLED
    assert services.refundable_amount(collection) == Decimal("40.00")
    again = services.create_refund(collection.pk, amount="20.00", external_id="x2", actor="test")
    assert again.amount == Decimal("20.00")


def test_cancelling_a_sent_refund_is_refused_and_changes_nothing(admin_client: Client) -> None:
    collection = paid_collection()
    refund = held_refund(collection, "30.00")
    force_status(refund, S.PENDING)
    changes = StatusChange.objects.count()
    with pytest.raises(services.InvalidTransition, match="only a created refund"):
        services.cancel_refund(refund.pk, actor="test")
    page = post_action(admin_client, REFUNDS, "cancel_refunds", [refund.pk])
    assert page.context["count"] == 0
    refund.refresh_from_db()
    assert refund.status == S.PENDING
    assert StatusChange.objects.count() == changes
    assert services.refundable_amount(collection) == Decimal("10.00")  # still held


# -- permissions -----------------------------------------------------------------------------------
def test_each_permission_opens_its_own_actions(client: Client) -> None:
    # Each action has a permission of its own (services.access): requesting a payment or
    # refunding one does not include sending or cancelling it.
    client.force_login(
        make_user(
            "requester", "view_collection", "request_collection", "refund_collection", "view_refund"
        )
    )
    assert offered(client, COLLECTIONS) == set()
    assert offered(client, REFUNDS) == set()
    client.force_login(
        make_user("sender", "view_collection", "send_collection", "view_refund", "cancel_refund")
    )
    assert offered(client, COLLECTIONS) == {"send_collections"}
    assert offered(client, REFUNDS) == {"cancel_refunds"}
    client.force_login(
        make_user(
            "all",
            "view_collection",
            "send_collection",
            "cancel_collection",
            "view_refund",
            "send_refund",
            "cancel_refund",
        )
    )
    assert offered(client, COLLECTIONS) == {"send_collections", "cancel_collections"}
    assert offered(client, REFUNDS) == {"send_refunds", "cancel_refunds"}


def test_without_permission_nothing_is_sent_or_cancelled(client: Client, rf: Any) -> None:
    viewer = make_user(
        "looker", "view_collection", "refresh_collection", "view_refund", "refresh_refund"
    )
    collection = make_collection()
    refund = held_refund(paid_collection())
    client.force_login(viewer)
    assert offered(client, COLLECTIONS) == offered(client, REFUNDS) == set()
    changes = StatusChange.objects.count()
    for url, action, pk in (
        (COLLECTIONS, "send_collections", collection.pk),
        (COLLECTIONS, "cancel_collections", collection.pk),
        (REFUNDS, "send_refunds", refund.pk),
        (REFUNDS, "cancel_refunds", refund.pk),
    ):
        response = post_action(client, url, action, [pk], confirm="yes", reason="forged")
        assert response.status_code in (200, 302)
    request = rf.post(COLLECTIONS, {"confirm": "yes"})
    request.user = viewer
    for model, action in (
        (Collection, actions.send_collections),
        (Collection, actions.cancel_collections),
        (Refund, actions.send_refunds),
        (Refund, actions.cancel_refunds),
    ):
        with pytest.raises(PermissionDenied):
            action(admin.site._registry[model], request, model.objects.all())
    assert Collection.objects.get(pk=collection.pk).held is True
    assert Refund.objects.get(pk=refund.pk).held is True
    assert StatusChange.objects.count() == changes
