"""What both MoMo Vietnam clients share: credentials, signing, the transport, the retry loop.

``MomoDisbursementClient`` (payouts) and ``MomoGatewayClient`` (payments and refunds) speak to
the same host with the same keys and the same rule for an unknown outcome: re-send the same
bytes under the same ``requestId`` while ``providers.http.should_retry`` allows, and once an
attempt went unanswered, mark the answer (or the error) ``ambiguous``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests

from django_momo.providers.base import ProviderError, TransientError
from django_momo.providers.http import (
    HttpTransport,
    failure_reason,
    may_have_landed,
    redact_text,
    should_retry,
)
from django_momo.providers.momo_vn.config import MomoCredentials
from django_momo.providers.momo_vn.signing import Signer
from django_momo.providers.sensitive import sensitive_variables

PROVIDER = "momo_vn"
# MoMo: "Minimum timeout when call this API must be 30s".
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
HEADERS = {"Content-Type": "application/json; charset=UTF-8", "Accept": "application/json"}

logger = logging.getLogger("django_momo.providers.momo_vn")

T = TypeVar("T")


def dump(body: Mapping[str, Any]) -> bytes:
    """A request body as MoMo reads it: compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class MomoApi:
    """The part of a MoMo client that is the same for every API of one merchant account."""

    @sensitive_variables("credentials")
    def __init__(
        self,
        credentials: MomoCredentials,
        *,
        transport: HttpTransport | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``transport`` (built with ``timeout`` when not given) sets ``max_retries``, the
        budget of a send; ``sleep`` waits between attempts (tests pass a no-op, like MTN's)."""
        self.credentials = credentials
        self._signer = Signer(credentials.secret_key)
        self.transport = transport or HttpTransport(provider=PROVIDER, timeout=timeout)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.credentials!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self.transport.close()

    @sensitive_variables("values")
    def _sign_into(self, body: dict[str, Any], fields: tuple[str, ...]) -> bytes:
        values = {**body, "accessKey": self.credentials.access_key}
        body["signature"] = self._signer.sign(fields, values)
        return dump(body)

    def _post(self, path: str, body: bytes, reference: str) -> requests.Response:
        return self.transport.send(
            "POST", self.credentials.base_url + path, headers=HEADERS, data=body,
            reference=reference,
        )  # fmt: skip

    def _redact(self, text: str) -> str:
        return redact_text(text, self.credentials.secrets)

    def _attempt(
        self,
        once: Callable[[int], T],
        *,
        where: str,
        reference: str,
        creating: bool,
        retries: int | None,
        log_lost: bool = True,
    ) -> tuple[T, bool, int]:
        """Run ``once(attempt)`` until it answers or ``should_retry`` says stop.

        ``retries``: ``None`` for the transport's ``max_retries``, an explicit number capped at
        it, 0 for one attempt only. Returns the answer, whether an earlier attempt went
        unanswered (``creating`` only) and the number of the attempt that answered; an error
        raised after such an attempt (a ``TransientError`` always) carries ``ambiguous=True``.
        ``log_lost=False``: the caller logs an answer after a lost attempt itself.
        """
        if retries is not None and retries < 0:
            raise ValueError("retries must be >= 0")
        budget = self.transport.max_retries
        if retries is not None:
            budget = min(retries, budget)
        lost = False
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = once(attempt)
            except ProviderError as exc:
                lost = lost or may_have_landed(exc, creating=creating)
                if should_retry(
                    attempt=attempt,
                    max_retries=budget,
                    error=exc,
                    status=exc.http_status,
                    creating=creating,
                    reference=reference,
                ):
                    delay = self.transport.retry_delay(attempt)
                    logger.warning(
                        "%s: attempt %d of %d failed (%s); %s in %.2f s",
                        where,
                        attempt,
                        budget + 1,
                        self._redact(failure_reason(exc)),
                        "re-sending the same bytes" if creating else "asking again",
                        delay,
                    )
                    self._sleep(delay)
                    continue
                exc.ambiguous = lost
                if creating and isinstance(exc, TransientError):
                    logger.warning(
                        "%s: giving up after %d attempt%s (%s): outcome unknown (ambiguous); "
                        "re-send the stored body under the same requestId, never a new one",
                        where,
                        attempt,
                        "" if attempt == 1 else "s",
                        self._redact(failure_reason(exc)),
                    )
                elif lost:
                    logger.warning(
                        "%s: attempt %d failed (%s) after an earlier attempt went unanswered: "
                        "outcome unknown (ambiguous), it may have been booked",
                        where,
                        attempt,
                        self._redact(failure_reason(exc)),
                    )
                raise
            if lost and log_lost:
                logger.info(
                    "%s: attempt %d answered after an earlier attempt went unanswered: "
                    "marked ambiguous",
                    where,
                    attempt,
                )
            return answer, lost, attempt
