"""Benchmark: bulk payouts — preview and confirm of 1,000 vs 10,000 rows, and sending 2,000.

    python bench/bench_batches.py [--small 1000] [--large 10000] [--send 2000]

Runs in-process on a fresh PostgreSQL database (127.0.0.1:54329, see ``_django_harness.py``)
against a sandbox process. Prints, for a CSV of ``--small`` and of ``--large`` MTN rows:

- the preview time (``preview_batch``: read, check every row, store the rows) and its peak
  memory (tracemalloc, in a second run of its own: tracing slows the code down), with the ratios
  large / small: time goal linear (= large / small, 10), peak-memory goal flat (about 1);
- the confirm time (``create_batch_payouts``: one held payout per row), ratio goal linear.

Then the send throughput of a ``--send``-row batch (``send_batch`` with the immediate task
backend: every payout sent inline, one provider request each, in this process), against a
baseline measured in the same run: as many single payouts created and sent one by one with
``send_transfer`` (ratio goal about 1: a batch costs no more per payout than single sends).
Not part of the pass/fail suite.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django_harness import fresh_database, setup_django, start_sandbox, worker_env

OP = "mtn.disbursement.transfer"


def immediate_backend() -> dict[str, Any]:
    from tests.settings import TASKS  # the immediate backend, on Django 5.2 and 6

    return TASKS


def payout_file(rows: int, tag: str) -> bytes:
    """A CSV of ``rows`` good MTN payouts, each with its own party and external id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("operation", "party_id", "party_name", "amount", "currency", "external_id"))
    for n in range(rows):
        writer.writerow((OP, f"2567{n:08d}", "Sand Box", f"{n % 50 + 1}.25", "EUR", f"{tag}-{n}"))
    return out.getvalue().encode()


def preview(data: bytes, user: Any, name: str) -> Any:
    from django_momo.services import batches

    return batches.preview_batch("mtn", name, data, uploaded_by=user, actor="bench")


def timed_preview(rows: int, user: Any, tag: str) -> tuple[float, Any]:
    data = payout_file(rows, tag)
    gc.collect()
    started = time.perf_counter()
    batch = preview(data, user, f"{tag}.csv")
    return time.perf_counter() - started, batch


def peak_preview(rows: int, user: Any, tag: str) -> int:
    """Peak bytes allocated by one preview (the file's bytes are made before tracing)."""
    data = payout_file(rows, tag)
    gc.collect()
    tracemalloc.start()
    try:
        preview(data, user, f"{tag}.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def timed_confirm(batch: Any, user: Any) -> float:
    from django_momo.services import batches

    started = time.perf_counter()
    done = batches.create_batch_payouts(batch.pk, digest=batch.digest, user=user, actor="bench")
    took = time.perf_counter() - started
    assert done.status == "created", done.status
    return took


def send_batch_rate(rows: int, user: Any) -> float:
    from django_momo.batch_sending import send_batch
    from django_momo.models import PaymentStatus
    from django_momo.services import batches

    _, batch = timed_preview(rows, user, "send")
    timed_confirm(batch, user)
    started = time.perf_counter()
    count = send_batch(batch.pk, user=user, actor="bench")  # on_commit: sent inline
    took = time.perf_counter() - started
    progress = batches.batch_progress(batch.pk)
    assert count == rows
    assert progress.counts.get(PaymentStatus.CREATED, 0) == 0, progress.counts
    return rows / took


def single_send_rate(count: int) -> float:
    from django_momo import services

    ids = []
    for n in range(count):
        payout, _ = services.create_transfer(
            account="mtn",
            operation=OP,
            party_id=f"2568{n:08d}",
            amount="1.25",
            external_id=f"single-{n}",
            actor="bench",
        )
        ids.append(payout.pk)
    started = time.perf_counter()
    for pk in ids:
        services.send_transfer(pk, actor="bench")
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=2_000)
    args = parser.parse_args()

    sandbox_url, _ = start_sandbox("--seed", "1")
    url = fresh_database("momo_bench_batches")
    # Status checks out of the way; no client-side retries (the sandbox has no faults on).
    setup_django(worker_env(url, sandbox_url, {"STATUS_CHECK_DELAYS": [3600]}))
    from django.contrib.auth.models import User
    from django.test.utils import override_settings

    User.objects.create_superuser("bench", "bench@example.com", "bench")
    user = User.objects.get(username="bench")
    ratio = args.large / args.small

    timed_preview(200, user, "warm")  # imports, the token, the planner
    t_small, small = timed_preview(args.small, user, "small")
    t_large, large = timed_preview(args.large, user, "large")
    m_small = peak_preview(args.small, user, "msmall")
    m_large = peak_preview(args.large, user, "mlarge")
    for rows, took, peak in ((args.small, t_small, m_small), (args.large, t_large, m_large)):
        print(f"preview {rows:>6,} rows: {took * 1000:9.1f} ms, peak {peak / 2**20:6.2f} MiB")
    print(
        f"preview time ratio {args.large:,}/{args.small:,}:   {t_large / t_small:6.2f}  "
        f"(goal linear: {ratio:g})"
    )
    print(f"preview peak-memory ratio:        {m_large / m_small:6.2f}  (goal flat: about 1)")

    c_small = timed_confirm(small, user)
    c_large = timed_confirm(large, user)
    print(
        f"confirm {args.small:>6,} rows: {c_small * 1000:9.1f} ms "
        f"({args.small / c_small:7.0f} payouts/s)"
    )
    print(
        f"confirm {args.large:>6,} rows: {c_large * 1000:9.1f} ms "
        f"({args.large / c_large:7.0f} payouts/s)"
    )
    print(
        f"confirm time ratio {args.large:,}/{args.small:,}:   {c_large / c_small:6.2f}  "
        f"(goal linear: {ratio:g})"
    )

    with override_settings(TASKS=immediate_backend()):
        baseline = single_send_rate(max(args.send // 10, 100))
        rate = send_batch_rate(args.send, user)
    print(f"single sends (baseline):          {baseline:7.1f} payouts/s")
    print(f"send a {args.send:,}-row batch:          {rate:7.1f} payouts/s")
    print(f"batch / single send rate:         {rate / baseline:6.2f}  (goal about 1)")


if __name__ == "__main__":
    main()
