"""Fixtures of the admin tests: accounts on the sandbox, operators with and without permissions."""

from __future__ import annotations

import copy
import itertools
import os
from decimal import Decimal
from typing import Any

import django
import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache

from django_momo import services
from django_momo.models import Collection, PaymentStatus, Transfer
from django_momo.sandbox.control import SandboxHandle
from tests import factories

from .chromium import chromium  # noqa: F401 (the module-scoped browser fixture)

# The MTN sandbox only calls back to its API user's providerCallbackHost, 127.0.0.1.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

DUMMY_BACKEND = (
    "django.tasks.backends.dummy.DummyBackend"
    if django.VERSION >= (6, 0)
    else "django_tasks.backends.dummy.DummyBackend"
)
CHANGELIST = "/admin/django_momo/transfer/"
COLLECTIONS = "/admin/django_momo/collection/"

_numbers = itertools.count(1)


def point_accounts_at(settings: Any, base_url: str, callback_base_url: str | None = None) -> None:
    """Both test accounts on ``base_url`` (and callbacks to ``callback_base_url``)."""
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    for account in conf["ACCOUNTS"].values():
        account["BASE_URL"] = base_url
    if callback_base_url:
        conf["CALLBACK_BASE_URL"] = callback_base_url
    settings.DJANGO_MOMO = conf


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Balances are cached; a test must not see the previous test's sandbox answers.
    cache.clear()


@pytest.fixture
def sandbox_accounts(settings: Any, momo_sandbox: SandboxHandle) -> SandboxHandle:
    """The test accounts "mtn" and "momo" pointed at the running sandbox."""
    point_accounts_at(settings, momo_sandbox.base_url)
    return momo_sandbox


@pytest.fixture
def dummy_backend(settings: Any) -> Any:
    """A task backend that only records what is enqueued."""
    from django_momo.tasks_compat import default_task_backend

    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    default_task_backend.clear()  # type: ignore[attr-defined]
    return default_task_backend


def make_user(username: str, *perms: str, superuser: bool = False) -> User:
    """A staff user holding ``perms`` (codenames of django_momo permissions)."""
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username)
    user.is_staff = True
    user.is_superuser = superuser
    user.save()
    if perms:
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="django_momo", codename__in=perms)
        )
    return user


OPERATOR_PERMS = (
    "view_transfer", "add_transfer", "send_transfer", "refresh_transfer", "cancel_transfer",
    "retry_transfer", "view_collection", "refund_collection", "refresh_collection",
    "view_refund", "refresh_refund", "view_statuschange",
)  # fmt: skip


@pytest.fixture
def operator(db: None) -> User:
    """Staff with every payout and refund permission (not a superuser)."""
    return make_user("operator", *OPERATOR_PERMS)


@pytest.fixture
def viewer(db: None) -> User:
    """Staff who may view and create payouts and refresh them, but not send or cancel."""
    return make_user("viewer", "view_transfer", "add_transfer", "refresh_transfer")


def make_transfer(provider: str = "mtn", **overrides: Any) -> Transfer:
    """A created payout on the sandbox's preset MTN or MoMo account, through the services."""
    return factories.make_transfer(provider, prefix="admin-test", **overrides)


def make_collection(**overrides: Any) -> Collection:
    """A created MTN request to pay through the services."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "account": "mtn",
        "operation": "mtn.collection.request_to_pay",
        "party_id": f"2568{n:08d}",
        "amount": Decimal("40.00"),
        "external_id": f"admin-col-{n}",
        "actor": "test",
        "message": "order",
    }
    fields.update(overrides)
    collection, _ = services.request_payment(**fields)
    return collection


def successful_collection(**overrides: Any) -> Collection:
    """A collection paid through the sandbox (request to pay, then a status query)."""
    collection = make_collection(**overrides)
    services.send_collection(collection.pk, actor="test")
    collection = services.refresh_collection(collection.pk, actor="test")
    assert collection.status == PaymentStatus.SUCCESSFUL, collection.status
    return collection


def make_momo_payment(**overrides: Any) -> Collection:
    """A created (not sent) MoMo payment request (wallet, QR or app) through the services."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "account": "momo",
        "operation": "momo_vn.capture_wallet",
        "party_id": "",
        "amount": 150_000,
        "external_id": f"admin-momo-{n}",
        "actor": "test",
        "message": f"Order {n}",
    }
    fields.update(overrides)
    collection, _ = services.request_payment(**fields)
    return collection


