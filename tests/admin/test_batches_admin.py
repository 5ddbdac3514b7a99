"""The payout batch pages: upload, preview, confirm, approve, send, progress, export, pages of rows.

Every button is hidden without its permission, and its POST forged anyway is refused (403)
with nothing changed: the page asks ``services.access`` and so does the view behind it.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from django_momo.models import (
    PaymentStatus,
    PayoutBatch,
    PayoutBatchApproval,
    Transfer,
)
from django_momo.services import batches

from .conftest import (
    BATCH_OP,
    BATCH_PERMS,
    BATCHES,
    batch_csv,
    batch_rows,
    make_user,
    messages_of,
    upload_batch,
    with_approvals,
)

pytestmark = pytest.mark.django_db
S = PaymentStatus
DIGEST_RE = re.compile(r'name="digest" value="([0-9a-f]{64})"')


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def maker(db: None) -> User:
    return make_user("maker", *BATCH_PERMS)


def page_url(batch: PayoutBatch, op: str = "change") -> str:
    return f"{BATCHES}{batch.pk}/{op}/"


def stored(data: bytes, user: User, filename: str = "payouts.csv") -> PayoutBatch:
    """A previewed batch stored through the service (as the upload page does)."""
    return batches.preview_batch("mtn", filename, data, uploaded_by=user, actor="test")


def created(user: User, count: int = 3, amount: str = "12.50") -> PayoutBatch:
    """A batch confirmed through the services: its payouts created, held."""
    batch = stored(batch_csv(batch_rows(count, amount)), user)
    return batches.create_batch_payouts(batch.pk, digest=batch.digest, user=user, actor="test")


def shown_digest(html: str) -> str:
    [digest] = DIGEST_RE.findall(html)
    return str(digest)


def post(client: Client, batch: PayoutBatch, op: str, **data: Any) -> Any:
    """POST a button of the batch page as the page does (with the status it shows)."""
    data.setdefault("status", PayoutBatch.objects.get(pk=batch.pk).status)
    return client.post(page_url(batch, op), data)


def html_of(client: Client, batch: PayoutBatch, **params: Any) -> str:
    response = client.get(page_url(batch), params)
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# -- upload and preview ---------------------------------------------------------------------------
def test_upload_previews_every_row_and_creates_nothing(maker: User) -> None:
    client = client_of(maker)
    page = client.get(f"{BATCHES}add/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="verify"' in page
    assert 'value="mtn"' in page
    rows = batch_rows(3, prefix="up")
    rows.insert(1, [BATCH_OP, "not-a-phone", "12.50", "EUR", "up-bad", ""])  # line 3
    rows.append([BATCH_OP, "256771000999", "10.001", "EUR", "up-cents", ""])  # line 6
    response = upload_batch(client, batch_csv(rows))
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(batch)
    assert (batch.status, batch.row_count, batch.valid_count) == ("previewed", 5, 3)
    assert batch.uploaded_by == maker
    assert not Transfer.objects.exists()

    page = client.get(page_url(batch))
    html = page.content.decode()
    assert messages_of(page) == [
        "File payouts.csv read: 5 rows, 2 with errors. Nothing is created yet."
    ]
    rows_by_line = {row["line"]: row for row in page.context["rows"]}
    assert list(rows_by_line) == [2, 3, 4, 5, 6]
    assert rows_by_line[3]["errors"]
    assert rows_by_line[3]["party"] == "not-a-phone"
    assert "EUR amounts have at most 2 decimal places" in " ".join(rows_by_line[6]["errors"])
    assert not rows_by_line[2]["errors"]
    # Errors in red, in their row; the operator is told to fix the file; no confirmation.
    line3 = html.split('data-line="3"', 1)[1].split("</tr>", 1)[0]
    assert 'class="momo-row-errors"' in line3
    assert 'id="momo-batch-fix"' in html
    assert "fix the file and upload it again" in html
    assert "Lines: 3, 6" in html
    assert 'id="momo-batch-confirm"' not in html
    assert 'id="momo-batch-cancel"' in html  # a previewed batch may be dropped
    assert "37.50 EUR" in html  # the valid rows' total
    # A forged confirmation of a batch with errors creates nothing either.
    response = post(client, batch, "confirm", digest=batch.digest)
    assert response.status_code == 302
    assert "rows with errors" in " ".join(messages_of(client.get(page_url(batch))))
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("filename", "data", "text"),
    [
        ("payouts.csv", b"amount,who\r\n1,2\r\n", "unknown columns"),
        ("payouts.txt", b"a,b\r\n", "must be a .csv"),
        ("payouts.csv", b"", "empty"),
    ],
)
def test_a_file_refused_as_a_whole_stores_nothing(
    maker: User, filename: str, data: bytes, text: str
) -> None:
    response = upload_batch(client_of(maker), data, filename)
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors.get("file", []))
    assert text in errors, response.context["form"].errors
    assert not PayoutBatch.objects.exists()


def test_an_unknown_account_is_refused_under_its_field(maker: User) -> None:
    response = upload_batch(client_of(maker), batch_csv(batch_rows(1)), account="nope")
    assert "account" in response.context["form"].errors
    assert not PayoutBatch.objects.exists()


def test_the_balance_and_shortfall_are_shown(maker: User, sandbox_accounts: Any) -> None:
    maker.user_permissions.add(
        *User.objects.get(pk=make_user("b", "view_balance").pk).user_permissions.all()
    )
    batch = stored(batch_csv(batch_rows(2, "12.50")), User.objects.get(pk=maker.pk))
    batch.balance = {"amounts": {"EUR": "20"}, "short": {"EUR": "5"}, "error": ""}
    batch.save(update_fields=["balance"])
    html = html_of(client_of(maker), batch)
    summary = html.split('id="momo-batch-balance"', 1)[1].split("</td>", 1)[0]
    assert "20.00 EUR" in summary
    assert 'id="momo-batch-short"' in summary
    assert "5.00 EUR" in summary


# -- confirm --------------------------------------------------------------------------------------
def test_confirm_with_the_shown_digest_creates_held_payouts(maker: User) -> None:
    client = client_of(maker)
    upload_batch(client, batch_csv(batch_rows(3, prefix="ok")))
    batch = PayoutBatch.objects.get()
    html = html_of(client, batch)
    assert 'id="momo-batch-confirm"' in html
    assert shown_digest(html) == batch.digest
    response = post(client, batch, "confirm", digest=shown_digest(html))
    assert response.status_code == 302
    assert response["Location"] == page_url(batch)
    batch.refresh_from_db()
    assert batch.status == "created"
    assert batch.confirmed_by == maker
    payouts = Transfer.objects.order_by("external_id")
    assert [p.external_id for p in payouts] == ["ok-1", "ok-2", "ok-3"]
    assert all(p.status == S.CREATED and p.held for p in payouts)
    page = client.get(page_url(batch))
    assert "3 payouts created, held until the batch is sent." in messages_of(page)
    html = page.content.decode()
    assert 'id="momo-batch-confirm"' not in html
    assert 'id="momo-batch-send"' in html  # no approval rule on this account
    assert html.count('class="momo-payout-link"') == 3
    # A second submit of the same page (a double click) does nothing and says so.
    response = client.post(page_url(batch, "confirm"), {"status": "previewed", "digest": "x"})
    assert "nothing was done" in " ".join(messages_of(client.get(page_url(batch))))
    assert Transfer.objects.count() == 3


@pytest.mark.parametrize("digest", ["0" * 64, "abc", ""])
def test_a_stale_or_tampered_digest_is_refused(maker: User, digest: str) -> None:
    client = client_of(maker)
    batch = stored(batch_csv(batch_rows(2)), maker)
    response = post(client, batch, "confirm", digest=digest)
    assert response.status_code == 302
    text = " ".join(messages_of(client.get(page_url(batch))))
    assert "Nothing was created" in text
    assert "digest" in text
    assert not Transfer.objects.exists()
    assert PayoutBatch.objects.get(pk=batch.pk).status == "previewed"


def test_the_digest_of_another_batch_is_refused(maker: User) -> None:
    client = client_of(maker)
    batch = stored(batch_csv(batch_rows(2)), maker)
    other = stored(batch_csv(batch_rows(2)), maker)
    post(client, batch, "confirm", digest=other.digest)
    assert "does not match" in " ".join(messages_of(client.get(page_url(batch))))
    assert not Transfer.objects.exists()


# -- each button needs its permission -------------------------------------------------------------
def forged(user: User, batch: PayoutBatch, op: str, **data: Any) -> int:
    return int(post(client_of(user), batch, op, **data).status_code)


def test_upload_confirm_and_cancel_need_upload_batch(maker: User) -> None:
    others = make_user("others", "view_payoutbatch", "send_batch", "approve_batch", "add_transfer")
    client = client_of(others)
    assert client.get(f"{BATCHES}add/").status_code == 403
    assert upload_batch(client, batch_csv(batch_rows(1))).status_code == 403
    assert 'href="/admin/django_momo/payoutbatch/add/"' not in client.get(BATCHES).content.decode()
    batch = stored(batch_csv(batch_rows(2)), maker)
    html = html_of(client, batch)
    assert 'id="momo-batch-confirm"' not in html
    assert 'id="momo-batch-cancel"' not in html
    assert forged(others, batch, "confirm", digest=batch.digest) == 403
    assert forged(others, batch, "cancel") == 403
    assert PayoutBatch.objects.get(pk=batch.pk).status == "previewed"
    assert not Transfer.objects.exists()
    assert PayoutBatch.objects.count() == 1


def test_send_needs_send_batch(maker: User) -> None:
    batch = created(maker)
    clerk = make_user("clerk", "view_payoutbatch", "upload_batch", "approve_batch", "send_transfer")
    html = html_of(client_of(clerk), batch)
    assert 'id="momo-batch-send"' not in html
    assert 'id="momo-batch-cancel"' in html
    assert forged(clerk, batch, "send") == 403
    assert PayoutBatch.objects.get(pk=batch.pk).status == "created"
    assert all(p.held and p.status == S.CREATED for p in Transfer.objects.all())


def test_approve_needs_approve_batch(maker: User, settings: Any) -> None:
    with_approvals(settings, above="10", required=1)
    batch = created(maker)
    assert batch.approvals_required == 1
    clerk = make_user("clerk", "view_payoutbatch", "upload_batch", "send_batch", "approve_transfer")
    html = html_of(client_of(clerk), batch)
    assert 'id="momo-batch-approve"' not in html
    assert 'id="momo-batch-send"' not in html  # approvals missing: nobody may send yet
    assert 'id="momo-batch-waiting"' in html
    assert forged(clerk, batch, "decide", digest=batch.digest, decision="approved") == 403
    assert not PayoutBatchApproval.objects.exists()
    # Sending it anyway is refused by the service, with its reason on the page.
    client = client_of(clerk)
    response = post(client, batch, "send")
    assert response.status_code == 302
    assert "not approved yet" in " ".join(messages_of(client.get(page_url(batch))))
    assert PayoutBatch.objects.get(pk=batch.pk).status == "created"


def test_viewing_needs_the_view_permission(maker: User) -> None:
    batch = stored(batch_csv(batch_rows(1)), maker)
    blind = make_user("blind", "upload_batch", "send_batch", "approve_batch")
    client = client_of(blind)
    assert client.get(page_url(batch)).status_code == 403
    assert client.get(f"{BATCHES}{batch.pk}/export/csv/").status_code == 403
    assert forged(blind, batch, "confirm", digest=batch.digest) == 403
    assert not Transfer.objects.exists()


def test_buttons_are_posts_with_csrf_and_batches_are_never_deleted(maker: User) -> None:
    batch = stored(batch_csv(batch_rows(1)), maker)
    client = client_of(maker)
    assert client.get(page_url(batch, "confirm")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(maker)
    response = strict.post(
        page_url(batch, "confirm"), {"status": "previewed", "digest": batch.digest}
    )
    assert response.status_code == 403
    assert not Transfer.objects.exists()
    assert client.post(page_url(batch), {"status": "x"}).status_code == 403  # no edit form
    assert client.get(page_url(batch, "delete")).status_code == 403
    superuser = make_user("root", superuser=True)
    assert client_of(superuser).post(page_url(batch, "delete"), {"post": "yes"}).status_code == 403
    assert PayoutBatch.objects.filter(pk=batch.pk).exists()


# -- maker-checker --------------------------------------------------------------------------------
def test_the_maker_cannot_approve(maker: User, settings: Any) -> None:
    with_approvals(settings, above="10", required=1)
    batch = created(maker)
    client = client_of(maker)  # holds approve_batch, but uploaded and confirmed the batch
    html = html_of(client, batch)
    assert 'id="momo-batch-approve"' not in html
    assert "You made this batch" in html
    response = post(client, batch, "decide", digest=batch.digest, decision="approved")
    assert response.status_code == 302
    assert "maker" in " ".join(messages_of(client.get(page_url(batch))))
    assert not PayoutBatchApproval.objects.exists()


def test_a_checker_approves_then_the_maker_sends(
    maker: User, settings: Any, sandbox_accounts: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with_approvals(settings, above="10", required=1)
    batch = created(maker)
    checker = client_of(make_user("ann", "view_payoutbatch", "approve_batch"))
    html = html_of(checker, batch)
    assert 'id="momo-batch-approve"' in html
    assert 'id="momo-batch-reject"' in html
    assert 'id="momo-batch-send"' not in html  # ann may not send
    post(checker, batch, "decide", digest=batch.digest, decision="approved", note="ok")
    assert "Approved. The batch can be sent." in messages_of(checker.get(page_url(batch)))
    assert PayoutBatchApproval.objects.get().user.username == "ann"
    client = client_of(maker)
    assert 'id="momo-batch-send"' in html_of(client, batch)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, batch, "send")
    assert response.status_code == 302
    assert "3 payouts queued for sending." in messages_of(client.get(page_url(batch)))
    assert not Transfer.objects.filter(status=S.CREATED).exists()


def test_a_rejection_needs_a_note(maker: User, settings: Any) -> None:
    with_approvals(settings, above="10", required=1)
    batch = created(maker)
    checker = client_of(make_user("ann", "view_payoutbatch", "approve_batch"))
    post(checker, batch, "decide", digest=batch.digest, decision="rejected", note="  ")
    assert "required for a rejection" in " ".join(messages_of(checker.get(page_url(batch))))
    assert PayoutBatch.objects.get(pk=batch.pk).status == "created"
    assert not PayoutBatchApproval.objects.exists()
    post(checker, batch, "decide", digest=batch.digest, decision="rejected", note="wrong month")
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert "wrong month" in batch.note
    assert set(Transfer.objects.values_list("status", flat=True)) == {S.CANCELLED}
    html = html_of(checker, batch)
    assert 'id="momo-batch-approve"' not in html
    assert "wrong month" in html


def test_a_decision_on_another_version_of_the_page_is_refused(maker: User, settings: Any) -> None:
    with_approvals(settings, above="10", required=1)
    batch = created(maker)
    checker = client_of(make_user("ann", "view_payoutbatch", "approve_batch"))
    post(checker, batch, "decide", digest="f" * 64, decision="approved")
    assert "another version" in " ".join(messages_of(checker.get(page_url(batch))))
    post(checker, batch, "decide", digest=batch.digest, decision="approved", status="previewed")
    assert "nothing was done" in " ".join(messages_of(checker.get(page_url(batch))))
    assert not PayoutBatchApproval.objects.exists()


def test_cancel_a_created_batch(maker: User) -> None:
    batch = created(maker)
    client = client_of(maker)
    post(client, batch, "cancel", reason="duplicate file")
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert set(Transfer.objects.values_list("status", flat=True)) == {S.CANCELLED}
    html = html_of(client, batch)
    assert 'id="momo-batch-send"' not in html
    assert 'id="momo-batch-cancel"' not in html
    assert 'id="momo-batch-export-csv"' in html


# -- progress -------------------------------------------------------------------------------------
def test_progress_json_shape_permission_and_no_store(
    maker: User, sandbox_accounts: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = created(maker, count=2)
    client = client_of(maker)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, batch, "send")
    html = html_of(client, batch)
    assert 'id="momo-batch-progress"' in html
    assert "django_momo/batch_progress.js" in html
    assert "<script>" not in html  # the poller is a static file: no inline script
    url = f"{BATCHES}{batch.pk}/progress/"
    assert f'data-url="{url}"' in html

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert set(data) >= {"batch", "status", "rows", "payouts", "final", "done", "counts",
                         "amounts", "statuses"}  # fmt: skip
    assert (data["batch"], data["rows"], data["payouts"]) == (batch.pk, 2, 2)
    assert sum(data["counts"].values()) == 2
    assert set(data["counts"]) <= {S.PENDING, S.SUCCESSFUL}
    assert [s["status"] for s in data["statuses"]] == [
        "created", "sending", "pending", "unknown", "successful", "failed", "cancelled",
    ]  # fmt: skip
    assert sum(s["count"] for s in data["statuses"]) == 2
    assert data["status"] in ("sending", "done")
    assert data["done"] == (data["final"] == 2)

    blind = client_of(make_user("blind", "upload_batch", "send_batch"))
    refused = blind.get(url)
    assert refused.status_code == 403
    assert "no-store" in refused["Cache-Control"]
    assert "counts" not in refused.json()
    assert Client().get(url).status_code == 302  # not logged in: the admin's login page
    not_staff = make_user("outsider", *BATCH_PERMS)
    not_staff.is_staff = False
    not_staff.save()
    assert client_of(not_staff).get(url).status_code == 302
    assert client.get(f"{BATCHES}999999/progress/").status_code == 404


# -- export ---------------------------------------------------------------------------------------
def test_exports_are_downloads_with_formulas_neutralised(maker: User) -> None:
    rows = [
        [BATCH_OP, "256771000001", "12.50", "EUR", "=HYPERLINK(1)", "ok"],
        [BATCH_OP, "256771000002", "12.50", "EUR", "ex-2", "@SUM(A1)"],
    ]
    batch = stored(batch_csv(rows), maker, filename='pay outs;"May"\r\n.csv')
    client = client_of(maker)
    response = client.get(f"{BATCHES}{batch.pk}/export/csv/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="batch-{batch.pk}-pay-outs-May.csv"'
    assert "no-store" in response["Cache-Control"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [line["external_id"] for line in lines] == ["'=HYPERLINK(1)", "ex-2"]
    assert all(
        not value.startswith(("=", "+", "-", "@")) for line in lines for value in line.values()
    )

    xlsx = client.get(f"{BATCHES}{batch.pk}/export/xlsx/")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx["Content-Disposition"].endswith(f'filename="batch-{batch.pk}-pay-outs-May.xlsx"')
    assert xlsx.content.startswith(b"PK")
    assert client.get(f"{BATCHES}{batch.pk}/export/pdf/").status_code == 404


# -- many rows ------------------------------------------------------------------------------------
def test_a_large_batch_is_shown_a_page_at_a_time(maker: User) -> None:
    rows = batch_rows(2_500, "1.00", prefix="big")
    rows[1499][1] = "bad"  # line 1501
    batch = stored(batch_csv(rows), maker)
    assert batch.row_count == 2_500
    client = client_of(maker)
    first = client.get(page_url(batch))
    assert [r["line"] for r in first.context["rows"]] == list(range(2, 1002))
    html = first.content.decode()
    assert html.count('class="momo-row') == 1_000
    assert "Rows 1&ndash;1000 of 2500." in html
    assert 'href="?show=all&amp;page=2"' in html
    second = client.get(page_url(batch), {"page": 2})
    lines = [r["line"] for r in second.context["rows"]]
    assert (lines[0], lines[-1], len(lines)) == (1_002, 2_001, 1_000)
    second_html = second.content.decode()
    assert 'data-line="1001"' not in second_html
    assert 'data-line="1002"' in second_html
    assert 'data-line="1501"' in second_html
    third = client.get(page_url(batch), {"page": 3})
    assert [r["line"] for r in third.context["rows"]] == list(range(2_002, 2_502))
    # A page past the end shows the last page; only the rows with a problem, on request.
    assert client.get(page_url(batch), {"page": 99}).context["page"].number == 3
    problems = client.get(page_url(batch), {"show": "problems"})
    assert [r["line"] for r in problems.context["rows"]] == [1501]


# -- the list -------------------------------------------------------------------------------------
def test_the_changelist_lists_batches_with_their_totals(maker: User) -> None:
    batch = stored(batch_csv(batch_rows(2, "12.50")), maker, filename="may.csv")
    created(maker, count=1)
    client = client_of(maker)
    html = client.get(BATCHES).content.decode()
    assert "may.csv" in html
    assert "25.00 EUR" in html
    assert "momo-badge" in html
    assert 'name="_selected_action"' not in html  # no bulk actions (no delete either)
    filtered = client.get(BATCHES, {"status__exact": "previewed"})
    assert [b.pk for b in filtered.context["cl"].result_list] == [batch.pk]
    assert client.get(BATCHES, {"account": "mtn"}).status_code == 200


# -- payee checks ---------------------------------------------------------------------------------
NAMED = ("operation", "party_id", "party_name", "amount", "currency", "external_id")
SAND_BOX = "46733123459"  # the sandbox's active "Sand Box"
INACTIVE = "46733123451"


def test_verify_payees_on_upload_and_again_from_the_page(
    maker: User, sandbox_accounts: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conf = dict(settings.DJANGO_MOMO)
    conf.update(HTTP_MAX_RETRIES=0, STATUS_QUERIES_PER_SECOND=1000)
    settings.DJANGO_MOMO = conf
    rows = [
        [BATCH_OP, SAND_BOX, "Sand Box", "12.50", "EUR", "v-1"],
        [BATCH_OP, SAND_BOX, "John Doe", "12.50", "EUR", "v-2"],
        [BATCH_OP, INACTIVE, "Sand Box", "12.50", "EUR", "v-3"],
    ]
    client = client_of(maker)
    # The checks run in the background (a task, run here by the immediate backend on commit).
    with django_capture_on_commit_callbacks(execute=True) as queued:
        upload_batch(client, batch_csv(rows, NAMED), verify="on")
    assert [q.__qualname__ for q in queued] == [
        f"enqueue verify batch {PayoutBatch.objects.get().pk}"
    ]
    batch = PayoutBatch.objects.get()
    assert batch.verify is True
    page = client.get(page_url(batch))
    texts = messages_of(page)
    assert any("Checking 3 payees with the provider in the background" in t for t in texts)
    got = {r["line"]: (r["check_result"], r["check_warning"]) for r in page.context["rows"]}
    assert got == {2: ("ok", False), 3: ("name_mismatch", True), 4: ("inactive", True)}
    html = page.content.decode()
    assert "Payee check" in html
    assert "MTN&#x27;s name is &#x27;Sand Box&#x27;" in html  # the detail, escaped
    assert 'id="momo-batch-check-warning"' in html
    assert 'id="momo-batch-confirm"' in html  # a warning, never a block
    assert 'value="Verify payees again"' in html
    problems = client.get(page_url(batch), {"show": "problems"})
    assert [r["line"] for r in problems.context["rows"]] == [3, 4]

    # The button asks again; without upload_batch it is hidden and its POST refused.
    checked = list(batch.rows.order_by("line").values_list("checked_at", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        post(client, batch, "verify")
    again = list(batch.rows.order_by("line").values_list("checked_at", flat=True))
    assert all(b > a for a, b in zip(checked, again, strict=True))
    viewer = make_user("viewer-b", "view_payoutbatch", "send_batch", "approve_batch")
    assert 'id="momo-batch-verify"' not in html_of(client_of(viewer), batch)
    before = list(batch.rows.order_by("line").values_list("checked_at", flat=True))
    assert forged(viewer, batch, "verify") == 403
    assert list(batch.rows.order_by("line").values_list("checked_at", flat=True)) == before


def test_a_sent_batch_offers_no_verification(
    maker: User, sandbox_accounts: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = created(maker, count=1)
    client = client_of(maker)
    assert 'id="momo-batch-verify"' in html_of(client, batch)  # created, not sent: still checkable
    with django_capture_on_commit_callbacks(execute=True):
        post(client, batch, "send")
    assert 'id="momo-batch-verify"' not in html_of(client, batch)
    post(client, batch, "verify", status=PayoutBatch.objects.get(pk=batch.pk).status)
    assert "were not checked" in " ".join(messages_of(client.get(page_url(batch))))
