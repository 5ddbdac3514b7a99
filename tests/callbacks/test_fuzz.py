"""Whatever arrives at the callback endpoints: never a 500, and every request is recorded."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_momo.models import Callback, PaymentStatus, Transfer
from django_momo.sandbox import presets

from .conftest import ipn_for

pytestmark = pytest.mark.usefixtures("no_provider_settings")

METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]),
    st.from_regex(r"\A[A-Z][A-Z-]{0,15}\Z"),
)
CONTENT_TYPES = st.one_of(
    st.sampled_from([
        "application/json", "application/json; charset=utf-8", "application/problem+json",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "", "application/octet-stream", "APPLICATION/JSON",
    ]),
    st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t),
)  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
HEADERS = st.dictionaries(
    st.sampled_from(["HTTP_X_FORWARDED_FOR", "HTTP_AUTHORIZATION", "HTTP_USER_AGENT",
                     "HTTP_X_SIGNATURE", "HTTP_COOKIE", "REMOTE_ADDR", "CONTENT_LENGTH"]),
    HEADER_VALUES,
    max_size=4,
)  # fmt: skip
TOKENS = st.text(
    alphabet=st.characters(blacklist_characters="/?#%", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=80,
)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def bodies(ipn_template: dict[str, Any] | None = None) -> st.SearchStrategy[bytes]:
    raw = st.binary(max_size=300)
    as_json = JSON_VALUES.map(lambda v: json.dumps(v).encode())
    options = [raw, as_json]
    if ipn_template is not None:
        # Plausible IPNs: the real one with fields dropped, retyped or replaced.
        def mutate(changes: dict[str, Any], drop: list[str]) -> bytes:
            body = {**ipn_template, **changes}
            for name in drop:
                body.pop(name, None)
            return json.dumps(body, ensure_ascii=False).encode()

        options.append(st.just(json.dumps(ipn_template).encode()))
        options.append(
            st.builds(
                mutate,
                st.dictionaries(st.sampled_from(sorted(ipn_template)), JSON_VALUES, max_size=3),
                st.lists(st.sampled_from(sorted(ipn_template)), max_size=2),
            )
        )
    return st.one_of(*options)


def send(client: Client, method: str, path: str, body: bytes, ctype: str, headers: dict[str, Any]):
    extra = dict(headers)
    declared = str(extra.get("CONTENT_LENGTH", ""))
    if "CONTENT_LENGTH" in extra and (
        not (declared.isascii() and declared.isdigit()) or int(declared) > len(body)
    ):
        # A length the body does not have is the server's business, not the view's (the test
        # client refuses to read past its payload; a real server waits or hangs up).
        extra.pop("CONTENT_LENGTH")
    return client.generic(method, path, body, content_type=ctype, **extra)


@pytest.fixture
def payments(make_transfer: Any) -> tuple[Transfer, Transfer]:
    return (
        make_transfer(),
        make_transfer(provider="momo_vn", status=PaymentStatus.PENDING),
    )


@FUZZ
@given(
    method=METHODS,
    body=bodies(),
    ctype=CONTENT_TYPES,
    headers=HEADERS,
    token=TOKENS,
    use_real_token=st.booleans(),
)
def test_mtn_endpoint_survives_anything(
    client: Client,
    payments: tuple[Transfer, Transfer],
    method: str,
    body: bytes,
    ctype: str,
    headers: dict[str, Any],
    token: str,
    use_real_token: bool,
) -> None:
    mtn_transfer = payments[0]
    token = mtn_transfer.callback_token if use_real_token else token
    before = Callback.objects.count()
    resp = send(
        client, method, f"/momo/callbacks/mtn/{quote(token, safe='')}/", body, ctype, headers
    )
    assert resp.status_code < 500
    assert Callback.objects.count() == before + 1
    mtn_transfer.refresh_from_db()
    assert mtn_transfer.status == PaymentStatus.PENDING


@FUZZ
@given(data=st.data(), method=METHODS, ctype=CONTENT_TYPES, headers=HEADERS)
def test_momo_ipn_endpoint_survives_anything(
    client: Client,
    payments: tuple[Transfer, Transfer],
    data: st.DataObject,
    method: str,
    ctype: str,
    headers: dict[str, Any],
) -> None:
    momo_transfer = payments[1]
    body = data.draw(bodies(ipn_for(momo_transfer)))
    before = Callback.objects.count()
    status_before = momo_transfer.status
    resp = send(client, method, "/momo/callbacks/momo-vn/ipn/", body, ctype, headers)
    assert resp.status_code < 500
    assert Callback.objects.count() == before + 1
    cb = Callback.objects.order_by("-id")[0]
    assert cb.response_status == resp.status_code
    momo_transfer.refresh_from_db()
    if momo_transfer.status != status_before:
        # Only an intact, correctly signed IPN may settle; the mutations re-sign nothing.
        assert cb.verdict == "valid"
        assert json.loads(bytes(cb.body))["partnerCode"] == presets.MOMO_PARTNER_CODE
        assert resp.status_code == 204