def open_momo_payment(**overrides: Any) -> Collection:
    """A MoMo order created at the sandbox's gateway: pending, with where the customer pays."""
    collection = services.send_collection(make_momo_payment(**overrides).pk, actor="test")
    assert collection.status == PaymentStatus.PENDING, collection.status
    return collection


def paid_momo_payment(sandbox: SandboxHandle, **overrides: Any) -> Collection:
    """A MoMo order the customer paid at the sandbox (no IPN), settled by a status query."""
    collection = open_momo_payment(**overrides)
    sandbox.control.momo_gateway_settle(collection.order_id, 0, notify=False)
    collection = services.refresh_collection(collection.pk, actor="test")
    assert collection.status == PaymentStatus.SUCCESSFUL, collection.status
    return collection


def force_status(payment: Any, status: str) -> None:
    """Put a row in ``status`` for a test's starting point (the services never do this)."""
    type(payment).objects.filter(pk=payment.pk).update(status=status)
    payment.refresh_from_db()


def post_action(client: Any, url: str, action: str, ids: list[int], **extra: Any) -> Any:
    """POST an admin action for ``ids`` (add ``confirm="yes"`` for the confirmation page)."""
    data: dict[str, Any] = {"action": action, "index": "0", "_selected_action": ids}
    data.update(extra)
    return client.post(url, data, follow=False)


def messages_of(response: Any) -> list[str]:
    """Texts of the messages a response carries (after following the redirect)."""
    return [str(m) for m in response.context["messages"]] if response.context else []


__all__ = ["Transfer"]


# -- payout batches --------------------------------------------------------------------------------
BATCHES = "/admin/django_momo/payoutbatch/"
BATCH_HEADER = ("operation", "party_id", "amount", "currency", "external_id", "message")
BATCH_OP = "mtn.disbursement.transfer"
# Every batch permission but the balance (whose provider call a test asks for on purpose).
BATCH_PERMS = ("view_payoutbatch", "upload_batch", "send_batch", "approve_batch")


def batch_rows(count: int = 3, amount: str = "12.50", prefix: str = "") -> list[list[str]]:
    """``count`` good MTN payout rows (``BATCH_HEADER``'s columns), each its own party and id."""
    prefix = prefix or f"ab{next(_numbers)}"
    return [
        [BATCH_OP, f"2567710{n:05d}", amount, "EUR", f"{prefix}-{n}", "salary"]
        for n in range(1, count + 1)
    ]


def batch_csv(rows: Any, header: Any = BATCH_HEADER) -> bytes:
    """A CSV file (UTF-8, CRLF) of ``rows`` under ``header``."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload_batch(
    client: Any, data: bytes, filename: str = "payouts.csv", account: str = "mtn", **extra: Any
) -> Any:
    """POST a file to the batch upload page (the admin's add view)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(filename, data, content_type="text/csv")
    return client.post(f"{BATCHES}add/", {"account": account, "file": upload, **extra})


def with_approvals(settings: Any, above: str = "100", required: int = 1) -> None:
    """The MTN account's ``APPROVALS`` rule: above ``above``, ``required`` approvals."""
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    conf["ACCOUNTS"]["mtn"]["APPROVALS"] = {"ABOVE": above, "REQUIRED": required}
    settings.DJANGO_MOMO = conf


# -- the new-payout form's review step -------------------------------------------------------------
def submit_payout(client: Any, url: str, data: dict[str, Any]) -> Any:
    """POST the new-payout form and, when its review page comes back, confirm it."""
    response = client.post(url, data)
    if response.status_code == 200 and response.context and "review_token" in response.context:
        response = client.post(
            url, {"momo_review": response.context["review_token"], "_confirm": "yes"}
        )
    return response
