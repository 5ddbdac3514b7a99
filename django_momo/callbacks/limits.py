"""How many refused callback requests one source may make a minute before it is turned away.

The endpoints are unauthenticated, so anyone can post junk at them; each refusal is stored for
the operator. Past ``CALLBACK_REFUSED_PER_MINUTE`` refusals in a minute a source is answered 429
and nothing more is stored until the minute ends. A request that names a known payment is never
counted nor turned away: a provider retrying must get through. The counters live in the
``TOKEN_CACHE`` cache, which every process shares.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import caches

from django_momo.conf import momo_settings

logger = logging.getLogger("django_momo.callbacks")

WINDOW_SECONDS = 60
_PREFIX = "django_momo:callbacks:refused"


def _limit() -> int | None:
    value = momo_settings.CALLBACK_REFUSED_PER_MINUTE
    if value is None or isinstance(value, bool):
        return None
    return max(int(value), 0)


def _window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _key(kind: str, source: str | None) -> str:
    # One counter per source and minute; requests whose source is unknown share one.
    return f"{_PREFIX}:{kind}:{source or 'unknown'}:{_window()}"


def _cache() -> Any:
    return caches[str(momo_settings.TOKEN_CACHE)]


def seconds_left() -> int:
    """Seconds until the current window ends (for ``Retry-After``)."""
    return WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS


def exceeded(source: str | None) -> bool:
    """Whether ``source`` has used up its refused requests for this minute."""
    limit = _limit()
    if limit is None:
        return False
    try:
        count = _cache().get(_key("count", source), 0)
    except Exception:  # a cache outage must not turn providers away: the limit is a guard only
        return False
    return int(count or 0) >= limit


def count_refusal(source: str | None) -> None:
    """Count one refused request that named no known payment against ``source``."""
    if _limit() is None:
        return
    key = _key("count", source)
    try:
        cache = _cache()
        # add() then incr(): the counter is created once, then counted atomically.
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        cache.incr(key)
    except Exception:  # see exceeded(): counting is best effort
        return


def warn_once(source: str | None) -> None:
    """One WARNING per source and minute that its requests are being turned away."""
    try:
        first = _cache().add(_key("warned", source), 1, timeout=WINDOW_SECONDS * 2)
    except Exception:
        first = True
    if first:
        logger.warning(
            "callback source %s reached its limit of %s refused requests a minute: answering "
            "429 and storing nothing from it until the minute ends",
            source or "unknown",
            _limit(),
        )
