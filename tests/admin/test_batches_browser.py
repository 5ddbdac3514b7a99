"""A payout batch from upload to export in headless Chromium, against the MTN sandbox.

An operator uploads a small CSV, reads the preview, confirms it; a second user approves it (the
test account asks one approval above 10 EUR); the operator sends it and watches the progress
numbers reach "all final" without reloading the page (the poller of ``batch_progress.js``),
then downloads the export. Live server and PostgreSQL only (``tests/conftest.py``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from django_momo.models import PaymentStatus, PayoutBatch, Transfer

from .chromium import ARTIFACTS, BROWSER_MARKS
from .conftest import (
    BATCH_OP,
    BATCH_PERMS,
    BATCHES,
    batch_csv,
    make_user,
    point_accounts_at,
    with_approvals,
)
from .test_browser import log_in

pytestmark = BROWSER_MARKS
S = PaymentStatus

LATE = "46733123453"  # the MTN sandbox: PENDING, then SUCCESSFUL two seconds later
EXPIRED = "46733123452"  # FAILED (EXPIRED)
ROWS = [
    [BATCH_OP, "256771200001", "12.50", "EUR", "ui-batch-1", "salary"],
    [BATCH_OP, "256771200002", "7.25", "EUR", "ui-batch-2", "salary"],
    [BATCH_OP, LATE, "5.00", "EUR", "ui-batch-3", "salary"],
    [BATCH_OP, EXPIRED, "1.00", "EUR", "ui-batch-4", "salary"],
]


@pytest.fixture
def site(live_server: Any, momo_sandbox: Any, settings: Any) -> Any:
    """The live server, the accounts on the sandbox (callbacks back to the server), and an
    approval rule on the MTN account: one approval above 10 EUR."""
    point_accounts_at(settings, momo_sandbox.base_url, f"{live_server.url}/momo/")
    with_approvals(settings, above="10", required=1)
    return live_server


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def message(page: Any) -> str:
    return str(page.inner_text(".messagelist"))


def test_upload_confirm_approve_send_follow_and_export(
    site: Any, browser_context: Any, chromium: Any, momo_sandbox: Any
) -> None:
    make_user("payroll", *BATCH_PERMS, "view_transfer", "view_balance")
    make_user("checker", "view_payoutbatch", "approve_batch")
    base = site.url
    page = browser_context.new_page()
    log_in(page, base, "payroll")

    # Upload: the file is checked and shown, nothing is created.
    page.goto(f"{base}{BATCHES}")
    page.click(f"a[href='{BATCHES}add/']")
    page.wait_for_selector("#momo-batch-upload-form")
    page.select_option("#id_account", "mtn")
    page.set_input_files(
        "#id_file",
        files=[{"name": "may-payroll.csv", "mimeType": "text/csv", "buffer": batch_csv(ROWS)}],
    )
    page.click("#momo-batch-upload")
    page.wait_for_selector("#momo-batch-summary")
    assert "File may-payroll.csv read: 4 rows, 0 with errors." in message(page)
    batch = PayoutBatch.objects.get()
    assert batch.status == "previewed"
    assert not Transfer.objects.exists()
    assert page.inner_text("#momo-batch-row-count") == "4"
    assert page.inner_text("#momo-batch-totals") == "25.75 EUR"
    assert page.locator("#momo-batch-rows-table tbody tr").count() == 4
    shot(page, "admin-batch-preview.png")

    # Confirm: the payouts are created, held; the batch waits for an approval.
    page.click("#momo-batch-confirm")
    page.wait_for_selector(".messagelist")
    assert "4 payouts created, held until the batch is sent." in message(page)
    assert "It needs 1 approval first." in message(page)
    assert "You made this batch" in page.inner_text("#momo-batch-waiting")
    assert page.locator("#momo-batch-send").count() == 0
    assert Transfer.objects.filter(status=S.CREATED, held=True).count() == 4

    # A second user approves it, in a session of their own.
    checker_context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    checker_context.set_default_timeout(15_000)
    checker = checker_context.new_page()
    log_in(checker, base, "checker")
    checker.goto(f"{base}{BATCHES}{batch.pk}/change/")
    checker.fill("#momo-batch-note-input", "checked against the May payroll")
    checker.click("#momo-batch-approve")
    checker.wait_for_selector(".messagelist")
    assert "Approved. The batch can be sent." in message(checker)
    assert checker.locator("#momo-batch-send").count() == 0  # the checker may not send
    checker_context.close()

    # Send, then watch the progress change to all final without reloading the page.
    momo_sandbox.control.set_callbacks(delay_ms=1500)  # the numbers move while we watch
    page.reload()
    page.click("#momo-batch-send")
    page.wait_for_selector("#momo-batch-progress")
    assert "4 payouts queued for sending." in message(page)
    page.evaluate("() => { window.momoNotReloaded = true; }")
    first = int(page.inner_text("#momo-progress-final"))
    assert page.inner_text("#momo-progress-payouts") == "4"
    assert first < 4, "every payout was final before the page showed: nothing to watch"
    shot(page, "admin-batch-sending.png")
    page.wait_for_function(
        "() => document.getElementById('momo-progress-final').textContent === '4'",
        timeout=20_000,
    )
    assert page.evaluate("() => window.momoNotReloaded === true")  # the same page, updated
    progress = page.locator("#momo-batch-progress")
    assert progress.locator("tr[data-status=successful] .momo-progress-count").inner_text() == "3"
    assert progress.locator("tr[data-status=failed] .momo-progress-count").inner_text() == "1"
    assert progress.locator("tr[data-status=pending] .momo-progress-count").inner_text() == "0"
    amount = progress.locator("tr[data-status=successful] .momo-progress-amount").inner_text()
    assert amount == "24.75 EUR"
    assert page.inner_text("#momo-progress-status") == "Done (every payout final)"
    assert page.locator("#momo-progress-done").is_visible()
    assert PayoutBatch.objects.get(pk=batch.pk).status == "done"
    shot(page, "admin-batch-done.png")

    # Each row links to its payout.
    page.reload()
    links = page.locator("#momo-batch-rows-table a.momo-payout-link")
    assert links.count() == 4
    payout = Transfer.objects.get(external_id="ui-batch-1")
    assert links.first.get_attribute("href") == f"/admin/django_momo/transfer/{payout.pk}/change/"

    # The export downloads, with each line's outcome.
    with page.expect_download() as info:
        page.click("#momo-batch-export-csv")
    download = info.value
    assert download.suggested_filename == f"batch-{batch.pk}-may-payroll.csv"
    data = Path(download.path()).read_bytes()
    lines = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(line["external_id"], line["status"]) for line in lines] == [
        ("ui-batch-1", "successful"),
        ("ui-batch-2", "successful"),
        ("ui-batch-3", "successful"),
        ("ui-batch-4", "failed"),
    ]
    assert lines[3]["reason"].startswith("not paid")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "admin-batch-export.csv").write_bytes(data)
    entries = momo_sandbox.control.ledger()["entries"]
    assert sorted(e["external_id"] for e in entries) == [r[4] for r in ROWS]
