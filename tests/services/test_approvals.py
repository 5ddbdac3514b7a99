"""Maker-checker: payouts and refunds above a threshold need approvals from other users."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection

from django_momo import services
from django_momo.models import Approval, PaymentStatus, Refund, StatusChange, Transfer
from django_momo.services.access import AccessDenied

from .conftest import MTN_OK, entries

pytestmark = pytest.mark.django_db
S = PaymentStatus


@pytest.fixture
def rule(accounts, settings):
    """The MTN account: above 100 EUR, or past 300 EUR a day, two approvals."""
    conf = dict(settings.DJANGO_MOMO)
    accounts_conf = {k: dict(v) for k, v in conf["ACCOUNTS"].items()}
    accounts_conf["mtn"]["APPROVALS"] = {"ABOVE": "100", "DAILY_LIMIT": "300", "REQUIRED": 2}
    conf["ACCOUNTS"] = accounts_conf
    settings.DJANGO_MOMO = conf
    return accounts


def person(name: str, *codenames: str) -> User:
    user = User.objects.create_user(name)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)


def payout(amount: str, external_id: str, maker: User | None = None) -> Transfer:
    transfer, _ = services.create_transfer(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id=MTN_OK,
        amount=amount,
        external_id=external_id,
        actor="user:maker",
        created_by=maker,
    )
    return transfer


def approve(transfer: Transfer, user: User, decision: str = "approved", note: str = "") -> Any:
    return services.decide(
        Transfer,
        transfer.pk,
        user=user,
        decision=decision,
        note=note,
        actor=f"user:{user.username}",
    )


def test_a_payout_above_the_threshold_needs_two_other_approvers(rule):
    maker = person("maker", "add_transfer", "approve_transfer")
    ann, bob = person("ann", "approve_transfer"), person("bob", "approve_transfer")
    small = payout("100", "small", maker)
    assert small.approvals_required == 0
    big = payout("150", "big", maker)
    assert big.approvals_required == 2
    with pytest.raises(services.InvalidTransition, match="not approved yet"):
        services.send_transfer(big.pk, actor="t")
    with pytest.raises(services.InvalidRequest, match="maker"):
        approve(big, maker)
    approve(big, ann, note="checked the invoice")
    assert services.awaiting_approval(Transfer.objects.get(pk=big.pk))
    with pytest.raises(services.InvalidTransition, match="already decided"):
        approve(big, ann)
    with pytest.raises(services.InvalidTransition):
        services.send_transfer(big.pk, actor="t")
    approve(big, bob)
    assert not services.awaiting_approval(Transfer.objects.get(pk=big.pk))
    sent = services.send_transfer(big.pk, actor="t")
    assert sent.status == S.PENDING
    assert len(entries(rule, "mtn", big.reference)) == 1
    reasons = list(
        StatusChange.objects.filter(transfer=big).order_by("id").values_list("reason", flat=True)
    )
    assert any("approved by user:ann (1 of 2): checked the invoice" in r for r in reasons)
    assert any("approved by user:bob (2 of 2)" in r for r in reasons)


def test_without_the_approve_permission_nothing_is_recorded(rule):
    big = payout("150", "big-np", person("maker"))
    with pytest.raises(AccessDenied, match="approve_transfer"):
        approve(big, person("clerk", "view_transfer", "send_transfer"))
    assert not Approval.objects.exists()


def test_a_change_after_approval_voids_it(rule):
    big = payout("150", "big-edit", person("maker"))
    approve(big, person("ann", "approve_transfer"))
    approve(big, person("bob", "approve_transfer"))
    assert services.valid_approvals(Transfer.objects.get(pk=big.pk)) == 2
    Transfer.objects.filter(pk=big.pk).update(amount=Decimal("1500"))
    changed = Transfer.objects.get(pk=big.pk)
    assert services.valid_approvals(changed) == 0
    with pytest.raises(services.InvalidTransition, match="not approved yet"):
        services.send_transfer(big.pk, actor="t")
    assert entries(rule, "mtn", big.reference) == []


def test_a_rejected_payout_is_cancelled_and_never_sent(rule):
    big = payout("150", "big-no", person("maker"))
    with pytest.raises(services.InvalidRequest, match="say why"):
        approve(big, person("ann", "approve_transfer"), "rejected")
    done = approve(big, person("bob", "approve_transfer"), "rejected", "wrong payee")
    assert done.status == S.CANCELLED
    assert services.send_transfer(big.pk, actor="t").status == S.CANCELLED
    assert entries(rule, "mtn", big.reference) == []
    assert "rejected by user:bob: wrong payee" in done.status_changes.order_by("id").last().reason


def test_the_daily_total_counts_payouts_and_refunds_of_the_day(rule):
    assert payout("90", "d1").approvals_required == 0
    assert payout("90", "d2").approvals_required == 0
    assert payout("90", "d3").approvals_required == 0
    assert payout("90", "d4").approvals_required == 2  # 360 > 300
    cancelled = Transfer.objects.get(external_id="d3")
    services.cancel_transfer(cancelled.pk, actor="t")
    assert payout("90", "d5").approvals_required == 2  # 90 + 90 + 90 (d4) + 90 > 300


def test_a_refund_above_the_threshold_needs_approval(rule):
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="500",
        external_id="col-big",
        actor="t",
    )
    services.send_collection(collection.pk, actor="t")
    services.refresh_collection(collection.pk, actor="t")
    refund = services.create_refund(collection.pk, amount="200", external_id="rf-big", actor="a")
    assert refund.approvals_required == 2
    with pytest.raises(services.InvalidTransition, match="not approved yet"):
        services.send_refund(refund.pk, actor="t")
    for name in ("ann", "bob"):
        services.decide(
            Refund,
            refund.pk,
            user=person(name, "approve_refund"),
            decision="approved",
            actor=f"user:{name}",
        )
    assert services.send_refund(refund.pk, actor="t").status == S.PENDING


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_approvers_at_once_both_count_and_one_approver_counts_once(rule):
    big = payout("150", "race", person("maker"))
    ann, bob = person("ann", "approve_transfer"), person("bob", "approve_transfer")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def decide(user: User) -> None:
        try:
            barrier.wait()
            approve(big, user)
            outcomes.append("ok")
        except services.InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(u,)) for u in (ann, bob, ann, bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "ok", "refused", "refused"]
    assert services.valid_approvals(Transfer.objects.get(pk=big.pk)) == 2
