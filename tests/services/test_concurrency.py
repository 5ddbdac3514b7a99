"""Real concurrency on PostgreSQL: eight workers send the same payment at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from django_momo import services
from django_momo.models import Transfer

from .conftest import entries, momo_payout, mtn_transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

WORKERS = 8


def race(pk: int) -> list[object]:
    barrier = threading.Barrier(WORKERS)
    results: list[object] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            outcome: object = services.send_transfer(pk, actor="task:race").status
        except Exception as exc:  # collected and asserted on below
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_eight_workers_one_mtn_post(accounts):
    transfer = mtn_transfer()
    before = accounts.control.get("/_sandbox/mtn/stats")["requests"]
    results = race(transfer.pk)
    assert all(isinstance(r, str) for r in results), results
    after = accounts.control.get("/_sandbox/mtn/stats")["requests"]
    posts = {k: after[k] - before.get(k, 0) for k in after if "transfer" in k and "status" not in k}
    assert sum(posts.values()) == 1, posts
    assert len(entries(accounts, "mtn", transfer.reference)) == 1
    transfer.refresh_from_db()
    assert transfer.attempts == 1
    assert transfer.status_changes.filter(to_status="sending").count() == 1


def test_eight_workers_one_momo_payout(accounts):
    payout = momo_payout()
    results = race(payout.pk)
    assert all(isinstance(r, str) for r in results), results
    assert len(entries(accounts, "momo_vn", payout.reference)) == 1
    assert Transfer.objects.get(pk=payout.pk).attempts == 1
    assert accounts.control.ledger()["violations"] == []
