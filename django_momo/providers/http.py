"""The HTTP transport every provider client shares: pooled sessions, timeouts, backoff, redaction.

One attempt per ``send``: retry loops live in the clients, which know whether a request is safe
to repeat (a status GET is; a creating POST only under the same reference).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from django_momo import __version__
from django_momo.providers.base import ConfigurationError, TransientError

# (connect, read) seconds. MTN's new platform answers token calls in 10-20 s, hence a long read.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)

REDACTED = "***"


def user_agent() -> str:
    """Our own User-Agent: gateways refuse the default ``python-requests`` one."""
    return f"django-momo/{__version__}"


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each (non-empty) secret replaced by ``***``."""
    # Longest first, so a secret that contains another one is replaced whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _where(method: str, url: str) -> str:
    """Method and URL without its query string (which can carry keys)."""
    parts = urlsplit(url)
    return f"{method.upper()} {parts.scheme}://{parts.netloc}{parts.path}"


class HttpTransport:
    """Thread-safe HTTP sender: one pooled ``requests.Session`` per thread, TLS always verified."""

    def __init__(
        self,
        *,
        provider: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
        pool_maxsize: int = 32,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.provider = provider
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.pool_maxsize = pool_maxsize
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HttpTransport(provider={self.provider!r}, timeout={self.timeout!r})"

    @property
    def session(self) -> requests.Session:
        """This thread's pooled session (created on first use)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # No urllib3-level retries: a silently repeated POST could book a payment twice.
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool_maxsize, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.verify = True
            session.headers["User-Agent"] = user_agent()
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every session this transport opened (in any thread)."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: bytes | str | None = None,
        json: Any = None,
        params: Any = None,
        timeout: tuple[float, float] | None = None,
        reference: str | None = None,
    ) -> requests.Response:
        """Send one request; a lost connection or timeout raises ``TransientError``."""
        merged = {"User-Agent": user_agent()}
        if headers:
            merged.update(headers)
        try:
            return self.session.request(
                method,
                url,
                headers=merged,
                data=data,
                json=json,
                params=params,
                timeout=timeout or self.timeout,
                verify=True,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError:
            # Certificate problems are ours to fix; nothing was sent past the handshake.
            raise ConfigurationError(
                f"TLS verification failed for {_where(method, url)}",
                provider=self.provider,
                reference=reference,
            ) from None
        except requests.exceptions.Timeout as exc:
            raise TransientError(
                f"timed out ({type(exc).__name__}) on {_where(method, url)}: outcome unknown",
                provider=self.provider,
                reference=reference,
            ) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # Includes RemoteDisconnected: the request may have been processed before the drop.
            raise TransientError(
                f"connection lost ({type(exc).__name__}) on {_where(method, url)}: outcome unknown",
                provider=self.provider,
                reference=reference,
            ) from None

    def backoff_delays(self) -> Iterator[float]:
        """``max_retries`` delays: capped exponential backoff with full jitter."""
        for attempt in range(self.max_retries):
            ceiling = min(self.backoff_cap, self.backoff_base * (2**attempt))
            yield random.uniform(0.0, ceiling)
