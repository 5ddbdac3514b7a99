"""Django's error reports never show a key or a token held in django-momo's locals.

Each test makes a marked function fail for real (a loopback server answering garbage, a cache
table that does not exist), builds the report Django mails to ADMINS from ``sys.exc_info()``,
and looks for the secret in it. The secrets live at module level, so the test's own frame,
which is part of the report, never holds them.
"""

from __future__ import annotations

import base64
import inspect
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from django_momo.providers.base import TransientError
from django_momo.providers.http import HttpTransport
from django_momo.providers.mtn.provisioning import SandboxProvisioning
from django_momo.providers.mtn.tokens import AccessToken, TokenManager
from django_momo.providers.sensitive import sensitive_variables
from django_momo.token_cache import DjangoCacheTokenStore

SUBSCRIPTION_KEY = f"subkey{uuid.uuid4().hex}"
API_KEY = f"apikey{uuid.uuid4().hex}"
ACCESS_TOKEN = f"token{uuid.uuid4().hex}"
BASIC = "Basic " + base64.b64encode(f"user:{API_KEY}".encode()).decode()
STARS = "********************"


class _Garbage(BaseHTTPRequestHandler):
    """Answers every request with a "gzip" body that is not gzip."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.wfile.write(
            b"HTTP/1.1 201 Created\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n"
            b"Connection: close\r\n\r\nnope"
        )
        self.close_connection = True

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def garbage_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def report(settings):
    """The report of the exception being handled, as Django builds it for ADMINS."""
    # The filter applies with DEBUG=False (in production); the debug page shows everything.
    settings.DEBUG = False
    request = RequestFactory().post("/momo/api/transfers/")

    def build() -> tuple[dict, str]:
        reporter = ExceptionReporter(request, *sys.exc_info())
        data = reporter.get_traceback_data()
        text = reporter.get_traceback_html() + reporter.get_traceback_text()
        return data, text

    return build


def frame_vars(data: dict, function: str, filename: str) -> dict[str, str]:
    """The shown locals of the (last) frame of ``function`` in a django_momo file."""
    frames = [
        f
        for f in data["frames"]
        if f["function"] == function and f["filename"].replace("\\", "/").endswith(filename)
    ]
    assert frames, [(f["filename"], f["function"]) for f in data["frames"]]
    return dict(frames[-1]["vars"])


def test_transport_hides_the_headers_of_a_failed_call(report, garbage_url) -> None:
    transport = HttpTransport(provider="mtn", timeout=(2.0, 5.0))
    try:
        transport.send(
            "POST",
            garbage_url + "/collection/token/",
            headers={"Authorization": BASIC, "Ocp-Apim-Subscription-Key": API_KEY},
            reference="ref-1",
        )
    except TransientError:
        data, text = report()
    else:  # pragma: no cover
        pytest.fail("the garbage answer was not a TransientError")
    shown = frame_vars(data, "send", "django_momo/providers/http.py")
    assert STARS in shown["headers"]
    assert STARS in shown["merged"]
    assert API_KEY not in text
    assert BASIC.split()[1] not in text
    assert "ContentDecodingError" in text  # the report is about this very failure
    transport.close()


def test_provisioning_hides_the_subscription_key(report, garbage_url) -> None:
    provisioning = SandboxProvisioning(
        base_url=garbage_url, subscription_key=SUBSCRIPTION_KEY, sleep=lambda _: None
    )
    try:
        provisioning.create_api_key(str(uuid.uuid4()))
    except TransientError:
        data, text = report()
    else:  # pragma: no cover
        pytest.fail("the garbage answer was not a TransientError")
    shown = frame_vars(data, "_send", "django_momo/providers/mtn/provisioning.py")
    assert STARS in shown["sent"]
    assert "method" in shown  # only the named locals are hidden
    assert STARS not in shown["method"]
    assert SUBSCRIPTION_KEY not in text
    provisioning.transport.close()


@pytest.mark.django_db(transaction=True)
def test_token_store_hides_the_token_down_to_the_cache_backend(report, settings) -> None:
    # A database cache whose table was never created: storing the fresh token fails inside
    # Django's cache backend, whose frames hold the token as ``value``.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tokens": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": f"momo_missing_{uuid.uuid4().hex[:12]}",
        },
    }
    tokens = TokenManager(
        fetch=lambda margin: AccessToken.issued(ACCESS_TOKEN, "access_token", 3600, margin),
        store=DjangoCacheTokenStore("tokens"),
        key=f"test:{uuid.uuid4().hex}",
        margin=600,
    )
    from django.db import DatabaseError

    try:
        tokens.refresh()
    except DatabaseError:
        data, text = report()
    else:  # pragma: no cover
        pytest.fail("the missing cache table did not fail")
    shown = frame_vars(data, "set", "django_momo/token_cache.py")
    assert STARS in shown["value"]
    backend = frame_vars(data, "_base_set", "django/core/cache/backends/db.py")
    assert STARS in backend["value"]
    assert ACCESS_TOKEN not in text


class _Marked:
    @sensitive_variables("secret")
    def method(self, value: str, *, suffix: str = "") -> str:
        secret = value + suffix
        return secret.upper()

    @classmethod
    @sensitive_variables("secret")
    def build(cls, secret: str) -> str:
        return secret[::-1]

    @property
    @sensitive_variables()
    def prop(self) -> int:
        return 7


def test_marked_functions_keep_working() -> None:
    assert _Marked().method("a", suffix="b") == "AB"
    assert _Marked.build("ab") == "ba"
    assert _Marked().prop == 7
    assert list(inspect.signature(_Marked.method).parameters) == ["self", "value", "suffix"]
    assert _Marked.method.__name__ == "method"
    assert inspect.isfunction(_Marked.method)
    with pytest.raises(TypeError):
        sensitive_variables(len)  # type: ignore[arg-type]


def test_providers_work_without_django() -> None:
    """With Django absent the decorator is the identity and the providers still import."""
    code = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        "from django_momo.providers.sensitive import sensitive_variables\n"
        "f = lambda: 1\n"
        "assert sensitive_variables('x')(f) is f\n"
        "import django_momo.providers.mtn, django_momo.providers.momo_vn\n"
        "from django_momo.providers.mtn.tokens import AccessToken\n"
        "assert AccessToken.issued('t', 'b', 60, 10).access_token == 't'\n"
        "assert 'django.views' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
