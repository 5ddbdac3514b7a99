"""The new-payout form: one clear message under each wrong field, creation through services."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_momo.models import PaymentStatus, Transfer

from .conftest import CHANGELIST, make_user, submit_payout

ADD = f"{CHANGELIST}add/"

MTN = {
    "account": "mtn", "operation": "mtn.disbursement.transfer", "party_id": "256772123456",
    "amount": "25.50", "external_id": "inv-1001", "message": "Salary", "note": "May",
}  # fmt: skip
MOMO_BANK = {"account": "momo", "operation": "momo_vn.pay_bank", "party_id": "0123456789",
             "party_name": "NGUYEN VAN A", "bank_code": "VCB", "amount": "500000",
             "external_id": "inv-2001"}  # fmt: skip


def errors_of(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


@pytest.mark.django_db
def test_the_form_offers_the_configured_accounts(admin_client: Client) -> None:
    html = admin_client.get(ADD, {"account": "momo"}).content.decode()
    assert 'value="mtn"' in html
    assert 'value="momo" selected' in html
    assert 'name="external_id"' in html
    assert 'value="admin-' in html
    assert 'name="send_now"' in html


@pytest.mark.django_db
def test_a_valid_payout_is_created_by_the_user(admin_client: Client) -> None:
    response = submit_payout(admin_client, ADD, MTN)
    transfer = Transfer.objects.get(external_id="inv-1001")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{transfer.pk}/change/")
    assert transfer.status == PaymentStatus.CREATED
    assert transfer.amount == transfer.amount.__class__("25.50")
    assert transfer.currency == "EUR"
    assert transfer.created_by is not None
    assert transfer.created_by.username == "admin"
    assert transfer.status_changes.get().actor == "user:admin"
    # The same form submitted twice creates one payout.
    submit_payout(admin_client, ADD, MTN)
    assert Transfer.objects.filter(external_id="inv-1001").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"amount": "10.123"}, "amount", "EUR amounts have at most 2 decimal places"),
        ({"amount": "-5"}, "amount", "greater than zero"),
        ({"amount": "ten"}, "amount", "is not a number"),
        ({"party_id": "+256 77"}, "party_id", ""),
        ({"currency": "VND"}, "currency", "settles in EUR"),
        ({"operation": "momo_vn.pay_wallet"}, "operation", "does not offer this operation"),
        ({"external_id": ""}, "external_id", "required"),
    ],
)
@pytest.mark.django_db
def test_mtn_field_errors(
    admin_client: Client, change: dict[str, str], field: str, text: str
) -> None:
    errors = errors_of(admin_client.post(ADD, {**MTN, **change}))
    assert list(errors) == [field], errors
    assert len(errors[field]) == 1
    assert text in errors[field][0]
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"bank_code": ""}, "bank_code", ""),
        ({"party_name": ""}, "party_name", ""),
        ({"amount": "19999"}, "amount", "between 20000 and 20000000"),
        ({"amount": "500000.5"}, "amount", "VND amounts are whole numbers"),
        ({"amount": "500.000"}, "amount", "VND amounts are whole numbers"),
        ({"party_id": "12ab"}, "party_id", ""),
    ],
)
@pytest.mark.django_db
def test_momo_bank_payout_field_errors(
    admin_client: Client, change: dict[str, str], field: str, text: str
) -> None:
    errors = errors_of(admin_client.post(ADD, {**MOMO_BANK, **change}))
    assert list(errors) == [field], errors
    assert text in errors[field][0]


@pytest.mark.django_db
def test_momo_wallet_needs_a_wallet_number(admin_client: Client) -> None:
    data = {
        **MOMO_BANK,
        "operation": "momo_vn.pay_wallet",
        "party_id": "84912345678",
        "amount": "50000",
    }
    errors = errors_of(admin_client.post(ADD, data))
    assert list(errors) == ["party_id"]
    submit_payout(admin_client, ADD, {**data, "party_id": "0912345678"})
    assert Transfer.objects.get(external_id="inv-2001").party_type == "MOMO_WALLET"


@pytest.mark.django_db
def test_an_external_id_used_for_another_payout_is_refused(admin_client: Client) -> None:
    submit_payout(admin_client, ADD, MTN)
    # The conflict is found when the reviewed payout is confirmed: the form comes back.
    errors = errors_of(submit_payout(admin_client, ADD, {**MTN, "amount": "99"}))
    assert list(errors) == ["external_id"]


@pytest.mark.django_db(transaction=True)
def test_send_now_sends(admin_client: Client, sandbox_accounts: Any) -> None:
    submit_payout(admin_client, ADD, {**MTN, "send_now": "on"})
    transfer = Transfer.objects.get(external_id="inv-1001")
    assert transfer.status in (PaymentStatus.PENDING, PaymentStatus.SUCCESSFUL)
    assert len(sandbox_accounts.control.ledger()["entries"]) == 1


@pytest.mark.django_db(transaction=True)
def test_send_now_is_ignored_without_the_send_permission(
    client: Client, sandbox_accounts: Any
) -> None:
    client.force_login(make_user("clerk", "view_transfer", "add_transfer"))
    assert 'name="send_now"' not in client.get(ADD).content.decode()
    submit_payout(client, ADD, {**MTN, "send_now": "on"})
    assert Transfer.objects.get(external_id="inv-1001").status == PaymentStatus.CREATED
    assert sandbox_accounts.control.ledger()["entries"] == []
