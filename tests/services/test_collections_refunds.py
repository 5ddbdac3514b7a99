"""Collections (MTN request to pay) and refunds that never exceed what was collected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_momo import services
from django_momo.models import Collection, Refund
from django_momo.services import InvalidRequest, InvalidTransition, RefundExceedsCollected

from .conftest import MTN_OK, assert_valid_path, entries

pytestmark = pytest.mark.django_db


def collect(amount="100", external_id="c-1") -> Collection:
    collection, created = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount=amount,
        external_id=external_id,
        message="Order 1",
        actor="api:shop",
    )
    assert created
    services.send_collection(collection.pk, actor="task:send")
    done = services.refresh_collection(collection.pk, actor="task:refresh")
    assert done.status == "successful"
    return done


def test_request_to_pay(accounts):
    collection = collect()
    [entry] = entries(accounts, "mtn", collection.reference)
    assert entry["operation"] == "collection.requesttopay"
    assert entry["party"]["partyId"] == MTN_OK
    assert_valid_path(collection)


def test_collection_validation():
    with pytest.raises(InvalidRequest) as info:
        services.request_payment(
            account="mtn",
            operation="mtn.disbursement.transfer",
            party_id=MTN_OK,
            amount="1",
            external_id="c",
            actor="a",
        )
    assert info.value.field == "operation"
    assert not Collection.objects.exists()


def test_partial_refunds_up_to_the_collected_amount(accounts):
    collection = collect("100")
    first = services.create_refund(collection.pk, amount="30", actor="user:a", external_id="rf-t1")
    assert services.refundable_amount(collection) == Decimal("70")
    sent = services.send_refund(first.pk, actor="a")
    assert sent.status == "pending"
    assert services.refresh_refund(first.pk, actor="a").status == "successful"
    [entry] = entries(accounts, "mtn", first.reference)
    assert entry["extra"]["refund_of"] == collection.reference
    rest = services.create_refund(
        collection.pk, actor="user:a", external_id="rf-t2"
    )  # all that remains
    assert rest.amount == Decimal("70")
    assert services.refundable_amount(collection) == 0
    with pytest.raises(RefundExceedsCollected):
        services.create_refund(collection.pk, amount="0.01", actor="user:a", external_id="rf-t3")
    assert Refund.objects.count() == 2
    services.send_refund(rest.pk, actor="a")
    assert services.refresh_refund(rest.pk, actor="a").status == "successful"
    assert accounts.control.ledger()["violations"] == []


def test_exceeding_refund_creates_nothing(accounts):
    collection = collect("50")
    with pytest.raises(RefundExceedsCollected) as info:
        services.create_refund(collection.pk, amount="50.01", actor="a", external_id="rf-t4")
    assert info.value.field == "amount"
    assert not Refund.objects.exists()


def test_failed_refund_releases_its_amount(accounts):
    collection = collect("50")
    refund = services.create_refund(collection.pk, amount="50", actor="a", external_id="rf-t5")
    Refund.objects.filter(pk=refund.pk).update(status="failed")
    assert services.refundable_amount(collection) == Decimal("50")


def test_only_a_successful_collection_is_refunded(accounts):
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="10",
        external_id="c-2",
        actor="a",
    )
    with pytest.raises(InvalidTransition):
        services.create_refund(collection.pk, amount="5", actor="a", external_id="rf-t6")
    assert not Refund.objects.exists()


def test_refund_external_id_is_idempotent(accounts):
    collection = collect("100")
    one = services.create_refund(collection.pk, amount="10", external_id="rf-1", actor="a")
    again = services.create_refund(collection.pk, amount="10", external_id="rf-1", actor="a")
    assert one.pk == again.pk
    with pytest.raises(services.ConflictingRequest):
        services.create_refund(collection.pk, amount="11", external_id="rf-1", actor="a")
