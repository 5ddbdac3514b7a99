"""MTN's status-query cap is shared by every process that shares the cache."""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.core.cache import caches

from django_momo.services.rate_limits import RateLimiter, SharedRateLimiter, status_limiter


def test_two_processes_together_stay_under_the_cap():
    caches["default"].clear()
    # Two limiters with the same name and cache stand for two worker processes.
    workers = [SharedRateLimiter("mtn-ug", 5, "default") for _ in range(2)]
    stamps: list[float] = []
    lock = threading.Lock()

    def query(limiter: SharedRateLimiter, count: int) -> None:
        for _ in range(count):
            limiter.acquire()
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=query, args=(w, 8)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_second = Counter(int(stamp) for stamp in stamps)
    assert len(stamps) == 16
    assert max(per_second.values()) <= 5
    assert len(per_second) >= 4  # 16 queries at 5 per second need at least four seconds


def test_accounts_have_their_own_budget():
    caches["default"].clear()
    a = SharedRateLimiter("mtn-ug", 2, "default")
    b = SharedRateLimiter("mtn-gh", 2, "default")
    for limiter in (a, b):
        limiter.local = RateLimiter(0)  # no in-process spacing: count the shared budget only
    start = time.time()
    if start % 1 > 0.5:  # keep the four calls inside one calendar second
        time.sleep(1 - start % 1)
    second = int(time.time())
    for limiter in (a, a, b, b):
        limiter.acquire()
    cache = caches["default"]
    assert cache.get(f"django-momo:status-rate:mtn-ug:{second}") == 2
    assert cache.get(f"django-momo:status-rate:mtn-gh:{second}") == 2
    a.acquire()  # mtn-ug spent this second: the third call waits for the next one
    assert int(time.time()) > second
    assert cache.get(f"django-momo:status-rate:mtn-ug:{int(time.time())}") == 1


def test_the_limiter_follows_the_settings(settings):
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "STATUS_QUERIES_PER_SECOND": 3}
    limiter = status_limiter("mtn")
    assert limiter.rate == 3
    assert limiter is status_limiter("mtn")
