"""A task backend whose broker is down: every enqueue raises, as a real one does when unreachable.

Used to prove that a lost enqueue is not lost work (the payment stays ``created``, not held, and
the reconcile sweep or a repeated API request sends it).
"""

from __future__ import annotations

from typing import Any

try:
    from django.tasks.backends.immediate import ImmediateBackend
except ImportError:  # Django 5.2: the backport
    from django_tasks.backends.immediate import ImmediateBackend  # type: ignore[no-redef]


class BrokerDown(ImmediateBackend):  # type: ignore[misc]
    """Refuses every enqueue with the error a dead broker gives."""

    enqueued = 0

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        type(self).enqueued += 1
        raise ConnectionRefusedError("the task broker is down")
