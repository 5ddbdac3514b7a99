"""Every money action in three clicks or fewer, as an operator does it in headless Chromium.

A click is a press on a button, a link, a checkbox or a choice in a list; typing an amount or a
note is not one. Each flow starts on the page an operator would be on (the new-payout form, the
payment's own page) and fails above three clicks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from django_momo import services
from django_momo.models import PaymentStatus, Refund, Transfer

from .chromium import ARTIFACTS, BROWSER_MARKS
from .conftest import make_transfer, make_user, point_accounts_at, successful_collection

pytestmark = BROWSER_MARKS

S = PaymentStatus
MAX_CLICKS = 3
MTN_REJECTED = "46733123451"  # the sandbox fails a payout to this number


@pytest.fixture
def site(live_server: Any, momo_sandbox: Any, settings: Any) -> Any:
    point_accounts_at(settings, momo_sandbox.base_url, f"{live_server.url}/momo/")
    return live_server


class Operator:
    """A browser page that counts the operator's clicks."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.clicks = 0

    def click(self, selector: str) -> None:
        self.clicks += 1
        self.page.click(selector)

    def check(self, selector: str) -> None:
        self.clicks += 1
        self.page.check(selector)

    def choose(self, selector: str, value: str) -> None:
        self.clicks += 1
        self.page.select_option(selector, value)

    def type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)  # typing is not a click

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"three-clicks-{name}.png"), full_page=True)


@pytest.fixture
def operator(chromium: Any, site: Any) -> Iterator[Operator]:
    make_user("olga", superuser=True)
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "pw-olga")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    yield Operator(page)
    context.close()


def change_url(site: Any, model: str, pk: int) -> str:
    return f"{site.url}/admin/django_momo/{model}/{pk}/change/"


def test_send_one_payout_in_three_clicks(site: Any, operator: Operator) -> None:
    operator.page.goto(f"{site.url}/admin/django_momo/transfer/add/?account=mtn")
    operator.type("#id_party_id", "256772000222")
    operator.type("#id_amount", "30.00")
    operator.type("#id_external_id", "three-clicks-send")
    operator.check("#id_send_now")
    operator.click("input[name=_save]")  # to the review page
    assert "30.00 EUR" in operator.page.inner_text("#momo-review-table")
    operator.click("#momo-review-confirm")
    operator.page.wait_for_selector(
        ".momo-badge-created, .momo-badge-pending, .momo-badge-successful"
    )
    operator.shot("send")
    transfer = Transfer.objects.get(external_id="three-clicks-send")
    assert not transfer.held  # sent (queued) by the confirm, not left for later
    assert operator.clicks <= MAX_CLICKS, operator.clicks


def test_refund_part_of_a_collection_in_three_clicks(site: Any, operator: Operator) -> None:
    collection = successful_collection(amount="40.00")
    operator.page.goto(change_url(site, "collection", collection.pk))
    operator.click("#momo-button-refund_collections")
    operator.type("#id_amount", "15.00")
    operator.click("#momo-confirm-submit")
    operator.page.wait_for_selector("#site-name")
    operator.shot("refund")
    refund = Refund.objects.get(collection=collection)
    assert str(refund.amount) == "15.0000"
    assert services.refundable_amount(collection) == 25
    assert operator.clicks <= MAX_CLICKS, operator.clicks


def test_retry_a_failed_payout_in_three_clicks(site: Any, operator: Operator) -> None:
    failed = make_transfer(party_id=MTN_REJECTED)
    services.send_transfer(failed.pk, actor="test")
    failed = services.refresh_transfer(failed.pk, actor="test")
    assert failed.status == S.FAILED
    operator.page.goto(change_url(site, "transfer", failed.pk))
    operator.click("#momo-button-retry_transfers")
    operator.check("#id_understood")
    operator.click("#momo-confirm-submit")
    operator.page.wait_for_selector("#site-name")
    operator.shot("retry")
    retry = Transfer.objects.get(retry_of=failed)
    assert not retry.held  # "send now" is on by default for an operator who may send
    assert operator.clicks <= MAX_CLICKS, operator.clicks


def test_resolve_a_stuck_payment_in_three_clicks(site: Any, operator: Operator) -> None:
    stuck = make_transfer()
    long_ago = timezone.now() - timedelta(hours=2)
    Transfer.objects.filter(pk=stuck.pk).update(status=S.UNKNOWN, sent_at=long_ago)
    operator.page.goto(change_url(site, "transfer", stuck.pk))
    operator.click("#momo-button-resolve_transfers")
    operator.choose("#id_outcome", S.FAILED.value)
    operator.type("#id_note", "MTN statement of today: not booked")
    operator.click("#momo-confirm-submit")
    operator.page.wait_for_selector("#site-name")
    operator.shot("resolve")
    stuck.refresh_from_db()
    assert stuck.status == S.FAILED
    assert operator.clicks <= MAX_CLICKS, operator.clicks
