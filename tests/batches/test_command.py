"""``manage.py momo_bulk_payouts``: the preview table, dry runs, real runs, refusals."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from django_momo.models import PaymentStatus, PayoutBatch, Transfer

from .conftest import OP, csv_bytes, payout_rows, person

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = StringIO()
    call_command("momo_bulk_payouts", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "payouts.csv"
    path.write_bytes(csv_bytes(payout_rows(3, "12.50", prefix="cmd")))
    return path


def test_a_dry_run_prints_the_table_and_stores_nothing(accounts, good_file):
    out = run(str(good_file), "--account", "mtn", "--dry-run")
    assert "cmd-1" in out
    assert "cmd-3" in out
    assert "Rows: 3, valid: 3." in out
    assert "Total EUR: 37.50" in out
    assert "Balance EUR:" in out
    assert "Digest: " in out
    assert "Dry run: nothing was stored" in out
    assert not PayoutBatch.objects.exists()
    assert not Transfer.objects.exists()


def test_a_dry_run_with_errors_prints_them_and_fails(accounts, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([[OP, "2.5677E+11", "12.50", "EUR", "bad-1", ""]]))
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 rows have errors: nothing was stored"):
        call_command("momo_bulk_payouts", str(path), "--account", "mtn", "--dry-run", stdout=out)
    assert "ERROR party_id" in out.getvalue()


def test_a_real_run_creates_held_payouts(accounts, good_file):
    person("maker", "upload_batch")
    out = run(str(good_file), "--account", "mtn", "--user", "maker")
    assert "Batch " in out
    assert "3 payouts created, held." in out
    assert "Created 3 of 3 payouts." in out  # not a terminal: plain progress lines
    batch = PayoutBatch.objects.get()
    assert batch.status == "created"
    assert Transfer.objects.filter(held=True, status=PaymentStatus.CREATED).count() == 3


def test_send_sends_the_batch(accounts, good_file, django_capture_on_commit_callbacks):
    person("maker", "upload_batch", "send_batch")
    with django_capture_on_commit_callbacks(execute=True):
        out = run(str(good_file), "--account", "mtn", "--user", "maker", "--send")
    assert "3 payouts sent to the queue" in out
    assert PayoutBatch.objects.get().status == "sending"
    assert not Transfer.objects.filter(status=PaymentStatus.CREATED).exists()


def test_send_is_refused_while_approvals_are_missing(rule, good_file, tmp_path):
    person("maker", "upload_batch", "send_batch")
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(payout_rows(1, "150", prefix="big")))
    with pytest.raises(CommandError, match=r"not approved yet.*nothing was sent"):
        run(str(path), "--account", "mtn", "--user", "maker", "--send")
    assert Transfer.objects.get().status == PaymentStatus.CREATED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "nope"], "--account"),
        (["--account", "mtn"], "--user is required"),
        (["--account", "mtn", "--user", "ghost"], "no user named 'ghost'"),
        (["--account", "mtn", "--user", "viewer"], "needs the django_momo.upload_batch"),
        (["--account", "mtn", "--user", "uploader", "--send"], "django_momo.send_batch"),
        (["--account", "mtn", "--dry-run", "--send"], "exclude each other"),
        (["--account", "mtn", "--user", "uploader", "--digest", "0" * 64], "--digest"),
    ],
)
def test_each_refusal_is_a_command_error(accounts, good_file, args, message):
    person("viewer", "view_payoutbatch")
    person("uploader", "upload_batch")
    with pytest.raises(CommandError, match=message):
        run(str(good_file), *args)
    assert not Transfer.objects.exists()


def test_unreadable_and_refused_files_are_command_errors(accounts, tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        run(str(tmp_path / "missing.csv"), "--account", "mtn", "--dry-run")
    path = tmp_path / "latin.csv"
    path.write_bytes("operation,party_id,amount,external_id\r\né".encode("cp1252"))
    with pytest.raises(CommandError, match=r"not UTF-8 at byte 39: .*; nothing was stored"):
        run(str(path), "--account", "mtn", "--dry-run")
