"""Fault injection: latency, errors before booking, answers lost after booking, status errors."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("error_before_booking", "lost_after_booking", "status_error")
PROVIDERS = ("mtn", "momo_vn")


class FaultSpecError(ValueError):
    """A fault specification the sandbox cannot apply; the message says which part."""


@dataclass
class Fault:
    """One kind of fault: the next ``next`` eligible requests, then a random ``rate`` share."""

    rate: float = 0.0
    next: int = 0
    provider: str | None = None
    fired: int = 0

    @classmethod
    def parse(cls, kind: str, spec: Any) -> Fault:
        if spec is None:
            return cls()
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            spec = {"rate": spec}
        if not isinstance(spec, dict):
            raise FaultSpecError(f"{kind}: expected an object like {{'rate': 0.1, 'next': 1}}")
        unknown = set(spec) - {"rate", "next", "provider"}
        if unknown:
            raise FaultSpecError(f"{kind}: unknown keys {sorted(unknown)}")
        rate = spec.get("rate", 0.0)
        nxt = spec.get("next", 0)
        provider = spec.get("provider")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise FaultSpecError(f"{kind}.rate must be a number between 0 and 1")
        if isinstance(nxt, bool) or not isinstance(nxt, int) or nxt < 0:
            raise FaultSpecError(f"{kind}.next must be a whole number >= 0")
        if provider is not None and provider not in PROVIDERS:
            raise FaultSpecError(f"{kind}.provider must be one of {PROVIDERS} or null")
        return cls(rate=float(rate), next=nxt, provider=provider)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "next": self.next,
            "provider": self.provider,
            "fired": self.fired,
        }


class Faults:
    """The fault settings of a running sandbox; changed at run time through ``/_sandbox/faults``."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.latency_ms = 0
        self._faults: dict[str, Fault] = {kind: Fault() for kind in FAULT_KINDS}

    def configure(self, spec: dict[str, Any], *, replace: bool = False) -> None:
        """Apply ``spec`` (validated first, so a bad spec changes nothing)."""
        if not isinstance(spec, dict):
            raise FaultSpecError("fault settings must be a JSON object")
        unknown = set(spec) - {"latency_ms", "seed", *FAULT_KINDS}
        if unknown:
            raise FaultSpecError(f"unknown fault settings {sorted(unknown)}")
        latency = spec.get("latency_ms", 0 if replace else self.latency_ms)
        if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
            raise FaultSpecError("latency_ms must be a whole number >= 0")
        parsed = {kind: Fault.parse(kind, spec[kind]) for kind in FAULT_KINDS if kind in spec}
        seed = spec.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise FaultSpecError("seed must be an integer")
        with self._lock:
            self.latency_ms = latency
            if replace:
                self._faults = {kind: Fault() for kind in FAULT_KINDS}
            self._faults.update(parsed)
            if seed is not None:
                self._random.seed(seed)

    def clear(self) -> None:
        self.configure({}, replace=True)

    def check(self, kind: str, provider: str) -> bool:
        """True when this request of ``provider`` must suffer the fault ``kind`` (consumes it)."""
        with self._lock:
            fault = self._faults[kind]
            if fault.provider is not None and fault.provider != provider:
                return False
            if fault.next > 0:
                fault.next -= 1
                fault.fired += 1
                return True
            if fault.rate > 0 and self._random.random() < fault.rate:
                fault.fired += 1
                return True
            return False

    def delay(self) -> None:
        """Sleep the configured latency (called for every provider request)."""
        latency = self.latency_ms
        if latency:
            time.sleep(latency / 1000)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            data: dict[str, Any] = {"latency_ms": self.latency_ms}
            data.update({kind: f.as_dict() for kind, f in self._faults.items()})
            return data
