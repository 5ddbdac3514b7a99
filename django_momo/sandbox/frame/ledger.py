"""The sandbox's ledger: every payment it booked, and every rule a client broke."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

# Entries in these states did not move money, so a second booking of their external id is fine.
NOT_PAID = frozenset({"FAILED", "REJECTED", "EXPIRED", "CANCELLED"})


def body_digest(body: bytes) -> str:
    """SHA-256 of a request body, to tell "same request again" from "same reference, other body"."""
    return hashlib.sha256(body).hexdigest()


@dataclass
class Entry:
    """One booked payment."""

    id: int
    provider: str
    operation: str
    reference: str
    account: str
    external_id: str
    amount: str
    currency: str
    party: dict[str, Any]
    status: str
    body_digest: str
    reason: str | None = None
    financial_transaction_id: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Ledger:
    """Thread-safe record of bookings, keyed by (provider, reference)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._by_ref: dict[tuple[str, str], Entry] = {}
        self._noted: list[dict[str, Any]] = []

    @property
    def lock(self) -> threading.RLock:
        """Hold this to make a check-then-book sequence atomic."""
        return self._lock

    def reset(self) -> None:
        with self._lock:
            self._by_ref.clear()
            self._noted.clear()
            self._ids = itertools.count(1)

    def book(
        self,
        provider: str,
        operation: str,
        reference: str,
        *,
        account: str,
        external_id: str,
        amount: str,
        currency: str,
        party: dict[str, Any],
        status: str,
        body_digest: str,
        reason: str | None = None,
        financial_transaction_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Entry:
        """Record a new booking; the caller has checked that the reference is new."""
        with self._lock:
            key = (provider, reference)
            if key in self._by_ref:
                raise KeyError(f"reference {reference} already booked")
            entry = Entry(
                id=next(self._ids),
                provider=provider,
                operation=operation,
                reference=reference,
                account=account,
                external_id=external_id,
                amount=amount,
                currency=currency,
                party=dict(party),
                status=status,
                body_digest=body_digest,
                reason=reason,
                financial_transaction_id=financial_transaction_id,
                extra=dict(extra or {}),
            )
            self._by_ref[key] = entry
            return entry

    def get(self, provider: str, reference: str) -> Entry | None:
        with self._lock:
            return self._by_ref.get((provider, reference))

    def update(self, entry: Entry, **changes: Any) -> Entry:
        """Change fields of an entry (status, reason, ...) under the ledger lock."""
        with self._lock:
            for name, value in changes.items():
                if not hasattr(entry, name):
                    raise AttributeError(name)
                setattr(entry, name, value)
            entry.updated_at = time.time()
            return entry

    def entries(self, provider: str | None = None) -> list[Entry]:
        with self._lock:
            items = list(self._by_ref.values())
        return [e for e in items if provider is None or e.provider == provider]

    def find(self, provider: str, **fields: Any) -> list[Entry]:
        """Entries of ``provider`` whose fields equal ``fields``."""
        return [
            e for e in self.entries(provider) if all(getattr(e, k) == v for k, v in fields.items())
        ]

    def note_violation(self, kind: str, **details: Any) -> None:
        """Record a rule a client broke (e.g. ``reference_reused_with_other_body``)."""
        with self._lock:
            self._noted.append({"kind": kind, "at": time.time(), **details})

    def violations(self) -> list[dict[str, Any]]:
        """Noted violations plus every external id that more than one live booking paid."""
        with self._lock:
            found = list(self._noted)
            groups: dict[tuple[str, str, str, str], list[Entry]] = defaultdict(list)
            for e in self._by_ref.values():
                if e.external_id and e.status not in NOT_PAID:
                    kind = e.operation.split(".")[0]
                    groups[(e.provider, e.account, kind, e.external_id)].append(e)
        for (provider, account, kind, external_id), items in groups.items():
            if len(items) > 1:
                found.append(
                    {
                        "kind": "external_id_paid_twice",
                        "provider": provider,
                        "account": account,
                        "product": kind,
                        "external_id": external_id,
                        "references": [e.reference for e in items],
                    }
                )
        return found

    def snapshot(self, provider: str | None = None) -> dict[str, Any]:
        entries = self.entries(provider)
        by_status: dict[str, int] = defaultdict(int)
        for e in entries:
            by_status[e.status] += 1
        return {
            "entries": [e.as_dict() for e in entries],
            "violations": self.violations(),
            "counts": {"total": len(entries), "by_status": dict(by_status)},
        }
