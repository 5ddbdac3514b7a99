"""A batch sent while the sandbox misbehaves: nothing paid twice, every row final, export true.

Two batches (one account each: MTN, then MoMo Vietnam) are confirmed and sent with the
sandbox's faults on at fixed-seed random rates: creating requests answered 5xx without booking,
booked then left unanswered, status queries answered 500, added latency, and each provider's own
faults (MTN refuses a retry of a booked reference with 403; MoMo answers a re-send with 99).
The reconcile sweep then runs, a bounded number of times, until every payout is final.

Checked afterwards: the sandbox ledger noted no violation (no external id paid twice, no
reference re-sent with another body), every payout is final and agrees with the ledger (paid
exactly when booked SUCCESSFUL), the batches are done, and ``export_batch`` read back equals the
records row by row. Runs on SQLite here and on PostgreSQL in CI (``DATABASE_URL``): no marker.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from django_momo import services
from django_momo.batch_sending import send_batch
from django_momo.models import FINAL_STATUSES, PaymentStatus, PayoutBatch, Transfer
from django_momo.services import batches

from .conftest import HEADER, MOMO_HEADER, OP, WALLET, csv_bytes, momo_rows, preview

pytestmark = pytest.mark.django_db
S = PaymentStatus

SEED = 20_240_601
FAULTS: dict[str, Any] = {
    "seed": SEED,
    "latency_ms": 2,
    "error_before_booking": {"rate": 0.15},
    "lost_after_booking": {"rate": 0.15},
    "status_error": {"rate": 0.2},
    "refuse_retry": {"rate": 0.3, "provider": "mtn"},
    "replay_unknown": {"rate": 0.2, "provider": "momo_vn"},
}
# Sweeps before giving up; each one is an hour later than the last (every check is due).
MAX_SWEEPS = 40


def mtn_rows(count: int) -> list[list[str]]:
    rows = []
    for n in range(1, count + 1):
        party = f"2567701{n:05d}"
        if n % 15 == 0:
            party = "46733123451"  # the sandbox refuses: FAILED / APPROVAL_REJECTED
        elif n % 20 == 7:
            party = "46733123453"  # PENDING first, SUCCESSFUL two seconds later
        rows.append([OP, party, f"{n % 9 + 1}.25", "EUR", f"chaos-mtn-{n}", "salary"])
    return rows


def wallet_rows(count: int) -> list[list[str]]:
    rows = momo_rows(count, prefix="chaos-momo")
    for n, row in enumerate(rows, start=1):
        assert row[0] == WALLET
        if n % 10 == 0:
            row[2] = "0900001007"  # inactive wallet: FAILED
        elif n % 10 == 3:
            row[2] = "0900007000"  # pending, settles successful after two seconds
        row[5] = str(10_000 + n * 1_000)
    return rows


def sweep_until_final(payout_ids: list[int]) -> int:
    """Run the reconcile sweep until every payout is final; the number of sweeps it took."""
    for sweep in range(1, MAX_SWEEPS + 1):
        left = Transfer.objects.filter(pk__in=payout_ids).exclude(status__in=FINAL_STATUSES)
        if not left.exists():
            return sweep - 1
        services.reconcile(now=timezone.now() + timedelta(hours=sweep))
        time.sleep(0.1)  # the sandbox's pending payouts settle in real time
    left = Transfer.objects.filter(pk__in=payout_ids).exclude(status__in=FINAL_STATUSES)
    pytest.fail(f"not final after {MAX_SWEEPS} sweeps: {list(left.values('pk', 'status'))}")


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def assert_export_is_the_records(batch: PayoutBatch) -> None:
    lines = read_csv(batches.export_batch(batch.pk, "csv"))
    rows = list(batch.rows.select_related("transfer").order_by("line"))
    assert len(lines) == len(rows) == batch.row_count
    for line, row in zip(lines, rows, strict=True):
        payout = row.transfer
        assert payout is not None
        expected = {
            "line": str(row.line),
            "external_id": payout.external_id,
            "party_type": payout.party_type,
            "party_id": payout.party_id,
            "party_name": payout.party_name,
            "amount": format(payout.amount.normalize(), "f"),
            "currency": payout.currency,
            "status": str(payout.status),
            "provider_reference": payout.reference,
            "provider_transaction_id": payout.provider_transaction_id,
            "failure_code": payout.failure_code,
        }
        assert {k: line[k] for k in expected} == expected, row.line
        assert line["reason"] == batches.export.reason(row)[1]
        assert line["external_id"] == row.cells["external_id"]
        assert format(payout.amount.normalize(), "f") == format(row.amount.normalize(), "f")


def assert_agrees_with_the_ledger(sandbox: Any, provider: str, payouts: list[Transfer]) -> None:
    ledger = sandbox.control.ledger(provider)
    assert ledger["violations"] == []
    entries = ledger["entries"]
    by_reference: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_reference.setdefault(entry["reference"], []).append(entry)
    external_ids = [e["external_id"] for e in entries if e["status"] == "SUCCESSFUL"]
    assert len(external_ids) == len(set(external_ids))  # nothing paid twice
    ours = {p.reference for p in payouts}
    assert set(by_reference) <= ours  # nothing booked under a reference we do not know
    for payout in payouts:
        booked = by_reference.get(payout.reference, [])
        assert len(booked) <= 1, payout.reference
        paid = bool(booked) and booked[0]["status"] == "SUCCESSFUL"
        assert (payout.status == S.SUCCESSFUL) == paid, (payout.pk, payout.status, booked)


def send_with_faults(batch: PayoutBatch, maker: Any, sandbox: Any, capture: Any) -> list[int]:
    created = batches.create_batch_payouts(
        batch.pk, digest=batch.digest, user=maker, actor="user:maker"
    )
    assert created.status == "created"
    ids = list(batches.confirm.batch_payouts(created).values_list("pk", flat=True))
    sandbox.control.set_faults(FAULTS)
    with capture(execute=True):
        assert send_batch(batch.pk, user=maker, actor="user:maker") == len(ids)
    return ids


def test_a_batch_sent_through_faults_ends_final_once_and_exported_true(
    accounts, maker, django_capture_on_commit_callbacks
):
    mtn = preview(csv_bytes(mtn_rows(60), HEADER), maker)
    momo = preview(csv_bytes(wallet_rows(40), MOMO_HEADER), maker, account="momo")
    assert (mtn.valid_count, momo.valid_count) == (60, 40)

    ids = send_with_faults(mtn, maker, accounts, django_capture_on_commit_callbacks)
    ids += send_with_faults(momo, maker, accounts, django_capture_on_commit_callbacks)
    before = Transfer.objects.filter(pk__in=ids).exclude(status__in=FINAL_STATUSES).count()
    assert before > 0, "the faults left nothing to resolve: the test proves nothing"

    sweeps = sweep_until_final(ids)
    assert sweeps >= 1
    fired = accounts.control.faults()
    accounts.control.clear_faults()
    for kind in ("error_before_booking", "lost_after_booking", "status_error"):
        assert fired[kind]["fired"] > 0, kind  # the seed made every kind happen

    payouts = list(Transfer.objects.filter(pk__in=ids).order_by("pk"))
    assert all(p.status in FINAL_STATUSES for p in payouts)
    assert_agrees_with_the_ledger(accounts, "mtn", [p for p in payouts if p.account == "mtn"])
    assert_agrees_with_the_ledger(accounts, "momo_vn", [p for p in payouts if p.account == "momo"])
    for batch in (mtn, momo):
        progress = batches.batch_progress(batch.pk)
        assert progress.status == "done"
        assert progress.final == progress.payouts == batch.row_count
        assert progress.counts.get(S.SUCCESSFUL, 0) > 0
        assert progress.counts.get(S.FAILED, 0) > 0  # the sandbox's refusing parties
        assert_export_is_the_records(PayoutBatch.objects.get(pk=batch.pk))
