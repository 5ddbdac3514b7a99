"""Access tokens: cached in a ``TokenStore``, refreshed ahead of expiry, one refresh at a time.

Within a process a lock per cache key makes threads wait for one refresh; across processes the
store's ``add`` (Django's cache ``add``) is the lock, when the store has one. A process that
loses that race keeps using the still-valid old token, or waits for the winner's new one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django_momo.providers.base import TokenStore
from django_momo.providers.sensitive import sensitive_variables

# A token this close to its real expiry is not used at all (clock skew, slow requests).
EXPIRY_SAFETY = 5.0
# How long a cross-process refresh lock lives if its holder dies mid-refresh.
LOCK_TTL = 60.0


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token and when to stop using it (wall-clock epoch seconds, shared by processes)."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    expires_at: float
    refresh_at: float

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token='***', token_type={self.token_type!r}, "
            f"expires_in={self.expires_in})"
        )

    @classmethod
    @sensitive_variables("access_token")
    def issued(
        cls, access_token: str, token_type: str, expires_in: int, margin: float
    ) -> AccessToken:
        """A token issued now; it is refreshed ``margin`` seconds early (at most half its life)."""
        now = time.time()
        ahead = min(margin, expires_in / 2)
        return cls(access_token, token_type, expires_in, now + expires_in, now + expires_in - ahead)

    def is_fresh(self, now: float) -> bool:
        """Not due for a refresh yet."""
        return now < self.refresh_at

    def is_usable(self, now: float) -> bool:
        """Still valid, even if a refresh is due."""
        return now < self.expires_at - EXPIRY_SAFETY

    def to_cache(self) -> dict[str, Any]:
        """A plain dict any cache backend can store."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "expires_at": self.expires_at,
            "refresh_at": self.refresh_at,
        }

    @classmethod
    @sensitive_variables("value")
    def from_cache(cls, value: object) -> AccessToken | None:
        """The token stored by ``to_cache``, or ``None`` for anything else."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                str(value["access_token"]),
                str(value.get("token_type", "")),
                int(value["expires_in"]),
                float(value["expires_at"]),
                float(value["refresh_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def token_cache_key(base_url: str, product: str, api_user: str, target_environment: str) -> str:
    """A cache key safe for every backend (memcached: short, no spaces)."""
    ident = "|".join((base_url.rstrip("/"), product, api_user, target_environment))
    return "django_momo:mtn:token:" + hashlib.sha256(ident.encode()).hexdigest()[:40]


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _process_lock(key: str) -> threading.Lock:
    # Shared by every client instance in the process that uses the same key.
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


class TokenManager:
    """Hands out a valid token for one (base URL, product, API user, environment)."""

    def __init__(
        self,
        *,
        fetch: Callable[[float], AccessToken],
        store: TokenStore,
        key: str,
        margin: float,
        wait_timeout: float = 35.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._fetch = fetch
        self.store = store
        self.key = key
        self.margin = margin
        self.wait_timeout = wait_timeout
        self._sleep = sleep
        self._lock = _process_lock(key)
        # How many tokens this manager obtained from MTN (benchmarks and tests read it).
        self.fetch_count = 0

    def __repr__(self) -> str:
        return f"TokenManager(key={self.key!r})"

    def cached(self) -> AccessToken | None:
        """The stored token, whatever its age."""
        return AccessToken.from_cache(self.store.get(self.key))

    def get(self) -> AccessToken:
        """A token that is not due for refresh, fetching one if needed (single flight)."""
        token = self.cached()
        if token is not None and token.is_fresh(time.time()):
            return token
        with self._lock:
            token = self.cached()
            if token is not None and token.is_fresh(time.time()):
                return token
            return self._refresh_locked(token)

    def refresh(self) -> AccessToken:
        """Fetch a new token now and store it."""
        with self._lock:
            return self._store_new()

    @sensitive_variables("access_token")
    def invalidate(self, access_token: str) -> None:
        """Forget ``access_token`` if it is still the stored one (MTN refused it)."""
        with self._lock:
            token = self.cached()
            if token is not None and token.access_token == access_token:
                self._delete(self.key)

    def _refresh_locked(self, stale: AccessToken | None) -> AccessToken:
        lock_key = self.key + ":lock"
        add = getattr(self.store, "add", None)
        if add is None or add(lock_key, "1", LOCK_TTL):
            try:
                return self._store_new()
            finally:
                if add is not None:
                    self._delete(lock_key)
        # Another process is refreshing: the old token still works, or the new one is coming.
        if stale is not None and stale.is_usable(time.time()):
            return stale
        deadline = time.monotonic() + self.wait_timeout
        pause = 0.05
        while time.monotonic() < deadline:
            self._sleep(pause)
            token = self.cached()
            if token is not None and token.is_usable(time.time()):
                return token
            if add(lock_key, "1", LOCK_TTL):
                try:
                    return self._store_new()
                finally:
                    self._delete(lock_key)
            pause = min(pause * 2, 0.5)
        return self._store_new()

    def _store_new(self) -> AccessToken:
        token = self._fetch(self.margin)
        self.fetch_count += 1
        ttl = max(1.0, token.expires_at - time.time())
        self.store.set(self.key, token.to_cache(), ttl)
        return token

    def _delete(self, key: str) -> None:
        delete = getattr(self.store, "delete", None)
        if delete is not None:
            delete(key)
        else:
            self.store.set(key, None, 1)
