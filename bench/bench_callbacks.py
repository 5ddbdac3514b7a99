"""Benchmark: callbacks per second through gunicorn, against a bare view in the same run.

    python bench/bench_callbacks.py [--seconds 12] [--clients 16]

gunicorn (2 sync workers) serves django-momo's callback views on a fresh PostgreSQL database
(tasks through django-tasks-db, as in production). A thread pool of ``requests`` sessions sends:
- bare: POST to a view that only answers 200 (the baseline);
- mtn: MTN callbacks for pending payouts (stored, matched by token, status query enqueued);
- momo: correctly signed MoMo IPNs for settled payouts (stored, HMAC-verified, matched, late).
Prints callbacks per second, the p50/p99 answer times and the ratio to the bare view.
Goal: ratio >= 0.5.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django_harness import (
    free_port,
    fresh_database,
    setup_django,
    start_server,
    stop,
    worker_env,
)

MTN_PAYOUTS = 2000
MOMO_PAYOUTS = 200


def seed() -> tuple[list[str], list[bytes]]:
    """Pending MTN payouts (their tokens) and signed IPN bodies for settled MoMo payouts."""
    from django_momo.models import PaymentStatus, Transfer
    from django_momo.sandbox import presets
    from django_momo.sandbox.momo_vn.crypto import sign

    common = {"status": PaymentStatus.PENDING, "party_type": "MSISDN", "currency": "EUR"}
    mtn = Transfer.objects.bulk_create(
        Transfer(
            account="mtn",
            provider="mtn",
            operation="mtn.disbursement.transfer",
            party_id="46733123459",
            amount=Decimal("10.00"),
            external_id=f"bench-mtn-{n}",
            reference=f"bench-mtn-{n}",
            **common,
        )
        for n in range(MTN_PAYOUTS)
    )
    momo = Transfer.objects.bulk_create(
        Transfer(
            account="momo",
            provider="momo_vn",
            operation="momo_vn.pay_wallet",
            party_type="MOMO_WALLET",
            party_id="0917003003",
            amount=Decimal(50000),
            currency="VND",
            external_id=f"bench-momo-{n}",
            reference=f"bench-req-{n}",
            order_id=f"bench-order-{n}",
            status=PaymentStatus.SUCCESSFUL,
        )
        for n in range(MOMO_PAYOUTS)
    )
    ipns = []
    for n, transfer in enumerate(momo):
        body = {
            "partnerCode": presets.MOMO_PARTNER_CODE,
            "orderId": transfer.order_id,
            "requestId": transfer.reference,
            "amount": 50000,
            "orderInfo": "",
            "partnerUserId": "",
            "orderType": "momo_disbursement",
            "transId": 4_000_000_000 + n,
            "resultCode": 0,
            "message": "Thành công.",
            "responseTime": 1_700_000_000_000 + n,
            "extraData": "",
        }
        body["signature"] = sign("ipn", body, presets.MOMO_ACCESS_KEY, presets.MOMO_SECRET_KEY)
        ipns.append(json.dumps(body, ensure_ascii=False).encode())
    return [t.callback_token for t in mtn], ipns


def start_gunicorn(env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    url = f"http://127.0.0.1:{free_port()}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        url.removeprefix("http://"),
        "--log-level",
        "warning",
        "django.core.wsgi:get_wsgi_application()",
    ]
    settings_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.callbacks_settings"}
    return url, start_server(argv, f"{url}/bare/x/", env=settings_env, method="POST")


def run_phase(name: str, make_request, seconds: float, clients: int) -> dict[str, float]:
    """Send requests from ``clients`` threads for ``seconds``; rate and latency percentiles."""
    local = threading.local()
    counter = itertools.count()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        local.session = requests.Session()
        mine = []
        while time.monotonic() < stop_at:
            method, url, body, headers, expected = make_request(next(counter))
            started = time.perf_counter()
            resp = local.session.request(method, url, data=body, headers=headers, timeout=10)
            mine.append(time.perf_counter() - started)
            if resp.status_code != expected:
                with lock:
                    errors.append(f"{resp.status_code} {resp.text[:80]}")
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    elapsed = time.monotonic() - started
    if errors:
        raise SystemExit(f"{name}: {len(errors)} unexpected answers, e.g. {errors[0]}")
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "count": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    env = worker_env(fresh_database("momo_bench_callbacks"), "http://127.0.0.1:9", {})
    setup_django(env)
    tokens, ipns = seed()
    url, proc = start_gunicorn(env)
    json_type = {"Content-Type": "application/json; charset=utf-8"}

    def bare(n: int):
        body = json.dumps({"status": "SUCCESSFUL", "nonce": n})
        return "POST", f"{url}/bare/{tokens[n % len(tokens)]}/", body, json_type, 200

    def mtn(n: int):
        # A different body each time: every callback is new, so each one enqueues a query.
        body = json.dumps({"externalId": "x", "amount": "10", "status": "SUCCESSFUL", "nonce": n})
        return "PUT", f"{url}/momo/callbacks/mtn/{tokens[n % len(tokens)]}/", body, json_type, 200

    def momo(n: int):
        return "POST", f"{url}/momo/callbacks/momo-vn/ipn/", ipns[n % len(ipns)], json_type, 204

    try:
        run_phase("warm-up", bare, 2.0, args.clients)
        run_phase("warm-up", mtn, 2.0, args.clients)
        results = {
            "bare": run_phase("bare", bare, args.seconds, args.clients),
            "mtn": run_phase("mtn", mtn, args.seconds, args.clients),
            "momo": run_phase("momo", momo, args.seconds, args.clients),
        }
    finally:
        stop([proc])

    from django_momo.models import Callback

    stored = Callback.objects.count()
    base = results["bare"]["rps"]
    print(f"gunicorn 2 sync workers, {args.clients} client threads, {args.seconds:.0f} s per phase")
    for name, r in results.items():
        print(
            f"{name:5} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms"
            f"  p99 {r['p99_ms']:6.2f} ms  ratio {r['rps'] / base:5.2f}"
            f"  ({r['count']:.0f} requests)"
        )
    print(f"callbacks stored: {stored} (every callback request, warm-up included)")
    worst = min(results["mtn"]["rps"], results["momo"]["rps"]) / base
    print(
        f"ratio (worst callback kind / bare): {worst:.2f}  goal >= 0.5  "
        f"{'OK' if worst >= 0.5 else 'BELOW GOAL'}"
    )
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)


if __name__ == "__main__":
    main()
