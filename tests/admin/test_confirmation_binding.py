"""A confirmation acts on exactly the rows its page showed, and only while they are unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from django_momo import services
from django_momo.admin.confirmation import TOKEN_FIELD, TOKEN_SALT
from django_momo.models import Collection, PaymentStatus, Refund, StatusChange, Transfer

from .confirming import confirm, confirmation, submit, token_of
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


def _failed() -> Transfer:
    transfer = make_transfer("mtn")
    force_status(transfer, S.FAILED)
    return transfer


def _pending() -> Transfer:
    transfer = make_transfer("mtn")
    force_status(transfer, S.PENDING)
    return transfer


def _successful_collection() -> Collection:
    collection = make_collection()
    force_status(collection, S.SUCCESSFUL)
    return collection


@dataclass(frozen=True)
class Case:
    """One action: how to make an eligible row, what its form needs, what it changes."""

    action: str
    url: str
    model: type[Any]
    make: Callable[[], Any]
    fields: dict[str, str]
    # What the action leaves behind, to show that nothing was done.
    effect: Callable[[], Any]
    # The rows the action acted on, from its effect.
    acted_on: Callable[[], set[int]]


CASES = [
    Case(
        "send_transfers",
        CHANGELIST,
        Transfer,
        lambda: make_transfer("mtn"),
        {},
        lambda: sorted(Transfer.objects.filter(held=False).values_list("pk", flat=True)),
        lambda: set(Transfer.objects.filter(held=False).values_list("pk", flat=True)),
    ),
    Case(
        "cancel_transfers",
        CHANGELIST,
        Transfer,
        lambda: make_transfer("mtn"),
        {"reason": "typo"},
        lambda: sorted(Transfer.objects.filter(status=S.CANCELLED).values_list("pk", flat=True)),
        lambda: set(Transfer.objects.filter(status=S.CANCELLED).values_list("pk", flat=True)),
    ),
    Case(
        "retry_transfers",
        CHANGELIST,
        Transfer,
        _failed,
        {"understood": "on"},
        lambda: sorted(
            Transfer.objects.filter(retry_of__isnull=False).values_list("pk", flat=True)
        ),
        lambda: set(
            Transfer.objects.filter(retry_of__isnull=False).values_list("retry_of", flat=True)
        ),
    ),
    Case(
        "refund_collections",
        COLLECTIONS,
        Collection,
        _successful_collection,
        {"nonce": "abc123", "amount": ""},
        lambda: sorted(Refund.objects.values_list("pk", flat=True)),
        lambda: set(Refund.objects.values_list("collection", flat=True)),
    ),
    Case(
        "resolve_transfers",
        CHANGELIST,
        Transfer,
        _pending,
        {"outcome": "failed", "note": "not on the statement"},
        lambda: sorted(Transfer.objects.filter(status=S.FAILED).values_list("pk", flat=True)),
        lambda: set(Transfer.objects.filter(status=S.FAILED).values_list("pk", flat=True)),
    ),
]
IDS = [case.action for case in CASES]


@pytest.fixture(autouse=True)
def _record_tasks(dummy_backend: Any) -> Any:
    # Enqueued work is recorded, never run: what an action did is what it wrote and queued.
    return dummy_backend


def select_all(client: Client, case: Case, one: int, **extra: Any) -> Any:
    """The action over every row of the changelist ("select all"), not a list of ids."""
    data = {
        "action": case.action,
        "index": "0",
        "select_across": "1",
        "_selected_action": [one],
        **extra,
    }
    return client.post(case.url, data)


def audit_rows() -> int:
    return StatusChange.objects.count()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rows_added_under_select_all_stop_the_action(admin_client: Client, case: Case) -> None:
    rows = [case.make() for _ in range(2)]
    page = select_all(admin_client, case, rows[0].pk)
    assert page.status_code == 200
    assert page.context["count"] == 2
    added = [case.make() for _ in range(3)]  # arrive while the operator reads the page
    before = (case.effect(), audit_rows())
    response = select_all(
        admin_client,
        case,
        rows[0].pk,
        confirm="yes",
        **{TOKEN_FIELD: token_of(page)},
        **case.fields,
    )
    assert response.status_code == 200  # the page again, nothing done
    noun = case.model._meta.verbose_name_plural
    assert response.context["problem"] == (
        f"3 {noun} were added or changed since you saw this page; nothing was done. Check again."
    )
    assert "were added or changed since you saw this page" in response.content.decode()
    assert (case.effect(), audit_rows()) == before
    # The page shown now counts them, and confirming it acts on all five.
    assert response.context["count"] == 5
    done = select_all(
        admin_client,
        case,
        rows[0].pk,
        confirm="yes",
        **{TOKEN_FIELD: token_of(response)},
        **case.fields,
    )
    assert done.status_code == 302, done.context and done.context.get("problem")
    assert case.acted_on() == {r.pk for r in (*rows, *added)}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_shown_row_that_moved_status_stops_the_action(admin_client: Client, case: Case) -> None:
    rows = [case.make() for _ in range(3)]
    ids = [r.pk for r in rows]
    page = confirmation(admin_client, case.url, case.action, ids)
    # Another writer moves one row meanwhile (to a status the action still accepts where it
    # accepts several, so only the binding can notice).
    moved_to = S.UNKNOWN if case.action == "resolve_transfers" else S.SENDING
    force_status(rows[1], moved_to)
    before = (case.effect(), audit_rows())
    response = submit(admin_client, case.url, case.action, ids, page, **case.fields)
    assert response.status_code == 200
    assert "since you saw this page; nothing was done" in response.context["problem"]
    assert (case.effect(), audit_rows()) == before
    for row in (rows[0], rows[2]):
        assert type(row).objects.get(pk=row.pk).status == row.status


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_unchanged_selection_is_done_exactly_on_the_shown_rows(
    admin_client: Client, case: Case
) -> None:
    shown = [case.make() for _ in range(3)]
    page = select_all(admin_client, case, shown[0].pk)
    assert {obj.pk for obj in page.context["sample"]} == {r.pk for r in shown}
    response = select_all(
        admin_client,
        case,
        shown[0].pk,
        confirm="yes",
        **{TOKEN_FIELD: token_of(page)},
        **case.fields,
    )
    assert response.status_code == 302
    assert case.acted_on() == {r.pk for r in shown}
    assert not [m for m in messages_of(admin_client.get(case.url)) if re.match(r"\d+ failed: ", m)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_tampered_or_foreign_token_is_refused(admin_client: Client, case: Case) -> None:
    rows = [case.make() for _ in range(2)]
    ids = [r.pk for r in rows]
    page = confirmation(admin_client, case.url, case.action, ids)
    good = token_of(page)
    payload = signing.loads(good, salt=TOKEN_SALT)
    other_action = "refresh_transfers" if case.model is Transfer else "refresh_collections"
    other = confirmation(admin_client, case.url, other_action, ids)
    forged = {**payload, "ids": [[1, 10_000]]}
    tokens = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "missing": "",
        "another action": token_of(other),
        "unsigned ids": signing.dumps(forged, salt="another salt", compress=True),
        "another model": signing.dumps(
            {**payload, "model": "django_momo.refund"}, salt=TOKEN_SALT, compress=True
        ),
    }
    before = (case.effect(), audit_rows())
    for name, token in tokens.items():
        response = post_action(
            admin_client,
            case.url,
            case.action,
            ids,
            confirm="yes",
            **{TOKEN_FIELD: token},
            **case.fields,
        )
        assert response.status_code == 200, name
        assert "nothing was done" in response.context["problem"], name
        assert (case.effect(), audit_rows()) == before, name
    # The genuine page still works afterwards.
    assert submit(admin_client, case.url, case.action, ids, page, **case.fields).status_code == 302
    assert case.acted_on() == set(ids)


def test_a_token_of_another_operator_is_refused(client: Client) -> None:
    first = make_user("first", *OPERATOR_PERMS)
    second = make_user("second", *OPERATOR_PERMS)
    transfer = make_transfer("mtn")
    client.force_login(first)
    page = confirmation(client, CHANGELIST, "send_transfers", [transfer.pk])
    client.force_login(second)
    response = submit(client, CHANGELIST, "send_transfers", [transfer.pk], page)
    assert response.status_code == 200
    assert "nothing was done" in response.context["problem"]
    assert Transfer.objects.get(pk=transfer.pk).held is True


def test_an_amount_changed_meanwhile_stops_the_action(admin_client: Client) -> None:
    rows = [make_transfer("mtn") for _ in range(2)]
    ids = [t.pk for t in rows]
    page = confirmation(admin_client, CHANGELIST, "send_transfers", ids)
    assert "25.00 EUR" in page.content.decode()
    Transfer.objects.filter(pk=rows[0].pk).update(amount=Decimal("9000"))
    response = submit(admin_client, CHANGELIST, "send_transfers", ids, page)
    assert response.status_code == 200
    assert response.context["problem"] == (
        "The amounts or statuses of the payouts changed since you saw this page; nothing was "
        "done. Check again."
    )
    assert "9,012.50 EUR" in response.content.decode()  # the page shows the new total
    assert not Transfer.objects.filter(held=False).exists()


def test_a_row_selected_but_skipped_that_became_eligible_stops_the_action(
    admin_client: Client,
) -> None:
    created = make_transfer("mtn")
    pending = _pending()
    page = confirmation(admin_client, CHANGELIST, "resolve_transfers", [created.pk, pending.pk])
    assert page.context["count"] == 1
    force_status(created, S.SENDING)  # a worker picked it up: now in flight too
    response = submit(
        admin_client,
        CHANGELIST,
        "resolve_transfers",
        [created.pk, pending.pk],
        page,
        outcome="failed",
        note="not on the statement",
    )
    assert response.status_code == 200
    assert "1 payout was added or changed" in response.context["problem"]
    assert not Transfer.objects.filter(status=S.FAILED).exists()


def test_a_double_submit_acts_once_and_says_so(admin_client: Client, dummy_backend: Any) -> None:
    rows = [make_transfer("mtn") for _ in range(2)]
    ids = [t.pk for t in rows]
    page = confirmation(admin_client, CHANGELIST, "cancel_transfers", ids)
    assert submit(admin_client, CHANGELIST, "cancel_transfers", ids, page).status_code == 302
    changes = audit_rows()
    again = submit(admin_client, CHANGELIST, "cancel_transfers", ids, page)
    assert again.status_code == 302
    msgs = messages_of(admin_client.get(CHANGELIST))
    assert "This confirmation was already submitted; nothing was done a second time." in msgs
    assert "2 skipped: not in 'created'." in msgs
    assert audit_rows() == changes


def test_a_large_select_all_page_shows_a_sample_and_a_small_token(admin_client: Client) -> None:
    Transfer.objects.bulk_create(
        Transfer(
            account="mtn",
            provider="mtn",
            operation="mtn.disbursement.transfer",
            party_type="MSISDN",
            party_id=f"25670{i:07d}",
            amount=Decimal("1.00"),
            currency="EUR",
            external_id=f"big-{i}",
            reference=f"big-ref-{i}",
        )
        for i in range(3000)
    )
    first = Transfer.objects.order_by("pk").first()
    assert first is not None
    case = CASES[0]
    page = select_all(admin_client, case, first.pk)
    assert page.context["count"] == 3000
    assert len(page.context["sample"]) == 20
    assert len(token_of(page)) < 2000
    response = select_all(
        admin_client, case, first.pk, confirm="yes", **{TOKEN_FIELD: token_of(page)}
    )
    assert response.status_code == 302
    assert Transfer.objects.filter(held=False).count() == 3000


def test_refund_to_a_collection_refunded_meanwhile_stops_nothing_else(
    admin_client: Client,
) -> None:
    # A collection's refunds do not change what the refund page showed (its amount and status),
    # so the binding holds; the service's own sum check still refuses too much.
    collection = _successful_collection()
    page = confirmation(admin_client, COLLECTIONS, "refund_collections", [collection.pk])
    services.create_refund(
        collection.pk, amount=Decimal("30.00"), external_id="meanwhile", actor="test"
    )
    response = submit(
        admin_client,
        COLLECTIONS,
        "refund_collections",
        [collection.pk],
        page,
        nonce="abc123",
        amount="20.00",
    )
    assert response.status_code == 302
    assert any("exceeds" in m for m in messages_of(admin_client.get(COLLECTIONS)))
    assert list(Refund.objects.values_list("external_id", flat=True)) == ["meanwhile"]


def test_confirm_helper_posts_the_token(admin_client: Client) -> None:
    transfer = make_transfer("mtn")
    assert confirm(admin_client, CHANGELIST, "send_transfers", [transfer.pk]).status_code == 302
