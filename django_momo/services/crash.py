"""A test seam: named points where a test can make a service stop as if its process died.

Production code calls ``crash_point("send.after_phase1")``; it does nothing unless a test added
that name to ``_crash_points``. ``SimulatedCrash`` derives from ``BaseException`` so that no
``except Exception`` in the services can swallow it, just as nothing survives a killed worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Names of the crash points currently armed (tests only).
_crash_points: set[str] = set()

CRASH_POINTS = (
    "send.after_phase1",  # `sending` committed, the request has not left
    "send.after_http",  # the provider answered, the answer is not stored yet
    "refresh.after_http",  # a status answer or re-send answer arrived, not stored yet
    "transition.before_commit",  # inside a transition's transaction: it rolls back
)


class SimulatedCrash(BaseException):
    """Raised at an armed crash point."""


def crash_point(name: str) -> None:
    """Raise ``SimulatedCrash`` if a test armed ``name``."""
    if name in _crash_points:
        raise SimulatedCrash(name)


@contextmanager
def crashing_at(*names: str) -> Iterator[None]:
    """Arm ``names`` for the duration of a ``with`` block (tests only)."""
    unknown = set(names) - set(CRASH_POINTS)
    if unknown:
        raise ValueError(f"unknown crash points {sorted(unknown)}")
    _crash_points.update(names)
    try:
        yield
    finally:
        _crash_points.difference_update(names)
