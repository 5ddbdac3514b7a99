"""The payment admin pages: registration, columns, read-only records, balances, no secrets."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client

from django_momo.admin.payments import (
    CollectionAdmin,
    RefundAdmin,
    StatusChangeAdmin,
    TransferAdmin,
)
from django_momo.models import (
    Callback,
    Collection,
    PaymentStatus,
    Refund,
    StatusChange,
    Transfer,
)
from django_momo.sandbox import presets

from .conftest import CHANGELIST, make_transfer, make_user

pytestmark = pytest.mark.django_db

SECRETS = [
    presets.MTN_API_KEY,
    *presets.MTN_SUBSCRIPTION_KEYS.values(),
    presets.MOMO_ACCESS_KEY,
    presets.MOMO_SECRET_KEY,
]


def test_every_model_is_registered_with_its_admin() -> None:
    assert isinstance(admin.site._registry[Transfer], TransferAdmin)
    assert isinstance(admin.site._registry[Collection], CollectionAdmin)
    assert isinstance(admin.site._registry[Refund], RefundAdmin)
    assert isinstance(admin.site._registry[StatusChange], StatusChangeAdmin)


def test_every_action_is_offered_to_a_superuser(rf: Any) -> None:
    request = rf.get("/")
    request.user = make_user("root", superuser=True)
    expected = {
        Transfer: {"send_transfers", "refresh_transfers", "cancel_transfers", "retry_transfers"},
        Collection: {"refresh_collections", "refund_collections"},
        Refund: {"refresh_refunds"},
    }
    for model, names in expected.items():
        offered = set(admin.site._registry[model].get_actions(request))
        assert names <= offered, (model, names - offered)
        assert "delete_selected" not in offered


def test_changelist_lists_what_an_operator_scans(admin_client: Client, settings: Any) -> None:
    transfer = make_transfer("mtn")
    momo = make_transfer("momo")
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        transfer.external_id,
        transfer.reference,
        transfer.party_id,
        "12.50 EUR",
        momo.external_id,
        "15,000 VND",
        "NGUYEN VAN A",
    ):
        assert text in html, text
    assert 'class="momo-badge momo-badge-created"' in html
    # Filters and search are there.
    assert "?status__exact=created" in html
    assert "?account=momo" in html
    assert 'name="q"' in html


def test_search_finds_by_external_id_reference_and_phone(admin_client: Client) -> None:
    one = make_transfer("mtn")
    other = make_transfer("mtn")
    for term in (one.external_id, one.reference, one.party_id):
        html = admin_client.get(CHANGELIST, {"q": term}).content.decode()
        assert one.external_id in html, term
        assert other.external_id not in html, term


def test_filters_by_status_and_account(admin_client: Client) -> None:
    mtn = make_transfer("mtn")
    momo = make_transfer("momo")
    Transfer.objects.filter(pk=momo.pk).update(status=PaymentStatus.FAILED)
    html = admin_client.get(CHANGELIST, {"account": "mtn"}).content.decode()
    assert mtn.external_id in html
    assert momo.external_id not in html
    html = admin_client.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert momo.external_id in html
    assert mtn.external_id not in html


def test_detail_page_is_read_only_with_the_timeline(admin_client: Client) -> None:
    transfer = make_transfer("mtn")
    original_amount = transfer.amount
    url = f"{CHANGELIST}{transfer.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Timeline" in html or "timeline" in html
    assert "created" in html
    assert "test" in html
    for field in ("amount", "party_id", "account", "status", "external_id"):
        assert f'name="{field}"' not in html, field
    # A forged POST changes nothing.
    response = admin_client.post(url, {"amount": "99999", "status": "successful"})
    assert response.status_code == 403
    transfer.refresh_from_db()
    assert transfer.amount == original_amount
    assert transfer.status == PaymentStatus.CREATED


def test_status_changes_are_fully_read_only(admin_client: Client) -> None:
    transfer = make_transfer("mtn")
    change = StatusChange.objects.get(transfer=transfer)
    base = "/admin/django_momo/statuschange/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{change.pk}/change/", {"to_status": "x"}).status_code == 403
    assert admin_client.post(f"{base}{change.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StatusChange.objects.filter(pk=change.pk, to_status="created").exists()


def test_payments_cannot_be_deleted(admin_client: Client) -> None:
    transfer = make_transfer("mtn")
    response = admin_client.post(f"{CHANGELIST}{transfer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_no_secret_on_any_page(admin_client: Client, sandbox_accounts: Any) -> None:
    transfer = make_transfer("momo")
    token_path = f"/momo/callbacks/mtn/{transfer.callback_token}/"
    Callback.objects.create(
        provider="mtn",
        method="POST",
        path=token_path,
        transfer=transfer,
        token=transfer.callback_token,
        body=b"{}",
    )
    pages = [
        CHANGELIST,
        f"{CHANGELIST}{transfer.pk}/change/",
        f"{CHANGELIST}add/",
        "/admin/django_momo/collection/",
        "/admin/django_momo/refund/",
        "/admin/django_momo/statuschange/",
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        for secret in [*SECRETS, transfer.callback_token]:
            assert secret not in html, (url, secret[:4])
    confirm = admin_client.post(
        CHANGELIST, {"action": "send_transfers", "index": "0", "_selected_action": [transfer.pk]}
    ).content.decode()
    assert "Yes, send them" in confirm
    for secret in [*SECRETS, transfer.callback_token]:
        assert secret not in confirm


def test_balances_are_shown_and_cached(
    admin_client: Client, settings: Any, sandbox_accounts: Any
) -> None:
    html = admin_client.get(CHANGELIST).content.decode()
    assert 'id="momo-balances"' in html
    assert "EUR" in html.split('id="momo-balances"')[1].split("</div>")[0]
    assert "VND" in html.split('id="momo-balances"')[1].split("</div>")[0]
    # The provider goes away: the cached balance is still shown (no call within the window).
    from .conftest import point_accounts_at

    point_accounts_at(settings, "http://127.0.0.1:9")
    block = admin_client.get(CHANGELIST).content.decode().split('id="momo-balances"')[1]
    assert "unavailable" not in block.split("</div>")[0]


def test_unreachable_provider_gives_a_readable_message(admin_client: Client, settings: Any) -> None:
    from .conftest import point_accounts_at

    point_accounts_at(settings, "http://127.0.0.1:9")
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    block = response.content.decode().split('id="momo-balances"')[1].split("</div>")[0]
    assert block.count("Balance unavailable") == 2
    assert "could not be reached" in block


def test_staff_sees_no_add_button_without_add_permission(client: Client) -> None:
    user = make_user("looker", "view_transfer")
    client.force_login(user)
    html = client.get(CHANGELIST).content.decode()
    assert f'href="{CHANGELIST}add/"' not in html
    assert client.get(f"{CHANGELIST}add/").status_code == 403
