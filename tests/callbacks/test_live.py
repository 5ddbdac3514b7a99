"""Callbacks over real HTTP: the sandbox calls the live server, forgeries included."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from django_momo import services
from django_momo.models import Callback, CallbackVerdict, PaymentStatus, StatusChange, Transfer
from django_momo.sandbox.control import SandboxHandle

from .conftest import momo_config

V = CallbackVerdict
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_settings(settings: Any, live_server: Any, momo_sandbox: SandboxHandle) -> SandboxHandle:
    assert live_server.url.startswith("http://127.0.0.1:")
    settings.DJANGO_MOMO = momo_config(momo_sandbox.base_url, live_server.url + "/momo/")
    return momo_sandbox


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def status_of(transfer: Transfer) -> str:
    transfer.refresh_from_db()
    return transfer.status


def delivered(sandbox: SandboxHandle, count: int) -> list[dict[str, Any]]:
    log = sandbox.control.wait_for_callbacks(count, timeout=10.0)
    done = [d for d in log if d["delivered_at"] is not None]
    assert len(done) >= count, log
    return done


def send(**fields: Any) -> Transfer:
    transfer, _ = services.create_transfer(actor="test", **fields)
    return services.send_transfer(transfer.pk, actor="test")


def test_forged_mtn_success_for_a_failed_payout_is_recorded_and_ignored(
    live_settings: SandboxHandle,
) -> None:
    transfer = send(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id="46733123450",
        amount=Decimal("5.00"),
        external_id="forge-mtn-1",
    )
    first = delivered(live_settings, 1)
    assert first[0]["status_code"] == 200
    wait_until(lambda: status_of(transfer) == PaymentStatus.FAILED)

    live_settings.control.post(
        "/_sandbox/mtn/forge-callback", {"reference": transfer.reference, "status": "SUCCESSFUL"}
    )
    log = delivered(live_settings, 2)
    assert log[-1]["status_code"] == 200  # acknowledged, so the forger learns nothing
    wait_until(lambda: Callback.objects.filter(verdict=V.LATE).exists())
    forged = Callback.objects.get(verdict=V.LATE)
    assert b"SUCCESSFUL" in bytes(forged.body)
    assert forged.transfer == transfer
    assert forged.remote_addr == "127.0.0.1"
    assert status_of(transfer) == PaymentStatus.FAILED
    assert not StatusChange.objects.filter(
        transfer=transfer, to_status=PaymentStatus.SUCCESSFUL
    ).exists()


def test_mtn_duplicated_callbacks_change_nothing_twice(live_settings: SandboxHandle) -> None:
    live_settings.control.set_callbacks(duplicate_rate=1.0)
    transfer = send(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id="46733123451",
        amount=Decimal("7.00"),
        external_id="dup-mtn-1",
    )
    log = delivered(live_settings, 2)
    assert [d["status_code"] for d in log] == [200, 200]
    wait_until(lambda: status_of(transfer) == PaymentStatus.FAILED)
    wait_until(lambda: Callback.objects.filter(transfer=transfer).count() == 2)
    verdicts = list(Callback.objects.filter(transfer=transfer).values_list("verdict", flat=True))
    assert V.VALID in verdicts
    # The copy may overlap the first one's processing (then it is valid too: one more query).
    assert set(verdicts) <= {V.VALID, V.DUPLICATE, V.LATE}
    assert StatusChange.objects.filter(transfer=transfer, to_status="failed").count() == 1


def test_mtn_unknown_token_over_http_is_404(live_settings: SandboxHandle, live_server: Any) -> None:
    import requests

    resp = requests.put(live_server.url + "/momo/callbacks/mtn/guessed/", json={}, timeout=5)
    assert resp.status_code == 404
    assert Callback.objects.get().verdict == V.UNKNOWN_TOKEN


def test_momo_ipn_forgeries_then_settlement_then_late_ones(live_settings: SandboxHandle) -> None:
    control = live_settings.control
    transfer = send(
        account="momo",
        operation="momo_vn.pay_wallet",
        party_id="0900009000",
        party_name="NGUYEN VAN A",
        amount=Decimal(60000),
        external_id="ipn-live-1",
    )
    assert transfer.status in (PaymentStatus.PENDING, PaymentStatus.UNKNOWN)
    for tamper in ("signature", "amount", "missing_field"):
        control.post(
            "/_sandbox/momo_vn/forge-ipn", {"order_id": transfer.order_id, "tamper": tamper}
        )
    log = delivered(live_settings, 3)
    assert [d["status_code"] for d in log] == [400, 400, 400]
    assert sorted(Callback.objects.values_list("verdict", flat=True)) == sorted(
        [V.INVALID_SIGNATURE, V.INVALID_SIGNATURE, V.MALFORMED]
    )
    assert status_of(transfer) == transfer.status

    control.set_callbacks(duplicate_rate=1.0)
    control.post("/_sandbox/momo_vn/settle", {"order_id": transfer.order_id, "result_code": 0})
    log = delivered(live_settings, 5)
    assert [d["status_code"] for d in log[3:]] == [204, 204]
    assert status_of(transfer) == PaymentStatus.SUCCESSFUL
    settled = Callback.objects.filter(transfer=transfer, id__gt=0).order_by("id")
    assert [c.verdict for c in settled][-2:] == [V.VALID, V.DUPLICATE]

    # A re-signed IPN after the fact (another responseTime): late, acknowledged, no change.
    control.set_callbacks(duplicate_rate=0.0)
    control.post("/_sandbox/momo_vn/forge-ipn", {"order_id": transfer.order_id, "tamper": "none"})
    log = delivered(live_settings, 6)
    assert log[-1]["status_code"] == 204
    assert Callback.objects.order_by("-id")[0].verdict == V.LATE
    assert status_of(transfer) == PaymentStatus.SUCCESSFUL
    assert StatusChange.objects.filter(transfer=transfer, to_status="successful").count() == 1
