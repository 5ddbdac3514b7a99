"""The sandbox frame: control API, fault injection, the ledger and the callback dispatcher."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from django_momo.sandbox.frame.app import Protocol, SandboxApp
from django_momo.sandbox.frame.faults import Faults, FaultSpecError
from django_momo.sandbox.frame.ledger import Ledger
from django_momo.sandbox.frame.server import RunningSandbox, make_server
from django_momo.sandbox.frame.web import DropConnection, Request, Response


class EchoBooking(Protocol):
    """A minimal protocol: POST /echo/<ref> books, GET /echo/<ref> reads."""

    name = "echo"

    def handle(self, request: Request) -> Response | None:
        if not request.path.startswith("/echo/"):
            return None
        ref = request.path.split("/")[2]
        if request.method == "GET":
            entry = self.state.ledger.get("echo", ref)
            return Response.json({"status": entry.status if entry else None})
        if self.state.faults.check("error_before_booking", "mtn"):
            return Response.json({"code": "INTERNAL_PROCESSING_ERROR"}, status=500)
        self.state.ledger.book(
            "echo",
            "test.pay",
            ref,
            account="a",
            external_id=request.body.decode(),
            amount="1",
            currency="EUR",
            party={},
            status="SUCCESSFUL",
            body_digest="x",
        )
        if self.state.faults.check("lost_after_booking", "mtn"):
            raise DropConnection
        return Response.empty(202)


@pytest.fixture
def echo_sandbox():
    app = SandboxApp({"seed": 7})
    app.protocols.insert(0, EchoBooking(app.state))
    server = make_server(app)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    running = RunningSandbox(app=app, server=server, thread=thread)
    yield running
    running.stop()


def test_lost_after_booking_books_then_hangs_up(echo_sandbox):
    url = echo_sandbox.base_url
    requests.post(f"{url}/_sandbox/faults", json={"lost_after_booking": {"next": 1}}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{url}/echo/r1", data=b"ext-1", timeout=5)
    assert requests.get(f"{url}/echo/r1", timeout=5).json() == {"status": "SUCCESSFUL"}
    # The fault was for the next request only.
    assert requests.post(f"{url}/echo/r2", data=b"ext-2", timeout=5).status_code == 202


def test_error_before_booking_books_nothing(echo_sandbox):
    url = echo_sandbox.base_url
    requests.post(f"{url}/_sandbox/faults", json={"error_before_booking": {"next": 1}}, timeout=5)
    assert requests.post(f"{url}/echo/r1", data=b"e", timeout=5).status_code == 500
    assert requests.get(f"{url}/_sandbox/ledger", timeout=5).json()["counts"]["total"] == 0


def test_ledger_reports_an_external_id_paid_twice(echo_sandbox):
    url = echo_sandbox.base_url
    requests.post(f"{url}/echo/r1", data=b"same", timeout=5)
    requests.post(f"{url}/echo/r2", data=b"same", timeout=5)
    ledger = requests.get(f"{url}/_sandbox/ledger", timeout=5).json()
    assert ledger["counts"]["total"] == 2
    [violation] = ledger["violations"]
    assert violation["kind"] == "external_id_paid_twice"
    assert sorted(violation["references"]) == ["r1", "r2"]
    requests.post(f"{url}/_sandbox/reset", timeout=5)
    assert requests.get(f"{url}/_sandbox/ledger", timeout=5).json()["violations"] == []


def test_failed_bookings_are_not_paid_twice():
    ledger = Ledger()
    common = dict(
        account="a", external_id="x", amount="1", currency="EUR", party={}, body_digest="d"
    )
    first = ledger.book("mtn", "disbursement.transfer", "r1", status="PENDING", **common)
    ledger.update(first, status="FAILED")
    ledger.book("mtn", "disbursement.transfer", "r2", status="SUCCESSFUL", **common)
    assert ledger.violations() == []
    ledger.note_violation("reference_reused_with_other_body", reference="r2")
    assert [v["kind"] for v in ledger.violations()] == ["reference_reused_with_other_body"]


@pytest.mark.parametrize(
    "spec",
    [
        {"latency_ms": -1},
        {"latency_ms": 1.5},
        {"lost_after_booking": {"rate": 2}},
        {"lost_after_booking": {"next": -1}},
        {"status_error": {"provider": "paypal"}},
        {"status_error": {"typo": 1}},
        {"unknown_fault": 1},
        {"seed": "x"},
    ],
)
def test_bad_fault_specs_are_refused_and_change_nothing(spec, echo_sandbox):
    url = echo_sandbox.base_url
    before = requests.get(f"{url}/_sandbox/faults", timeout=5).json()
    resp = requests.post(f"{url}/_sandbox/faults", json=spec, timeout=5)
    assert resp.status_code == 400
    assert resp.json()["error"]
    assert requests.get(f"{url}/_sandbox/faults", timeout=5).json() == before


def test_fault_rates_are_repeatable_with_a_seed():
    def pattern() -> list[bool]:
        faults = Faults(seed=42)
        faults.configure({"status_error": {"rate": 0.5}})
        return [faults.check("status_error", "mtn") for _ in range(50)]

    first = pattern()
    assert first == pattern()
    assert 5 < sum(first) < 45


def test_fault_can_target_one_provider():
    faults = Faults()
    faults.configure({"status_error": {"next": 1, "provider": "momo_vn"}})
    assert faults.check("status_error", "mtn") is False
    assert faults.check("status_error", "momo_vn") is True
    assert faults.check("status_error", "momo_vn") is False
    with pytest.raises(FaultSpecError):
        faults.configure({"latency_ms": "slow"})


def test_latency_is_added_to_provider_requests_only(echo_sandbox):
    url = echo_sandbox.base_url
    requests.post(f"{url}/_sandbox/faults", json={"latency_ms": 150}, timeout=5)
    t0 = time.monotonic()
    requests.get(f"{url}/echo/x", timeout=5)
    slow = time.monotonic() - t0
    t0 = time.monotonic()
    requests.get(f"{url}/_sandbox/health", timeout=5)
    fast = time.monotonic() - t0
    assert slow >= 0.15
    assert fast < slow


class Receiver:
    """A real HTTP server in a thread that records what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.received.append((self.command, self.path, body))
                self.send_response(204)
                self.end_headers()

            do_POST = do_PUT = _record

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def test_dispatcher_delivers_duplicates_and_drops(echo_sandbox, receiver):
    callbacks = echo_sandbox.app.state.callbacks
    callbacks.settings.update({"duplicate_rate": 1.0})
    callbacks.send(
        receiver.url + "/cb/1", body=b'{"a":1}', method="PUT", provider="mtn", reference="r1"
    )
    receiver.wait(2)
    assert [(m, p) for m, p, _ in receiver.received] == [("PUT", "/cb/1"), ("PUT", "/cb/1")]
    callbacks.settings.update({"duplicate_rate": 0.0, "drop_rate": 1.0})
    callbacks.send(receiver.url + "/cb/2", body=b"{}", provider="mtn", reference="r2")
    time.sleep(0.2)
    assert len(receiver.received) == 2
    log = requests.get(f"{echo_sandbox.base_url}/_sandbox/callbacks", timeout=5).json()
    assert [d["dropped"] for d in log["deliveries"]] == [False, False, True]
    assert [d["status_code"] for d in log["deliveries"][:2]] == [204, 204]


