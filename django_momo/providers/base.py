"""Results and errors shared by every provider client.

Provider clients never touch the database. They return the typed results below and raise the
typed errors below; the service layer maps them onto payment states:

* ``RejectedError``: the provider refused the request and no money moved -> ``failed``, unless
  ``ambiguous`` says an earlier attempt of the same call may have been booked -> ``unknown``.
* ``TransientError``: the call may or may not have reached the provider -> ``unknown``; resolve it
  by asking about the *same* reference, never by sending under a new one.
* ``ConfigurationError`` / ``AuthenticationError``: our side is wrong; nothing was booked.
* ``InvalidInputError``: refused before any HTTP call (also a ``ValueError``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Outcome(enum.StrEnum):
    """What a provider answer means for a payment, whatever the provider."""

    PENDING = "pending"  # accepted, not final yet
    SUCCESSFUL = "successful"  # final: money moved
    FAILED = "failed"  # final: no money moved
    UNKNOWN = "unknown"  # no usable answer: ask again about the same reference


class SubmissionState(enum.StrEnum):
    """How a creating request ended."""

    ACCEPTED = "accepted"  # the provider booked it now (MTN 202)
    ALREADY_BOOKED = "already_booked"  # the reference was booked before (MTN 409): query its status


@dataclass(frozen=True, slots=True)
class Submission:
    """The answer to a creating request that settles asynchronously (MTN)."""

    reference_id: str
    state: SubmissionState
    http_status: int

    @property
    def outcome(self) -> Outcome:
        return Outcome.PENDING


class ProviderError(Exception):
    """Base of every error a provider client raises. Never carries a secret."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        http_status: int | None = None,
        code: str | None = None,
        reference: str | None = None,
        body: str | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.http_status = http_status
        self.code = code
        self.reference = reference
        # A redacted, truncated copy of the response body, for logs and the audit trail.
        self.body = body
        # True when an earlier attempt of the same creating call may have reached the provider
        # (it timed out, lost its connection or got a 5xx): whatever this error says, the
        # payment may exist, so it is *unknown*, never *failed*. Set by the client that retried.
        self.ambiguous = ambiguous

    def __str__(self) -> str:
        parts = [self.message]
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code:
            parts.append(f"code={self.code}")
        if self.reference:
            parts.append(f"reference={self.reference}")
        if self.ambiguous:
            parts.append("an earlier attempt may have been booked")
        return " | ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class TransientError(ProviderError):
    """The outcome is not known (timeout, connection lost, 5xx): ask again, same reference."""


class AnswerMismatch(TransientError):
    """The answer is about another payment than ours (amount, reference, party ...): never
    applied; the services flag the payment for an operator."""


class RateLimitedError(TransientError):
    """The provider asked us to slow down (HTTP 429 or its equivalent)."""


class RejectedError(ProviderError):
    """The provider refused the request for good; ``code`` holds its reason."""


class NotFoundError(ProviderError):
    """The provider does not know this reference (yet: right after a timeout it may appear)."""


class AuthenticationError(ProviderError):
    """Credentials were refused (subscription key, API user/key, token, signature)."""


class ConfigurationError(ProviderError):
    """The client is configured wrongly (unknown target environment, bad key, ...)."""


class InvalidInputError(ProviderError, ValueError):
    """Input refused before any HTTP call; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", code="invalid_input")
        self.field = field


def accepts(check: Callable[[object], object], value: object) -> bool:
    """Whether the validation function ``check`` takes ``value`` (no ``InvalidInputError``)."""
    try:
        check(value)
    except InvalidInputError:
        return False
    return True


class TokenStore(Protocol):
    """Where access tokens are cached; Django's cache in the app, a dict outside Django."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, timeout: float) -> None: ...


@dataclass
class InMemoryTokenStore:
    """A process-local ``TokenStore`` for use outside Django (and in tests)."""

    _data: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def get(self, key: str) -> Any | None:
        import time

        item = self._data.get(key)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1]

    def set(self, key: str, value: Any, timeout: float) -> None:
        import time

        self._data[key] = (time.monotonic() + timeout, value)


SECRET_FIELD_NAMES = frozenset(
    {
        "api_key",
        "apikey",
        "secret_key",
        "secretkey",
        "subscription_key",
        "ocp-apim-subscription-key",
        "authorization",
        "access_token",
        "refresh_token",
        "private_key",
        "access_key",
        "accesskey",
        "password",
    }
)


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with every secret-looking key's value replaced by ``"***"``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        norm = key.lower().replace("-", "_")
        if norm in SECRET_FIELD_NAMES or key.lower() in SECRET_FIELD_NAMES:
            out[key] = "***"
        elif isinstance(value, Mapping):
            out[key] = redact_mapping(value)
        else:
            out[key] = value
    return out
