"""MoMo payments in the admin: the new-payment form, where the customer pays, refunds.

The form hands every input to ``services.request_payment`` as typed and shows each refusal under
its field; the change page shows the pay link, the app link and the QR code of an open MoMo order
only; the refund action refunds a paid MoMo order fully or in part, in whole VND.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from django_momo.models import Collection, PaymentStatus, Refund

from .confirming import confirmation, submit
from .conftest import (
    COLLECTIONS,
    force_status,
    make_collection,
    make_momo_payment,
    make_user,
    messages_of,
    open_momo_payment,
    paid_momo_payment,
    post_action,
)

S = PaymentStatus
ADD = f"{COLLECTIONS}add/"
WALLET = {
    "account": "momo",
    "operation": "momo_vn.capture_wallet",
    "amount": "150000",
    "external_id": "shop-1001",
    "message": "Order 1001",
}
CARD = {**WALLET, "operation": "momo_vn.pay_with_cc", "email": "an@example.com"}


def errors_of(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


def refund(client: Client, collection: Collection, **fields: str) -> Any:
    """The refund action's confirmation page for ``collection``, submitted with ``fields``."""
    page = confirmation(client, COLLECTIONS, "refund_collections", [collection.pk])
    nonce = page.context["form"]["nonce"].value()
    return submit(
        client, COLLECTIONS, "refund_collections", [collection.pk], page, nonce=nonce, **fields
    )


def change_page(client: Client, collection: Collection) -> str:
    response = client.get(f"{COLLECTIONS}{collection.pk}/change/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# -- the add form ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_form_offers_momo_accounts_and_methods_only(admin_client: Client) -> None:
    html = admin_client.get(ADD).content.decode()
    assert 'value="momo"' in html
    assert 'value="mtn"' not in html
    for operation in (
        "momo_vn.capture_wallet",
        "momo_vn.pay_with_atm",
        "momo_vn.pay_with_cc",
        "momo_vn.pay_with_method",
    ):
        assert f'value="{operation}"' in html, operation
    assert "mtn.collection" not in html
    assert "API only" in html  # MTN collections are not made here
    assert 'name="send_now"' in html
    assert 'value="admin-' in html  # a fresh external id


@pytest.mark.django_db
def test_the_collections_list_offers_the_add_button(admin_client: Client) -> None:
    assert f'href="{ADD}"' in admin_client.get(COLLECTIONS).content.decode()


@pytest.mark.django_db
def test_a_valid_request_is_created_held_by_the_user(admin_client: Client) -> None:
    response = admin_client.post(ADD, WALLET)
    collection = Collection.objects.get(external_id="shop-1001")
    assert response.status_code == 302
    assert response["Location"].endswith(f"{COLLECTIONS}{collection.pk}/change/")
    assert (collection.status, collection.held) == (S.CREATED, True)
    assert (collection.amount, collection.currency) == (Decimal(150_000), "VND")
    assert (collection.operation, collection.message) == ("momo_vn.capture_wallet", "Order 1001")
    assert (collection.party_type, collection.party_id) == ("", "")
    assert collection.created_by is not None
    assert collection.created_by.username == "admin"
    assert collection.status_changes.get().actor == "user:admin"
    # The same form submitted twice creates one request.
    admin_client.post(ADD, WALLET)
    assert Collection.objects.filter(external_id="shop-1001").count() == 1


@pytest.mark.django_db
def test_a_card_payment_carries_the_customers_email(admin_client: Client) -> None:
    assert admin_client.post(ADD, CARD).status_code == 302
    collection = Collection.objects.get(external_id="shop-1001")
    assert (collection.party_type, collection.party_id) == ("EMAIL", "an@example.com")


@pytest.mark.django_db
def test_an_empty_order_info_gets_the_default(admin_client: Client) -> None:
    admin_client.post(ADD, {**WALLET, "message": ""})
    assert Collection.objects.get().message == "Payment shop-1001"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"amount": "1e3"}, "amount", "exponent"),
        ({"amount": "1E5"}, "amount", "exponent"),
        ({"amount": "150000.0"}, "amount", "VND amounts are whole numbers"),
        ({"amount": "150.000"}, "amount", "VND amounts are whole numbers"),
        ({"amount": "150,000"}, "amount", "thousands separators"),
        ({"amount": "150 000"}, "amount", "spaces"),
        ({"amount": " 150000"}, "amount", "spaces"),
        ({"amount": "150000 "}, "amount", "spaces"),
        ({"amount": "-150000"}, "amount", "sign"),
        ({"amount": "0150000"}, "amount", "must not start with a 0"),
        ({"amount": "\uff11\uff15\uff10\uff10\uff10"}, "amount", "digits 0-9"),
        ({"amount": "ten"}, "amount", "is not a number"),
        ({"amount": "999"}, "amount", "between 1000 and"),
        ({"amount": "50000001"}, "amount", "between 1000 and"),
        ({"amount": ""}, "amount", "required"),
        ({"operation": "momo_vn.pay_with_atm", "amount": "9999"}, "amount", "between 10000"),
        ({"account": "mtn"}, "account", "valid choice"),
        ({"account": "nope"}, "account", "valid choice"),
        ({"operation": "mtn.collection.request_to_pay"}, "operation", "valid choice"),
        ({"email": "an@example.com"}, "email", "takes no party"),
        ({"operation": "momo_vn.pay_with_cc"}, "email", "e-mail"),
        ({**CARD, "email": "not-an-email"}, "email", "e-mail"),
        ({**CARD, "email": " an@example.com"}, "email", "e-mail"),
        ({"external_id": ""}, "external_id", "required"),
        ({"external_id": " shop-1001"}, "external_id", "spaces"),
        ({"external_id": "shop-1001 "}, "external_id", "spaces"),
        ({"message": " Order 1001"}, "message", "whitespace"),
        ({"message": "Order\n1001"}, "message", "control characters"),
        ({"message": "   "}, "message", "whitespace"),
    ],
)
@pytest.mark.django_db
def test_each_bad_input_is_refused_under_its_field_and_nothing_is_created(
    admin_client: Client, change: dict[str, str], field: str, text: str
) -> None:
    errors = errors_of(admin_client.post(ADD, {**WALLET, **change}))
    assert list(errors) == [field], errors
    assert len(errors[field]) == 1
    assert text in errors[field][0], errors[field][0]
    assert not Collection.objects.exists()