def test_dispatcher_delay_holds_a_callback_back(echo_sandbox, receiver):
    callbacks = echo_sandbox.app.state.callbacks
    callbacks.settings.update({"delay_ms": 300})
    t0 = time.monotonic()
    callbacks.send(receiver.url + "/late", body=b"{}", provider="mtn", reference="r")
    receiver.wait(1)
    assert receiver.received
    assert time.monotonic() - t0 >= 0.3


def test_reset_forgets_queued_callbacks(echo_sandbox, receiver):
    callbacks = echo_sandbox.app.state.callbacks
    callbacks.send(receiver.url + "/never", body=b"{}", delay_s=0.3)
    requests.post(f"{echo_sandbox.base_url}/_sandbox/reset", timeout=5)
    time.sleep(0.5)
    assert receiver.received == []


def test_bad_callback_settings_are_refused(echo_sandbox):
    resp = requests.post(
        f"{echo_sandbox.base_url}/_sandbox/callbacks", json={"drop_rate": 3}, timeout=5
    )
    assert resp.status_code == 400
    assert "drop_rate" in resp.json()["error"]


def test_unknown_routes_answer_404(echo_sandbox):
    resp = requests.get(f"{echo_sandbox.base_url}/nowhere", timeout=5)
    assert resp.status_code == 404
    resp = requests.get(f"{echo_sandbox.base_url}/_sandbox/nowhere", timeout=5)
    assert resp.status_code == 404


def test_command_line_describes_its_flags():
    out = subprocess.run(
        [sys.executable, "-m", "django_momo.sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in (
        "--port",
        "--latency-ms",
        "--error-before-booking",
        "--lost-after-booking",
        "--status-error",
        "--callback-drop-rate",
        "--callback-duplicate-rate",
        "--callback-reorder-window-ms",
    ):
        assert flag in out


def test_command_line_serves_and_stops(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "django_momo.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.split("listening on ")[1].split()[0].rstrip("/")
        assert requests.get(url + "/_sandbox/health", timeout=5).json()["status"] == "ok"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_invalid_json_control_body(echo_sandbox):
    resp = requests.post(
        f"{echo_sandbox.base_url}/_sandbox/faults",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert resp.status_code == 400
    assert json.loads(resp.text)["error"]
