"""A small client for the sandbox's control API, used by tests, benchmarks and the demo."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests


class SandboxControl:
    """Reset, inject faults, read the ledger and the callback log of a running sandbox."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def get(self, path: str) -> Any:
        resp = self._session.get(self._url(path), timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()

    def post(self, path: str, json: Any = None) -> Any:
        resp = self._session.post(self._url(path), json=json, timeout=self.timeout)
        if resp.status_code >= 400:
            raise ValueError(f"sandbox refused {path}: {resp.status_code} {resp.text}")
        return resp.json()

    def _url(self, path: str) -> str:
        path = path if path.startswith("/") else "/" + path
        if not path.startswith("/_sandbox"):
            path = "/_sandbox" + path
        return self.base_url + path

    def health(self) -> dict[str, Any]:
        return self.get("/_sandbox/health")  # type: ignore[no-any-return]

    def reset(self) -> None:
        self.post("/_sandbox/reset")

    def set_faults(self, spec: dict[str, Any] | None = None, /, **kinds: Any) -> dict[str, Any]:
        """Change fault settings: ``set_faults({"refuse_retry": {"next": 1}})`` or keywords
        (``set_faults(refuse_retry={"next": 1})``); other kinds keep their settings."""
        return self.post("/_sandbox/faults", {**(spec or {}), **kinds})  # type: ignore[no-any-return]

    def faults(self) -> dict[str, Any]:
        """The current fault settings, with how often each kind fired."""
        return self.get("/_sandbox/faults")  # type: ignore[no-any-return]

    def clear_faults(self) -> dict[str, Any]:
        return self.post("/_sandbox/faults", {"replace": True})  # type: ignore[no-any-return]

    def ledger(self, provider: str | None = None) -> dict[str, Any]:
        suffix = f"?provider={provider}" if provider else ""
        return self.get("/_sandbox/ledger" + suffix)  # type: ignore[no-any-return]

    def set_callbacks(self, **settings: Any) -> dict[str, Any]:
        return self.post("/_sandbox/callbacks", settings)  # type: ignore[no-any-return]

    def callbacks(self) -> list[dict[str, Any]]:
        return self.get("/_sandbox/callbacks")["deliveries"]  # type: ignore[no-any-return]

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until ``count`` callbacks were delivered (answered or failed); return the log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.callbacks()
            done = [d for d in log if d["delivered_at"] is not None]
            if len(done) >= count or time.monotonic() > deadline:
                return log
            time.sleep(0.02)

    # -- MoMo Vietnam payment gateway (see ``momo_vn/gateway_control.py``) ------------------------
    def momo_gateway_order(self, order_id: str) -> dict[str, Any]:
        """One payment-gateway order's state (result code, transId, refunds)."""
        path = f"/_sandbox/momo_vn/gateway/order?order_id={quote(order_id)}"
        return self.get(path)  # type: ignore[no-any-return]

    def momo_gateway_settle(
        self, order_id: str, result_code: int = 0, *, notify: bool = True
    ) -> dict[str, Any]:
        """Settle a waiting order as the payment page would (0 pays, 1006 cancels, ...)."""
        body = {"orderId": order_id, "resultCode": result_code, "notify": notify}
        return self.post("/_sandbox/momo_vn/gateway/settle", body)  # type: ignore[no-any-return]

    def momo_gateway_expire(self, order_id: str, *, notify: bool = True) -> dict[str, Any]:
        """Expire a waiting order now (1005)."""
        body = {"orderId": order_id, "notify": notify}
        return self.post("/_sandbox/momo_vn/gateway/expire", body)  # type: ignore[no-any-return]


@dataclass
class SandboxHandle:
    """What the ``momo_sandbox`` fixture hands a test."""

    base_url: str
    control: SandboxControl
