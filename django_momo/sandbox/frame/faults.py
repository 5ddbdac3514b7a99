"""Fault injection, set at run time through ``/_sandbox/faults`` (or ``--<kind>`` flags).

Every kind takes ``next`` (the next N eligible requests), ``rate`` (then a random share of them)
and ``provider`` (``mtn``, ``momo_vn`` or null = both); a few take extra keys (``OPTIONS``).

* ``error_before_booking``: a creating request answered 5xx, nothing booked.
* ``lost_after_booking``: a creating request booked, then the connection closed unanswered.
* ``status_error``: a status query answered 500.
* ``quota_exceeded`` / ``rate_limited`` (MTN): a business request (not a token request) refused
  by the API gateway before it reaches the wallet platform: 403 quota / 429 rate limit.
* ``refuse_retry`` (MTN): a creating POST whose ``X-Reference-Id`` is booked already (the retry
  of an answer that was lost) refused instead of answered 409; the booking stays.
  ``answer``: ``quota`` (403, default), ``rate_limit`` (429), ``bad_request`` (400 with a wallet
  error code), ``unauthorized`` (401 subscription key).
* ``replay_unknown`` (MoMo): a re-send of a booked pay request answered resultCode 99 instead of
  its stored answer; the payout stays as booked.
* ``refuse_order`` (MoMo): a new pay request refused with 41 (duplicated orderId) without booking;
  its requestId is remembered, so a re-send answers 40.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = (
    "error_before_booking",
    "lost_after_booking",
    "status_error",
    "quota_exceeded",
    "rate_limited",
    "refuse_retry",
    "replay_unknown",
    "refuse_order",
)
PROVIDERS = ("mtn", "momo_vn")
# Kinds only one provider's protocol knows: the spec may name that provider or none.
PROVIDER_OF = {
    "quota_exceeded": "mtn",
    "rate_limited": "mtn",
    "refuse_retry": "mtn",
    "replay_unknown": "momo_vn",
    "refuse_order": "momo_vn",
}
# Extra keys a kind accepts: key -> allowed values, the first being the default.
OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "refuse_retry": {"answer": ("quota", "rate_limit", "bad_request", "unauthorized")},
}
COMMON_KEYS = ("rate", "next", "provider")


class FaultSpecError(ValueError):
    """A fault specification the sandbox cannot apply; the message says which part."""


@dataclass
class Fault:
    """One kind of fault: the next ``next`` eligible requests, then a random ``rate`` share."""

    rate: float = 0.0
    next: int = 0
    provider: str | None = None
    fired: int = 0
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls, kind: str) -> Fault:
        """The fault ``kind`` switched off, its extra keys at their defaults."""
        return cls(options={key: allowed[0] for key, allowed in OPTIONS.get(kind, {}).items()})

    @classmethod
    def parse(cls, kind: str, spec: Any) -> Fault:
        if spec is None:
            return cls.blank(kind)
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            spec = {"rate": spec}
        if not isinstance(spec, dict):
            raise FaultSpecError(f"{kind}: expected an object like {{'rate': 0.1, 'next': 1}}")
        extra = OPTIONS.get(kind, {})
        unknown = set(spec) - {*COMMON_KEYS, *extra}
        if unknown:
            raise FaultSpecError(
                f"{kind}: unknown keys {sorted(unknown)}; known: {[*COMMON_KEYS, *extra]}"
            )
        rate = spec.get("rate", 0.0)
        nxt = spec.get("next", 0)
        provider = spec.get("provider")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise FaultSpecError(f"{kind}.rate must be a number between 0 and 1")
        if isinstance(nxt, bool) or not isinstance(nxt, int) or nxt < 0:
            raise FaultSpecError(f"{kind}.next must be a whole number >= 0")
        only = PROVIDER_OF.get(kind)
        if only is not None and provider not in (None, only):
            raise FaultSpecError(
                f"{kind} is a {only} fault: {kind}.provider must be {only!r} or null"
            )
        if provider is not None and provider not in PROVIDERS:
            raise FaultSpecError(f"{kind}.provider must be one of {PROVIDERS} or null")
        fault = cls.blank(kind)
        for key, allowed in extra.items():
            value = spec.get(key, allowed[0])
            if value not in allowed:
                raise FaultSpecError(
                    f"{kind}.{key} must be one of {', '.join(allowed)} (got {value!r})"
                )
            fault.options[key] = value
        fault.rate, fault.next, fault.provider = float(rate), nxt, provider
        return fault

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "next": self.next,
            "provider": self.provider,
            "fired": self.fired,
            **self.options,
        }


class Faults:
    """The fault settings of a running sandbox; changed at run time through ``/_sandbox/faults``."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.latency_ms = 0
        self._faults: dict[str, Fault] = {kind: Fault.blank(kind) for kind in FAULT_KINDS}

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
                self._faults = {kind: Fault.blank(kind) for kind in FAULT_KINDS}
            self._faults.update(parsed)
            if seed is not None:
                self._random.seed(seed)

    def clear(self) -> None:
        self.configure({}, replace=True)

    def fire(self, kind: str, provider: str) -> dict[str, str] | None:
        """The fault's extra keys when this request of ``provider`` must suffer ``kind``, else
        None. Consumes one ``next`` (or draws the ``rate``): call it for eligible requests only.
        """
        with self._lock:
            fault = self._faults[kind]
            if fault.provider is not None and fault.provider != provider:
                return None
            if fault.next > 0:
                fault.next -= 1
            elif not (fault.rate > 0 and self._random.random() < fault.rate):
                return None
            fault.fired += 1
            return dict(fault.options)

    def check(self, kind: str, provider: str) -> bool:
        """True when this request of ``provider`` must suffer the fault ``kind`` (consumes it)."""
        return self.fire(kind, provider) is not None

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
