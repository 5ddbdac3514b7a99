"""A threaded WSGI server on loopback that can also hang up without answering."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .app import SandboxApp
from .web import DropConnection


class _Handler(ServerHandler):
    dropped = False

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            # The payment is booked; the client gets no answer at all, like a lost response.
            self.dropped = True
            return
        super().handle_error()

    def close(self) -> None:
        if not self.dropped:
            super().close()


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.0"

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]
        if handler.dropped:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


class SandboxServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    verbose = False


def server_url(server: SandboxServer) -> str:
    """``http://host:port`` of a bound server."""
    host, port = server.server_address[:2]
    host_text = host.decode() if isinstance(host, bytes) else host
    return f"http://{host_text}:{port}"


def make_server(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """Bind a sandbox server (``port=0`` picks a free port)."""
    server = SandboxServer((host, port), _RequestHandler)
    server.set_app(app)
    server.verbose = bool(app.state.options.get("verbose"))
    return server


@dataclass
class RunningSandbox:
    """A sandbox served from a background thread (tests, benchmarks, the demo)."""

    app: SandboxApp
    server: SandboxServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        return server_url(self.server)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.app.state.callbacks.stop()


def start_in_thread(
    options: dict[str, Any] | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningSandbox:
    """Start a sandbox on ``host:port`` in a daemon thread and return it once it listens."""
    app = SandboxApp(options)
    server = make_server(app, host, port)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="sandbox-server",
        daemon=True,
    )
    thread.start()
    return RunningSandbox(app=app, server=server, thread=thread)
