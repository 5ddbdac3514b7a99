"""Every failure on the wire is a typed error carrying the reference, proven over real HTTP.

A loopback server answers with broken bytes (a "gzip" body that is not gzip, a bad chunk size,
two Content-Lengths, a truncated body, a malformed Location, a bad status line); a TLS server
with an unknown certificate stands for "ours to fix". Nothing patches ``requests``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from django_momo.providers.base import ConfigurationError, TransientError
from django_momo.providers.http import HttpTransport
from django_momo.providers.mtn import DisbursementClient

QUERY_SECRET = "qs-" + uuid.uuid4().hex


class RawServer(ThreadingHTTPServer):
    """Answers each path with fixed raw bytes and records what it received."""

    daemon_threads = True

    def __init__(self, answers: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.answers = answers
        self.seen: list[tuple[str, str, dict[str, str]]] = []

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}{path}"


class _RawHandler(BaseHTTPRequestHandler):
    server: RawServer
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        self.server.seen.append((self.command, path, dict(self.headers)))
        self.wfile.write(self.server.answers[path])
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running(server: RawServer) -> Iterator[RawServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _json_answer(data: object, status: str = "200 OK") -> bytes:
    body = json.dumps(data).encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\nConnection: close\r\n\r\n" + body


BROKEN = {
    # Content-Encoding: gzip, and a body that is not gzip: urllib3's DecodeError.
    "/gzip": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    b'Content-Length: 12\r\n\r\n{"not":"gz"}',
    # A chunk size that is not hex: urllib3's ProtocolError (InvalidChunkLength).
    "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    # Two Content-Length headers that disagree: a malformed header, requests' InvalidHeader.
    "/lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    # The connection closes 98 bytes early: ProtocolError (IncompleteRead) while reading.
    "/truncated": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok",
    # A Location requests cannot parse raises a bare ValueError, even without redirects.
    "/location": b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n",
    # Not HTTP at all: http.client's BadStatusLine.
    "/status": b"HTTP/1.1 abc OK\r\n\r\n",
}


@pytest.fixture(scope="module")
def broken() -> Iterator[RawServer]:
    with running(RawServer(BROKEN)) as server:
        yield server


@pytest.mark.parametrize(
    ("path", "cause"),
    [
        ("/gzip", "ContentDecodingError"),
        ("/chunked", "ChunkedEncodingError"),
        ("/lengths", "InvalidHeader"),
        ("/truncated", "ChunkedEncodingError"),
        ("/location", "ValueError"),
        ("/status", "ConnectionError"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unreadable_answers_are_transient_with_the_reference(
    broken: RawServer, path: str, cause: str, method: str
) -> None:
    transport = HttpTransport(provider="mtn", timeout=(2.0, 5.0))
    reference = str(uuid.uuid4())
    before = len(broken.seen)
    with pytest.raises(TransientError) as info:
        transport.send(
            method,
            broken.url(f"{path}?subscription-key={QUERY_SECRET}"),
            headers={"Content-Type": "application/json"},
            data=b"{}" if method == "POST" else None,
            reference=reference,
        )
    error = info.value
    assert type(error) is TransientError
    assert error.reference == reference
    assert error.provider == "mtn"
    assert f"({cause})" in error.message
    assert f"{method} {broken.url(path)}" in error.message
    assert QUERY_SECRET not in str(error)
    assert "outcome unknown" in error.message
    # The request did reach the server: "nothing was sent" would have been a lie.
    assert broken.seen[before:] == [(method, path, broken.seen[before][2])]
    # No untyped exception hides behind it (``from None``: reports show no requests frames).
    assert error.__cause__ is None
    assert error.__suppress_context__
    transport.close()


def test_user_info_in_the_url_never_reaches_the_message(broken: RawServer) -> None:
    transport = HttpTransport(provider="momo_vn", timeout=(2.0, 5.0))
    port = broken.server_address[1]
    with pytest.raises(TransientError) as info:
        transport.send("GET", f"http://user:{QUERY_SECRET}@127.0.0.1:{port}/gzip", reference="r-1")
    assert QUERY_SECRET not in str(info.value)
    assert f"GET http://127.0.0.1:{port}/gzip" in info.value.message
    transport.close()


def test_mtn_transfer_answered_with_garbage_keeps_its_reference(broken: RawServer) -> None:
    """Through the client's retry loop: every attempt under the same X-Reference-Id."""
    token = {"access_token": "t-" + uuid.uuid4().hex, "token_type": "access_token"}
    server = RawServer(
        {
            "/disbursement/token/": _json_answer({**token, "expires_in": 3600}),
            # "Connection: close", so that no retry lands on a pooled connection the server shut.
            "/disbursement/v1_0/transfer": BROKEN["/gzip"].replace(
                b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1
            ),
        }
    )
    with running(server) as live:
        client = DisbursementClient(
            base_url=live.url(""),
            target_environment="sandbox",
            subscription_key="sk-" + uuid.uuid4().hex,
            api_user=str(uuid.uuid4()),
            api_key="ak-" + uuid.uuid4().hex,
            transport=HttpTransport(provider="mtn", timeout=(2.0, 5.0), max_retries=2),
            sleep=lambda _: None,
        )
        reference = str(uuid.uuid4())
        with pytest.raises(TransientError) as info:
            client.transfer(
                reference,
                amount="5",
                payee="46733123450",
                external_id="order-1",
                payer_message="m",
                payee_note="n",
            )
        assert info.value.reference == reference
        assert "ContentDecodingError" in info.value.message
        posts = [headers for method, path, headers in live.seen if path.endswith("/transfer")]
        assert len(posts) == 3
        assert {h["X-Reference-Id"] for h in posts} == {reference}
        client.transport.close()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_refused_certificate_is_a_configuration_error_with_the_reference(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server = RawServer({"/x": _json_answer({})})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with running(server) as live:
        transport = HttpTransport(provider="mtn", timeout=(2.0, 5.0))
        reference = str(uuid.uuid4())
        with pytest.raises(ConfigurationError) as info:
            transport.send("POST", live.url("/x", "https"), data=b"{}", reference=reference)
        assert info.value.reference == reference
        assert "(SSLError)" in info.value.message
        assert f"POST {live.url('/x', 'https')}" in info.value.message
        # The handshake failed: the request itself never arrived.
        assert live.seen == []
        transport.close()


def test_other_tls_failures_are_transient(broken: RawServer) -> None:
    """https:// to a plain-HTTP port: a TLS error that is not a refused certificate."""
    transport = HttpTransport(provider="mtn", timeout=(2.0, 5.0))
    reference = str(uuid.uuid4())
    with pytest.raises(TransientError) as info:
        transport.send("GET", broken.url("/gzip", "https"), reference=reference)
    assert type(info.value) is TransientError
    assert info.value.reference == reference
    assert "(SSLError)" in info.value.message
    transport.close()
