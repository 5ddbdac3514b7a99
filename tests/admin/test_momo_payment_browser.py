"""A MoMo payment from the admin to the customer's return, in headless Chromium.

An operator requests a MoMo payment in the admin and sends it at once; the customer opens the pay
link (the sandbox's MoMo page), presses Pay and is sent back to the shop's return page; the
sandbox's signed IPN (or the status query the return asks for) settles the payment; the operator
then refunds part of it from the admin. Live server and PostgreSQL only (``tests/conftest.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from django_momo.models import Collection, PaymentStatus, Refund

from .chromium import ARTIFACTS, BROWSER_MARKS
from .conftest import COLLECTIONS, make_user, point_accounts_at
from .test_browser import choose_action, log_in, wait_for_status

pytestmark = BROWSER_MARKS
S = PaymentStatus


@pytest.fixture
def site(live_server: Any, momo_sandbox: Any, settings: Any) -> Any:
    """The live server, with the accounts on the sandbox and callbacks (IPN, return) to it."""
    point_accounts_at(settings, momo_sandbox.base_url, f"{live_server.url}/momo/")
    return live_server


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def wait_until(check: Any, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_request_pay_return_and_refund_a_momo_payment(
    site: Any, context: Any, momo_sandbox: Any
) -> None:
    make_user("boss", superuser=True)
    base = site.url
    page = context.new_page()
    log_in(page, base, "boss")

    # The operator's request: an amount that is not whole VND digits is refused under its field.
    page.goto(f"{base}{COLLECTIONS}")
    page.click(f"a[href='{COLLECTIONS}add/']")
    page.wait_for_selector("#new-momo-payment-form")
    assert "API only" in page.inner_text("#momo-payment-mtn-note")
    page.select_option("#id_account", "momo")
    page.select_option("#id_operation", "momo_vn.capture_wallet")
    page.fill("#id_amount", "1e5")
    page.fill("#id_external_id", "ui-momo-1")
    page.fill("#id_message", "Order ui-momo-1")
    page.check("#id_send_now")
    page.click("input[name=_save]")
    assert "exponent" in page.inner_text(".field-amount")
    assert not Collection.objects.exists()
    page.fill("#id_amount", "150000")
    page.click("input[name=_save]")
    page.wait_for_selector(".field-status_badge")
    collection = Collection.objects.get(external_id="ui-momo-1")
    assert collection.created_by is not None
    assert collection.created_by.username == "boss"
    detail = f"{base}{COLLECTIONS}{collection.pk}/change/"
    wait_for_status(page, detail, "pending")
    collection.refresh_from_db()

    # Where the customer pays: the link opens MoMo's page in a new tab, the QR code is drawn.
    link = page.locator(".field-pay_link a")
    assert link.get_attribute("href") == collection.pay_url
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.locator(".field-app_link a").get_attribute("href") == collection.deeplink
    assert page.locator(".field-qr_code .momo-qr svg").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-momo-payment-open.png"), full_page=True)

    # The customer pays on the sandbox's MoMo page and is sent back to the shop.
    with context.expect_page() as opened:
        link.click()
    customer = opened.value
    customer.wait_for_load_state()
    assert customer.url == collection.pay_url
    assert customer.inner_text("#orderId") == collection.order_id
    assert customer.inner_text("#amount") == "150,000 VND"
    customer.click("button[value=pay]")
    customer.wait_for_url(f"{base}/momo/returns/momo-vn/{collection.callback_token}/**")
    status = customer.locator("#payment-status")
    assert status.get_attribute("data-status") in (S.PENDING, S.SUCCESSFUL)
    # Paid by the IPN or by the status query the signed return asked for.
    assert wait_until(lambda: Collection.objects.get(pk=collection.pk).status == S.SUCCESSFUL), (
        Collection.objects.get(pk=collection.pk).status
    )
    customer.reload()
    assert customer.locator("#payment-status").get_attribute("data-status") == S.SUCCESSFUL
    assert "Paid. Thank you." in customer.inner_text("#payment-status")
    customer.screenshot(path=str(ARTIFACTS / "momo-payment-return.png"), full_page=True)
    customer.close()
    collection.refresh_from_db()
    assert collection.provider_transaction_id.isdigit()
    # The sandbox delivered its IPN to our ipnUrl.
    deliveries = momo_sandbox.control.wait_for_callbacks(1)
    assert any(d["delivered_at"] is not None for d in deliveries), deliveries

    # The paid order offers no way to pay it any more.
    wait_for_status(page, detail, "successful")
    assert page.locator(".field-qr_code").count() == 0
    assert "can no longer pay it" in page.inner_text(".field-pay_closed")

    # The operator refunds part of it.
    page.goto(f"{base}{COLLECTIONS}")
    choose_action(page, collection.pk, "refund_collections")
    page.wait_for_selector("#momo-confirm")
    assert "1 collection will be refunded" in page.inner_text("#momo-confirm")
    assert "150,000 VND" in page.inner_text(".momo-totals")
    page.fill("#id_amount", "40000")
    page.fill("#id_note", "One item returned")
    page.click("#momo-confirm-submit")
    assert "1 refund created and queued for sending." in page.inner_text(".messagelist")
    refund = Refund.objects.get(collection=collection)
    assert (refund.amount, refund.operation) == (Decimal(40_000), "momo_vn.refund")
    wait_for_status(page, f"{base}/admin/django_momo/refund/{refund.pk}/change/", "successful")
    page.screenshot(path=str(ARTIFACTS / "admin-momo-refund.png"), full_page=True)
    order = momo_sandbox.control.momo_gateway_order(collection.order_id)
    assert [(r["amount"], r["resultCode"]) for r in order["refundTrans"]] == [(40_000, 0)]
