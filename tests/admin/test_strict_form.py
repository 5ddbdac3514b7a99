"""The admin's amount and phone fields take what the operator typed, exactly: anything not written
the one documented way is a form error saying how to write it, and nothing is created."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_momo.models import Refund, StatusChange, Transfer
from tests.bad_input import BAD_AMOUNT_TEXT, EUR_HOW, VND_HOW

from .conftest import (
    CHANGELIST,
    COLLECTIONS,
    post_action,
    submit_payout,
    successful_collection,
)

ADD = f"{CHANGELIST}add/"

MTN = {
    "account": "mtn", "operation": "mtn.disbursement.transfer", "party_id": "256772123456",
    "amount": "25.50", "external_id": "strict-1", "message": "Salary", "note": "May",
}  # fmt: skip
MOMO = {
    "account": "momo", "operation": "momo_vn.pay_wallet", "party_id": "0901234567",
    "party_name": "NGUYEN VAN A", "amount": "50000", "external_id": "strict-vn-1",
}  # fmt: skip

BAD_AMOUNTS = BAD_AMOUNT_TEXT


def field_errors(response: Any) -> dict[str, list[str]]:
    """The bound form's errors, by field (the page is shown again, status 200)."""
    assert response.status_code == 200, response.status_code
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


def _nothing_created() -> None:
    assert not Transfer.objects.exists()
    assert not StatusChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", BAD_AMOUNTS.values(), ids=BAD_AMOUNTS.keys())
def test_mtn_amount_not_plain_digits_is_a_form_error(admin_client: Client, amount: str) -> None:
    errors = field_errors(admin_client.post(ADD, {**MTN, "amount": amount}))
    assert list(errors) == ["amount"], errors
    assert EUR_HOW in errors["amount"][0]
    assert "e.g. 1000 or 1000.50" in errors["amount"][0]
    _nothing_created()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [*BAD_AMOUNTS.values(), "50000.0", "500.000", "50.000"])
def test_momo_amount_not_plain_digits_is_a_form_error(admin_client: Client, amount: str) -> None:
    errors = field_errors(admin_client.post(ADD, {**MOMO, "amount": amount}))
    assert list(errors) == ["amount"], errors
    assert VND_HOW in errors["amount"][0]
    _nothing_created()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "msisdn",
    [
        "+256 772 123456",
        "+256772123456",
        "0772123456",
        " 256772123456",
        "256772123456 ",
        "256 772 123456",
        "256\u00a0772123456",
    ],
)
def test_mtn_phone_not_in_the_documented_format_is_a_form_error(
    admin_client: Client, msisdn: str
) -> None:
    errors = field_errors(admin_client.post(ADD, {**MTN, "party_id": msisdn}))
    assert list(errors) == ["party_id"], errors
    assert (
        "MSISDN must be digits only with the country code, no '+' or spaces"
        in (errors["party_id"][0])
    )
    _nothing_created()


@pytest.mark.django_db
@pytest.mark.parametrize("wallet", ["+84901234567", "84901234567", "090 123 4567", "0901234567 "])
def test_momo_wallet_not_in_local_format_is_a_form_error(admin_client: Client, wallet: str) -> None:
    errors = field_errors(admin_client.post(ADD, {**MOMO, "party_id": wallet}))
    assert list(errors) == ["party_id"], errors
    assert "local format, 10 digits starting with 0" in errors["party_id"][0]
    _nothing_created()


@pytest.mark.django_db
def test_plain_amount_and_number_are_created_as_typed(admin_client: Client) -> None:
    response = submit_payout(
        admin_client, ADD, {**MTN, "party_id": "46733123450", "amount": "1000.50"}
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.party_id, str(transfer.amount.normalize())) == ("46733123450", "1000.5")


@pytest.mark.parametrize("amount", ["1e1", " 5", "5 ", "1,5", "+5", "5.", "\uff15"])
def test_refund_amount_not_plain_digits_is_a_form_error(
    admin_client: Client, sandbox_accounts: Any, amount: str
) -> None:
    collection = successful_collection()
    page = post_action(
        admin_client,
        COLLECTIONS,
        "refund_collections",
        [collection.pk],
        amount=amount,
        confirm="yes",
        nonce="abc123",
    )
    errors = field_errors(page)
    assert list(errors) == ["amount"], errors
    assert EUR_HOW in errors["amount"][0]
    assert not Refund.objects.exists()
