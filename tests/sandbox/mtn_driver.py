"""Test driver for the MTN half of the sandbox: tokens, headers, bodies, a callback receiver."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

KEYS = presets.MTN_SUBSCRIPTION_KEYS
SUBSCRIPTION_DENIED = {
    "statusCode": 401,
    "message": "Access denied due to invalid subscription key. Make sure to provide a valid key "
    "for an active subscription.",
}


class Mtn:
    """A tiny test driver: tokens, headers and the common calls."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.base = sandbox.base_url
        self.control = sandbox.control
        self.tokens: dict[str, str] = {}

    def token(
        self, product: str, user: str = presets.MTN_API_USER, key: str = presets.MTN_API_KEY
    ) -> requests.Response:
        return requests.post(
            f"{self.base}/{product}/token/",
            auth=(user, key),
            headers={"Ocp-Apim-Subscription-Key": KEYS[product]},
            timeout=10,
        )

    def headers(self, product: str, **extra: str) -> dict[str, str]:
        if product not in self.tokens:
            resp = self.token(product)
            assert resp.status_code == 200, resp.text
            self.tokens[product] = resp.json()["access_token"]
        headers = {
            "Authorization": f"Bearer {self.tokens[product]}",
            "Ocp-Apim-Subscription-Key": KEYS[product],
            "X-Target-Environment": "sandbox",
        }
        headers.update(extra)
        return headers

    def create(
        self, path: str, body: dict[str, Any], ref: str | None = None, **headers: str
    ) -> tuple[str, requests.Response]:
        ref = ref or str(uuid.uuid4())
        product = path.split("/")[0]
        hdrs = self.headers(product, **{"X-Reference-Id": ref})
        hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
        resp = requests.post(f"{self.base}/{path}", json=body, headers=hdrs, timeout=10)
        return ref, resp

    def get(self, path: str) -> requests.Response:
        product = path.split("/")[0]
        return requests.get(f"{self.base}/{path}", headers=self.headers(product), timeout=10)

    def wait_status(self, path: str, wanted: str) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while True:
            body = self.get(path).json()
            if body.get("status") == wanted or time.monotonic() > deadline:
                return body  # type: ignore[no-any-return]
            time.sleep(0.02)

    def ledger(self) -> dict[str, Any]:
        return self.control.ledger("mtn")


def payout(party: str = "256771234567", amount: str = "100", **extra: Any) -> dict[str, Any]:
    body = {
        "amount": amount,
        "currency": "EUR",
        "externalId": f"ext-{uuid.uuid4().hex[:12]}",
        "payee": {"partyIdType": "MSISDN", "partyId": party},
        "payerMessage": "Salary",
        "payeeNote": "Thanks",
    }
    body.update(extra)
    return body


def collect(party: str = "256771234567", amount: str = "100", **extra: Any) -> dict[str, Any]:
    body = payout(party, amount, **extra)
    body["payer"] = body.pop("payee")
    return body


@pytest.fixture
def mtn(momo_sandbox: SandboxHandle) -> Mtn:
    return Mtn(momo_sandbox)


class Receiver:
    """A local HTTP server recording every callback it receives."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.event = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with outer.event:
                    outer.calls.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "body": json.loads(body),
                            "headers": dict(self.headers),
                        }
                    )
                    outer.event.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = _record

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int) -> list[dict[str, Any]]:
        with self.event:
            self.event.wait_for(lambda: len(self.calls) >= count, timeout=10)
            return list(self.calls)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def post_without_length(base: str, path: str, key: str) -> tuple[int, str]:
    """POST with no body and no Content-Length header (requests always sends one)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("POST", path)
    conn.putheader("Ocp-Apim-Subscription-Key", key)
    conn.endheaders()
    resp = conn.getresponse()
    result = resp.status, resp.read().decode()
    conn.close()
    return result
