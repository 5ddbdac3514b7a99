"""Every MTN operation over real HTTP against the sandbox, with MTN's sandbox test numbers."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from django_momo.providers.base import Outcome, RejectedError, SubmissionState
from django_momo.providers.mtn import (
    CollectionClient,
    DisbursementClient,
    RemittanceClient,
    RemittancePayer,
    TransactionResult,
    TransactionStatus,
)
from django_momo.sandbox.control import SandboxHandle

from .conftest import new_ref

NOTE = {"payer_message": "Order 42", "payee_note": "Order 42"}


def wait_final(fetch, reference: str, timeout: float = 8.0) -> TransactionResult:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = fetch(reference)
        if result.is_final or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def pay(collection: CollectionClient, payer: str, amount: str = "100") -> str:
    ref = new_ref()
    sub = collection.request_to_pay(
        ref, amount=Decimal(amount), payer=payer, external_id="ext-1", currency="EUR", **NOTE
    )
    assert sub.state is SubmissionState.ACCEPTED
    assert sub.http_status == 202
    assert sub.reference_id == ref
    return ref


@pytest.mark.parametrize(
    ("payer", "status", "reason"),
    [
        ("46733123450", TransactionStatus.FAILED, "INTERNAL_PROCESSING_ERROR"),
        ("46733123451", TransactionStatus.FAILED, "APPROVAL_REJECTED"),
        ("46733123452", TransactionStatus.FAILED, "EXPIRED"),
        ("46733123459", TransactionStatus.SUCCESSFUL, None),
        ("256772123456", TransactionStatus.SUCCESSFUL, None),
    ],
)
def test_request_to_pay_test_numbers(
    collection: CollectionClient,
    momo_sandbox: SandboxHandle,
    payer: str,
    status: TransactionStatus,
    reason: str | None,
) -> None:
    ref = pay(collection, payer)
    result = wait_final(collection.get_request_to_pay_status, ref)
    assert result.status is status
    assert result.reason_code == reason
    assert result.reference_id == ref
    assert result.amount == Decimal("100")
    assert result.currency == "EUR"
    assert result.payer is not None
    assert result.payer.party_id == payer
    if status is TransactionStatus.SUCCESSFUL:
        assert result.financial_transaction_id
        assert result.outcome is Outcome.SUCCESSFUL
    else:
        assert result.outcome is Outcome.FAILED
    entries = momo_sandbox.control.ledger()["entries"]
    assert [e["reference"] for e in entries] == [ref]


def test_pending_number_settles_later(collection: CollectionClient) -> None:
    ref = pay(collection, "46733123453")
    first = collection.get_request_to_pay_status(ref)
    assert first.status in (TransactionStatus.PENDING, TransactionStatus.CREATED)
    assert first.outcome is Outcome.PENDING
    assert first.financial_transaction_id is None
    final = wait_final(collection.get_request_to_pay_status, ref)
    assert final.status is TransactionStatus.SUCCESSFUL


def test_stuck_number_stays_pending(collection: CollectionClient) -> None:
    ref = pay(collection, "46733123454")
    time.sleep(0.5)
    result = collection.get_request_to_pay_status(ref)
    assert result.outcome is Outcome.PENDING
    assert not result.is_final


def test_withdraw_and_status(collection: CollectionClient, momo_sandbox: SandboxHandle) -> None:
    ref = new_ref()
    sub = collection.withdraw(ref, amount="5", payer="46733000111", external_id="w-1", **NOTE)
    assert sub.state is SubmissionState.ACCEPTED
    result = wait_final(collection.get_withdraw_status, ref)
    assert result.status is TransactionStatus.SUCCESSFUL
    (entry,) = momo_sandbox.control.ledger()["entries"]
    assert entry["operation"] == "collection.requesttowithdraw"
    assert entry["amount"] == "5"


def test_delivery_notification(collection: CollectionClient) -> None:
    ref = pay(collection, "46733000112")
    collection.request_to_pay_delivery_notification(ref, "Thank you for your payment")


@pytest.mark.parametrize("operation", ["transfer", "deposit"])
def test_disbursement_payouts_and_status(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle, operation: str
) -> None:
    ref = new_ref()
    sub = getattr(disbursement, operation)(
        ref, amount=Decimal("12.50"), payee="46733000113", external_id="p-1", **NOTE
    )
    assert sub.state is SubmissionState.ACCEPTED
    result = wait_final(getattr(disbursement, f"get_{operation}_status"), ref)
    assert result.status is TransactionStatus.SUCCESSFUL
    assert result.amount == Decimal("12.5")
    assert result.payee is not None
    assert result.payee.party_id == "46733000113"
    (entry,) = momo_sandbox.control.ledger()["entries"]
    assert entry["operation"] == f"disbursement.{operation}"
    assert entry["amount"] == "12.5"


@pytest.mark.parametrize(
    ("payee", "reason"),
    [
        ("46733123450", "INTERNAL_PROCESSING_ERROR"),
        ("46733123451", "APPROVAL_REJECTED"),
        ("46733123452", "EXPIRED"),
    ],
)
def test_transfer_test_numbers_fail(
    disbursement: DisbursementClient, payee: str, reason: str
) -> None:
    ref = new_ref()
    disbursement.transfer(ref, amount="1", payee=payee, external_id="p-2", **NOTE)
    result = wait_final(disbursement.get_transfer_status, ref)
    assert result.status is TransactionStatus.FAILED
    assert result.reason_code == reason


def test_refund_of_a_collection(
    collection: CollectionClient, disbursement: DisbursementClient
) -> None:
    original = pay(collection, "46733000114", amount="30")
    assert wait_final(collection.get_request_to_pay_status, original).status is (
        TransactionStatus.SUCCESSFUL
    )
    ref = new_ref()
    sub = disbursement.refund(
        ref, amount="10", reference_id_to_refund=original, external_id="r-1", **NOTE
    )
    assert sub.state is SubmissionState.ACCEPTED
    result = wait_final(disbursement.get_refund_status, ref)
    assert result.status is TransactionStatus.SUCCESSFUL
    assert result.amount == Decimal("10")


def test_refund_of_an_unknown_collection_is_rejected(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    ref = new_ref()
    with pytest.raises(RejectedError) as info:
        disbursement.refund(
            ref, amount="10", reference_id_to_refund=new_ref(), external_id="r-2", **NOTE
        )
    assert info.value.http_status == 400
    assert info.value.reference == ref
    assert momo_sandbox.control.ledger()["entries"] == []


def test_remittance_transfer_and_cash_transfer(
    remittance: RemittanceClient, momo_sandbox: SandboxHandle
) -> None:
    ref = new_ref()
    remittance.transfer(ref, amount="3", payee="46733000115", external_id="rm-1", **NOTE)
    assert wait_final(remittance.get_transfer_status, ref).status is TransactionStatus.SUCCESSFUL
    cash = new_ref()
    sub = remittance.cash_transfer(
        cash,
        amount="4",
        payee="46733000116",
        external_id="rm-2",
        originating_country="SE",
        original_amount="45",
        original_currency="USD",
        payer=RemittancePayer(
            identification_type="PASS",
            identification_number="P123",
            first_name="Ann",
            surname="Svensson",
            gender="FEMALE",
            language_code="sv",
            msisdn="46700000001",
        ),
        **NOTE,
    )
    assert sub.state is SubmissionState.ACCEPTED
    result = wait_final(remittance.get_cash_transfer_status, cash)
    assert result.status is TransactionStatus.SUCCESSFUL
    assert result.raw.get("orginatingCountry") == "SE"
    entries = {e["reference"]: e for e in momo_sandbox.control.ledger()["entries"]}
    assert entries[cash]["operation"] == "remittance.cashtransfer"


def test_balances(make_client) -> None:  # type: ignore[no-untyped-def]
    for product in ("collection", "disbursement", "remittance"):
        client = make_client(product)
        balance = client.get_account_balance()
        assert balance.currency == "EUR"
        assert isinstance(balance.available_balance, Decimal)
        assert client.get_account_balance_in("EUR").currency == "EUR"


def test_account_holder_queries(collection: CollectionClient) -> None:
    info = collection.get_basic_user_info("46733000117")
    assert info.given_name or info.name
    assert collection.is_active("46733000117") is True
    assert collection.is_active("46733000117", "MSISDN") is True


def test_ask_user_info_consent_flow(disbursement: DisbursementClient) -> None:
    info = disbursement.ask_user_info("46733000118", scope="profile")
    assert info.sub is not None or info.name is not None
    assert info.raw


def test_account_holder_unknown_or_inactive(collection: CollectionClient) -> None:
    assert collection.is_active("46733123450") is False
    assert collection.is_active("46733123451") is False
