"""Delivers the sandbox's callbacks from a background thread (delays, duplicates, drops)."""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("django_momo.sandbox")


@dataclass
class CallbackSettings:
    """How callbacks misbehave: extra delay, duplicate / drop shares, a reorder window."""

    delay_ms: int = 0
    duplicate_rate: float = 0.0
    drop_rate: float = 0.0
    reorder_window_ms: int = 0

    def update(self, data: dict[str, Any]) -> None:
        unknown = set(data) - {"delay_ms", "duplicate_rate", "drop_rate", "reorder_window_ms"}
        if unknown:
            raise ValueError(f"unknown callback settings {sorted(unknown)}")
        for name in ("delay_ms", "reorder_window_ms"):
            if name in data:
                v = data[name]
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ValueError(f"{name} must be a whole number >= 0")
        for name in ("duplicate_rate", "drop_rate"):
            if name in data:
                v = data[name]
                if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                    raise ValueError(f"{name} must be a number between 0 and 1")
        for name, value in data.items():
            setattr(self, name, value)


class CallbackDispatcher:
    """A timer thread: ``send`` queues an HTTP callback, ``call_later`` any function."""

    def __init__(self, timeout: float = 5.0, seed: int | None = None) -> None:
        self.settings = CallbackSettings()
        self.timeout = timeout
        self._random = random.Random(seed)
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._log: list[dict[str, Any]] = []
        self._log_ids = itertools.count(1)
        self._stopped = False
        self._generation = 0
        self._thread = threading.Thread(target=self._run, name="sandbox-callbacks", daemon=True)
        self._thread.start()
        self._senders = threading.BoundedSemaphore(16)

    # -- scheduling ---------------------------------------------------------------------------
    def call_later(self, delay_s: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the dispatcher thread after ``delay_s`` seconds (dropped by ``reset``)."""
        generation = self._generation

        def guarded() -> None:
            if generation == self._generation:
                fn()

        with self._cond:
            heapq.heappush(self._queue, (time.monotonic() + delay_s, next(self._seq), guarded))
            self._cond.notify()

    def send(
        self,
        url: str,
        *,
        body: bytes,
        method: str = "POST",
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        provider: str = "",
        reference: str = "",
        apply_faults: bool = True,
    ) -> None:
        """Queue one callback delivery, subject to the current misbehaviour settings."""
        s = self.settings
        copies = 1
        dropped = False
        if apply_faults:
            if s.drop_rate and self._random.random() < s.drop_rate:
                dropped = True
            if s.duplicate_rate and self._random.random() < s.duplicate_rate:
                copies = 2
        base_delay = delay_s + (s.delay_ms / 1000 if apply_faults else 0)
        for copy in range(copies):
            jitter = 0.0
            if apply_faults and s.reorder_window_ms:
                jitter = self._random.uniform(0, s.reorder_window_ms / 1000)
            record: dict[str, Any] = {
                "id": next(self._log_ids),
                "provider": provider,
                "reference": reference,
                "url": url,
                "method": method,
                "body": body.decode("utf-8", "replace"),
                "duplicate": copy > 0,
                "dropped": dropped,
                "queued_at": time.time(),
                "delivered_at": None,
                "status_code": None,
                "error": None,
            }
            with self._cond:
                self._log.append(record)
            if dropped:
                continue
            self.call_later(
                base_delay + jitter + copy * 0.05,
                functools.partial(self._deliver, record, body, dict(headers or {})),
            )

    def _deliver(self, record: dict[str, Any], body: bytes, headers: dict[str, str]) -> None:
        # Deliver on a short-lived thread so a slow receiver does not hold up other callbacks.
        def run() -> None:
            with self._senders:
                req = urllib.request.Request(  # noqa: S310  (URLs come from the client under test)
                    record["url"], data=body, method=record["method"], headers=headers
                )
                req.add_header("Content-Type", headers.get("Content-Type", "application/json"))
                try:
                    with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                        record["status_code"] = resp.status
                except urllib.error.HTTPError as exc:
                    record["status_code"] = exc.code
                except Exception as exc:  # any delivery failure is logged, never raised
                    record["error"] = f"{type(exc).__name__}: {exc}"
                record["delivered_at"] = time.time()
                logger.debug("callback %s -> %s", record["url"], record["status_code"])

        threading.Thread(target=run, daemon=True).start()

    # -- inspection ---------------------------------------------------------------------------
    def log(self) -> list[dict[str, Any]]:
        with self._cond:
            return [dict(r) for r in self._log]

    def reset(self) -> None:
        """Forget queued work, the delivery log and the settings."""
        with self._cond:
            self._generation += 1
            self._queue.clear()
            self._log.clear()
            self.settings = CallbackSettings()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, _, fn = heapq.heappop(self._queue)
            try:
                fn()
            except Exception:
                logger.exception("sandbox scheduled job failed")
