"""End to end: real ``db_worker`` processes pay 300 payouts through a faulty sandbox.

The sandbox adds latency, fails 10% of creating requests before booking, loses 10% of answers
after booking, refuses half of the retries of a lost POST (the API gateway's 403 quota instead
of 409), drops 20% and duplicates 20% of callbacks. Then an operator retries every failed payout,
double-clicks, and retries the retries. Whatever happens, every payout must end final, nothing
may be paid twice, a retry chain never has two live payouts, and each record must agree with
the sandbox's ledger.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from django_momo import services, tasks
from django_momo.models import FINAL_STATUSES, Transfer
from django_momo.sandbox.mtn.payments import TEST_NUMBERS
from django_momo.services.transitions import SENDING_GRACE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]
PAYOUTS_PER_PROVIDER = 150
WORKERS = 3
DEADLINE_SECONDS = 180
# Short check delays so that the task chain, not only the sweep, resolves pending payouts.
FAST_CHECKS = {"STATUS_CHECK_DELAYS": [1, 2, 3, 5, 8, 13, 21, 34]}
FAILING_MTN_NUMBER = next(iter(TEST_NUMBERS))


def start_worker(n: int, env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    log = (log_dir / f"worker-{n}.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "db_worker",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id",
            f"e2e-{n}",
            "--verbosity",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for proc in workers:
        if proc.poll() is None:
            proc.terminate()
    for proc in workers:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def create_payouts() -> list[Transfer]:
    payouts = []
    for i in range(PAYOUTS_PER_PROVIDER):
        # Every 25th MTN payee is a sandbox number that fails, so both final states occur.
        msisdn = FAILING_MTN_NUMBER if i % 25 == 0 else f"2567{i:08d}"
        t, _ = services.create_transfer(
            account="mtn",
            operation="mtn.disbursement.transfer",
            party_id=msisdn,
            amount=Decimal("10.00") + i,
            external_id=f"e2e-mtn-{i}",
            actor="test",
        )
        payouts.append(t)
        t, _ = services.create_transfer(
            account="momo",
            operation="momo_vn.pay_wallet",
            party_id=f"091{i:07d}",
            party_name="NGUYEN VAN A",
            amount=Decimal(10_000 + i),
            external_id=f"e2e-momo-{i}",
            actor="test",
        )
        payouts.append(t)
    return payouts


def late_sweep_if_only_unknown_left() -> None:
    """Resolve what only time resolves, as if ``SENDING_GRACE`` had passed.

    An MTN send whose every attempt failed is ``unknown``, and a 404 soon after a send means "not
    visible yet", so the services leave it alone for ``SENDING_GRACE`` (minutes) before sending
    it again under the same reference. The sweep is run with a clock that far ahead.
    """
    unresolved = Transfer.objects.exclude(status__in=FINAL_STATUSES)
    if unresolved.exists() and not unresolved.exclude(status="unknown").exists():
        services.reconcile(now=timezone.now() + SENDING_GRACE, actor="command:late-sweep")


def settle_all(workers: list[subprocess.Popen[bytes]], log_dir: Path, deadline: float) -> None:
    """Wait until every payout is final, sweeping now and then, as a cron job would."""
    next_sweep = time.monotonic() + 15
    while Transfer.objects.exclude(status__in=FINAL_STATUSES).exists():
        dead = [p for p in workers if p.poll() is not None]
        assert not dead, "a worker died:\n" + "\n".join(
            (log_dir / f"worker-{workers.index(p)}.log").read_text() for p in dead
        )
        if time.monotonic() > deadline:
            return
        if time.monotonic() > next_sweep:
            call_command("momo_reconcile", stdout=StringIO())
            late_sweep_if_only_unknown_left()
            next_sweep = time.monotonic() + 10
        time.sleep(0.5)


def test_workers_settle_every_payout_exactly_once(
    settings: Any, momo_sandbox: Any, live_server: Any, tmp_path: Path
) -> None:
    sandbox = momo_sandbox
    callback_base = f"http://127.0.0.1:{live_server.thread.port}/momo/"
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    for account in conf["ACCOUNTS"].values():
        account["BASE_URL"] = sandbox.base_url
    conf.update(CALLBACK_BASE_URL=callback_base, **FAST_CHECKS)
    settings.DJANGO_MOMO = conf
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

    sandbox.control.set_faults(
        latency_ms=20,
        error_before_booking={"rate": 0.1},
        lost_after_booking={"rate": 0.1},
        refuse_retry={"rate": 0.5, "answer": "quota"},
    )
    sandbox.control.set_callbacks(drop_rate=0.2, duplicate_rate=0.2)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e_settings",
        "PYTHONPATH": str(ROOT),
        "MOMO_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "MOMO_SANDBOX_URL": sandbox.base_url,
        "MOMO_CALLBACK_BASE_URL": callback_base,
        "MOMO_SETTINGS_JSON": json.dumps(FAST_CHECKS),
    }
    payouts = create_payouts()
    mtn = [t for t in payouts if t.provider == "mtn"]
    momo = [t for t in payouts if t.provider == "momo_vn"]
    for t in mtn:
        tasks.enqueue_send(t)  # one task each, enqueued at once (autocommit)
    tasks.enqueue_send_many(Transfer, [t.pk for t in momo])  # fan-out through the workers

    workers = [start_worker(n, env, tmp_path) for n in range(WORKERS)]
    retried: list[Transfer] = []
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        settle_all(workers, tmp_path, deadline)
        # The operator retries every failed payout (twice: a double click), then once more
        # each retry that failed too; a retry of the original while its retry is live is refused.
        for round_ in range(2):
            failed = Transfer.objects.filter(status="failed").order_by("pk")
            for t in failed.filter(retry_of__isnull=(round_ == 0)):
                new = services.retry_transfer(t.pk, actor="user:operator")
                assert services.retry_transfer(t.pk, actor="user:operator").pk == new.pk
                if t.chain_root_id is not None:
                    with pytest.raises(services.InvalidTransition):
                        services.retry_transfer(t.chain_root_id, actor="user:operator")
                retried.append(new)
                tasks.enqueue_send(new)
            settle_all(workers, tmp_path, deadline)
    finally:
        stop_workers(workers)

    unresolved = list(
        Transfer.objects.exclude(status__in=FINAL_STATUSES).values_list("external_id", "status")
    )
    assert unresolved == [], f"not final after {DEADLINE_SECONDS}s: {unresolved[:20]}"

    ledger = sandbox.control.ledger()
    assert ledger["violations"] == []
    booked = {e["reference"]: e for e in ledger["entries"]}
    records = list(Transfer.objects.order_by("pk"))
    assert retried, "no payout was retried"
    assert len(records) == 2 * PAYOUTS_PER_PROVIDER + len(retried)
    # A chain (a payout and all its retries) has at most one successful payout.
    roots: dict[int, int] = {}
    for t in records:
        if t.status == "successful":
            root = t.chain_root_id or t.pk
            roots[root] = roots.get(root, 0) + 1
    assert max(roots.values()) == 1
    mismatched = [
        (t.external_id, t.status, booked.get(t.reference, {}).get("status"))
        for t in records
        if t.reference not in booked or booked[t.reference]["status"].lower() != t.status
    ]
    assert mismatched == []
    # Each external id was booked under exactly one reference.
    external_ids = [e["external_id"] for e in ledger["entries"] if e["reference"] in booked]
    assert len(external_ids) == len(set(external_ids)) == len(records)
    # Faults really happened, and both outcomes occurred.
    faults = sandbox.control.get("/_sandbox/faults")
    assert faults["error_before_booking"]["fired"] > 0
    assert faults["lost_after_booking"]["fired"] > 0
    assert faults["refuse_retry"]["fired"] > 0
    statuses = {t.status for t in records}
    assert statuses == {"successful", "failed"}
