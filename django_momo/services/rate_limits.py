"""Rate limits on provider calls, shared by threads and (through Django's cache) by processes.

MTN caps status queries at ``STATUS_QUERIES_PER_SECOND`` per subscription: one limiter per
account keeps every worker under it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

from django_momo.conf import momo_settings

_lock = threading.Lock()
_limiters: dict[str, SharedRateLimiter] = {}


class RateLimiter:
    """At most ``rate`` acquisitions per second, spread evenly, shared by the process's threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait for this caller's slot (never while holding the lock)."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class SharedRateLimiter:
    """At most ``rate`` acquisitions per calendar second across every process sharing a cache.

    MTN's cap (10 status queries per second) is per subscription, not per worker: the count of
    each second lives in Django's cache (the token cache), so workers on several machines share
    it when the cache is shared (database, Redis, memcached). A process-local ``RateLimiter``
    spreads each process's own calls evenly in front of it.
    """

    def __init__(self, name: str, rate: int, cache_alias: str) -> None:
        self.name = name
        self.rate = rate
        self.cache_alias = cache_alias
        self.local = RateLimiter(float(rate))

    def acquire(self) -> None:
        """Wait until this second (or a later one) has a free slot, then take it."""
        if self.rate <= 0:
            return
        self.local.acquire()
        cache = caches[self.cache_alias]
        while True:
            now = time.time()
            second = int(now)
            key = f"django-momo:status-rate:{self.name}:{second}"
            cache.add(key, 0, timeout=5)
            try:
                taken = cache.incr(key)
            except ValueError:  # evicted between add and incr: count this second again
                continue
            if taken <= self.rate:
                return
            time.sleep(second + 1 - now)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("DJANGO_MOMO", "CACHES"):
        with _lock:
            _limiters.clear()


def status_limiter(account_name: str) -> SharedRateLimiter:
    """The status-query limiter of one account, shared by every process using the cache."""
    with _lock:
        limiter = _limiters.get(account_name)
        if limiter is None:
            limiter = SharedRateLimiter(
                account_name,
                int(momo_settings.STATUS_QUERIES_PER_SECOND),
                str(momo_settings.TOKEN_CACHE),
            )
            _limiters[account_name] = limiter
        return limiter
