"""The money-moving actions: confirmation pages, permissions, per-row results, double submits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import Client

from django_momo.admin import actions
from django_momo.models import Collection, PaymentStatus, Refund, Transfer

from .confirming import confirm, confirmation, submit, token_of
from .conftest import (
    CHANGELIST,
    COLLECTIONS,
    force_status,
    make_transfer,
    post_action,
    successful_collection,
)

# Enqueues run on commit: these tests commit, as the admin does in production.
pytestmark = pytest.mark.django_db(transaction=True)
S = PaymentStatus


def bookings(handle: Any, operation: str = "disbursement.transfer") -> list[dict[str, Any]]:
    return [e for e in handle.control.ledger()["entries"] if e["operation"] == operation]


def test_send_asks_for_confirmation_first(admin_client: Client, sandbox_accounts: Any) -> None:
    a, b = make_transfer("mtn"), make_transfer("mtn", amount=Decimal("7.50"))
    momo = make_transfer("momo")
    done = make_transfer("mtn")
    force_status(done, S.CANCELLED)
    ids = [a.pk, b.pk, momo.pk, done.pk]
    response = post_action(admin_client, CHANGELIST, "send_transfers", ids)
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 payouts will be sent" in html
    assert "20.00 EUR" in html
    assert "15,000 VND" in html
    assert "1 selected payout is not in &#x27;created&#x27;" in html
    assert 'name="confirm" value="yes"' in html
    # Nothing happened yet.
    assert set(Transfer.objects.values_list("status", flat=True)) == {S.CREATED, S.CANCELLED}
    assert sandbox_accounts.control.ledger()["entries"] == []


def test_confirmed_send_sends_each_once(admin_client: Client, sandbox_accounts: Any) -> None:
    rows = [make_transfer("mtn") for _ in range(3)]
    ids = [t.pk for t in rows]
    response = confirm(admin_client, CHANGELIST, "send_transfers", ids)
    assert response.status_code == 302
    msgs = [str(m) for m in admin_client.get(CHANGELIST).context["messages"]]
    assert "3 payouts queued for sending." in msgs
    statuses = set(Transfer.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses <= {S.PENDING, S.SUCCESSFUL}
    assert len(bookings(sandbox_accounts)) == 3


def test_double_submit_sends_once_and_enqueues_nothing_twice(
    admin_client: Client, sandbox_accounts: Any, settings: Any
) -> None:
    rows = [make_transfer("mtn"), make_transfer("momo")]
    ids = [t.pk for t in rows]
    page = confirmation(admin_client, CHANGELIST, "send_transfers", ids)
    submit(admin_client, CHANGELIST, "send_transfers", ids, page)
    # The second submit of the same page, now with a backend that only records.
    from django_momo.tasks_compat import default_task_backend

    from .conftest import DUMMY_BACKEND

    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    response = submit(admin_client, CHANGELIST, "send_transfers", ids, page)
    assert response.status_code == 302
    assert list(default_task_backend.results) == []  # type: ignore[attr-defined]
    msgs = [str(m) for m in admin_client.get(CHANGELIST).context["messages"]]
    assert "2 payouts skipped: no longer in 'created'." in msgs
    assert "This confirmation was already submitted; nothing was done a second time." in msgs
    ledger = sandbox_accounts.control.ledger()
    assert len(ledger["entries"]) == 2
    assert ledger["violations"] == []


def test_send_of_many_selected_across_only_enqueues(
    admin_client: Client, dummy_backend: Any
) -> None:
    make_transfer("mtn")
    bulk = [
        Transfer(
            account="mtn",
            provider="mtn",
            operation="mtn.disbursement.transfer",
            party_type="MSISDN",
            party_id=f"25670{i:07d}",
            amount=Decimal("1.00"),
            currency="EUR",
            external_id=f"bulk-{i}",
            reference=f"bulk-ref-{i}",
        )
        for i in range(1200)
    ]
    Transfer.objects.bulk_create(bulk)
    data = {
        "action": "send_transfers",
        "index": "0",
        "select_across": "1",
        "_selected_action": [bulk[0].pk or Transfer.objects.first().pk],
    }
    shown = admin_client.post(CHANGELIST, data)
    page = shown.content.decode()
    assert "1201 payouts will be sent" in page
    assert 'name="select_across" value="1"' in page
    assert page.count('name="_selected_action"') == 0  # the ids travel in the signed token
    assert len(token_of(shown)) < 2000  # a contiguous selection stays small
    response = admin_client.post(
        CHANGELIST, {**data, "confirm": "yes", "momo_confirmation": token_of(shown)}
    )
    assert response.status_code == 302
    # One fan-out task per 500 ids; nothing was sent in the request.
    assert len(dummy_backend.results) == 3
    assert Transfer.objects.exclude(status=S.CREATED).count() == 0


def test_refresh_queries_in_flight_payouts(admin_client: Client, sandbox_accounts: Any) -> None:
    sent = make_transfer("mtn")
    confirm(admin_client, CHANGELIST, "send_transfers", [sent.pk])
    sent.refresh_from_db()
    fresh = make_transfer("mtn")
    response = confirm(admin_client, CHANGELIST, "refresh_transfers", [sent.pk, fresh.pk])
    assert response.status_code == 302
    msgs = [str(m) for m in admin_client.get(CHANGELIST).context["messages"]]
    if sent.status == S.PENDING:
        assert "1 status check queued." in msgs
    sent.refresh_from_db()
    assert sent.status == S.SUCCESSFUL
    assert Transfer.objects.get(pk=fresh.pk).status == S.CREATED


def test_cancel_reports_successes_and_skips(admin_client: Client) -> None:
    a, b = make_transfer("mtn"), make_transfer("mtn")
    force_status(b, S.PENDING)
    response = confirm(
        admin_client, CHANGELIST, "cancel_transfers", [a.pk, b.pk], reason="wrong number"
    )
    assert response.status_code == 302
    msgs = [str(m) for m in admin_client.get(CHANGELIST).context["messages"]]
    assert "1 payout cancelled." in msgs
    assert "1 skipped: not in 'created'." in msgs
    a.refresh_from_db()
    assert a.status == S.CANCELLED
    assert a.status_changes.last().reason == "wrong number"
    assert Transfer.objects.get(pk=b.pk).status == S.PENDING


def test_retry_needs_explicit_confirmation_and_creates_one(admin_client: Client) -> None:
    failed = make_transfer("mtn")
    force_status(failed, S.FAILED)
    page = confirmation(admin_client, CHANGELIST, "retry_transfers", [failed.pk])
    again = submit(admin_client, CHANGELIST, "retry_transfers", [failed.pk], page)
    assert again.status_code == 200  # the box was not ticked: the page again, with the error
    assert "Tick this box to confirm the retry." in again.content.decode()
    assert not Transfer.objects.filter(retry_of=failed).exists()
    for _ in range(2):  # a double submit
        response = submit(
            admin_client, CHANGELIST, "retry_transfers", [failed.pk], page, understood="on"
        )
        assert response.status_code == 302
    retries = Transfer.objects.filter(retry_of=failed)
    assert retries.count() == 1
    retry = retries.get()
    assert retry.external_id == f"{failed.external_id}-r1"
    assert retry.status == S.CREATED
    assert retry.amount == failed.amount
    assert retry.created_by is not None
    assert retry.created_by.username == "admin"


def test_retry_and_send_now(admin_client: Client, sandbox_accounts: Any) -> None:
    failed = make_transfer("mtn")
    force_status(failed, S.FAILED)
    confirm(
        admin_client, CHANGELIST, "retry_transfers", [failed.pk], understood="on", send_now="on"
    )
    retry = Transfer.objects.get(retry_of=failed)
    assert retry.status in (S.PENDING, S.SUCCESSFUL)
    assert [e["external_id"] for e in bookings(sandbox_accounts)] == [retry.external_id]


def test_refund_full_and_double_submit(admin_client: Client, sandbox_accounts: Any) -> None:
    collection = successful_collection()
    page = post_action(admin_client, COLLECTIONS, "refund_collections", [collection.pk])
    html = page.content.decode()
    assert "1 collection will be refunded" in html
    assert "40.00 EUR" in html
    nonce = page.context["form"]["nonce"].value()
    for _ in range(2):
        response = submit(
            admin_client,
            COLLECTIONS,
            "refund_collections",
            [collection.pk],
            page,
            nonce=nonce,
            amount="",
        )
        assert response.status_code == 302
    refund = Refund.objects.get(collection=collection)
    assert refund.amount == Decimal("40.00")
    assert refund.status in (S.PENDING, S.SUCCESSFUL)
    assert len(bookings(sandbox_accounts, "disbursement.refund")) == 1


def test_refund_a_given_amount_is_validated(admin_client: Client, sandbox_accounts: Any) -> None:
    collection = successful_collection()
    args = {"nonce": "abc123"}
    shown = confirmation(admin_client, COLLECTIONS, "refund_collections", [collection.pk])
    page = submit(
        admin_client,
        COLLECTIONS,
        "refund_collections",
        [collection.pk],
        shown,
        amount="1.234",
        **args,
    )
    assert page.status_code == 200
    assert "EUR amounts have at most 2 decimal places" in page.content.decode()
    response = submit(
        admin_client, COLLECTIONS, "refund_collections", [collection.pk], shown, amount="50", **args
    )
    assert response.status_code == 302
    msgs = [str(m) for m in admin_client.get(COLLECTIONS).context["messages"]]
    assert any("1 failed" in m and "exceeds" in m for m in msgs), msgs
    confirm(
        admin_client,
        COLLECTIONS,
        "refund_collections",
        [collection.pk],
        amount="15.00",
        nonce="def456",
    )
    assert [r.amount for r in Refund.objects.filter(collection=collection)] == [Decimal("15.00")]


def test_without_permission_the_action_is_hidden_and_refused(
    client: Client, viewer: Any, sandbox_accounts: Any, rf: Any
) -> None:
    transfer = make_transfer("mtn")
    client.force_login(viewer)
    html = client.get(CHANGELIST).content.decode()
    assert 'value="refresh_transfers"' in html
    assert 'value="send_transfers"' not in html
    assert 'value="cancel_transfers"' not in html
    response = post_action(client, CHANGELIST, "send_transfers", [transfer.pk], confirm="yes")
    assert response.status_code in (200, 302)
    transfer.refresh_from_db()
    assert transfer.status == S.CREATED
    assert sandbox_accounts.control.ledger()["entries"] == []
    # Called directly (e.g. from a custom admin that forgot get_actions), it refuses too.
    request = rf.post(CHANGELIST, {"confirm": "yes"})
    request.user = viewer
    model_admin = admin.site._registry[Transfer]
    with pytest.raises(PermissionDenied):
        actions.send_transfers(model_admin, request, Transfer.objects.all())
    with pytest.raises(PermissionDenied):
        actions.refund_collections(
            admin.site._registry[Collection], request, Collection.objects.all()
        )
