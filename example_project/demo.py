"""Helpers of ``scripts/demo``: the admin login, sample payments and the end-to-end smoke run.

python example_project/demo.py admin --password PW
python example_project/demo.py wait-sandbox URL
python example_project/demo.py seed
python example_project/demo.py smoke --web URL --sandbox URL
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from django_momo import services, tasks  # noqa: E402
from django_momo.models import FINAL_STATUSES, Callback, Collection, Transfer  # noqa: E402

ACTOR = "command:demo"


def make_admin(password: str) -> None:
    """Create (or reset) the ``admin`` superuser with ``password``."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()


def wait_for(url: str, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers 2xx (a server still starting up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=2).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer; see var/demo-logs/") from None
            time.sleep(0.2)


def _payout(account: str, operation: str, party: str, amount: str, ext: str, **kw: str) -> Transfer:
    transfer, _ = services.create_transfer(
        account=account,
        operation=operation,
        party_id=party,
        amount=Decimal(amount),
        external_id=ext,
        actor=ACTOR,
        **kw,
    )
    return transfer


def seed() -> None:
    """A few sample payments in different states, sent through the worker."""
    tag = uuid.uuid4().hex[:6]
    with transaction.atomic():
        payouts = [
            _payout(
                "mtn",
                "mtn.disbursement.transfer",
                "46733123456",
                "25.00",
                f"salary-{tag}-1",
                message="November salary",
                note="Payroll",
            ),
            _payout(
                "mtn",
                "mtn.disbursement.deposit",
                "46733123453",
                "12.50",
                f"bonus-{tag}-2",
                message="Bonus",
                note="Payroll",
            ),
            _payout(
                "mtn",
                "mtn.disbursement.transfer",
                "46733123450",
                "9.99",
                f"refund-{tag}-3",
                message="Supplier refund",
                note="Shop",
            ),
            _payout(
                "momo",
                "momo_vn.pay_wallet",
                "0912345678",
                "150000",
                f"luong-{tag}-4",
                party_name="Nguyễn Văn An",
                message="Thanh toán lương tháng 11",
            ),
        ]
        for payout in payouts:
            tasks.enqueue_send(payout)
        # One payout held for an operator to send from the admin.
        _payout(
            "mtn",
            "mtn.disbursement.transfer",
            "46733123457",
            "40.00",
            f"held-{tag}-5",
            message="Commission",
            note="Marketplace",
        )
        collection, _ = services.request_payment(
            account="mtn",
            operation="mtn.collection.request_to_pay",
            party_id="46733123458",
            amount=Decimal("30.00"),
            external_id=f"order-{tag}-6",
            message="Order 1001",
            note="Shop",
            actor=ACTOR,
        )
        tasks.enqueue_send(collection)
    print("seeded 5 payouts (4 sent through the worker, 1 held) and 1 collection")


def smoke(web: str, sandbox: str, password: str, timeout: float = 90.0) -> int:
    """Pay out over both providers (one through the REST API) and collect; all must settle."""
    wait_for(web.rstrip("/") + "/admin/login/")
    tag = uuid.uuid4().hex[:8]
    body = {
        "account": "mtn",
        "operation": "mtn.disbursement.transfer",
        "party_id": "46733123456",
        "amount": "10.00",
        "external_id": f"smoke-{tag}-mtn",
        "message": "Smoke test",
        "note": "Smoke test",
    }
    api = web.rstrip("/") + "/momo/api/transfers/"
    headers = {"Idempotency-Key": f"smoke-{tag}"}
    first = requests.post(api, json=body, headers=headers, auth=("admin", password), timeout=30)
    replay = requests.post(api, json=body, headers=headers, auth=("admin", password), timeout=30)
    problems = []
    if first.status_code != 201:
        problems.append(f"API create answered {first.status_code}: {first.text[:300]}")
    elif replay.headers.get("Idempotent-Replayed") != "true" or replay.json() != first.json():
        problems.append("the API did not replay the first answer for the same Idempotency-Key")
    with transaction.atomic():
        momo = _payout(
            "momo",
            "momo_vn.pay_wallet",
            "0912345678",
            "10000",
            f"smoke-{tag}-momo",
            party_name="Trần Thị Bình",
            message="Kiểm tra",
        )
        collection, _ = services.request_payment(
            account="mtn",
            operation="mtn.collection.request_to_pay",
            party_id="46733123459",
            amount=Decimal("5.00"),
            external_id=f"smoke-{tag}-col",
            message="Smoke order",
            note="Smoke",
            actor=ACTOR,
        )
        for payment in (momo, collection):
            tasks.enqueue_send(payment)
    rows = [(Transfer, momo.pk), (Collection, collection.pk)]
    if not problems:
        rows.insert(0, (Transfer, first.json()["id"]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [model.objects.get(pk=pk).status for model, pk in rows]
        if all(state in FINAL_STATUSES for state in states):
            break
        time.sleep(0.5)
    states = [model.objects.get(pk=pk).status for model, pk in rows]
    print("smoke: final states", states)
    if states != ["successful"] * len(rows):
        problems.append(f"expected every payment successful, got {states}")
    ledger = requests.get(sandbox.rstrip("/") + "/_sandbox/ledger", timeout=10).json()
    if ledger["violations"]:
        problems.append(f"sandbox ledger violations: {ledger['violations']}")
    if ledger["counts"]["total"] != len(rows):
        problems.append(f"expected {len(rows)} bookings, got {ledger['counts']['total']}")
    if not Callback.objects.filter(provider="mtn").exists():
        problems.append("no MTN callback reached the shop")
    for problem in problems:
        print("smoke FAILED:", problem, file=sys.stderr)
    if not problems:
        print(
            f"smoke: OK ({len(rows)} payments settled, one booking each, no violations, "
            "API idempotent, callbacks received)"
        )
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    admin = sub.add_parser("admin")
    admin.add_argument("--password", required=True)
    ws = sub.add_parser("wait-sandbox")
    ws.add_argument("url")
    sub.add_parser("seed")
    sm = sub.add_parser("smoke")
    sm.add_argument("--web", required=True)
    sm.add_argument("--sandbox", required=True)
    sm.add_argument("--password", required=True)
    sm.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args()
    if args.command == "admin":
        make_admin(args.password)
    elif args.command == "wait-sandbox":
        wait_for(args.url.rstrip("/") + "/_sandbox/health")
    elif args.command == "seed":
        seed()
    elif args.command == "smoke":
        return smoke(args.web, args.sandbox, args.password, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
