"""Pages that answer an operator's questions, and the buttons on a payment's own page."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from django_momo import failure_codes, services
from django_momo.models import PaymentStatus, Refund, StatusChange, Transfer
from django_momo.providers.momo_vn.result_codes import RESULT_CODES
from django_momo.providers.mtn import errors as mtn_errors

from .conftest import (
    CHANGELIST,
    COLLECTIONS,
    force_status,
    make_transfer,
    make_user,
    post_action,
    successful_collection,
)

S = PaymentStatus
ADD = f"{CHANGELIST}add/"


def change_url(base: str, pk: int) -> str:
    return f"{base}{pk}/change/"


def do_url(base: str, pk: int, action: str) -> str:
    return f"{base}{pk}/do/{action}/"


def failed_transfer(**overrides: Any) -> Transfer:
    transfer = make_transfer("mtn", **overrides)
    Transfer.objects.filter(pk=transfer.pk).update(
        status=S.FAILED, failure_code="NOT_ENOUGH_FUNDS", failure_message="not enough"
    )
    transfer.refresh_from_db()
    return transfer


# -- failure codes ---------------------------------------------------------------------------------
def test_every_provider_code_is_explained() -> None:
    mtn = failure_codes.table("mtn")
    assert set(mtn) >= failure_codes.MTN_CODES
    assert all(text != code for code, text in mtn.items())
    momo = failure_codes.table("momo_vn")
    assert {str(code) for code in RESULT_CODES} <= set(momo)
    assert "no money moved" in failure_codes.explain("momo_vn", "1001")
    assert "not in the provider's table" in failure_codes.explain("mtn", "WHATEVER")
    assert failure_codes.explain("mtn", "") == ""
    assert mtn_errors.PROVIDER in failure_codes.TABLES


@pytest.mark.django_db
def test_the_failure_code_is_explained_on_the_page(admin_client: Client) -> None:
    transfer = failed_transfer()
    html = admin_client.get(change_url(CHANGELIST, transfer.pk)).content.decode()
    assert "Not enough money on the paying account." in html
    momo = make_transfer("momo")
    Transfer.objects.filter(pk=momo.pk).update(status=S.FAILED, failure_code="1001")
    html = admin_client.get(change_url(CHANGELIST, momo.pk)).content.decode()
    assert "Insufficient funds: MoMo processed it and refused it for good" in html


# -- formatting, timelines, totals, filters ------------------------------------------------------
@pytest.mark.django_db
def test_amounts_are_formatted_per_currency(admin_client: Client) -> None:
    make_transfer("momo", amount=Decimal("1500000"))
    make_transfer("mtn", amount=Decimal("1234.50"))
    html = admin_client.get(CHANGELIST).content.decode()
    assert "1,500,000 VND" in html
    assert "1,234.50 EUR" in html
    assert ".0000" not in html


@pytest.mark.django_db
def test_the_timeline_is_newest_first_with_seconds_and_zone(admin_client: Client) -> None:
    transfer = make_transfer("mtn")
    services.cancel_transfer(transfer.pk, actor="user:someone", reason="typo")
    html = admin_client.get(change_url(CHANGELIST, transfer.pk)).content.decode()
    timeline = html[html.index("Timeline (newest first)") :]
    cancelled = timeline.index('field-to_status">cancelled')
    created = timeline.index('field-to_status">created')
    assert cancelled < created
    latest = StatusChange.objects.filter(transfer=transfer).latest("created_at")
    stamp = latest.created_at.strftime("%H:%M:%S")
    assert re.search(rf"\d{{4}}-\d\d-\d\d {stamp} UTC", timeline), timeline[:2000]


@pytest.mark.django_db
def test_changelists_total_the_current_filter_per_currency(admin_client: Client) -> None:
    make_transfer("mtn", amount=Decimal("10.00"))
    make_transfer("mtn", amount=Decimal("2.50"))
    make_transfer("momo", amount=Decimal("15000"))
    html = admin_client.get(CHANGELIST).content.decode()
    assert "momo-changelist-totals" in html
    assert "12.50 EUR (2 payments)" in html
    assert "15,000 VND (1 payment)" in html
    html = admin_client.get(CHANGELIST, {"currency": "VND"}).content.decode()
    assert "12.50 EUR" not in html.split('id="momo-changelist-totals"')[1].split("</div>")[0]
    for url in (COLLECTIONS, "/admin/django_momo/refund/"):
        assert admin_client.get(url).status_code == 200


@pytest.mark.django_db
def test_filters_and_forms_list_configured_accounts_and_their_operations(
    admin_client: Client, settings: Any
) -> None:
    html = admin_client.get(CHANGELIST).content.decode()
    assert "?operation=momo_vn.pay_wallet" in html
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    del conf["ACCOUNTS"]["momo"]
    settings.DJANGO_MOMO = conf
    html = admin_client.get(CHANGELIST).content.decode()
    assert "?operation=momo_vn.pay_wallet" not in html
    assert "?operation=mtn.disbursement.transfer" in html
    assert "?account=momo" not in html
    form = admin_client.get(ADD).content.decode()
    assert 'value="momo_vn.pay_wallet"' not in form


# -- the new-payout form: account and operation agree; review before creating -------------------
@pytest.mark.django_db
def test_the_default_account_and_operation_agree(admin_client: Client) -> None:
    response = admin_client.get(ADD)
    form = response.context["form"]
    account, operation = form.initial["account"], form.initial["operation"]
    assert operation in form.offers[account]
    html = response.content.decode()
    # The other account's operations are not offered.
    assert re.search(r'value="mtn.disbursement.transfer"[^>]*disabled', html)
    data = {
        "account": account,
        "operation": operation,
        "party_id": "0912345678",
        "party_name": "NGUYEN VAN A",
        "amount": "1500000",
        "external_id": "default-1",
    }
    review = admin_client.post(ADD, data)
    assert review.status_code == 200
    assert "review_token" in review.context, review.context["form"].errors
    text = review.content.decode()
    assert "1,500,000 VND" in text
    assert "0912345678" in text
    assert not Transfer.objects.exists()  # nothing until confirmed


@pytest.mark.django_db
def test_a_mismatched_account_and_operation_is_a_field_error(admin_client: Client) -> None:
    data = {
        "account": "momo",
        "operation": "mtn.disbursement.transfer",
        "party_id": "0912345678",
        "amount": "1000",
        "external_id": "x-1",
    }
    response = admin_client.post(ADD, data)
    assert "does not offer this operation" in str(response.context["form"].errors["operation"])


@pytest.mark.django_db
def test_the_review_creates_what_it_showed_and_refuses_an_altered_token(
    admin_client: Client,
) -> None:
    data = {
        "account": "mtn",
        "operation": "mtn.disbursement.transfer",
        "party_id": "256772123456",
        "amount": "25.5",
        "external_id": "rev-1",
    }
    review = admin_client.post(ADD, data)
    assert "25.50 EUR" in review.content.decode()
    token = review.context["review_token"]
    # Fields posted beside the token are ignored: what was shown is created.
    forged = admin_client.post(ADD, {"momo_review": token[:-2] + "xx", "_confirm": "yes"})
    assert forged.status_code == 200
    assert not Transfer.objects.exists()
    admin_client.post(ADD, {"momo_review": token, "_confirm": "yes", "amount": "999"})
    assert Transfer.objects.get().amount == Decimal("25.50")


@pytest.mark.django_db
def test_another_operators_review_token_creates_nothing(client: Client) -> None:
    perms = ("view_transfer", "add_transfer")
    one, two = make_user("one", *perms), make_user("two", *perms)
    data = {
        "account": "mtn",
        "operation": "mtn.disbursement.transfer",
        "party_id": "256772123456",
        "amount": "5",
        "external_id": "rev-2",
    }
    client.force_login(one)
    token = client.post(ADD, data).context["review_token"]
    client.force_login(two)
    client.post(ADD, {"momo_review": token, "_confirm": "yes"})
    assert not Transfer.objects.exists()


# -- plurals ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_confirmations_say_1_payout_and_2_payouts(admin_client: Client) -> None:
    a, b = make_transfer("mtn"), make_transfer("mtn")
    one = post_action(admin_client, CHANGELIST, "send_transfers", [a.pk]).content.decode()
    assert "1 payout will be sent to its provider" in one
    two = post_action(admin_client, CHANGELIST, "send_transfers", [a.pk, b.pk]).content.decode()
    assert "2 payouts will be sent to their providers" in two
    force_status(a, S.PENDING)
    html = post_action(admin_client, CHANGELIST, "resolve_transfers", [a.pk]).content.decode()
    assert "1 payout will be resolved by hand." in html


# -- retries ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_payout_page_links_its_retries_and_its_original(admin_client: Client) -> None:
    first = failed_transfer()
    retry = services.retry_transfer(first.pk, actor="test")
    html = admin_client.get(change_url(CHANGELIST, first.pk)).content.decode()
    assert f'href="/admin/django_momo/transfer/{retry.pk}/change/"' in html
    assert "Retried as" in html
    html = admin_client.get(change_url(CHANGELIST, retry.pk)).content.decode()
    assert f'href="/admin/django_momo/transfer/{first.pk}/change/">{first.external_id}' in html


@pytest.mark.django_db(transaction=True)
def test_the_retry_button_retries_this_payout_with_send_now_ticked(
    client: Client, dummy_backend: Any
) -> None:
    client.force_login(make_user("ops", "view_transfer", "retry_transfer", "send_transfer"))
    first, other = failed_transfer(), failed_transfer()
    html = client.get(change_url(CHANGELIST, first.pk)).content.decode()
    assert 'id="momo-button-retry_transfers"' in html
    page = client.post(do_url(CHANGELIST, first.pk, "retry_transfers"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 failed payout will be paid again as a new payout." in text
    assert re.search(r'name="send_now"[^>]*checked', text)
    assert f'href="/admin/django_momo/transfer/{first.pk}/change/"' in text  # take me back
    done = client.post(
        do_url(CHANGELIST, first.pk, "retry_transfers"),
        {
            "confirm": "yes",
            "momo_confirmation": page.context["token"],
            "understood": "on",
            "send_now": "on",
        },
    )
    assert done.status_code == 302
    assert done["Location"] == change_url(CHANGELIST, first.pk)
    retry = Transfer.objects.get(retry_of=first)
    assert not Transfer.objects.filter(retry_of=other).exists()  # only this one
    assert len(dummy_backend.results) == 1
    assert retry.status == S.CREATED


@pytest.mark.django_db
def test_the_retry_button_is_hidden_and_refused_without_the_permission(client: Client) -> None:
    client.force_login(make_user("looker", "view_transfer", "send_transfer"))
    first = failed_transfer()
    html = client.get(change_url(CHANGELIST, first.pk)).content.decode()
    assert "momo-button-retry_transfers" not in html
    assert "momo-button-resolve_transfers" not in html
    assert client.post(do_url(CHANGELIST, first.pk, "retry_transfers")).status_code == 403
    forged = client.post(
        do_url(CHANGELIST, first.pk, "retry_transfers"),
        {"confirm": "yes", "understood": "on", "momo_confirmation": "x"},
    )
    assert forged.status_code == 403
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_button_action_is_not_found(admin_client: Client) -> None:
    transfer = make_transfer("mtn")
    assert admin_client.post(do_url(CHANGELIST, transfer.pk, "delete_selected")).status_code == 404


# -- resolving by hand -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_resolve_button_is_hidden_and_refused_without_the_permission(client: Client) -> None:
    transfer = make_transfer("mtn")
    force_status(transfer, S.UNKNOWN)
    client.force_login(make_user("looker", "view_transfer", "refresh_transfer"))
    html = client.get(change_url(CHANGELIST, transfer.pk)).content.decode()
    assert "momo-button-resolve_transfers" not in html
    assert "momo-button-refresh_transfers" in html
    forged = client.post(
        do_url(CHANGELIST, transfer.pk, "resolve_transfers"),
        {"confirm": "yes", "outcome": "failed", "note": "forged", "momo_confirmation": "x"},
    )
    assert forged.status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == S.UNKNOWN


@pytest.mark.django_db
def test_the_resolve_button_settles_this_payment(client: Client) -> None:
    client.force_login(make_user("fixer", "view_transfer", "resolve_transfer"))
    transfer = make_transfer("mtn")
    force_status(transfer, S.UNKNOWN)
    html = client.get(change_url(CHANGELIST, transfer.pk)).content.decode()
    assert 'id="momo-button-resolve_transfers"' in html
    url = do_url(CHANGELIST, transfer.pk, "resolve_transfers")
    page = client.post(url)
    done = client.post(
        url,
        {
            "confirm": "yes",
            "momo_confirmation": page.context["token"],
            "outcome": "failed",
            "note": "statement of 1 May: nothing booked",
        },
    )
    assert done.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.FAILED


# -- refunds ---------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_collection_page_lists_its_refunds_and_the_refund_button(
    client: Client, sandbox_accounts: Any, dummy_backend: Any
) -> None:
    collection = successful_collection()  # 40.00 EUR
    services.create_refund(
        collection.pk, amount=Decimal("15"), external_id="rf-a", actor="test", note="part"
    )
    client.force_login(make_user("refunder", "view_collection", "refund_collection"))
    html = client.get(change_url(COLLECTIONS, collection.pk)).content.decode()
    assert 'id="momo-refunded">15.00 EUR' in html
    assert 'id="momo-remaining">25.00 EUR' in html
    assert "rf-a" in html
    assert 'id="momo-button-refund_collections"' in html
    url = do_url(COLLECTIONS, collection.pk, "refund_collections")
    page = client.post(url)
    text = page.content.decode()
    assert "1 collection will be refunded" in text
    assert "already refunded: 15.00 EUR; remaining: 25.00 EUR" in text
    done = client.post(
        url,
        {
            "confirm": "yes",
            "momo_confirmation": page.context["token"],
            "amount": "5.00",
            "nonce": page.context["form"]["nonce"].value(),
            "note": "more",
        },
    )
    assert done.status_code == 302
    assert Refund.objects.filter(collection=collection).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_refund_button_is_hidden_and_refused_without_the_permission(
    client: Client, sandbox_accounts: Any
) -> None:
    collection = successful_collection()
    client.force_login(make_user("looker", "view_collection", "refresh_collection"))
    html = client.get(change_url(COLLECTIONS, collection.pk)).content.decode()
    assert "momo-button-refund_collections" not in html
    forged = client.post(
        do_url(COLLECTIONS, collection.pk, "refund_collections"),
        {"confirm": "yes", "amount": "5.00", "nonce": "abc", "momo_confirmation": "x"},
    )
    assert forged.status_code == 403
    assert not Refund.objects.exists()
