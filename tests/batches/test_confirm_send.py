"""Confirm (digest-bound, idempotent), approve as one unit, send, progress, export."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User

from django_momo import services
from django_momo.batch_sending import send_batch
from django_momo.models import Approval, PaymentStatus, PayoutBatch, StatusChange, Transfer
from django_momo.services import batches
from django_momo.services.access import AccessDenied

from .conftest import OP, csv_bytes, payout_rows, person, preview

pytestmark = pytest.mark.django_db
S = PaymentStatus


def confirm(batch: PayoutBatch, user: User, digest: str | None = None) -> PayoutBatch:
    return batches.create_batch_payouts(
        batch.pk, digest=digest or batch.digest, user=user, actor="user:maker"
    )


def test_a_stale_digest_or_rows_with_errors_are_refused(accounts, maker):
    batch = preview(csv_bytes(payout_rows(2)), maker)
    other = preview(csv_bytes(payout_rows(2)), maker)
    with pytest.raises(services.InvalidRequest, match="does not match") as info:
        confirm(batch, maker, digest=other.digest)
    assert info.value.field == "digest"
    with pytest.raises(services.InvalidRequest, match="64 hex"):
        confirm(batch, maker, digest="abc")
    bad = preview(csv_bytes([[OP, "x", "12.50", "EUR", "e-1", ""]]), maker)
    with pytest.raises(services.InvalidTransition, match="rows with errors"):
        confirm(bad, maker)
    assert not Transfer.objects.exists()
    assert PayoutBatch.objects.get(pk=batch.pk).status == "previewed"


def test_confirm_creates_held_payouts_once(accounts, maker):
    batch = preview(csv_bytes(payout_rows(3)), maker)
    done = confirm(batch, maker)
    assert done.status == "created"
    assert done.confirmed_by == maker
    payouts = list(batches.confirm.batch_payouts(done))
    assert len(payouts) == 3
    assert all(p.status == S.CREATED and p.held and p.created_by == maker for p in payouts)
    assert [p.external_id for p in payouts] == [r.external_id for r in done.rows.order_by("line")]
    assert confirm(batch, maker).status == "created"  # a double click
    assert Transfer.objects.count() == 3
    with pytest.raises(services.InvalidRequest, match="does not match"):
        confirm(batch, maker, digest="0" * 64)


def test_an_external_id_taken_after_the_preview_creates_nothing(accounts, maker):
    rows = payout_rows(3, prefix="late")
    batch = preview(csv_bytes(rows), maker)
    services.create_transfer(
        account="mtn",
        operation=OP,
        party_id="256770000099",
        amount="1",
        external_id="late-3",
        actor="test",
    )
    with pytest.raises(services.InvalidRequest, match="taken by a transfer after the preview"):
        confirm(batch, maker)
    assert Transfer.objects.count() == 1


def test_confirming_needs_upload_batch(accounts, maker):
    batch = preview(csv_bytes(payout_rows(1)), maker)
    with pytest.raises(AccessDenied, match="upload_batch"):
        confirm(batch, person("sender", "send_batch", "add_transfer"))


def test_a_batch_over_the_threshold_needs_two_checkers_then_sends(
    rule, maker, checkers, django_capture_on_commit_callbacks
):
    ann, bob = checkers
    batch = confirm(preview(csv_bytes(payout_rows(10, "12.50")), maker), maker)  # 125 > 100
    assert batch.approvals_required == 2
    payouts = list(batches.confirm.batch_payouts(batch))
    assert {p.approvals_required for p in payouts} == {2}  # each row is 12.50: the batch decides
    with pytest.raises(services.InvalidTransition, match="not approved yet"):
        send_batch(batch.pk, user=maker, actor="user:maker")
    with pytest.raises(services.InvalidTransition, match="not approved yet"):
        services.send_transfer(payouts[0].pk, actor="t")  # one payout alone cannot go either
    maker.user_permissions.add(*person("x", "approve_batch").user_permissions.all())
    with pytest.raises(services.InvalidRequest, match="maker"):
        batches.decide_batch(
            batch.pk, user=User.objects.get(pk=maker.pk), decision="approved", actor="t"
        )
    with pytest.raises(AccessDenied, match="approve_batch"):
        batches.decide_batch(
            batch.pk, user=person("y", "approve_transfer"), decision="approved", actor="t"
        )
    batches.decide_batch(batch.pk, user=ann, decision="approved", note="ok", actor="user:ann")
    with pytest.raises(services.InvalidTransition, match="already decided"):
        batches.decide_batch(batch.pk, user=ann, decision="approved", actor="user:ann")
    assert batches.approvals_missing(PayoutBatch.objects.get(pk=batch.pk)) == 1
    with pytest.raises(services.InvalidTransition, match="not approved yet"):
        send_batch(batch.pk, user=maker, actor="user:maker")
    batches.decide_batch(batch.pk, user=bob, decision="approved", actor="user:bob")
    assert Approval.objects.filter(transfer__in=payouts).count() == 20
    assert all(not services.awaiting_approval(p) for p in batches.confirm.batch_payouts(batch))
    assert StatusChange.objects.filter(reason__contains=f"with batch {batch.pk}").count() == 20
    with django_capture_on_commit_callbacks(execute=True):
        assert send_batch(batch.pk, user=maker, actor="user:maker") == 10
    progress = batches.batch_progress(batch.pk)
    assert progress.payouts == 10
    assert set(progress.counts) <= {S.PENDING, S.SUCCESSFUL}


def test_a_rejection_cancels_the_batch_and_its_payouts(rule, maker, checkers):
    ann, _ = checkers
    batch = confirm(preview(csv_bytes(payout_rows(1, "150")), maker), maker)
    with pytest.raises(services.InvalidRequest, match="say why"):
        batches.decide_batch(batch.pk, user=ann, decision="rejected", actor="t")
    done = batches.decide_batch(batch.pk, user=ann, decision="rejected", note="no", actor="t")
    assert done.status == "cancelled"
    assert list(batches.confirm.batch_payouts(done).values_list("status", flat=True)) == [
        S.CANCELLED
    ]


def test_a_batch_without_rule_needs_no_approval(accounts, maker, checkers):
    batch = confirm(preview(csv_bytes(payout_rows(2, "150")), maker), maker)
    assert batch.approvals_required == 0
    with pytest.raises(services.InvalidTransition, match="needs no approval"):
        batches.decide_batch(batch.pk, user=checkers[0], decision="approved", actor="t")


def test_send_enqueues_in_chunks_after_commit(
    accounts, maker, settings, django_capture_on_commit_callbacks
):
    from django_momo.tasks_compat import default_task_backend
    from tests.tasks.conftest import DUMMY_BACKEND

    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    default_task_backend.clear()  # type: ignore[attr-defined]
    batch = confirm(preview(csv_bytes(payout_rows(3)), maker), maker)
    with pytest.raises(AccessDenied, match="send_batch"):
        send_batch(batch.pk, user=person("u", "upload_batch"), actor="t")
    with django_capture_on_commit_callbacks(execute=True):
        send_batch(batch.pk, user=maker, actor="user:maker")
    results = default_task_backend.results  # type: ignore[attr-defined]
    assert [r.task.name for r in results] == ["send_many_task"]
    assert sorted(results[0].args[1]) == sorted(
        batches.confirm.batch_payouts(batch).values_list("pk", flat=True)
    )
    assert PayoutBatch.objects.get(pk=batch.pk).status == "sending"
    assert not batches.confirm.batch_payouts(batch).filter(held=True).exists()


def test_every_payout_ends_final_and_the_batch_is_done(
    accounts, maker, django_capture_on_commit_callbacks
):
    rows = payout_rows(3)
    rows.append([OP, "46733123451", "12.50", "EUR", "rejected-1", ""])  # sandbox: FAILED
    batch = confirm(preview(csv_bytes(rows), maker), maker)
    with django_capture_on_commit_callbacks(execute=True):
        send_batch(batch.pk, user=maker, actor="user:maker")
    for payout in batches.confirm.batch_payouts(batch):
        services.refresh_transfer(payout.pk, actor="t")
    progress = batches.batch_progress(batch.pk)
    assert progress.status == "done"
    assert progress.counts == {S.SUCCESSFUL: 3, S.FAILED: 1}
    assert progress.amounts[S.SUCCESSFUL] == {"EUR": "37.5"}
    assert PayoutBatch.objects.get(pk=batch.pk).status == "done"
    with pytest.raises(services.InvalidTransition, match="done"):
        send_batch(batch.pk, user=maker, actor="t")

    for fmt in ("csv", "xlsx"):
        exported = batches.export_batch(batch.pk, fmt)
        lines = read_export(exported, fmt)
        assert [line["external_id"] for line in lines] == [r[4] for r in rows]
        for line, payout in zip(lines, batches.confirm.batch_payouts(batch), strict=True):
            assert line["status"] == payout.status
            assert line["provider_reference"] == payout.reference
            assert line["provider_transaction_id"] == payout.provider_transaction_id
            assert line["failure_code"] == payout.failure_code
        assert lines[0]["reason"] == "paid"
        assert lines[3]["reason"].startswith("not paid")


def read_export(data: bytes, fmt: str) -> list[dict[str, str]]:
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [
        {h: ("" if v is None else str(v)) for h, v in zip(header, r, strict=True)} for r in rows
    ]


def test_the_export_neutralises_formulas(accounts, maker):
    rows = [[OP, "-256770000001", "12.50", "EUR", "=2+3", "ok"], payout_rows(1)[0]]
    batch = preview(csv_bytes(rows), maker)  # line 2 has errors: it is exported as invalid
    for fmt in ("csv", "xlsx"):
        lines = read_export(batches.export_batch(batch.pk, fmt), fmt)
        assert lines[0]["status"] == "invalid"
        assert lines[0]["external_id"] == "'=2+3"
        assert lines[0]["party_id"] == "'-256770000001"
        assert lines[0]["reason"].startswith("not created: party_id: starts with '-'")
        assert lines[1]["status"] == "not created"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(batches.export_batch(batch.pk, "xlsx")))
    assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)
    assert batches.export.neutralise("=cmd") == "'=cmd"
    assert batches.export.neutralise("\tx") == "'\tx"
    assert batches.export.neutralise("ok") == "ok"
    with pytest.raises(services.InvalidRequest, match="fmt"):
        batches.export_batch(batch.pk, "pdf")


def test_cancel_a_created_batch(accounts, maker):
    batch = confirm(preview(csv_bytes(payout_rows(2)), maker), maker)
    done = batches.cancel_batch(batch.pk, user=maker, actor="t", reason="wrong month")
    assert done.status == "cancelled"
    assert set(batches.confirm.batch_payouts(done).values_list("status", flat=True)) == {
        S.CANCELLED
    }
    with pytest.raises(services.InvalidTransition, match="cancelled"):
        send_batch(batch.pk, user=maker, actor="t")
    with pytest.raises(services.InvalidRequest, match="no payout batch"):
        batches.batch_progress(10**9)


def test_every_change_of_a_batch_is_in_its_trail(
    rule, maker, checkers, django_capture_on_commit_callbacks
):
    """previewed → created → approved (twice) → sending → done, each with who and when."""
    ann, bob = checkers
    batch = confirm(preview(csv_bytes(payout_rows(10, "12.50")), maker), maker)
    batches.decide_batch(batch.pk, user=ann, decision="approved", note="ok", actor="user:ann")
    batches.decide_batch(batch.pk, user=bob, decision="approved", actor="user:bob")
    with django_capture_on_commit_callbacks(execute=True):
        send_batch(batch.pk, user=maker, actor="user:maker")
    for payout in batches.confirm.batch_payouts(batch):
        services.refresh_transfer(payout.pk, actor="t")
    assert batches.batch_progress(batch.pk).status == "done"
    trail = [
        (e.from_status, e.to_status, e.actor)
        for e in PayoutBatch.objects.get(pk=batch.pk).events.order_by("created_at", "id")
    ]
    assert trail == [
        ("", "previewed", "test"),  # the preview helper's actor
        ("previewed", "created", "user:maker"),
        ("created", "created", "user:ann"),
        ("created", "created", "user:bob"),
        ("created", "sending", "user:maker"),
        ("sending", "done", "system"),
    ]
    notes = list(batch.events.order_by("created_at", "id").values_list("note", flat=True))
    assert "10 held payouts created; 2 approvals required" in notes[1]
    assert notes[2] == "approved by user:ann: ok"
    # Reading the progress again writes nothing more.
    batches.batch_progress(batch.pk)
    assert batch.events.count() == 6


def test_a_cancellation_is_in_the_trail(accounts, maker):
    batch = confirm(preview(csv_bytes(payout_rows(2)), maker), maker)
    batches.cancel_batch(batch.pk, user=maker, actor="user:maker", reason="wrong month")
    last = batch.events.order_by("-created_at", "-id").first()
    assert (last.from_status, last.to_status, last.actor) == ("created", "cancelled", "user:maker")
    assert "wrong month" in last.note
