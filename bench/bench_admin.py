"""Benchmark: the payout changelist with 100,000 rows vs 100, and "send" on 10,000 selected.

Runs in-process with Django's test client on a fresh PostgreSQL database (127.0.0.1:54329, see
``_django_harness.py``). Prints the median render time of the changelist with 100 payouts and
with 100,000 (goal: ratio <= 3), the confirmation page and the confirmed send action over
10,000 payouts selected across pages (the action only enqueues, on django-tasks-db's database
backend). The provider balance block is cached, as in production. Run:
``python bench/bench_admin.py [--rows 100000] [--selected 10000]``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django_harness import fresh_database, setup_django

CHANGELIST = "/admin/django_momo/transfer/"


def add_payouts(count: int, start: int, account: str) -> None:
    """``count`` created MTN or MoMo payouts, inserted in batches."""
    from django_momo.models import Transfer

    provider = "mtn" if account == "mtn" else "momo_vn"
    operation = "mtn.disbursement.transfer" if account == "mtn" else "momo_vn.pay_wallet"
    currency = "EUR" if account == "mtn" else "VND"
    batch = 5000
    for offset in range(0, count, batch):
        Transfer.objects.bulk_create(
            Transfer(
                account=account,
                provider=provider,
                operation=operation,
                party_type="MSISDN",
                party_id=f"2567{start + i:08d}",
                amount=Decimal("12.50") if account == "mtn" else Decimal(15000),
                currency=currency,
                external_id=f"bench-{start + i}",
                reference=f"bench-ref-{start + i}",
            )
            for i in range(offset, min(offset + batch, count))
        )


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def median_get(client: Any, url: str, runs: int) -> float:
    for _ in range(3):  # warm-up (templates, the cached balance, the planner)
        client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--selected", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    url = fresh_database("momo_bench_admin")
    setup_django({"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": url})
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from django_momo.admin.confirmation import TOKEN_FIELD
    from django_momo.models import PaymentStatus, Transfer

    User.objects.create_superuser("bench", "bench@example.com", "bench")
    client = Client()
    client.force_login(User.objects.get(username="bench"))

    add_payouts(100, 0, "momo")
    analyze()
    small = median_get(client, CHANGELIST, args.runs)
    print(f"changelist, 100 payouts:        {small * 1000:8.1f} ms")

    started = time.perf_counter()
    add_payouts(args.rows - 100 - args.selected, 100, "momo")
    add_payouts(args.selected, args.rows, "mtn")
    analyze()
    took = time.perf_counter() - started
    print(f"(inserted {Transfer.objects.count():,} payouts in {took:.1f} s)")
    large = median_get(client, CHANGELIST, args.runs)
    print(f"changelist, {args.rows:,} payouts:  {large * 1000:8.1f} ms")
    filtered = median_get(client, CHANGELIST + "?account=mtn&status__exact=created", args.runs)
    print(f"changelist filtered to {args.selected:,}: {filtered * 1000:8.1f} ms")
    print(f"ratio 100,000 / 100:            {large / small:8.2f}  (goal <= 3)")

    # "Send" on every payout of the filtered list, selected across pages.
    url = CHANGELIST + "?account=mtn&status__exact=created"
    first = Transfer.objects.filter(account="mtn").values_list("pk", flat=True).first()
    data = {
        "action": "send_transfers",
        "index": "0",
        "select_across": "1",
        "_selected_action": [first],
    }
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=tasks):
        started = time.perf_counter()
        page = client.post(url, data)
        confirm_time = time.perf_counter() - started
        assert f"{args.selected} payouts will be sent" in page.content.decode()
        # The confirmation binds the rows it showed: post its signed token back.
        found = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', page.content.decode())
        assert found, "the confirmation page carries no token"
        token = found.group(1)
        started = time.perf_counter()
        response = client.post(url, {**data, "confirm": "yes", TOKEN_FIELD: token})
        send_time = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.count()
    still_created = Transfer.objects.filter(account="mtn", status=PaymentStatus.CREATED).count()
    print(f"send confirmation page, {args.selected:,}:  {confirm_time * 1000:8.1f} ms")
    print(f"send action, {args.selected:,} selected:    {send_time * 1000:8.1f} ms")
    print(f"({queued} fan-out tasks queued, {still_created:,} payouts left for the workers)")


if __name__ == "__main__":
    main()
