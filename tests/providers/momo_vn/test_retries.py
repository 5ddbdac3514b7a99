"""``send``/``resend`` retry under the same requestId with the transport's ``max_retries``.

Over real HTTP against the sandbox, faults injected through its control API; the sandbox counts
byte-identical replays (``replays``) apart from re-encrypted ones (``replays_reencrypted``).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from django_momo.providers.base import Outcome, TransientError
from django_momo.providers.http import HttpTransport
from django_momo.providers.momo_vn import MomoDisbursementClient, PreparedRequest
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

from ..logs import assert_no_secret, messages
from .conftest import make_credentials

pytest.importorskip("django_momo.sandbox.momo_vn")

LOGGER = "django_momo.providers.momo_vn"
_ids = itertools.count(1)

MakeClient = Callable[..., MomoDisbursementClient]


@pytest.fixture(autouse=True)
def _capture_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="django_momo")


@pytest.fixture
def make_client(momo_sandbox: SandboxHandle) -> Iterator[MakeClient]:
    """A client on the sandbox whose transport allows ``max_retries``; waits are recorded."""
    made: list[MomoDisbursementClient] = []

    def build(max_retries: int = 2, sleep: Callable[[float], None] | None = None) -> Any:
        client = MomoDisbursementClient(
            make_credentials(momo_sandbox.base_url),
            transport=HttpTransport(
                provider="momo_vn", timeout=(2.0, 10.0), max_retries=max_retries
            ),
            sleep=sleep or (lambda _: None),
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


def prepare(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle, wallet: str = "0901234567"
) -> PreparedRequest:
    n = next(_ids)
    return client.prepare_pay_to_wallet(
        request_id=f"rty-{n:06d}",
        order_id=f"RTY-{n:06d}",
        amount=Decimal(40000),
        wallet_id=wallet,
        wallet_name="Nguyễn Văn Á",
        order_info="Thanh toán lương",
        ipn_url=f"{momo_sandbox.base_url}/ipn-sink/",
    )


def counters(momo_sandbox: SandboxHandle) -> dict[str, int]:
    return momo_sandbox.control.get("/_sandbox/momo_vn/stats")["counters"]  # type: ignore[no-any-return]


def payouts(momo_sandbox: SandboxHandle, request_id: str) -> list[dict[str, Any]]:
    ledger = momo_sandbox.control.ledger()
    assert ledger["violations"] == []
    return [e for e in ledger["entries"] if e["reference"] == request_id]


def secrets_of(prepared: PreparedRequest) -> list[str]:
    body = json.loads(prepared.body)
    return [
        presets.MOMO_ACCESS_KEY,
        presets.MOMO_SECRET_KEY,
        body["signature"],
        body["disbursementMethod"],
    ]


def test_lost_answer_is_resent_byte_for_byte_and_comes_back_ambiguous(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []
    client = make_client(max_retries=2, sleep=waits.append)
    prepared = prepare(client, momo_sandbox)
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    result = client.send(prepared)  # retries=None: the transport's max_retries
    assert result.outcome is Outcome.SUCCESSFUL
    assert result.ambiguous
    assert len(payouts(momo_sandbox, prepared.request_id)) == 1
    stats = counters(momo_sandbox)
    assert stats["requests.pay"] == 2
    assert stats.get("replays") == 1  # the second request was the identical bytes
    assert "replays_reencrypted" not in stats
    assert len(waits) == 1
    assert 0 <= waits[0] <= 0.2  # the first backoff step, never a real sleep
    lines = messages(caplog, LOGGER)
    assert any(
        m.startswith(
            f"MoMo pay {prepared.request_id} (order {prepared.order_id}): attempt 1 of 3 "
            "failed (connection lost"
        )
        and "re-sending the same bytes in " in m
        for m in lines
    )
    assert any("attempt 2 answered 0 (successful)" in m and "ambiguous" in m for m in lines)
    assert_no_secret(caplog, secrets_of(prepared))


def test_a_5xx_is_resent_and_books_once(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(max_retries=2)
    prepared = prepare(client, momo_sandbox)
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    result = client.send(prepared)
    assert (result.outcome, result.ambiguous) == (Outcome.SUCCESSFUL, True)
    assert len(payouts(momo_sandbox, prepared.request_id)) == 1
    assert counters(momo_sandbox)["faults.error_before_booking"] == 1
    assert any("attempt 1 of 3 failed (HTTP 503 code=10)" in m for m in messages(caplog, LOGGER))
    assert_no_secret(caplog, secrets_of(prepared))


def test_no_retries_raises_transient_and_ambiguous(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(max_retries=2)
    prepared = prepare(client, momo_sandbox)
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.send(prepared, retries=0)
    assert info.value.ambiguous
    assert info.value.reference == prepared.request_id
    assert counters(momo_sandbox)["requests.pay"] == 1
    [gave_up] = [m for m in messages(caplog, LOGGER) if "giving up" in m]
    assert "giving up after 1 attempt (connection lost" in gave_up
    assert "outcome unknown (ambiguous)" in gave_up
    # Resolved by re-sending the stored body: still one payout.
    again = client.resend(prepared.body)
    assert again.outcome is Outcome.SUCCESSFUL
    assert len(payouts(momo_sandbox, prepared.request_id)) == 1
    assert_no_secret(caplog, secrets_of(prepared))


def test_retries_run_out_and_the_error_is_ambiguous(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []
    client = make_client(max_retries=2, sleep=waits.append)
    prepared = prepare(client, momo_sandbox)
    momo_sandbox.control.set_faults(error_before_booking={"next": 5, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.send(prepared)
    assert info.value.ambiguous
    assert counters(momo_sandbox)["faults.error_before_booking"] == 3
    assert len(waits) == 2
    assert payouts(momo_sandbox, prepared.request_id) == []
    lines = messages(caplog, LOGGER)
    assert [m for m in lines if "re-sending" in m][-1].count("attempt 2 of 3 failed") == 1
    assert any("giving up after 3 attempts (HTTP 503 code=10)" in m for m in lines)


def test_an_explicit_retries_is_capped_at_the_transport_budget(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    client = make_client(max_retries=1)
    prepared = prepare(client, momo_sandbox)
    momo_sandbox.control.set_faults(error_before_booking={"next": 5, "provider": "momo_vn"})
    with pytest.raises(TransientError):
        client.send(prepared, retries=4)
    assert counters(momo_sandbox)["faults.error_before_booking"] == 2
    with pytest.raises(ValueError, match="retries"):
        client.send(prepared, retries=-1)


def test_resend_retries_with_the_transport_budget(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    client = make_client(max_retries=2)
    prepared = prepare(client, momo_sandbox)
    stored = bytes(prepared.body)
    momo_sandbox.control.set_faults(error_before_booking={"next": 2, "provider": "momo_vn"})
    result = client.resend(stored)
    assert (result.outcome, result.ambiguous) == (Outcome.SUCCESSFUL, True)
    assert len(payouts(momo_sandbox, prepared.request_id)) == 1
    other = prepare(client, momo_sandbox)
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.resend(other.body, retries=0)
    assert info.value.ambiguous
    assert payouts(momo_sandbox, other.request_id) == []


def test_a_first_answer_is_not_ambiguous(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(max_retries=2)
    result = client.send(prepare(client, momo_sandbox))
    assert (result.outcome, result.ambiguous) == (Outcome.SUCCESSFUL, False)
    assert messages(caplog, LOGGER) == []


def test_still_processing_on_a_resend_is_logged(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(max_retries=2)
    prepared = prepare(client, momo_sandbox, wallet="0900009000")
    first = client.send(prepared)
    assert (first.result_code, first.outcome) == (9000, Outcome.PENDING)
    assert messages(caplog, LOGGER) == []
    again = client.resend(prepared.body)
    assert again.outcome is Outcome.PENDING
    assert not again.ambiguous
    [line] = messages(caplog, LOGGER)
    assert line.startswith(
        f"MoMo pay {prepared.request_id} (order {prepared.order_id}): the re-send answered "
        f"{again.result_code} ("
    )
    assert "still processing" in line
    assert len(payouts(momo_sandbox, prepared.request_id)) == 1
    assert_no_secret(caplog, secrets_of(prepared))
