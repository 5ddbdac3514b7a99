"""Benchmark: payouts per second through ``db_worker`` processes, against the ideal W / L.

    python bench/bench_throughput.py [--payouts 2000] [--latency-ms 50] [--workers 1,4,8]

For each worker count W, payouts (half MTN transfers, half MoMo wallet payouts; 2,000 for the
largest W, proportionally fewer for smaller W, at least 250, so one run stays near 4 minutes)
are enqueued in one transaction on a fresh PostgreSQL database, and W ``manage.py db_worker``
processes send them to a sandbox process that adds L ms to every provider request. Each send is
one provider request, so W workers cannot beat W / L payouts per second: the benchmark prints
measured / ideal. "Sent" means the provider took the payout (MoMo: final; MTN: pending until
its status check, which is deferred out of the measured window). It also prints the database
queries of one payout, counted in this process: the task run by a worker (claim, send, result)
and the enqueue.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django_harness import (
    fresh_database,
    setup_django,
    start_sandbox,
    start_workers,
    stop,
    worker_env,
)

# Status checks are pushed out of the measured window: only sends are timed.
MOMO_SETTINGS = {"STATUS_CHECK_DELAYS": [3600]}


def create_payouts(n: int, tag: str) -> list[int]:
    from django_momo import services

    ids = []
    for i in range(n):
        if i % 2:
            t, _ = services.create_transfer(
                account="momo",
                operation="momo_vn.pay_wallet",
                party_id=f"091{i:07d}",
                party_name="NGUYEN VAN A",
                amount=Decimal(10_000),
                external_id=f"{tag}-{i}",
                actor="command:bench",
            )
        else:
            t, _ = services.create_transfer(
                account="mtn",
                operation="mtn.disbursement.transfer",
                party_id=f"2567{i:08d}",
                amount=Decimal("1.00"),
                external_id=f"{tag}-{i}",
                actor="command:bench",
            )
        ids.append(t.pk)
    return ids


def run_workers(workers: int, payouts: int, env: dict[str, str]) -> float:
    """Seconds for ``workers`` processes to send ``payouts`` payouts."""
    from django.db import transaction

    from django_momo.models import PaymentStatus, Transfer
    from django_momo.tasks import send_transfer_task

    ids = create_payouts(payouts, f"w{workers}")
    with tempfile.TemporaryDirectory() as logs:
        procs = start_workers(workers, env, Path(logs))
        try:
            # One transaction: every task becomes visible to the workers at the same moment.
            with transaction.atomic():
                for pk in ids:
                    send_transfer_task.enqueue(pk)
            start = time.perf_counter()
            unsent = Transfer.objects.filter(
                pk__in=ids, status__in=[PaymentStatus.CREATED, PaymentStatus.SENDING]
            )
            while unsent.exists():
                if any(p.poll() is not None for p in procs):
                    raise SystemExit(
                        "a worker died:\n"
                        + "\n".join(f.read_text() for f in Path(logs).glob("*.log"))
                    )
                time.sleep(0.02)
            elapsed = time.perf_counter() - start
        finally:
            stop(procs)
    return elapsed


def queries_per_payout() -> dict[str, int]:
    """Queries of one payout per provider: the enqueue, and the task as a worker runs it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.management.commands.db_worker import Worker

    from django_momo.tasks import send_transfer_task

    counts = {}
    for provider, pk in zip(("mtn", "momo"), create_payouts(2, "queries"), strict=True):
        with CaptureQueriesContext(connection) as enqueue:
            send_transfer_task.enqueue(pk)
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=1,
            worker_id="bench-queries",
            excluded_queue_names=[],
        )
        with CaptureQueriesContext(connection) as task:
            worker.run()
        counts[provider] = len(enqueue) + len(task)
        counts[f"{provider}_enqueue"] = len(enqueue)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payouts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", default="1,4,8", help="comma-separated worker counts")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    sandbox_url, sandbox = start_sandbox(
        "--latency-ms", str(args.latency_ms), "--momo-opening-balance", "100000000000"
    )
    env = worker_env(fresh_database("momo_bench_throughput"), sandbox_url, MOMO_SETTINGS)
    setup_django(env)
    from django_momo.sandbox.control import SandboxControl

    control = SandboxControl(sandbox_url)
    latency = args.latency_ms / 1000
    print(f"sandbox latency {args.latency_ms} ms per provider request")
    columns = ("workers", "payouts", "seconds", "payouts/s", "ideal/s", "measured/ideal")
    print("  ".join(f"{c:>9}" for c in columns))
    try:
        for workers in counts:
            payouts = max(250, args.payouts * workers // max(counts))
            elapsed = run_workers(workers, payouts, env)
            rate = payouts / elapsed
            ideal = workers / latency
            row = (workers, payouts, f"{elapsed:.1f}", f"{rate:.1f}", f"{ideal:.1f}")
            row += (f"{rate / ideal:.2f}",)
            print("  ".join(f"{v:>9}" for v in row))
        ledger = control.ledger()
        q = queries_per_payout()
    finally:
        stop([sandbox])
    print(f"ledger: {ledger['counts']['total']} payments, {len(ledger['violations'])} violations")
    print(
        f"DB queries per payout (enqueue + worker run): MTN {q['mtn']} "
        f"(enqueue {q['mtn_enqueue']}), MoMo {q['momo']} (enqueue {q['momo_enqueue']})"
    )


if __name__ == "__main__":
    main()
