"""The sandbox's small request/response layer over WSGI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

MAX_BODY = 1024 * 1024


class DropConnection(Exception):
    """Raised by a handler to close the connection without sending any answer."""


class Headers:
    """Case-insensitive, read-only view of request headers."""

    def __init__(self, items: Mapping[str, str]) -> None:
        self._items = {k.lower(): v for k, v in items.items()}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._items.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def items(self) -> Iterable[tuple[str, str]]:
        return self._items.items()


@dataclass
class Request:
    """One HTTP request as the sandbox sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes
    remote_addr: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        headers: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-")] = value
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["Content-Length"] = environ["CONTENT_LENGTH"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, MAX_BODY)) if length > 0 else b""
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "/") or "/",
            query=parse_qs(environ.get("QUERY_STRING", "")),
            headers=Headers(headers),
            body=body,
            remote_addr=environ.get("REMOTE_ADDR", ""),
        )

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded`` (last value wins)."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}


@dataclass
class Response:
    """An answer: a status, a body (bytes, str or JSON-able) and headers."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(data).encode(), dict(headers or {}), "application/json")

    @classmethod
    def empty(cls, status: int = 202) -> Response:
        return cls(status, b"")

    def encoded(self) -> tuple[str, list[tuple[str, str]], bytes]:
        if isinstance(self.body, bytes):
            payload = self.body
            ctype = self.content_type
        elif isinstance(self.body, str):
            payload = self.body.encode("utf-8")
            ctype = self.content_type or "text/plain; charset=utf-8"
        else:
            payload = json.dumps(self.body).encode()
            ctype = self.content_type or "application/json"
        headers = dict(self.headers)
        if ctype and payload:
            headers.setdefault("Content-Type", ctype)
        headers["Content-Length"] = str(len(payload))
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}", list(headers.items()), payload


Handler = Callable[[Request], Response | None]
