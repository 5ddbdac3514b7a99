"""Benchmark: the REST API through gunicorn (2 sync workers) on PostgreSQL.

    python bench/bench_api.py [--seconds 8] [--clients 4] [--rows 100000]

Own database on 127.0.0.1:54329 (see ``_django_harness``), own sandbox process, the immediate
task backend. Measured, each for ``--seconds`` with ``--clients`` client threads:
- baseline: ``GET accounts/`` (authentication + permission + JSON, no payment table);
- create payout, ``"hold": true`` (validation, idempotency key, insert; no provider call);
- create payout, sent at once (the immediate backend sends to the sandbox in the request);
- replay: the same key and body again (answer read from the idempotency table);
- list: first page of ``transfers/`` over ``--rows`` payouts (bulk_create), unfiltered and
  filtered by status + account, and a page deep in the cursor chain.
Requests authenticate with HTTP Basic and an MD5 password hash (a slow hasher would dominate).
Prints requests per second and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SERVE_FLAG = "MOMO_BENCH_API_SERVE"
USER, PASSWORD = "bench", "bench-pw"


def configure_django() -> None:
    """Settings of both this process and the gunicorn workers (from the environment)."""
    import django
    from django.conf import settings

    import tests.e2e_settings as base
    from tests.settings import _IMMEDIATE

    values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
    values.update(
        ROOT_URLCONF="tests.urls",
        TASKS={"default": {"BACKEND": _IMMEDIATE}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        DEBUG=False,
    )
    values["DATABASES"]["default"]["CONN_MAX_AGE"] = 600
    settings.configure(**values)
    django.setup()


if os.environ.get(SERVE_FLAG):
    # Imported by gunicorn as bench.bench_api:application.
    configure_django()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()


def create_tables() -> None:
    """Every table in one pass (the app ships no migrations yet), and the benchmark user."""
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test.utils import override_settings

    no_migrations = {cfg.label: None for cfg in apps.get_app_configs()}
    with override_settings(MIGRATION_MODULES=no_migrations):
        call_command("migrate", run_syncdb=True, verbosity=0)
    User.objects.create_superuser(USER, password=PASSWORD)


def bulk_payouts(rows: int) -> float:
    """Insert ``rows`` payouts with bulk_create; returns the seconds it took."""
    from decimal import Decimal

    from django_momo.models import PaymentStatus, Transfer

    statuses = [PaymentStatus.SUCCESSFUL, PaymentStatus.PENDING, PaymentStatus.FAILED]
    started = time.perf_counter()
    batch: list[Transfer] = []
    for n in range(rows):
        batch.append(
            Transfer(
                account="mtn" if n % 3 else "momo",
                provider="mtn" if n % 3 else "momo_vn",
                operation="mtn.disbursement.transfer" if n % 3 else "momo_vn.pay_wallet",
                party_type="MSISDN",
                party_id=f"2567{n:08d}",
                amount=Decimal("10.00"),
                currency="EUR",
                external_id=f"bulk-{n}",
                reference=str(uuid.uuid4()),
                status=statuses[n % 3],
            )
        )
        if len(batch) == 5000:
            Transfer.objects.bulk_create(batch)
            batch = []
    if batch:
        Transfer.objects.bulk_create(batch)
    return time.perf_counter() - started


def start_gunicorn(env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    """gunicorn with 2 sync workers serving this module; returns its URL once it answers."""
    from _django_harness import free_port, start_server

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
        "bench.bench_api:application",
    ]
    proc = start_server(argv, f"{url}/momo/api/accounts/", env={**env, SERVE_FLAG: "1"})
    return url, proc


Request = Callable[[Any, int], Any]


def measure(seconds: float, clients: int, request: Request) -> tuple[float, Counter[int]]:
    """Requests per second of ``clients`` threads calling ``request`` for ``seconds``."""
    import requests

    codes: Counter[int] = Counter()
    lock = threading.Lock()
    done = [0]
    stop_at = time.perf_counter() + seconds
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def run(worker: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = auth
        local: Counter[int] = Counter()
        n = 0
        while time.perf_counter() < stop_at:
            response = request(session, worker * 10_000_000 + n)
            local[response.status_code] += 1
            n += 1
        with lock:
            codes.update(local)
            done[0] += n

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.perf_counter() - started), codes


def main() -> None:
    """Run every phase and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    from _django_harness import fresh_database, start_sandbox

    sandbox_url, _ = start_sandbox()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database("momo_bench_api"),
        "MOMO_TEST_DB_NAME": "",
        "MOMO_SANDBOX_URL": sandbox_url,
    }
    os.environ.update(env)
    configure_django()
    create_tables()
    url, _ = start_gunicorn(env)
    api = f"{url}/momo/api"
    run_id = uuid.uuid4().hex[:8]

    def payout(n: int, hold: bool) -> dict[str, Any]:
        return {
            "account": "mtn",
            "operation": "mtn.disbursement.transfer",
            "party_id": f"4673{n % 10**8:08d}",
            "amount": "12.50",
            "external_id": f"{run_id}-{'h' if hold else 's'}-{n}",
            "hold": hold,
        }

    def create(hold: bool) -> Request:
        def call(session: Any, n: int) -> Any:
            return session.post(
                f"{api}/transfers/",
                json=payout(n, hold),
                headers={"Idempotency-Key": f"{run_id}-{hold}-{n}"},
            )

        return call

    replay_body = payout(999_999_999, True)

    def replay(session: Any, n: int) -> Any:
        return session.post(
            f"{api}/transfers/", json=replay_body, headers={"Idempotency-Key": "replay"}
        )

    results: list[tuple[str, float, Counter[int]]] = []

    def phase(name: str, request: Request) -> None:
        rate, codes = measure(args.seconds, args.clients, request)
        results.append((name, rate, codes))
        print(f"  {name:<44} {rate:8.1f} req/s  {dict(codes)}", flush=True)

    print(f"gunicorn 2 sync workers, {args.clients} client threads, {args.seconds:g} s per phase")
    phase("baseline: GET accounts/", lambda s, n: s.get(f"{api}/accounts/"))
    phase("create payout, hold=true", create(True))
    phase("create payout, sent (immediate backend)", create(False))
    phase("replay (same key and body)", replay)

    elapsed = bulk_payouts(args.rows)
    print(f"  bulk_create {args.rows} payouts: {elapsed:.1f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    phase(f"list first page (50) of {args.rows}", lambda s, n: s.get(f"{api}/transfers/"))
    phase(
        "list filtered status+account",
        lambda s, n: s.get(f"{api}/transfers/", params={"status": "failed", "account": "mtn"}),
    )
    import requests

    auth = (USER, PASSWORD)
    # Walk the cursor 10,000 rows deep (or as deep as a smaller --rows allows).
    pages = max(1, min(20, args.rows // 500 - 1))
    deep = requests.get(f"{api}/transfers/", params={"page_size": 500}, auth=auth).json()
    for _ in range(pages):
        deep = requests.get(deep["next"], auth=auth).json()
    deep_url = deep["next"].replace("page_size=500", "page_size=50")
    phase(f"list a page {pages * 500 + 500:,} rows deep (cursor)", lambda s, n: s.get(deep_url))

    base = results[0][1]
    print("\nratio to baseline (requests per second):")
    for name, rate, _codes in results:
        print(f"  {name:<44} {rate / base:6.2f}")


if __name__ == "__main__":
    main()
