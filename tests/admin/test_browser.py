"""The operator's flows in headless Chromium against a live server and the provider sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from django_momo.models import PaymentStatus, Refund, Transfer

from .chromium import ARTIFACTS, BROWSER_MARKS
from .conftest import make_transfer, make_user, point_accounts_at, successful_collection

pytestmark = BROWSER_MARKS


@pytest.fixture
def site(live_server: Any, momo_sandbox: Any, settings: Any) -> Any:
    """The live server, with the accounts on the sandbox and callbacks back to the server."""
    point_accounts_at(settings, momo_sandbox.base_url, f"{live_server.url}/momo/")
    return live_server


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def choose_action(page: Any, pk: int, action: str) -> None:
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def wait_for_status(page: Any, url: str, status: str, timeout: float = 15.0) -> None:
    """Reload the detail page until the status badge shows ``status`` (callbacks are async)."""
    deadline = time.monotonic() + timeout
    selector = f".momo-badge-{status}"
    while True:
        page.goto(url)
        if page.query_selector(selector) is not None or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert page.query_selector(selector) is not None, page.inner_text(".field-status_badge")


def test_create_send_and_see_a_payout_succeed(site: Any, page: Any, momo_sandbox: Any) -> None:
    make_user("boss", superuser=True)
    base = site.url
    log_in(page, base, "boss")
    page.goto(f"{base}/admin/django_momo/transfer/add/?account=mtn")
    page.select_option("#id_operation", "mtn.disbursement.transfer")
    page.fill("#id_party_id", "256772000111")
    page.fill("#id_amount", "25.001")
    page.fill("#id_external_id", "ui-payout-1")
    page.click("input[name=_save]")
    # Field-level validation: the amount is refused with the reason, under its field.
    assert "EUR amounts have at most 2 decimal places" in page.inner_text(".field-amount")
    page.fill("#id_amount", "25.00")
    page.click("input[name=_save]")
    # The review page shows the amount as parsed before anything is created.
    assert "25.00 EUR" in page.inner_text("#momo-review-table")
    page.click("#momo-review-confirm")
    page.wait_for_selector(".momo-badge-created")
    transfer = Transfer.objects.get(external_id="ui-payout-1")
    assert transfer.created_by is not None
    assert transfer.created_by.username == "boss"

    page.goto(f"{base}/admin/django_momo/transfer/")
    choose_action(page, transfer.pk, "send_transfers")
    page.wait_for_selector("#momo-confirm")
    assert "1 payout will be sent" in page.inner_text("#momo-confirm")
    assert "25.00 EUR" in page.inner_text(".momo-totals")
    page.click("#momo-confirm-submit")
    assert "1 payout queued for sending." in page.inner_text(".messagelist")

    detail = f"{base}/admin/django_momo/transfer/{transfer.pk}/change/"
    wait_for_status(page, detail, "successful")
    assert "user:boss" in page.inner_text("body")  # the timeline names who sent it
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-payout-detail.png"), full_page=True)
    page.goto(f"{base}/admin/django_momo/transfer/")
    page.wait_for_selector("#momo-balances")
    page.screenshot(path=str(ARTIFACTS / "admin-payout-changelist.png"), full_page=True)
    entries = momo_sandbox.control.ledger()["entries"]
    assert [e["external_id"] for e in entries] == ["ui-payout-1"]
    assert entries[0]["status"] == "SUCCESSFUL"


def test_refund_a_collection(site: Any, page: Any, momo_sandbox: Any) -> None:
    make_user("boss", superuser=True)
    collection = successful_collection()
    log_in(page, site.url, "boss")
    page.goto(f"{site.url}/admin/django_momo/collection/")
    choose_action(page, collection.pk, "refund_collections")
    page.wait_for_selector("#momo-confirm")
    assert "1 collection will be refunded" in page.inner_text("#momo-confirm")
    page.fill("#id_amount", "15.00")
    page.click("#momo-confirm-submit")
    assert "1 refund created and queued for sending." in page.inner_text(".messagelist")
    refund = Refund.objects.get(collection=collection)
    assert str(refund.amount) == "15.0000"
    wait_for_status(page, f"{site.url}/admin/django_momo/refund/{refund.pk}/change/", "successful")
    refunds = [
        e
        for e in momo_sandbox.control.ledger()["entries"]
        if e["operation"] == "disbursement.refund"
    ]
    assert len(refunds) == 1


def test_staff_without_send_permission_cannot_send(site: Any, page: Any, momo_sandbox: Any) -> None:
    make_user("clerk", "view_transfer", "add_transfer", "refresh_transfer")
    transfer = make_transfer("mtn")
    log_in(page, site.url, "clerk")
    page.goto(f"{site.url}/admin/django_momo/transfer/")
    options = page.eval_on_selector_all("select[name=action] option", "os => os.map(o => o.value)")
    assert "refresh_transfers" in options
    assert "send_transfers" not in options
    # Forge it: add the option and the confirmation field in the page, then submit.
    page.evaluate(
        """() => {
            const select = document.querySelector("select[name=action]");
            select.add(new Option("send", "send_transfers"));
            const confirm = document.createElement("input");
            confirm.type = "hidden"; confirm.name = "confirm"; confirm.value = "yes";
            document.getElementById("changelist-form").appendChild(confirm);
        }"""
    )
    choose_action(page, transfer.pk, "send_transfers")
    page.wait_for_load_state()
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.CREATED
    assert momo_sandbox.control.ledger()["entries"] == []


def test_double_submitted_confirmation_sends_once(site: Any, page: Any, momo_sandbox: Any) -> None:
    make_user("boss", superuser=True)
    transfer = make_transfer("momo")
    log_in(page, site.url, "boss")
    page.goto(f"{site.url}/admin/django_momo/transfer/")
    choose_action(page, transfer.pk, "send_transfers")
    page.wait_for_selector("#momo-confirm-form")
    # The confirmation form posted twice, as a double click on a slow connection does.
    statuses = page.evaluate(
        """async () => {
            const form = document.getElementById("momo-confirm-form");
            const post = () => fetch(location.href, {
                method: "POST", body: new URLSearchParams(new FormData(form)),
                credentials: "same-origin"});
            const first = await post();
            const second = await post();
            return [[first.status, await first.text()], [second.status, await second.text()]];
        }"""
    )
    # Both followed their redirect to the changelist, which shows what each one did.
    assert [status for status, _ in statuses] == [200, 200]
    assert "1 payout queued for sending." in statuses[0][1]
    assert "1 payout skipped: no longer in &#x27;created&#x27;." in statuses[1][1]
    assert "queued for sending" not in statuses[1][1]
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL
    ledger = momo_sandbox.control.ledger()
    # MoMo's ledger knows the payout by its orderId.
    assert [e["external_id"] for e in ledger["entries"]] == [transfer.order_id]
    assert ledger["violations"] == []
