"""Payee checks: the name rule, MTN and MoMo results per row, rate limits, the command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from django_momo import services
from django_momo.models import PayoutBatch, PayoutBatchRow, Transfer
from django_momo.services import batches
from django_momo.services.access import AccessDenied
from django_momo.services.adapters import mtn as mtn_adapter
from django_momo.services.adapters.mtn import name_tokens, names_match

from .conftest import (
    BANK,
    MOMO_HEADER,
    NAMED_HEADER,
    OP,
    csv_bytes,
    momo_rows,
    named_rows,
    payout_rows,
    person,
    preview,
)

pytestmark = pytest.mark.django_db

ACTIVE = "46733123459"  # the sandbox's "Sand Box", active
INACTIVE = "46733123451"
UNKNOWN = "46733123450"


def results(batch: PayoutBatch) -> dict[int, tuple[str, str]]:
    """(result, detail) per data row, numbered from 1 (the header is line 1 of the file)."""
    rows = PayoutBatchRow.objects.filter(batch=batch).order_by("line")
    return {row.line - 1: (row.check_result, row.check_detail) for row in rows}


# -- the name rule -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("file_name", "provider_name", "expected"),
    [
        ("Sand Box", "Sand Box", True),
        ("  SAND   box ", "Sand Box", True),  # case and spacing
        ("Box Sand", "Sand Box", True),  # order
        ("Sand", "Sand Box", True),  # the file's words are all MTN's
        ("Sand Middle Box", "Sand Box", True),  # MTN's words are all the file's
        ("Nguyễn Văn Đức", "NGUYEN VAN DUC", True),  # accents, including đ
        ("José-María", "jose maria", True),  # punctuation separates
        ("O'Brien Ann", "Ann OBrien", True),  # apostrophes join
        ("Sandy Box", "Sand Box", False),
        ("John Doe", "Sand Box", False),
        ("S. Box", "Sand Box", False),  # initials are not guessed at
        ("", "Sand Box", None),
        ("Sand Box", "", None),
        ("---", "Sand Box", None),
    ],
)
def test_the_name_rule(file_name: str, provider_name: str, expected: bool | None) -> None:
    assert names_match(file_name, provider_name) is expected


def test_name_tokens() -> None:
    assert name_tokens("  Nguyễn   Văn-Đức ") == {"nguyen", "van", "duc"}
    assert name_tokens("STRAßE") == name_tokens("strasse")


# -- MTN -----------------------------------------------------------------------------------------
def test_mtn_rows_get_one_result_each(accounts, maker):
    parties = [
        (ACTIVE, "Sand Box"),
        (ACTIVE, "  sand BÓX "),
        ("46733123458", "John Doe"),
        (INACTIVE, "Sand Box"),
        (UNKNOWN, "Sand Box"),
        ("46733123457", ""),
    ]
    rows = named_rows(parties, prefix="v")
    rows.append([OP, "x", "Bad Row", "12.50", "EUR", "v-bad"])  # an invalid row: not checked
    batch = preview(csv_bytes(rows, NAMED_HEADER), maker)
    seen: list[tuple[int, int]] = []
    summary = batches.verify_batch(
        batch.pk, actor="user:maker", progress=lambda d, t: seen.append((d, t))
    )
    assert summary.total == 6
    assert summary.counts == {"ok": 3, "name_mismatch": 1, "inactive": 1, "unknown": 1, "error": 0}
    assert summary.warnings == 2
    assert seen == [(n, 6) for n in range(1, 7)]
    got = results(batch)
    assert got[1] == ("ok", "active; the name matches")
    assert got[2][0] == "ok"
    assert got[3] == ("name_mismatch", "active, but MTN's name is 'Sand Box'")
    assert got[4] == ("inactive", "MTN: the account holder is not active")
    assert got[5] == ("unknown", "MTN knows no account holder with this number")
    assert got[6] == ("ok", "active; the file gives no name: name not compared")
    assert got[7] == ("", "")
    stored = PayoutBatchRow.objects.filter(batch=batch, line__lte=7)
    assert all(row.checked_at is not None for row in stored)
    # No personal data beyond the name MTN gave on the mismatch (no birthdate, no gender).
    assert not any("1976" in detail or "MALE" in detail for _, detail in got.values())


def test_a_provider_error_is_that_rows_error_and_a_recheck_replaces_it(accounts, maker):
    rows = named_rows([(ACTIVE, "Sand Box"), ("46733123458", "Sand Box")], prefix="err")
    batch = preview(csv_bytes(rows, NAMED_HEADER), maker)
    accounts.control.set_faults(rate_limited={"next": 1, "provider": "mtn"})
    summary = batches.verify_batch(batch.pk, actor="t")
    assert summary.counts["error"] == 1
    assert summary.counts["ok"] == 1
    result, detail = results(batch)[1]
    assert result == "error"
    assert detail.startswith("MTN check failed:")
    again = batches.verify_batch(batch.pk, actor="t")  # callable again: checks every row anew
    assert again.counts["ok"] == 2
    assert results(batch)[1] == ("ok", "active; the name matches")


def test_each_mtn_call_waits_for_the_accounts_limiter(accounts, maker, monkeypatch):
    taken: list[str] = []

    class Spy:
        def __init__(self, name: str) -> None:
            self.name = name

        def acquire(self) -> None:
            taken.append(self.name)

    monkeypatch.setattr(mtn_adapter, "status_limiter", Spy)
    rows = named_rows([(ACTIVE, "Sand Box"), (UNKNOWN, "Sand Box"), (ACTIVE, "")], prefix="rl")
    batch = preview(csv_bytes(rows, NAMED_HEADER), maker)
    batches.verify_batch(batch.pk, actor="t")
    assert taken == ["mtn"] * 6  # is_active then basicuserinfo, per row


def test_the_mtn_limiter_holds_the_rate(accounts, maker, settings):
    conf = dict(settings.DJANGO_MOMO)
    conf["STATUS_QUERIES_PER_SECOND"] = 4
    settings.DJANGO_MOMO = conf
    import time

    batch = preview(
        csv_bytes(named_rows([(ACTIVE, "Sand Box")] * 1 + [("46733123458", "x")]), NAMED_HEADER),
        maker,
    )
    started = time.monotonic()
    batches.verify_batch(batch.pk, actor="t")  # 4 calls at 4 per second: at least 0.75 s
    assert time.monotonic() - started >= 0.7


def test_warnings_do_not_block_the_confirmation(accounts, maker):
    rows = named_rows([("46733123458", "John Doe"), (INACTIVE, "Sand Box")], prefix="warn")
    batch = preview(csv_bytes(rows, NAMED_HEADER), maker)
    assert batches.verify_batch(batch.pk, actor="t").warnings == 2
    batch.refresh_from_db()
    assert batch.digest == preview(csv_bytes(rows, NAMED_HEADER), maker).digest  # not covered
    created = batches.create_batch_payouts(batch.pk, digest=batch.digest, user=maker, actor="t")
    assert created.status == "created"
    assert batches.verify_batch(batch.pk, actor="t").total == 2  # a created batch: still checkable


def test_only_a_batch_not_sent_yet_is_checked_and_by_an_uploader(accounts, maker):
    batch = preview(csv_bytes(payout_rows(1)), maker)
    with pytest.raises(AccessDenied, match="upload_batch"):
        batches.verify_batch(batch.pk, actor="t", user=person("viewer", "view_transfer"))
    assert batches.verify_batch(batch.pk, actor="t", user=maker).total == 1
    batches.cancel_batch(batch.pk, user=maker, actor="t")
    with pytest.raises(services.InvalidTransition, match="cancelled"):
        batches.verify_batch(batch.pk, actor="t")
    with pytest.raises(services.InvalidRequest, match="no payout batch"):
        batches.verify_batch(10**9, actor="t")


# -- MoMo ----------------------------------------------------------------------------------------
def test_momo_wallets_are_checked_and_bank_accounts_are_not(accounts, maker):
    rows = momo_rows(1, prefix="mv")
    rows += [
        ["momo_vn.pay_wallet", "", "0900004003", "NGUYEN VAN B", "", "50000", "VND", "mv-2", ""],
        ["momo_vn.pay_wallet", "", "0900001007", "NGUYEN VAN C", "", "50000", "VND", "mv-3", ""],
        ["momo_vn.pay_wallet", "", "0900004001", "NGUYEN VAN D", "", "50000", "VND", "mv-4", ""],
        ["momo_vn.pay_wallet", "", "0900000010", "NGUYEN VAN E", "", "50000", "VND", "mv-5", ""],
        [BANK, "BANK_ACCOUNT", "0123456789", "NGUYEN VAN F", "VCB", "50000", "VND", "mv-6", ""],
    ]
    batch = preview(csv_bytes(rows, MOMO_HEADER), maker, account="momo")
    assert batch.valid_count == 6, [r.errors for r in batch.rows.all()]
    before = len(accounts.control.ledger("momo_vn")["entries"])
    summary = batches.verify_batch(batch.pk, actor="t")
    assert summary.counts == {"ok": 1, "name_mismatch": 1, "inactive": 2, "unknown": 1, "error": 1}
    got = results(batch)
    assert got[1] == ("ok", "the wallet can receive; the name matches")
    assert got[2][0] == "name_mismatch"
    assert "4003" in got[2][1]
    assert got[3] == ("inactive", "MoMo 1007: the wallet is inactive or does not exist")
    assert got[4] == ("inactive", "MoMo 4001: the wallet is restricted")
    assert got[5][0] == "error"
    assert got[5][1].startswith("MoMo check failed")
    assert got[6] == ("unknown", "MoMo offers no bank account check: not verified")
    assert len(accounts.control.ledger("momo_vn")["entries"]) == before  # nothing booked
    assert not Transfer.objects.exists()


# -- the command ---------------------------------------------------------------------------------
def run(*args: Any) -> str:
    out = StringIO()
    call_command("momo_bulk_payouts", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def checked_file(tmp_path: Path) -> Path:
    path = tmp_path / "named.csv"
    rows = named_rows([(ACTIVE, "Sand Box"), ("46733123458", "John Doe")], prefix="cv")
    path.write_bytes(csv_bytes(rows, NAMED_HEADER))
    return path


def test_command_verify_dry_run_prints_results_and_stores_nothing(accounts, checked_file):
    out = run(str(checked_file), "--account", "mtn", "--dry-run", "--verify")
    assert "check ok: active; the name matches" in out
    assert "check name_mismatch: active, but MTN's name is 'Sand Box'" in out
    assert "Payee checks: ok 1, name_mismatch 1." in out
    assert not PayoutBatch.objects.exists()


def test_command_verify_stops_on_warnings_unless_accepted(accounts, checked_file):
    person("maker", "upload_batch", "send_batch")
    out = StringIO()
    with pytest.raises(CommandError, match="1 rows did not pass the payee check"):
        call_command(
            "momo_bulk_payouts",
            str(checked_file),
            "--account",
            "mtn",
            "--user",
            "maker",
            "--verify",
            stdout=out,
        )
    assert "check name_mismatch" in out.getvalue()
    batch = PayoutBatch.objects.get()
    assert batch.status == "previewed"
    assert batch.verify is True
    assert not Transfer.objects.exists()
    assert results(batch)[2][0] == "name_mismatch"

    out2 = run(
        str(checked_file),
        "--account",
        "mtn",
        "--user",
        "maker",
        "--verify",
        "--accept-checks",
        "--digest",
        batch.digest,
    )
    assert "2 payouts created, held." in out2
    created = PayoutBatch.objects.exclude(pk=batch.pk).get()
    assert created.status == "created"

    sent = run("--batch", str(created.pk), "--send", "--user", "maker")
    assert f"Batch {created.pk}: 2 payouts sent to the queue" in sent
    assert PayoutBatch.objects.get(pk=created.pk).status in ("sending", "done")


def test_command_batch_option_refusals(accounts, checked_file):
    person("maker", "upload_batch", "send_batch")
    with pytest.raises(CommandError, match=r"a FILE .*or --batch ID"):
        run("--user", "maker")
    with pytest.raises(CommandError, match="--batch: no payout batch"):
        run("--batch", "999", "--send", "--user", "maker")
    with pytest.raises(CommandError, match="not both"):
        run(str(checked_file), "--batch", "1", "--send", "--user", "maker")
    with pytest.raises(CommandError, match="--send or --verify"):
        run("--batch", "1", "--user", "maker")
