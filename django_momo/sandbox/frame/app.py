"""The sandbox WSGI application: routes provider traffic to each protocol, serves the control API.

Control API (JSON, under ``/_sandbox/``):

* ``GET  /_sandbox/health``: liveness.
* ``POST /_sandbox/reset``: forget ledger, faults, callbacks and per-protocol state.
* ``GET  /_sandbox/ledger`` (``?provider=mtn``): every booking, counts and violations.
* ``GET|POST /_sandbox/faults``: read or change fault injection (``{"replace": true, ...}`` resets
  the rest first); the kinds and their keys are listed in ``faults.py``.
* ``GET|POST /_sandbox/callbacks``: the delivery log and the misbehaviour settings.
* ``/_sandbox/<protocol>/...``: each protocol's own controls (see ``mtn/protocol.py`` and
  ``momo_vn/protocol.py``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .dispatcher import CallbackDispatcher
from .faults import FAULT_KINDS, OPTIONS, Faults, FaultSpecError
from .ledger import Ledger
from .web import DropConnection, Request, Response

logger = logging.getLogger("django_momo.sandbox")

PROTOCOL_PATHS = (
    "django_momo.sandbox.mtn:MtnProtocol",
    "django_momo.sandbox.momo_vn:MomoVnProtocol",
)


@dataclass
class SandboxState:
    """Everything a running sandbox knows; shared by the protocols."""

    options: dict[str, Any] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    faults: Faults = field(default_factory=Faults)
    callbacks: CallbackDispatcher = field(default_factory=CallbackDispatcher)


class Protocol:
    """One provider's half of the sandbox. Subclasses set ``name`` and override ``handle``."""

    name: ClassVar[str] = ""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add this protocol's command-line flags (read back from ``state.options``)."""

    def handle(self, request: Request) -> Response | None:
        """Answer a provider request, or ``None`` when the path is not this protocol's."""
        return None

    def control(self, request: Request, subpath: str) -> Response | None:
        """Answer ``/_sandbox/<name>/<subpath>``, or ``None`` for 404."""
        return None

    def reset(self) -> None:
        """Forget per-test state."""

    def describe(self) -> dict[str, Any]:
        """What ``GET /_sandbox/`` shows about this protocol."""
        return {}


def load_protocol_classes() -> list[type[Protocol]]:
    classes = []
    for path in PROTOCOL_PATHS:
        module_name, _, attr = path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        classes.append(getattr(module, attr))
    return classes


class SandboxApp:
    """WSGI callable of the sandbox."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        options = dict(options or {})
        seed = options.get("seed")
        self.state = SandboxState(
            options=options,
            faults=Faults(seed=seed),
            callbacks=CallbackDispatcher(seed=seed),
        )
        self.protocols: list[Protocol] = [cls(self.state) for cls in load_protocol_classes()]
        self.apply_startup_options()

    def apply_startup_options(self) -> None:
        o = self.state.options
        spec: dict[str, Any] = {"latency_ms": int(o.get("latency_ms") or 0)}
        for kind in FAULT_KINDS:
            fault: dict[str, Any] = {"rate": float(o[kind])} if o.get(kind) else {}
            for key in OPTIONS.get(kind, {}):
                if o.get(f"{kind}_{key}"):
                    fault[key] = o[f"{kind}_{key}"]
            if fault:
                spec[kind] = fault
        self.state.faults.configure(spec, replace=True)
        cb = {
            "delay_ms": int(o.get("callback_delay_ms") or 0),
            "duplicate_rate": float(o.get("callback_duplicate_rate") or 0),
            "drop_rate": float(o.get("callback_drop_rate") or 0),
            "reorder_window_ms": int(o.get("callback_reorder_window_ms") or 0),
        }
        self.state.callbacks.settings.update(cb)

    def reset(self) -> None:
        self.state.ledger.reset()
        self.state.callbacks.reset()
        self.apply_startup_options()
        for protocol in self.protocols:
            protocol.reset()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.dispatch(request)
        except DropConnection:
            raise
        except Exception:
            logger.error(
                "sandbox error on %s %s\n%s", request.method, request.path, traceback.format_exc()
            )
            response = Response.json({"error": "sandbox internal error"}, status=500)
        status, headers, payload = response.encoded()
        start_response(status, headers)
        return [payload]

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox"):
            return self.control(request)
        self.state.faults.delay()
        for protocol in self.protocols:
            response = protocol.handle(request)
            if response is not None:
                return response
        return Response.json(
            {"code": "RESOURCE_NOT_FOUND", "message": f"No sandbox route for {request.path}"},
            status=404,
        )

    # -- control API ------------------------------------------------------------------------------
    def control(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        state = self.state
        if path in ("/_sandbox", "/_sandbox/health"):
            return Response.json(
                {"status": "ok", "protocols": {p.name: p.describe() for p in self.protocols}}
            )
        if path == "/_sandbox/reset" and request.method == "POST":
            self.reset()
            return Response.json({"status": "reset"})
        if path == "/_sandbox/ledger" and request.method == "GET":
            provider = request.query.get("provider", [None])[0]
            return Response.json(state.ledger.snapshot(provider))
        if path == "/_sandbox/faults":
            if request.method == "POST":
                try:
                    spec = request.json() if request.body else {}
                    if not isinstance(spec, dict):
                        raise FaultSpecError("fault settings must be a JSON object")
                    replace = bool(spec.pop("replace", False))
                    state.faults.configure(spec, replace=replace)
                except (ValueError, FaultSpecError) as exc:
                    return Response.json({"error": str(exc)}, status=400)
            return Response.json(state.faults.as_dict())
        if path == "/_sandbox/callbacks":
            if request.method == "POST":
                try:
                    data = request.json() if request.body else {}
                    if not isinstance(data, dict):
                        raise ValueError("callback settings must be a JSON object")
                    state.callbacks.settings.update(data)
                except ValueError as exc:
                    return Response.json({"error": str(exc)}, status=400)
            return Response.json(
                {"settings": vars(state.callbacks.settings), "deliveries": state.callbacks.log()}
            )
        for protocol in self.protocols:
            prefix = f"/_sandbox/{protocol.name}"
            if path == prefix or path.startswith(prefix + "/"):
                response = protocol.control(request, path[len(prefix) :].lstrip("/"))
                if response is not None:
                    return response
        return Response.json({"error": f"unknown control endpoint {request.path}"}, status=404)
