"""pytest fixtures: ``momo_sandbox`` starts the sandbox once per session and resets it per test.

Enable with ``pytest_plugins = ["django_momo.sandbox.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .control import SandboxControl, SandboxHandle
from .frame.server import RunningSandbox, start_in_thread


@pytest.fixture(scope="session")
def momo_sandbox_server() -> Iterator[RunningSandbox]:
    """A sandbox on a free loopback port for the whole test session."""
    running = start_in_thread({"seed": 1234})
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def momo_sandbox(momo_sandbox_server: RunningSandbox) -> Iterator[SandboxHandle]:
    """The session's sandbox, reset to a clean state (no bookings, no faults) for this test."""
    control = SandboxControl(momo_sandbox_server.base_url)
    control.reset()
    yield SandboxHandle(base_url=momo_sandbox_server.base_url, control=control)
    control.clear_faults()
