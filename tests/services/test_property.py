"""Random sequences of sends, refreshes, faults, IPNs and crashes keep the money invariants.

Invariants: the audit trail of a payment is a valid path and ends at its status (so a final
status never changed); the sandbox booked the payment at most once and saw no violation; once
everything is resolved, our record and the provider's ledger agree.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.cache import caches
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_momo import services
from django_momo.models import Transfer
from django_momo.providers.base import Outcome
from django_momo.providers.momo_vn import DisbursementIpn
from django_momo.sandbox import presets
from django_momo.services.crash import SimulatedCrash, crashing_at

from .conftest import MTN_OK, MTN_REJECTED, WALLET_NO_FUNDS, WALLET_OK, assert_valid_path, entries

pytestmark = pytest.mark.django_db

ACTIONS = (
    "send", "refresh", "refresh_late", "reconcile_late", "cancel",
    "crash_after_phase1", "crash_after_http", "crash_in_transition", "crash_refresh",
    "fault_lost", "fault_error", "fault_status", "ipn_success", "ipn_failed",
)  # fmt: skip
LEDGER_TO_STATUS = {"SUCCESSFUL": "successful", "FAILED": "failed"}
_ids = count()


def run(action: str, sandbox, transfer: Transfer, provider: str) -> None:
    pk = transfer.pk
    far = timezone.now() + timedelta(minutes=10)
    crash = {
        "crash_after_phase1": ("send.after_phase1", "send"),
        "crash_after_http": ("send.after_http", "send"),
        "crash_in_transition": ("transition.before_commit", "send"),
        "crash_refresh": ("refresh.after_http", "refresh_late"),
    }
    if action in crash:
        point, action = crash[action]
        try:
            with crashing_at(point):
                run(action, sandbox, transfer, provider)
        except SimulatedCrash:
            pass
        return
    faults = {
        "fault_lost": "lost_after_booking",
        "fault_error": "error_before_booking",
        "fault_status": "status_error",
    }
    if action in faults:
        sandbox.control.set_faults(**{faults[action]: {"next": 1, "provider": provider}})
    elif action == "send":
        services.send_transfer(pk, actor="prop")
    elif action == "refresh":
        services.refresh_transfer(pk, actor="prop")
    elif action == "refresh_late":
        services.refresh_transfer(pk, actor="prop", now=far)
    elif action == "reconcile_late":
        services.reconcile(now=far)
    elif action == "cancel":
        with contextlib.suppress(services.InvalidTransition):
            services.cancel_transfer(pk, actor="prop")
    elif action.startswith("ipn") and provider == "momo_vn":
        ledger = entries(sandbox, "momo_vn", transfer.reference)
        if not ledger:
            return  # MoMo only notifies about payouts it processed
        outcome = Outcome.SUCCESSFUL if ledger[0]["status"] == "SUCCESSFUL" else Outcome.FAILED
        if ledger[0]["status"] == "PENDING":
            return
        code = 0 if outcome is Outcome.SUCCESSFUL else 1100
        services.apply_momo_ipn(
            DisbursementIpn(
                partner_code=presets.MOMO_PARTNER_CODE,
                order_id=transfer.order_id,
                request_id=transfer.reference,
                amount=Decimal(transfer.amount),
                trans_id=77,
                result_code=code,
                message="m",
                order_info="i",
                order_type="momo_disbursement",
                extra_data="",
                response_time=1,
                outcome=outcome,
            ),
            actor="callback:prop",
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    provider=st.sampled_from(["mtn", "momo_vn"]),
    good=st.booleans(),
    actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=8),
)
def test_random_histories_keep_the_invariants(accounts, provider, good, actions):
    accounts.control.reset()
    caches["default"].clear()
    n = next(_ids)
    if provider == "mtn":
        transfer, _ = services.create_transfer(
            account="mtn",
            operation="mtn.disbursement.transfer",
            amount="5",
            party_id=MTN_OK if good else MTN_REJECTED,
            external_id=f"p-{n}",
            actor="prop",
        )
    else:
        transfer, _ = services.create_transfer(
            account="momo",
            operation="momo_vn.pay_wallet",
            amount=10_000,
            party_name="A B",
            party_id=WALLET_OK if good else WALLET_NO_FUNDS,
            external_id=f"p-{n}",
            actor="prop",
        )
    seen_final = None
    for action in actions:
        run(action, accounts, transfer, provider)
        transfer.refresh_from_db()
        if seen_final is not None:
            assert transfer.status == seen_final  # final never changes
        elif transfer.is_final:
            seen_final = transfer.status
        assert_valid_path(transfer)
    # Settle everything that is left, with no faults, long after the last send.
    accounts.control.clear_faults()
    for minutes in (10, 20, 40):
        services.refresh_transfer(
            transfer.pk, actor="prop", now=timezone.now() + timedelta(minutes=minutes)
        )
    transfer.refresh_from_db()
    assert_valid_path(transfer)
    booked = entries(accounts, provider, transfer.reference)
    assert len(booked) <= 1
    assert accounts.control.ledger()["violations"] == []
    if booked:
        assert transfer.status == LEDGER_TO_STATUS[booked[0]["status"]]
    else:
        assert transfer.status in ("created", "cancelled", "failed")
    if seen_final is not None:
        assert transfer.status == seen_final