@pytest.mark.django_db
def test_an_external_id_used_for_another_request_is_refused(admin_client: Client) -> None:
    admin_client.post(ADD, WALLET)
    errors = errors_of(admin_client.post(ADD, {**WALLET, "amount": "200000"}))
    assert list(errors) == ["external_id"]
    assert Collection.objects.get().amount == Decimal(150_000)


@pytest.mark.django_db
def test_without_request_collection_the_form_is_forbidden(client: Client) -> None:
    client.force_login(make_user("clerk", "view_collection", "send_collection"))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {**WALLET, "send_now": "on"}).status_code == 403
    assert f'href="{ADD}"' not in client.get(COLLECTIONS).content.decode()
    assert not Collection.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_send_collection_the_request_is_created_held(
    client: Client, sandbox_accounts: Any
) -> None:
    client.force_login(make_user("maker", "view_collection", "request_collection"))
    assert 'name="send_now"' not in client.get(ADD).content.decode()
    response = client.post(ADD, {**WALLET, "send_now": "on"}, follow=True)
    collection = Collection.objects.get(external_id="shop-1001")
    assert (collection.status, collection.held) == (S.CREATED, True)
    assert "It is held: send it to create the order at MoMo." in messages_of(response)
    assert sandbox_accounts.control.ledger()["entries"] == []


@pytest.mark.django_db(transaction=True)
def test_send_now_creates_the_order_at_momo(admin_client: Client, sandbox_accounts: Any) -> None:
    response = admin_client.post(ADD, {**WALLET, "send_now": "on"}, follow=True)
    collection = Collection.objects.get(external_id="shop-1001")
    assert collection.status == S.PENDING
    assert collection.held is False
    assert collection.pay_url.startswith(sandbox_accounts.base_url)
    [entry] = sandbox_accounts.control.ledger()["entries"]
    assert entry["external_id"] == collection.order_id
    # The redirect lands on the change page, which already shows where to pay.
    html = response.content.decode()
    assert collection.pay_url in html
    assert 'class="segno"' in html


# -- where the customer pays -----------------------------------------------------------------------
def panel_of(html: str) -> str:
    match = re.search(r"<h2[^>]*>\s*Where the customer pays\s*</h2>(.*?)</fieldset>", html, re.S)
    return match.group(1) if match else ""


@pytest.mark.django_db
def test_an_open_momo_order_shows_its_pay_link_app_link_and_qr_code(
    admin_client: Client, sandbox_accounts: Any
) -> None:
    order = open_momo_payment()
    assert order.pay_url
    assert order.deeplink
    assert order.qr_code_url
    panel = panel_of(change_page(admin_client, order))
    assert f'<a href="{order.pay_url}" target="_blank" rel="noopener noreferrer">' in panel, panel
    deeplink = order.deeplink.replace("&", "&amp;")
    assert f'<a href="{deeplink}" target="_blank" rel="noopener noreferrer">' in panel
    assert panel.count("<svg") == 1
    assert 'class="momo-qr"' in panel
    # The QR data reaches the panel only as segno's drawing (the timeline shows it as text).
    assert order.qr_code_url not in panel
    assert order.qr_code_url.replace("&", "&amp;") not in panel


@pytest.mark.django_db
def test_nothing_shows_for_mtn_or_before_momo_created_the_order(admin_client: Client) -> None:
    mtn, momo = make_collection(), make_momo_payment()
    for collection in (mtn, momo):
        html = change_page(admin_client, collection)
        assert "Where the customer pays" not in html
        assert 'class="segno"' not in html
        assert 'class="momo-qr"' not in html


