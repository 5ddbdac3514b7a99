"""The reconcile sweep: chunks by pk, counts, leaves what is not due alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone

from django_momo import services
from django_momo.models import Transfer
from django_momo.services.rate_limits import RateLimiter

from .conftest import MTN_REJECTED, mtn_transfer

pytestmark = pytest.mark.django_db


def test_reconcile_in_chunks_counts_each_outcome(accounts, django_assert_max_num_queries):
    ok = [mtn_transfer(f"ok-{i}") for i in range(5)]
    bad = mtn_transfer("bad", party=MTN_REJECTED)
    for transfer in [*ok, bad]:
        services.send_transfer(transfer.pk, actor="a")
    untouched = mtn_transfer("never-sent")
    seen = []
    summary = services.reconcile(
        now=timezone.now() + timedelta(hours=1),
        chunk_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert summary.checked == 6
    assert summary.resolved == {"successful": 5, "failed": 1}
    assert (summary.still_pending, summary.errors) == (0, 0)
    assert seen[-1] == (6, 6)
    untouched.refresh_from_db()
    assert untouched.status == "created"
    # Nothing is due any more.
    assert services.reconcile(now=timezone.now() + timedelta(days=1)).checked == 0


def test_reconcile_respects_limit_and_next_check(accounts):
    transfers = [mtn_transfer(f"t-{i}") for i in range(3)]
    for transfer in transfers:
        services.send_transfer(transfer.pk, actor="a")
    # Not due yet: the first check is scheduled after the send.
    assert services.reconcile().checked == 0
    summary = services.reconcile(now=timezone.now() + timedelta(hours=1), limit=2)
    assert summary.checked == 2
    assert Transfer.objects.filter(status="successful").count() == 2


def test_errors_are_counted_not_raised(accounts, settings):
    transfer = mtn_transfer()
    services.send_transfer(transfer.pk, actor="a")
    conf = dict(settings.DJANGO_MOMO)
    conf["ACCOUNTS"] = {k: dict(v) for k, v in conf["ACCOUNTS"].items()}
    conf["ACCOUNTS"]["mtn"]["DISBURSEMENT"] = {
        **conf["ACCOUNTS"]["mtn"]["DISBURSEMENT"],
        "API_KEY": "wrong-key",
    }
    settings.DJANGO_MOMO = conf
    caches["default"].clear()  # forget the token the right key obtained
    summary = services.reconcile(now=timezone.now() + timedelta(hours=1))
    assert (summary.checked, summary.errors) == (1, 1)
    transfer.refresh_from_db()
    assert transfer.status == "pending"
    assert transfer.next_check_at > timezone.now()


def test_rate_limiter_spaces_slots_evenly():
    limiter = RateLimiter(1000.0)
    start = limiter._next
    for _ in range(5):
        limiter.acquire()
    assert limiter._next - max(start, 0) >= 5 * 0.001 - 1e-9
    assert RateLimiter(0).interval == 0.0
