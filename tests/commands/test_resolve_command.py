"""``manage.py momo_resolve``: settling a payment by hand, and every refusal changing nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_momo import services
from django_momo.models import Attention, Collection, PaymentStatus, Refund, StatusChange, Transfer
from tests.tasks.conftest import make_transfer

pytestmark = pytest.mark.django_db
S = PaymentStatus


def user(username: str, *codenames: str, **fields: Any) -> User:
    made = User.objects.create_user(username, **fields)
    made.user_permissions.set(
        Permission.objects.filter(content_type__app_label="django_momo", codename__in=codenames)
    )
    return made


@pytest.fixture
def alice(db: None) -> User:
    return user("alice", "resolve_transfer", "resolve_collection", "resolve_refund")


def in_status(payment: Any, status: str) -> Any:
    # A `sending` row here is stuck: its sender died long ago (a young one is still in flight).
    sent_at = timezone.now() - timedelta(hours=1) if status == S.SENDING else payment.sent_at
    type(payment).objects.filter(pk=payment.pk).update(status=status, sent_at=sent_at)
    payment.refresh_from_db()
    return payment


def pending_transfer(status: str = S.PENDING) -> Transfer:
    transfer = in_status(make_transfer("mtn"), status)
    services.flag(Transfer, transfer.pk, Attention.STOPPED, "replay age limit", actor="test")
    return transfer


def collection_in(status: str) -> Collection:
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id="256771000999",
        amount=Decimal("40.00"),
        external_id=f"col-{Collection.objects.count() + 1}",
        actor="test",
    )
    return in_status(collection, status)


def refund_in(status: str) -> Refund:
    collection = collection_in(S.SUCCESSFUL)
    refund = services.create_refund(
        collection.pk, amount=Decimal("5.00"), external_id=f"rf-{collection.pk}", actor="test"
    )
    return in_status(refund, status)


def resolve(*args: Any) -> str:
    out = StringIO()
    call_command("momo_resolve", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> tuple[Any, ...]:
    """Every payment's status and transaction id, and the audit trail's length."""
    return (
        sorted(Transfer.objects.values_list("pk", "status", "provider_transaction_id")),
        sorted(Collection.objects.values_list("pk", "status", "provider_transaction_id")),
        sorted(Refund.objects.values_list("pk", "status", "provider_transaction_id")),
        StatusChange.objects.count(),
    )


def test_resolving_a_payout_as_successful(alice: User) -> None:
    transfer = pending_transfer()
    output = resolve(
        "transfer",
        transfer.pk,
        "--outcome",
        "successful",
        "--note",
        "statement of 3 May, line 12",
        "--transaction-id",
        "TX-4410",
        "--user",
        "alice",
    )

    assert output == (
        f"Resolved payout {transfer.pk} ({transfer.external_id}) by hand: now successful, "
        "provider transaction id TX-4410; recorded as user:alice.\n"
    )
    transfer.refresh_from_db()
    assert (transfer.status, transfer.provider_transaction_id) == (S.SUCCESSFUL, "TX-4410")
    assert transfer.attention == ""
    change = transfer.status_changes.order_by("id").last()
    assert (change.from_status, change.to_status, change.actor) == (
        S.PENDING,
        S.SUCCESSFUL,
        "user:alice",
    )
    assert "statement of 3 May, line 12" in change.reason


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("transfer", lambda: pending_transfer(S.UNKNOWN)),
        ("collection", lambda: collection_in(S.PENDING)),
        ("refund", lambda: refund_in(S.SENDING)),
    ],
)
def test_resolving_each_kind_as_failed(alice: User, kind: str, make: Any) -> None:
    payment = make()
    output = resolve(
        kind, payment.pk, "--outcome", "failed", "--note", "not on the statement", "--user", "alice"
    )
    assert "by hand: now failed; recorded as user:alice." in output
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (S.FAILED, "MANUAL")
    assert payment.status_changes.order_by("id").last().actor == "user:alice"


def test_a_superuser_may_resolve(db: None) -> None:
    User.objects.create_superuser("root")
    transfer = pending_transfer()
    assert "now failed" in resolve(
        "transfer", transfer.pk, "--outcome", "failed", "--note", "checked", "--user", "root"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "--user: no user named 'nobody'"),
        # Holding the permission of another kind is not enough.
        (
            ["--user", "carol"],
            "'carol' may not resolve payments by hand: needs the "
            "django_momo.resolve_transfer permission",
        ),
        (["--user", "dave"], "'dave' may not resolve payments by hand"),  # inactive
        (["--note", "   "], "--note: required"),
        (["--outcome", "successful"], "--transaction-id: required for a successful outcome"),
        (
            ["--outcome", "successful", "--transaction-id", "TX 1"],
            "--transaction-id: at most 64 characters, no spaces",
        ),
        (["--outcome", "refunded"], "argument --outcome: invalid choice: 'refunded'"),
    ],
)
def test_refusals_change_nothing(alice: User, args: list[str], message: str) -> None:
    user("carol", "resolve_collection")
    user("dave", "resolve_transfer", is_active=False)
    transfer = pending_transfer()
    options = {"--outcome": "failed", "--note": "checked", "--user": "alice"}
    for name, value in zip(args[::2], args[1::2], strict=True):
        options[name] = value
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        resolve("transfer", transfer.pk, *[x for pair in options.items() for x in pair])
    assert message in str(excinfo.value)
    assert snapshot() == before


@pytest.mark.parametrize("status", [S.CREATED, S.SUCCESSFUL, S.FAILED, S.CANCELLED])
def test_a_payment_that_is_not_in_flight_is_refused(alice: User, status: str) -> None:
    transfer = in_status(make_transfer("mtn"), status)
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        resolve(
            "transfer", transfer.pk, "--outcome", "failed", "--note", "checked", "--user", "alice"
        )
    assert f"payout {transfer.pk} is {status}: only a sending, pending or unknown" in str(
        excinfo.value
    )
    assert "nothing was changed" in str(excinfo.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["transfer", "999999"], "no payout with id 999999"),
        (["payment", "1"], "argument kind: invalid choice: 'payment'"),
        (["transfer", "one"], "argument id: invalid int value: 'one'"),
    ],
)
def test_unknown_payments_are_refused(alice: User, args: list[str], message: str) -> None:
    pending_transfer()
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        resolve(*args, "--outcome", "failed", "--note", "checked", "--user", "alice")
    assert message in str(excinfo.value)
    assert snapshot() == before


def test_required_options_are_named(alice: User) -> None:
    transfer = pending_transfer()
    with pytest.raises(CommandError) as excinfo:
        resolve("transfer", transfer.pk, "--outcome", "failed")
    assert "the following arguments are required: --note, --user" in str(excinfo.value)
    assert Transfer.objects.get(pk=transfer.pk).status == S.PENDING
