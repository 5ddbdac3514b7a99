"""The HTTP transport every provider client shares: pooled sessions, timeouts, backoff, redaction.

One attempt per ``send``: retry loops live in the clients, which know whether a request is safe
to repeat (a status GET is; a creating POST only under the same reference). Whether to repeat an
attempt, and how long to wait first, is decided here, once, for every client: ``should_retry``,
``retry_delay`` and ``may_have_landed``.

Every failure of ``send`` is typed and carries the reference. Only a refused server certificate
is a ``ConfigurationError`` (it happens in the handshake, before a byte of the request left);
everything else, including other TLS errors, which can strike after the request was sent (while
reading the answer), is a ``TransientError``: the outcome is unknown, ask again about the same
reference. Calling a failure "nothing was sent" when it may have been would fail a payment that
the provider booked.
"""

from __future__ import annotations

import http.client
import math
import random
import ssl
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from django_momo import __version__
from django_momo.providers.base import (
    AnswerMismatch,
    ConfigurationError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from django_momo.providers.sensitive import sensitive_variables

# (connect, read) seconds. MTN's new platform answers token calls in 10-20 s, hence a long read.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)

REDACTED = "***"

DEFAULT_BACKOFF_BASE = 0.2
DEFAULT_BACKOFF_CAP = 5.0
# Longest wait honoured from a 429's Retry-After before retrying.
MAX_RETRY_AFTER = 10.0


def user_agent() -> str:
    """Our own User-Agent: gateways refuse the default ``python-requests`` one."""
    return f"django-momo/{__version__}"


@sensitive_variables("text", "secrets", "secret")
def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each (non-empty) secret replaced by ``***``."""
    # Longest first, so a secret that contains another one is replaced whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _where(method: str, url: str) -> str:
    """Method and URL without user info or query string (either can carry keys)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    return f"{method.upper()} {parts.scheme}://{host}{port}{parts.path}"


def _certificate_refused(exc: BaseException) -> bool:
    """Whether ``exc`` (a requests ``SSLError``) wraps a refused server certificate."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    # requests wraps urllib3's MaxRetryError, whose ``reason`` wraps urllib3's SSLError, whose
    # args hold the ssl module's error: walk args, reason, cause and context.
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return True
        todo.extend(item.args)
        todo.extend((getattr(item, "reason", None), item.__cause__, item.__context__))
    return False


# --- the retry policy ---------------------------------------------------------------------------


def should_retry(
    *,
    attempt: int,
    max_retries: int,
    error: ProviderError | None,
    status: int | None = None,
    creating: bool = False,
    reference: str | None = None,
) -> bool:
    """Whether the attempt number ``attempt`` (1 for the first) that just failed is repeated.

    The rule every provider client follows (the wait is ``retry_delay``):

    * At most ``max_retries`` repeats: attempt ``n`` is repeated only while ``n <= max_retries``
      (``max_retries + 1`` attempts in all; 0 means never).
    * Repeated: a ``TransientError``, i.e. an attempt whose outcome is not known (timeout, lost
      connection, TLS failure after the handshake, an unreadable answer, HTTP 408, any 5xx, an
      MTN ``SERVICE_UNAVAILABLE`` / ``INTERNAL_PROCESSING_ERROR`` code under whatever status, a
      MoMo answer without a readable ``resultCode``, an answer about another payment) and
      ``RateLimitedError`` (HTTP 429, whose wait honours ``Retry-After``).
    * Never repeated: a refusal, which is every other ``ProviderError``: ``RejectedError`` (a
      4xx other than 408 and 429, business codes such as ``PAYER_NOT_FOUND``),
      ``AuthenticationError`` (401/403), ``NotFoundError`` (404), ``ConfigurationError`` (a
      refused certificate, 3xx, 405/411/415) and ``InvalidInputError``. The provider has judged
      the request; asking again only earns the same refusal. (MoMo answers its refusals as
      result codes, which are results, not errors: they are returned, never repeated.)
    * ``error`` decides when there is one (the client's typed reading of the answer, body codes
      included); ``status`` alone, without an ``error``, is repeated for 408, 429 and 5xx only.
    * A ``creating`` call (one that may move money) is repeated on the same terms *only* because
      the caller sends the byte-identical request under the same ``reference`` (MTN: the same
      ``X-Reference-Id``; MoMo: the same body and ``requestId``), which the provider books once
      (MTN answers 409 ``RESOURCE_ALREADY_EXIST``, MoMo its stored answer, 7000 or 40). A
      creating call without a ``reference`` is never repeated. A new reference is never the
      client's to choose: that is a new payment.

    Not part of this rule: MTN's one token refresh after a 401 that a new token may cure, which
    repeats the call under the same reference without waiting and without counting an attempt,
    and MTN's 409 on a creating call, which is the answer "booked already", not a failure.
    """
    if attempt > max_retries:
        return False
    if creating and not reference:
        return False
    if error is not None:
        return isinstance(error, TransientError)
    return status is not None and (status in (408, 429) or status >= 500)


def may_have_landed(error: ProviderError, *, creating: bool) -> bool:
    """Whether the failed attempt of a ``creating`` call may have been booked all the same.

    Any outcome that is not known may have been (a timeout, a lost connection, a 5xx); a 429
    comes from the gateway in front of the provider, so that attempt did not land; a refusal
    did not either. Once one attempt may have landed, every later error of the same call is
    raised with ``ambiguous=True`` and a later answer is marked ambiguous.
    """
    return (
        creating and isinstance(error, TransientError) and not isinstance(error, RateLimitedError)
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; ``None`` when absent or unusable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        # An HTTP-date, or garbage: the ordinary backoff applies.
        return None
    return None if math.isnan(seconds) else seconds


def retry_delay(
    attempt: int,
    retry_after: float | None = None,
    *,
    base: float = DEFAULT_BACKOFF_BASE,
    cap: float = DEFAULT_BACKOFF_CAP,
    max_retry_after: float = MAX_RETRY_AFTER,
) -> float:
    """Seconds to wait before repeating attempt ``attempt`` (1 for the first).

    Capped exponential backoff with full jitter: uniform in ``[0, min(cap, base * 2**(n-1))]``.
    A 429's ``retry_after`` lengthens it to that many seconds, at most ``max_retry_after`` (a
    longer wait is the caller's to schedule, not a thread's to sleep through).
    """
    exponent = min(max(attempt - 1, 0), 60)
    delay = random.uniform(0.0, min(cap, base * (2**exponent)))
    if retry_after is not None:
        delay = min(max_retry_after, max(delay, retry_after))
    return delay


def failure_reason(error: ProviderError) -> str:
    """A short, secret-free account of why an attempt failed, for log lines.

    Built from the error's status, code and message, which the clients already redact; the
    response body is never part of it. Callers still pass it through ``redact_text``.
    """
    if error.http_status is None:
        return error.message
    reason = f"HTTP {error.http_status}"
    if error.code:
        reason += f" code={error.code}"
    if isinstance(error, RateLimitedError):
        reason += " (rate limited)"
    elif isinstance(error, AnswerMismatch) or not error.code:
        reason += f" ({error.message})"
    return reason


class HttpTransport:
    """Thread-safe HTTP sender: one pooled ``requests.Session`` per thread, TLS always verified."""

    def __init__(
        self,
        *,
        provider: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        backoff_cap: float = DEFAULT_BACKOFF_CAP,
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

    # Every local is hidden from error reports: headers carry keys and tokens, and the frames
    # below (requests, urllib3, http.client) hold them under many names.
    @sensitive_variables()
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
        """Send one request; any failure on the wire raises a typed error carrying ``reference``.

        ``TransientError`` (outcome unknown) for every transport failure, a malformed answer
        included; ``ConfigurationError`` only when the server's certificate is refused.
        """
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
        except requests.exceptions.SSLError as exc:
            if _certificate_refused(exc):
                # Ours to fix; the handshake failed, so nothing of the request was sent.
                raise ConfigurationError(
                    f"TLS certificate refused ({type(exc).__name__}) for {_where(method, url)}",
                    provider=self.provider,
                    reference=reference,
                ) from None
            raise self._unknown("TLS failure", exc, method, url, reference) from None
        except requests.exceptions.Timeout as exc:
            raise self._unknown("timed out", exc, method, url, reference) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # Includes RemoteDisconnected: the request may have been processed before the drop.
            raise self._unknown("connection lost", exc, method, url, reference) from None
        except requests.RequestException as exc:
            # ContentDecodingError, InvalidHeader (two Content-Lengths) ...: the request went out
            # and its answer cannot be read. For the few raised before sending (InvalidURL ...),
            # "unknown" is merely cautious, never wrong.
            raise self._unknown("no usable answer", exc, method, url, reference) from None
        except (
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as exc:
            # What requests lets through unwrapped, e.g. the ValueError of a malformed Location
            # header, which it parses even with allow_redirects=False.
            raise self._unknown("no usable answer", exc, method, url, reference) from None

    def _unknown(
        self, what: str, exc: BaseException, method: str, url: str, reference: str | None
    ) -> TransientError:
        # The exception's own text is left out: it can quote the URL with its query string.
        return TransientError(
            f"{what} ({type(exc).__name__}) on {_where(method, url)}: outcome unknown",
            provider=self.provider,
            reference=reference,
        )

    def retry_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """``retry_delay`` with this transport's backoff base and cap."""
        return retry_delay(attempt, retry_after, base=self.backoff_base, cap=self.backoff_cap)

    def backoff_delays(self) -> Iterator[float]:
        """``max_retries`` delays: capped exponential backoff with full jitter."""
        for attempt in range(1, self.max_retries + 1):
            yield self.retry_delay(attempt)
