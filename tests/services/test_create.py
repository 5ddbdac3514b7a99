"""Creating payments: validation before anything is stored, idempotency, cancel and retry."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_momo import services
from django_momo.models import StatusChange, Transfer
from django_momo.services import ConflictingRequest, InvalidRequest, InvalidTransition

from .conftest import WALLET_OK, momo_payout, mtn_transfer

pytestmark = pytest.mark.django_db

BASE = {
    "account": "mtn", "operation": "mtn.disbursement.transfer", "party_id": "46733123459",
    "amount": "10", "external_id": "x-1", "actor": "user:bob",
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"account": "nope"}, "account"),
        ({"operation": "mtn.nothing"}, "operation"),
        ({"operation": "momo_vn.pay_wallet"}, "operation"),  # an MTN account
        ({"amount": 10.5}, "amount"),  # floats never touch money
        ({"amount": "1.234"}, "amount"),  # EUR has two decimals
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"currency": "UGX"}, "currency"),  # the account settles in EUR
        ({"party_id": "0123"}, "party_id"),
        ({"party_type": "BANK_ACCOUNT"}, "party_type"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 65}, "external_id"),
        ({"message": "Tom's & Jerry"}, "message"),
        ({"note": "n" * 161}, "note"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(change, field):
    with pytest.raises(InvalidRequest) as info:
        services.create_transfer(**{**BASE, **change})
    assert info.value.field == field
    assert field in str(info.value)
    assert not Transfer.objects.exists()
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 999}, "amount"),  # below the wallet minimum
        ({"amount": 200_000_001}, "amount"),
        ({"amount": "1000.5"}, "amount"),  # VND has no decimals
        ({"party_id": "84912345678"}, "party_id"),  # MoMo wants the local 0xxxxxxxxx
        ({"party_name": ""}, "party_name"),
        ({"party_type": "MSISDN"}, "party_type"),
    ],
)
def test_bad_momo_input(change, field):
    args = {
        "account": "momo",
        "operation": "momo_vn.pay_wallet",
        "party_id": WALLET_OK,
        "party_name": "NGUYEN VAN A",
        "amount": 50_000,
        "external_id": "m-1",
        "actor": "a",
    }
    with pytest.raises(InvalidRequest) as info:
        services.create_transfer(**{**args, **change})
    assert info.value.field == field
    assert not Transfer.objects.exists()


def test_momo_bank_payout_limits_and_details():
    args = {
        "account": "momo", "operation": "momo_vn.pay_bank", "party_id": "0123456789",
        "party_name": "NGUYEN VAN A", "amount": 19_999, "external_id": "b-1", "actor": "a",
        "bank_code": "VCB",
    }  # fmt: skip
    with pytest.raises(InvalidRequest) as info:
        services.create_transfer(**args)
    assert info.value.field == "amount"
    with pytest.raises(InvalidRequest) as info:
        services.create_transfer(**{**args, "amount": 20_000, "bank_code": "vcb!"})
    assert info.value.field == "bank_code"
    transfer, created = services.create_transfer(**{**args, "amount": 20_000})
    assert created
    assert (transfer.party_type, transfer.bank_code) == ("BANK_ACCOUNT", "VCB")


def test_references_are_chosen_at_creation():
    transfer = mtn_transfer()
    assert len(transfer.reference) == 36
    assert transfer.reference[14] == "4"
    assert transfer.status == "created"
    assert transfer.message
    assert transfer.note
    payout = momo_payout()
    assert payout.reference
    assert payout.order_id
    assert payout.reference != payout.order_id
    assert payout.currency == "VND"
    assert payout.amount == Decimal(50_000)


def test_same_request_twice_returns_the_first():
    first, created = services.create_transfer(**BASE)
    again, created_again = services.create_transfer(**{**BASE, "amount": Decimal("10.00")})
    assert created
    assert not created_again
    assert again.pk == first.pk
    assert Transfer.objects.count() == 1
    assert first.status_changes.count() == 1  # "" -> created, once


def test_other_request_under_the_same_external_id_conflicts():
    services.create_transfer(**BASE)
    with pytest.raises(ConflictingRequest) as info:
        services.create_transfer(**{**BASE, "amount": "11"})
    assert info.value.field == "external_id"
    assert "amount" in str(info.value)
    assert Transfer.objects.count() == 1


def test_the_same_external_id_on_another_account_is_another_payment():
    services.create_transfer(**BASE)
    _payout, created = services.create_transfer(
        account="momo",
        operation="momo_vn.pay_wallet",
        party_id=WALLET_OK,
        party_name="A B",
        amount=50_000,
        external_id=BASE["external_id"],
        actor="a",
    )
    assert created
    assert Transfer.objects.count() == 2


def test_cancel_only_from_created():
    transfer = mtn_transfer()
    cancelled = services.cancel_transfer(transfer.pk, actor="user:a", reason="typo")
    assert cancelled.status == "cancelled"
    assert services.cancel_transfer(transfer.pk, actor="user:a").status == "cancelled"
    other = mtn_transfer("t-2")
    Transfer.objects.filter(pk=other.pk).update(status="pending")
    with pytest.raises(InvalidTransition):
        services.cancel_transfer(other.pk, actor="user:a")
    other.refresh_from_db()
    assert other.status == "pending"


def test_retry_only_of_a_failed_transfer():
    transfer = mtn_transfer()
    with pytest.raises(InvalidTransition):
        services.retry_transfer(transfer.pk, actor="user:a")
    Transfer.objects.filter(pk=transfer.pk).update(status="failed")
    retry = services.retry_transfer(transfer.pk, actor="user:a")
    assert retry.retry_of_id == transfer.pk
    assert retry.external_id == "t-1-r1"
    assert retry.reference != transfer.reference
    assert (retry.amount, retry.party_id) == (transfer.amount, transfer.party_id)
    # A double click returns the live retry instead of paying twice.
    assert services.retry_transfer(transfer.pk, actor="user:a").pk == retry.pk
    Transfer.objects.filter(pk=retry.pk).update(status="failed")
    assert services.retry_transfer(transfer.pk, actor="user:a").external_id == "t-1-r2"


def test_callback_urls(settings):
    transfer = mtn_transfer()
    assert services.callback_url(transfer) == (
        f"http://127.0.0.1:8000/momo/callbacks/mtn/{transfer.callback_token}/"
    )
    assert (
        services.callback_url(momo_payout()) == "http://127.0.0.1:8000/momo/callbacks/momo-vn/ipn/"
    )
