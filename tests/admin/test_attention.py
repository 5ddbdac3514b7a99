"""Payments that need an operator: the filter, the badge, the change page and "Resolve by hand"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from django_momo import services, signals
from django_momo.admin import actions
from django_momo.models import Attention, Collection, PaymentStatus, Refund, StatusChange, Transfer

from .confirming import confirm
from .conftest import (
    CHANGELIST,
    COLLECTIONS,
    OPERATOR_PERMS,
    force_status,
    make_collection,
    make_transfer,
    make_user,
    messages_of,
    post_action,
)

pytestmark = pytest.mark.django_db
S = PaymentStatus
REFUNDS = "/admin/django_momo/refund/"
RESOLVE_PERMS = ("resolve_transfer", "resolve_collection", "resolve_refund")


@pytest.fixture
def resolver(client: Client) -> Client:
    """A client logged in as staff holding every operator permission and the resolve ones."""
    client.force_login(make_user("resolver", *OPERATOR_PERMS, *RESOLVE_PERMS))
    return client


def in_status(status: str, provider: str = "mtn", **overrides: Any) -> Transfer:
    transfer = make_transfer(provider, **overrides)
    force_status(transfer, status)
    if status == S.SENDING:
        # Stuck: its sender died long ago (a young `sending` row is still in flight).
        Transfer.objects.filter(pk=transfer.pk).update(sent_at=timezone.now() - timedelta(hours=1))
        transfer.refresh_from_db()
    return transfer


def flagged(status: str, reason: str = Attention.OVERDUE, note: str = "still pending") -> Transfer:
    transfer = in_status(status)
    assert services.flag(Transfer, transfer.pk, reason, note, actor="test")
    transfer.refresh_from_db()
    return transfer


def made_refund(status: str) -> Refund:
    collection = make_collection()
    force_status(collection, S.SUCCESSFUL)
    refund = services.create_refund(
        collection.pk, amount=Decimal("5.00"), external_id=f"rf-{collection.pk}", actor="test"
    )
    force_status(refund, status)
    return refund


def listed(client: Client, url: str, **params: str) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def snapshot(*payments: Any) -> list[tuple[Any, ...]]:
    """Everything resolving could change, to prove that a refusal changed nothing."""
    rows = [
        type(p).objects.values_list("status", "provider_transaction_id", "attention").get(pk=p.pk)
        for p in payments
    ]
    return [*rows, (StatusChange.objects.count(),)]


# -- the filter, the badge, the change page --------------------------------------------------------
def test_the_filter_lists_exactly_the_flagged_rows(admin_client: Client) -> None:
    overdue = flagged(S.PENDING)
    mismatch = flagged(S.UNKNOWN, Attention.MISMATCH, "amount differs")
    stopped = flagged(S.SENDING, Attention.STOPPED, "replay age limit")
    plain = in_status(S.PENDING)
    settled = flagged(S.PENDING)
    force_status(settled, S.SUCCESSFUL)  # final: nobody needs to look at it any more
    created = make_transfer("mtn")

    assert listed(admin_client, CHANGELIST, attention="yes") == {
        overdue.pk,
        mismatch.pk,
        stopped.pk,
    }
    assert listed(admin_client, CHANGELIST, attention="overdue") == {overdue.pk}
    assert listed(admin_client, CHANGELIST, attention="mismatch") == {mismatch.pk}
    assert listed(admin_client, CHANGELIST, attention="stopped") == {stopped.pk}
    assert listed(admin_client, CHANGELIST, attention="no") == {plain.pk, settled.pk, created.pk}
    html = admin_client.get(CHANGELIST).content.decode()
    assert "By needs attention" in html
    assert "?attention=yes" in html


def test_the_filter_is_on_collections_and_refunds(admin_client: Client) -> None:
    collection = make_collection()
    force_status(collection, S.PENDING)
    services.flag(Collection, collection.pk, Attention.OVERDUE, "late", actor="test")
    other = make_collection()
    force_status(other, S.PENDING)
    refund = made_refund(S.UNKNOWN)
    services.flag(Refund, refund.pk, Attention.MISMATCH, "amount differs", actor="test")
    made_refund(S.PENDING)

    assert listed(admin_client, COLLECTIONS, attention="yes") == {collection.pk}
    assert listed(admin_client, REFUNDS, attention="yes") == {refund.pk}
    assert listed(admin_client, REFUNDS, attention="overdue") == set()


def test_the_changelist_shows_a_badge_for_flagged_rows(admin_client: Client) -> None:
    flagged(S.PENDING)
    flagged(S.UNKNOWN, Attention.MISMATCH, "amount differs")
    settled = flagged(S.PENDING)
    force_status(settled, S.FAILED)
    html = admin_client.get(CHANGELIST).content.decode()
    assert html.count('class="momo-attention momo-attention-overdue"') == 1
    assert html.count('class="momo-attention momo-attention-mismatch"') == 1
    assert ".momo-attention {" in html  # its style comes with the page


def test_the_change_page_shows_reason_note_and_time(admin_client: Client) -> None:
    transfer = flagged(S.PENDING, note="no answer from the provider for a day")
    response = admin_client.get(f"{CHANGELIST}{transfer.pk}/change/")
    assert response.status_code == 200
    fieldsets = {str(title): opts for title, opts in response.context["adminform"].fieldsets}
    assert fieldsets["Needs attention"] == {
        "fields": ("attention", "attention_note", "flagged_at")  # open: it was flagged
    }
    assert {"attention", "attention_note", "flagged_at"} <= set(
        response.context["adminform"].readonly_fields
    )
    html = response.content.decode()
    assert "Not final after PENDING_ALERT_AFTER" in html
    assert "no answer from the provider for a day" in html
    assert 'name="attention"' not in html  # read-only: no input
    calm = make_transfer("mtn")
    response = admin_client.get(f"{CHANGELIST}{calm.pk}/change/")
    fieldsets = {str(title): opts for title, opts in response.context["adminform"].fieldsets}
    assert fieldsets["Needs attention"]["classes"] == ("collapse",)


# -- resolve by hand: the confirmation page --------------------------------------------------------
def test_the_confirmation_lists_exactly_the_eligible_rows(resolver: Client) -> None:
    eligible = [in_status(S.SENDING), flagged(S.PENDING), in_status(S.UNKNOWN, "momo")]
    skipped = [make_transfer("mtn"), in_status(S.SUCCESSFUL), in_status(S.CANCELLED)]
    before = snapshot(*eligible, *skipped)
    ids = [t.pk for t in (*eligible, *skipped)]

    page = post_action(resolver, CHANGELIST, "resolve_transfers", ids)

    assert page.status_code == 200
    assert {obj.pk for obj in page.context["sample"]} == {t.pk for t in eligible}
    assert {obj.pk for obj in page.context["skipped_rows"]} == {t.pk for t in skipped}
    html = page.content.decode()
    assert "3 payouts will be resolved by hand." in html
    assert "3 selected are not sending, pending or unknown and will be skipped." in html
    assert "needs attention: Not final after PENDING_ALERT_AFTER" in html
    # Several eligible: only "failed" is offered, and the page says why.
    assert "can only be resolved as failed" in html
    form = page.context["form"]
    assert [value for value, _label in form.fields["outcome"].choices] == ["", "failed"]
    assert "provider_transaction_id" not in form.fields
    assert snapshot(*eligible, *skipped) == before


def test_one_eligible_row_may_be_resolved_as_successful(resolver: Client) -> None:
    transfer = flagged(S.PENDING)
    done = in_status(S.SUCCESSFUL)
    page = post_action(resolver, CHANGELIST, "resolve_transfers", [transfer.pk, done.pk])
    form = page.context["form"]
    assert [value for value, _label in form.fields["outcome"].choices] == [
        "",
        "successful",
        "failed",
    ]
    assert "provider_transaction_id" in form.fields
    assert "A successful outcome needs the transaction id" in page.content.decode()


# -- resolve by hand: acting -----------------------------------------------------------------------
def test_resolving_as_successful_writes_the_status_and_the_operator(resolver: Client) -> None:
    transfer = flagged(S.PENDING)
    done = in_status(S.FAILED)
    response = confirm(
        resolver,
        CHANGELIST,
        "resolve_transfers",
        [transfer.pk, done.pk],
        outcome="successful",
        note="on the statement of 3 May",
        provider_transaction_id="TX-991",
    )

    assert response.status_code == 302
    msgs = messages_of(resolver.get(CHANGELIST))
    assert "1 resolved by hand as successful." in msgs
    assert "1 skipped: not sending, pending or unknown." in msgs
    transfer.refresh_from_db()
    assert transfer.status == S.SUCCESSFUL
    assert transfer.provider_transaction_id == "TX-991"
    assert transfer.attention == ""
    assert transfer.finished_at is not None
    change = transfer.status_changes.order_by("id").last()
    assert (change.from_status, change.to_status) == (S.PENDING, S.SUCCESSFUL)
    assert change.actor == "user:resolver"
    assert "on the statement of 3 May" in change.reason
    assert Transfer.objects.get(pk=done.pk).status == S.FAILED


def test_resolving_several_as_failed(resolver: Client) -> None:
    rows = [in_status(S.SENDING), in_status(S.UNKNOWN, "momo")]
    response = confirm(
        resolver,
        CHANGELIST,
        "resolve_transfers",
        [t.pk for t in rows],
        outcome="failed",
        note="not on the statement",
    )
    assert response.status_code == 302
    assert "2 resolved by hand as failed." in messages_of(resolver.get(CHANGELIST))
    for row in rows:
        row.refresh_from_db()
        assert row.status == S.FAILED
        assert row.failure_code == "MANUAL"
        change = row.status_changes.order_by("id").last()
        assert (change.to_status, change.actor) == (S.FAILED, "user:resolver")


def test_collections_and_refunds_are_resolved_too(resolver: Client) -> None:
    collection = make_collection()
    force_status(collection, S.PENDING)
    confirm(
        resolver,
        COLLECTIONS,
        "resolve_collections",
        [collection.pk],
        outcome="failed",
        note="payer never approved",
    )
    collection.refresh_from_db()
    assert collection.status == S.FAILED
    refund = made_refund(S.UNKNOWN)
    confirm(
        resolver,
        REFUNDS,
        "resolve_refunds",
        [refund.pk],
        outcome="successful",
        note="seen on the statement",
        provider_transaction_id="RF-12",
    )
    refund.refresh_from_db()
    assert (refund.status, refund.provider_transaction_id) == (S.SUCCESSFUL, "RF-12")
    assert refund.status_changes.order_by("id").last().actor == "user:resolver"


@pytest.mark.django_db(transaction=True)
def test_a_row_settled_meanwhile_is_a_failure_of_that_row(resolver: Client) -> None:
    first, second = in_status(S.PENDING), in_status(S.PENDING)

    def settle_second(sender: Any, payment: Any, **kwargs: Any) -> None:
        # Another writer (a callback, the sweep) settles the second one while the first is done.
        if payment.pk == first.pk:
            Transfer.objects.filter(pk=second.pk).update(status=S.SUCCESSFUL)

    signals.transfer_failed.connect(settle_second)
    try:
        confirm(
            resolver,
            CHANGELIST,
            "resolve_transfers",
            [first.pk, second.pk],
            outcome="failed",
            note="not on the statement",
        )
    finally:
        signals.transfer_failed.disconnect(settle_second)
    msgs = messages_of(resolver.get(CHANGELIST))
    assert "1 resolved by hand as failed." in msgs
    assert any(m.startswith("1 failed: ") and second.external_id in m for m in msgs), msgs
    assert Transfer.objects.get(pk=second.pk).status == S.SUCCESSFUL
    assert not StatusChange.objects.filter(transfer=second, actor="user:resolver").exists()


# -- resolve by hand: refusals ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"outcome": "failed", "note": "   "}, "note", "A note is required"),
        ({"outcome": "successful", "note": "seen"}, "provider_transaction_id", "Required for a"),
        ({"outcome": "", "note": "seen"}, "outcome", "This field is required."),
        ({"outcome": "refunded", "note": "seen"}, "outcome", "Select a valid choice."),
        # Refused by the service itself, shown under the field it names.
        (
            {"outcome": "successful", "note": "seen", "provider_transaction_id": "TX 1"},
            "provider_transaction_id",
            "no spaces",
        ),
    ],
)
def test_bad_input_is_refused_under_its_field(
    resolver: Client, data: dict[str, str], field: str, message: str
) -> None:
    transfer = flagged(S.PENDING)
    before = snapshot(transfer)
    page = confirm(resolver, CHANGELIST, "resolve_transfers", [transfer.pk], **data)
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert snapshot(transfer) == before


def test_successful_is_refused_for_several_payments(resolver: Client) -> None:
    rows = [in_status(S.PENDING), in_status(S.UNKNOWN)]
    before = snapshot(*rows)
    page = confirm(
        resolver,
        CHANGELIST,
        "resolve_transfers",
        [t.pk for t in rows],
        outcome="successful",
        note="seen",
        provider_transaction_id="TX-1",
    )
    assert page.status_code == 200
    assert "Only one payment at a time can be resolved as successful" in page.content.decode()
    assert snapshot(*rows) == before


def test_a_final_payment_is_not_resolved(resolver: Client) -> None:
    rows = [in_status(S.SUCCESSFUL), in_status(S.FAILED), make_transfer("mtn")]
    before = snapshot(*rows)
    page = post_action(resolver, CHANGELIST, "resolve_transfers", [t.pk for t in rows])
    html = page.content.decode()
    assert "0 payouts will be resolved by hand." in html
    assert 'id="momo-confirm-form"' not in html
    # A forged confirmation (the page offers none) is refused: the page again, nothing done.
    response = post_action(
        resolver,
        CHANGELIST,
        "resolve_transfers",
        [t.pk for t in rows],
        confirm="yes",
        outcome="failed",
        note="forced",
    )
    assert response.status_code == 200
    assert "nothing was done" in response.context["problem"]
    assert snapshot(*rows) == before


def test_without_permission_the_action_is_hidden_and_refused(
    client: Client, operator: Any, rf: Any
) -> None:
    transfer = flagged(S.PENDING)
    before = snapshot(transfer)
    client.force_login(operator)  # every other payout permission, not resolve_transfer
    html = client.get(CHANGELIST).content.decode()
    assert 'value="refresh_transfers"' in html
    assert 'value="resolve_transfers"' not in html
    response = post_action(
        client,
        CHANGELIST,
        "resolve_transfers",
        [transfer.pk],
        confirm="yes",
        outcome="failed",
        note="forged",
    )
    assert response.status_code in (200, 302)
    assert snapshot(transfer) == before
    # Called directly (a custom admin that forgot get_actions), it refuses too.
    request = rf.post(CHANGELIST, {"confirm": "yes", "outcome": "failed", "note": "forged"})
    request.user = operator
    for model, action in (
        (Transfer, actions.resolve_transfers),
        (Collection, actions.resolve_collections),
        (Refund, actions.resolve_refunds),
    ):
        with pytest.raises(PermissionDenied):
            action(admin.site._registry[model], request, model.objects.all())
    assert snapshot(transfer) == before


def test_each_permission_opens_its_own_admin_only(client: Client) -> None:
    client.force_login(make_user("clerk", *OPERATOR_PERMS, "resolve_collection"))
    assert 'value="resolve_collections"' in client.get(COLLECTIONS).content.decode()
    assert 'value="resolve_transfers"' not in client.get(CHANGELIST).content.decode()
    assert 'value="resolve_refunds"' not in client.get(REFUNDS).content.decode()
