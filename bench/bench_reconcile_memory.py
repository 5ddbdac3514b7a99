"""Benchmark: peak memory of ``manage.py momo_reconcile`` over 1,000 and 100,000 due payments.

    python bench/bench_reconcile_memory.py [--sizes 1000,100000]

The sweep reads due payments in chunks, so its memory must not grow with the table. Rows are
bulk-created on a fresh PostgreSQL database as sends in flight: ``sending``, sent just now, no
next check time. The sweep visits every one of them through the real service and leaves each
to its sender without a provider call (a young ``sending`` row may still get its answer), so
the measurement is the sweep's own cost (counting, chunked id reads, one load per row, the
summary) and 100,000 rows take seconds, not hours at MTN's 10 status queries per second. Each
sweep runs in its own process; its peak RSS comes from ``wait4``. A sweep over an empty table
is the baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django_harness import (
    ROOT,
    fresh_database,
    setup_django,
    start_sandbox,
    stop,
    worker_env,
)


def add_due_rows(count: int, start: int) -> None:
    """Bulk-create ``count`` MTN transfers in flight (due for the sweep, no HTTP needed)."""
    from decimal import Decimal

    from django.utils import timezone

    from django_momo.models import PaymentStatus, Transfer

    now = timezone.now()
    batch = []
    for i in range(start, start + count):
        batch.append(
            Transfer(
                account="mtn",
                provider="mtn",
                operation="mtn.disbursement.transfer",
                party_type="MSISDN",
                party_id=f"2567{i:08d}",
                amount=Decimal("1.00"),
                currency="EUR",
                external_id=f"mem-{i}",
                reference=str(uuid.uuid4()),
                status=PaymentStatus.SENDING,
                sent_at=now,
                next_check_at=None,
                attempts=1,
            )
        )
        if len(batch) == 5000:
            Transfer.objects.bulk_create(batch)
            batch = []
    Transfer.objects.bulk_create(batch)


def sweep(env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``momo_reconcile`` in a child process: (peak RSS in MiB, seconds, its summary)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "django", "momo_reconcile", "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"momo_reconcile failed:\n{output}")
    summary = output.strip().splitlines()[-1]
    return usage.ru_maxrss / 1024, time.perf_counter() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated row counts")
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sizes.split(","))

    sandbox_url, sandbox = start_sandbox()
    env = worker_env(fresh_database("momo_bench_reconcile"), sandbox_url, {})
    setup_django(env)
    from django_momo.models import Transfer

    try:
        base_rss, _, _ = sweep(env)
        print(f"baseline (nothing due): peak RSS {base_rss:.1f} MiB")
        rows = 0
        results = {}
        for size in sizes:
            add_due_rows(size - rows, rows)
            rows = size
            assert Transfer.objects.count() == size
            rss, seconds, summary = sweep(env)
            results[size] = rss
            print(
                f"{size:>7} due rows: peak RSS {rss:.1f} MiB (+{rss - base_rss:.1f} over the "
                f"baseline), {seconds:.1f} s; {summary}"
            )
    finally:
        stop([sandbox])
    small, large = results[sizes[0]], results[sizes[-1]]
    growth = (large - base_rss) / max(small - base_rss, 0.1)
    print(
        f"peak RSS {sizes[-1]:,} rows / {sizes[0]:,} rows: {large / small:.2f} "
        f"(growth over the baseline: {growth:.1f}x for {sizes[-1] // sizes[0]}x the rows)"
    )


if __name__ == "__main__":
    main()
