"""Callbacks: an MTN callback only finds its payment; a verified MoMo IPN settles a payout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_momo import services
from django_momo.models import Transfer
from django_momo.providers.base import Outcome
from django_momo.providers.momo_vn import DisbursementIpn
from django_momo.sandbox import presets
from django_momo.services import CallbackMismatch, PaymentNotFound
from django_momo.services.crash import SimulatedCrash, crashing_at

from .conftest import MTN_REJECTED, assert_valid_path, momo_payout, mtn_transfer

pytestmark = pytest.mark.django_db


def ipn_for(payout, **change) -> DisbursementIpn:
    values = {
        "partner_code": presets.MOMO_PARTNER_CODE,
        "order_id": payout.order_id,
        "request_id": payout.reference,
        "amount": Decimal(payout.amount),
        "trans_id": 4242,
        "result_code": 0,
        "message": "Successful.",
        "order_info": payout.message,
        "order_type": "momo_disbursement",
        "extra_data": "",
        "response_time": 1,
        "outcome": Outcome.SUCCESSFUL,
    }
    values.update(change)
    return DisbursementIpn(**values)


def test_mtn_callback_finds_the_payment_and_changes_nothing():
    transfer = mtn_transfer()
    found = services.handle_mtn_callback(transfer.callback_token)
    assert found is not None
    assert found.pk == transfer.pk
    assert services.handle_mtn_callback("no-such-token") is None
    assert services.handle_mtn_callback("") is None
    transfer.refresh_from_db()
    assert transfer.status == "created"
    assert transfer.status_changes.count() == 1


def test_ipn_settles_a_payout_whose_answer_was_lost(accounts):
    payout = momo_payout()
    with crashing_at("send.after_http"), pytest.raises(SimulatedCrash):
        services.send_transfer(payout.pk, actor="a")
    done = services.apply_momo_ipn(ipn_for(payout), actor="callback:1")
    assert done.status == "successful"
    assert done.provider_transaction_id == "4242"
    assert_valid_path(done)
    # A duplicate, or a contradicting late IPN, changes nothing.
    late = services.apply_momo_ipn(
        ipn_for(payout, result_code=1001, outcome=Outcome.FAILED), actor="callback:2"
    )
    assert late.status == "successful"
    assert done.status_changes.count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"partner_code": "OTHER"}, "partnerCode"),
        ({"order_id": "another-order"}, "orderId"),
        ({"amount": Decimal(50_001)}, "amount"),
    ],
)
def test_mismatching_ipn_changes_nothing(change, field):
    payout = momo_payout()
    Transfer.objects.filter(pk=payout.pk).update(status="pending")
    with pytest.raises(CallbackMismatch) as info:
        services.apply_momo_ipn(ipn_for(payout, **change), actor="callback:1")
    assert info.value.field == field
    payout.refresh_from_db()
    assert payout.status == "pending"


def test_ipn_for_an_unknown_request_id():
    # An IPN is looked up once, by its (unique) requestId.
    payout = momo_payout()
    with pytest.raises(PaymentNotFound):
        services.apply_momo_ipn(ipn_for(payout, request_id="nope"), actor="callback:1")
    payout.refresh_from_db()
    assert payout.status == "created"


def test_failed_ipn(accounts):
    payout = momo_payout()
    Transfer.objects.filter(pk=payout.pk).update(status="unknown")
    failed = services.apply_momo_ipn(
        ipn_for(payout, result_code=1007, outcome=Outcome.FAILED, message="No wallet"),
        actor="callback:1",
    )
    assert (failed.status, failed.failure_code) == ("failed", "1007")


def test_an_mtn_callback_received_while_sending_is_acted_on_after_phase_2(accounts):
    """A callback that lands before our phase 2 skips its own status query: the sender asks."""
    from django.db.models.signals import post_save

    from django_momo.models import Callback, StatusChange

    transfer = mtn_transfer(party=MTN_REJECTED)

    def callback_lands_while_sending(sender, instance, created, **kwargs):
        if created and instance.to_status == "sending":
            Callback.objects.create(
                provider="mtn",
                method="POST",
                token=transfer.callback_token,
                path=f"/momo/callbacks/mtn/{transfer.callback_token}/",
            )

    post_save.connect(callback_lands_while_sending, sender=StatusChange)
    try:
        sent = services.send_transfer(transfer.pk, actor="test")
    finally:
        post_save.disconnect(callback_lands_while_sending, sender=StatusChange)
    # Without the sender's own status query this would wait for the next scheduled check.
    assert sent.status == "failed"
    assert sent.failure_code == "APPROVAL_REJECTED"
    assert_valid_path(sent)


def test_without_a_callback_the_sender_leaves_the_payment_pending(accounts):
    sent = services.send_transfer(mtn_transfer(party=MTN_REJECTED).pk, actor="test")
    assert sent.status == "pending"