@pytest.mark.django_db
def test_a_final_order_shows_no_way_to_pay_it(admin_client: Client, sandbox_accounts: Any) -> None:
    order = paid_momo_payment(sandbox_accounts)
    panel = panel_of(change_page(admin_client, order))
    assert "The order is Successful: the customer can no longer pay it." in panel
    assert "<svg" not in panel
    assert order.pay_url not in panel


@pytest.mark.django_db
def test_links_from_the_provider_are_clickable_only_as_web_or_momo_links(
    admin_client: Client,
) -> None:
    order = make_momo_payment()
    Collection.objects.filter(pk=order.pk).update(
        status=S.PENDING,
        pay_url="javascript:alert(1)",
        deeplink='data:text/html,<script>alert("x")</script>',
        qr_code_url='"><script>alert(1)</script>',
    )
    order.refresh_from_db()
    panel = panel_of(change_page(admin_client, order))
    assert "<a " not in panel
    assert "<script>" not in panel
    assert "&lt;script&gt;" in panel  # the app link, shown as text
    assert panel.count("<svg") == 1  # the QR data, drawn only


@pytest.mark.django_db
def test_qr_data_too_long_to_draw_shows_no_qr(admin_client: Client) -> None:
    order = make_momo_payment()
    Collection.objects.filter(pk=order.pk).update(
        status=S.PENDING, pay_url="https://pay.example/x", qr_code_url="x" * 5000
    )
    order.refresh_from_db()
    panel = panel_of(change_page(admin_client, order))
    assert "https://pay.example/x" in panel
    assert "<svg" not in panel


# -- refunds of a MoMo payment ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_momo_payment_is_refunded_in_part_then_in_full(
    admin_client: Client, sandbox_accounts: Any
) -> None:
    order = paid_momo_payment(sandbox_accounts)
    page = confirmation(admin_client, COLLECTIONS, "refund_collections", [order.pk])
    assert "150,000 VND" in page.content.decode()
    response = refund(admin_client, order, amount="50000", note="Damaged box")
    assert response.status_code == 302
    msgs = messages_of(admin_client.get(COLLECTIONS))
    assert "1 refund created and queued for sending." in msgs
    first = Refund.objects.get(collection=order)
    assert (first.amount, first.currency, first.operation) == (
        Decimal(50_000),
        "VND",
        "momo_vn.refund",
    )
    assert first.status == S.SUCCESSFUL
    assert first.message == "Damaged box"
    # Empty amount: all that remains.
    refund(admin_client, order, amount="")
    rest = Refund.objects.filter(collection=order).exclude(pk=first.pk).get()
    assert rest.amount == Decimal(100_000)
    assert rest.status == S.SUCCESSFUL
    refunds = sandbox_accounts.control.momo_gateway_order(order.order_id)["refundTrans"]
    assert sorted(Decimal(str(r["amount"])) for r in refunds if r["resultCode"] == 0) == [
        Decimal(50_000),
        Decimal(100_000),
    ]
    # Nothing is left: a third refund is refused, nothing is sent.
    refund(admin_client, order, amount="1000")
    # (The service words the remaining amount in the currency's own units: "0 VND".)
    assert "1,000 VND exceeds the refundable 0 VND" in " ".join(
        messages_of(admin_client.get(COLLECTIONS))
    )
    assert Refund.objects.filter(collection=order).count() == 2


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("50000.5", "VND amounts are whole numbers"),
        ("50.000", "VND amounts are whole numbers"),
        ("5e4", "exponent"),
        ("50,000", "thousands separators"),
    ],
)
@pytest.mark.django_db
def test_a_refund_amount_that_is_not_whole_vnd_is_refused(
    admin_client: Client, amount: str, text: str
) -> None:
    order = make_momo_payment()
    force_status(order, S.SUCCESSFUL)
    page = refund(admin_client, order, amount=amount)
    assert page.status_code == 200  # the confirmation page again, with the reason
    assert text in str(page.context["form"].errors["amount"])
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_refund_under_momos_minimum_is_refused_by_the_service(
    admin_client: Client, sandbox_accounts: Any
) -> None:
    order = paid_momo_payment(sandbox_accounts)
    refund(admin_client, order, amount="999")
    msgs = " ".join(messages_of(admin_client.get(COLLECTIONS)))
    assert "a MoMo refund must be between 1000 and" in msgs
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_refunding_needs_refund_collection(client: Client, sandbox_accounts: Any) -> None:
    order = paid_momo_payment(sandbox_accounts)
    client.force_login(make_user("clerk", "view_collection", "request_collection"))
    html = client.get(COLLECTIONS).content.decode()
    assert 'value="refund_collections"' not in html
    post_action(client, COLLECTIONS, "refund_collections", [order.pk], confirm="yes", amount="1000")
    assert not Refund.objects.exists()
