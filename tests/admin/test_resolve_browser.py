"""An operator settles a flagged payout by hand, in headless Chromium against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from django_momo import services
from django_momo.models import Attention, PaymentStatus, Transfer

from .chromium import ARTIFACTS, BROWSER_MARKS
from .conftest import force_status, make_transfer, make_user, point_accounts_at

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(chromium: Any, live_server: Any, momo_sandbox: Any, settings: Any) -> Iterator[Any]:
    """A fresh page; the accounts on the sandbox, so the balance block loads quickly."""
    point_accounts_at(settings, momo_sandbox.base_url, f"{live_server.url}/momo/")
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_an_operator_resolves_a_flagged_payout_by_hand(live_server: Any, page: Any) -> None:
    make_user("ops", "view_transfer", "refresh_transfer", "resolve_transfer", "view_statuschange")
    stuck = make_transfer("mtn")
    force_status(stuck, PaymentStatus.UNKNOWN)
    services.flag(Transfer, stuck.pk, Attention.STOPPED, "replay age limit", actor="test")
    calm = make_transfer("mtn")
    force_status(calm, PaymentStatus.PENDING)
    base = live_server.url

    page.goto(f"{base}/admin/login/?next=/admin/django_momo/transfer/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "pw-ops")
    page.click("input[type=submit]")
    page.wait_for_selector("#result_list")
    # Filter "needs attention": only the flagged payout is left, with its badge.
    page.click("#changelist-filter a[href='?attention=yes']")
    page.wait_for_url("**/?attention=yes")
    rows = page.query_selector_all("#result_list tbody tr")
    assert len(rows) == 1
    assert stuck.external_id in rows[0].inner_text()
    assert page.inner_text(".momo-attention-stopped") == "checks stopped"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-needs-attention.png"), full_page=True)

    page.check(f"input[name=_selected_action][value='{stuck.pk}']")
    page.select_option("select[name=action]", "resolve_transfers")
    page.click("button[name=index]")
    page.wait_for_selector("#momo-confirm-form")
    assert "1 payout will be resolved by hand." in page.inner_text("#momo-confirm")
    assert stuck.external_id in page.inner_text("#momo-sample")
    page.select_option("#id_outcome", "successful")
    page.fill("#id_note", "Seen on the MTN statement of 3 May, line 12")
    page.fill("#id_provider_transaction_id", "MTN-TX-77120")
    page.screenshot(path=str(ARTIFACTS / "admin-resolve-confirm.png"), full_page=True)
    page.click("#momo-confirm-submit")
    assert "1 resolved by hand as successful." in page.inner_text(".messagelist")

    page.goto(f"{base}/admin/django_momo/transfer/{stuck.pk}/change/")
    page.wait_for_selector(".momo-badge-successful")
    timeline = page.inner_text("body")
    assert "user:ops" in timeline
    assert "resolved by hand: Seen on the MTN statement of 3 May, line 12" in timeline
    assert "MTN-TX-77120" in page.inner_text(".field-provider_transaction_id")
    page.screenshot(path=str(ARTIFACTS / "admin-resolved-payout.png"), full_page=True)
    stuck.refresh_from_db()
    assert (stuck.status, stuck.provider_transaction_id) == ("successful", "MTN-TX-77120")
    assert Transfer.objects.get(pk=calm.pk).status == PaymentStatus.PENDING
