"""MoMo payments (collections) and their refunds, over real HTTP against the sandbox."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from django_momo import services
from django_momo.models import Collection, PaymentStatus, Refund
from django_momo.services import InvalidRequest, RefundExceedsCollected

from .conftest import assert_valid_path, entries, later

pytestmark = pytest.mark.django_db

S = PaymentStatus


def momo_order(external_id: str = "o-1", amount: Any = 100_000, **kw: Any) -> Collection:
    kw.setdefault("operation", "momo_vn.capture_wallet")
    collection, created = services.request_payment(
        account="momo",
        amount=amount,
        external_id=external_id,
        actor="user:alice",
        party_id="",
        **kw,
    )
    assert created
    return collection


def open_order(external_id: str = "o-1", amount: Any = 100_000, **kw: Any) -> Collection:
    """A MoMo order created at MoMo: pending, with where the customer pays it."""
    order = services.send_collection(momo_order(external_id, amount, **kw).pk, actor="t")
    assert order.status == S.PENDING
    return order


def paid_order(sandbox: Any, external_id: str = "o-1", amount: Any = 100_000) -> Collection:
    order = open_order(external_id, amount)
    sandbox.control.momo_gateway_settle(order.order_id, 0, notify=False)
    paid = services.refresh_collection(order.pk, actor="t")
    assert paid.status == S.SUCCESSFUL
    return paid


def test_a_created_order_is_pending_with_its_pay_link(accounts):
    order = open_order()
    assert order.pay_url.startswith(accounts.base_url)
    assert order.order_id in order.pay_url
    assert order.request_body  # the exact create body, stored before it left
    assert order.status_changes.count() == 3
    # Waiting for the customer: a status check changes nothing.
    assert services.refresh_collection(order.pk, actor="t").status == S.PENDING


def test_paid_order_is_successful_with_its_transaction(accounts):
    order = paid_order(accounts)
    assert order.provider_transaction_id.isdigit()
    assert order.pay_type
    assert_valid_path(order)


@pytest.mark.parametrize(("code", "why"), [(1006, "refused by the customer"), (1005, "expired")])
def test_an_order_not_paid_ends_failed(accounts, code, why):
    order = open_order()
    if code == 1005:
        accounts.control.momo_gateway_expire(order.order_id, notify=False)
    else:
        accounts.control.momo_gateway_settle(order.order_id, code, notify=False)
    done = services.refresh_collection(order.pk, actor="t")
    assert (done.status, done.failure_code) == (S.FAILED, str(code)), why


def test_a_lost_create_answer_is_resolved_under_the_same_request_id(accounts):
    accounts.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    unknown = services.send_collection(momo_order().pk, actor="t")
    assert unknown.status == S.UNKNOWN
    # The order exists at MoMo; asking about it (the query) finds it waiting for the customer.
    pending = services.refresh_collection(unknown.pk, actor="t", now=later())
    assert pending.status == S.PENDING
    orders = [e for e in entries(accounts, "momo_vn", unknown.reference)]
    assert len(orders) == 1


def test_payment_input_is_refused_before_anything_is_stored(accounts):
    with pytest.raises(InvalidRequest) as low:
        momo_order(amount=999)
    assert low.value.field == "amount"
    with pytest.raises(InvalidRequest) as atm:
        momo_order(amount=9_999, operation="momo_vn.pay_with_atm")
    assert atm.value.field == "amount"
    with pytest.raises(InvalidRequest) as fraction:
        momo_order(amount="1000.5")
    assert fraction.value.field == "amount"
    with pytest.raises(InvalidRequest) as exponent:
        momo_order(amount="1e4")
    assert exponent.value.field == "amount"
    with pytest.raises(InvalidRequest) as party:
        services.request_payment(
            account="momo",
            operation="momo_vn.capture_wallet",
            amount=10_000,
            external_id="p-1",
            party_id="0912345678",
            actor="user:alice",
        )
    assert party.value.field == "party_id"
    with pytest.raises(InvalidRequest) as card:
        momo_order(operation="momo_vn.pay_with_cc")
    assert card.value.field == "party_id"
    assert Collection.objects.count() == 0


def test_refunds_in_parts_never_exceed_the_payment(accounts):
    order = paid_order(accounts)
    first = services.create_refund(order.pk, amount=60_000, external_id="r-1", actor="t")
    first = services.send_refund(first.pk, actor="t")
    assert first.status == S.SUCCESSFUL
    assert first.order_id  # a refund has its own orderId
    assert first.order_id != order.order_id
    second = services.create_refund(order.pk, amount=40_000, external_id="r-2", actor="t")
    assert services.send_refund(second.pk, actor="t").status == S.SUCCESSFUL
    with pytest.raises(RefundExceedsCollected):
        services.create_refund(order.pk, amount=1_000, external_id="r-3", actor="t")
    ledger = accounts.control.momo_gateway_order(order.order_id)
    assert sum(
        Decimal(str(r["amount"])) for r in ledger["refundTrans"] if r["resultCode"] == 0
    ) == Decimal(100_000)


def test_refund_limits_are_checked_before_any_call(accounts):
    order = paid_order(accounts)
    with pytest.raises(InvalidRequest) as small:
        services.create_refund(order.pk, amount=999, external_id="r-s", actor="t")
    assert small.value.field == "amount"
    assert Refund.objects.count() == 0


def test_a_lost_refund_answer_is_resolved_by_the_purchase_query(accounts):
    order = paid_order(accounts)
    refund = services.create_refund(order.pk, amount=30_000, external_id="r-l", actor="t")
    accounts.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    unknown = services.send_refund(refund.pk, actor="t")
    assert unknown.status == S.UNKNOWN
    done = services.refresh_refund(refund.pk, actor="t", now=later())
    assert done.status == S.SUCCESSFUL
    ledger = accounts.control.momo_gateway_order(order.order_id)
    assert [Decimal(str(r["amount"])) for r in ledger["refundTrans"] if r["resultCode"] == 0] == [
        Decimal(30_000)
    ]
    # Refunds that may have reached MoMo keep holding their amount.
    assert services.refundable_amount(order) == Decimal(70_000)


def test_refund_rejected_on_a_resend_proves_nothing(accounts):
    """1081 ("maybe already refunded") after a lost attempt is unknown, never failed."""
    from django_momo.providers.base import Outcome
    from django_momo.providers.momo_vn.gateway_results import RefundResult
    from django_momo.services.adapters.momo_vn_gateway import _answer

    order = paid_order(accounts)
    refund = services.create_refund(order.pk, amount=30_000, external_id="r-x", actor="t")
    answer = RefundResult(
        request_id=refund.reference,
        order_id=refund.order_id,
        result_code=1081,
        message="Refund rejected",
        outcome=Outcome.FAILED,
        final=True,
        http_status=200,
    )
    assert _answer(refund, answer, first=True, what="refund").status == S.FAILED
    assert _answer(refund, answer, first=False, what="refund").status == S.UNKNOWN
    lost_first = RefundResult(**{**answer.__dict__, "ambiguous": True})
    assert _answer(refund, lost_first, first=True, what="refund").status == S.UNKNOWN


def test_an_old_refund_is_not_re_sent(accounts, settings):
    """Past MoMo's requestId retention a re-send could refund twice: it waits for an operator."""
    from datetime import timedelta

    from django.utils import timezone

    from django_momo.models import Attention

    order = paid_order(accounts)
    refund = services.create_refund(order.pk, amount=30_000, external_id="r-old", actor="t")
    accounts.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    unknown = services.send_refund(refund.pk, actor="t")
    assert unknown.status == S.UNKNOWN
    month = timezone.now() + timedelta(
        seconds=settings.DJANGO_MOMO.get("MOMO_REPLAY_MAX_AGE", 30 * 86400) + 60
    )
    after = services.refresh_refund(refund.pk, actor="t", now=month)
    assert after.status == S.UNKNOWN
    assert after.attention == Attention.STOPPED
    ledger = accounts.control.momo_gateway_order(order.order_id)
    assert ledger["refundTrans"] == []  # nothing was re-sent
