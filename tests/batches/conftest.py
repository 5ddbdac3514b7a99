"""Fixtures of the bulk payout tests: sandbox accounts, makers and checkers, files to upload."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from django_momo.services import batches
from tests.services.conftest import accounts  # noqa: F401  (the sandbox accounts fixture)

HEADER = ("operation", "party_id", "amount", "currency", "external_id", "message")
OP = "mtn.disbursement.transfer"
_numbers = itertools.count(1)


def person(name: str, *codenames: str) -> User:
    """A user holding exactly ``codenames`` (django_momo permissions)."""
    user = User.objects.create_user(name)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_momo", codename__in=codenames)
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def maker(db: Any) -> User:
    return person("maker", "upload_batch", "send_batch", "view_balance")


@pytest.fixture
def checkers(db: Any) -> tuple[User, User]:
    return person("ann", "approve_batch"), person("bob", "approve_batch")


@pytest.fixture
def rule(accounts, settings):  # noqa: F811
    """The MTN account: above 100 EUR two approvals (a payout, or a batch's total)."""
    conf = dict(settings.DJANGO_MOMO)
    accounts_conf = {k: dict(v) for k, v in conf["ACCOUNTS"].items()}
    accounts_conf["mtn"]["APPROVALS"] = {"ABOVE": "100", "REQUIRED": 2}
    conf["ACCOUNTS"] = accounts_conf
    settings.DJANGO_MOMO = conf
    return accounts


def payout_rows(count: int = 3, amount: str = "12.50", prefix: str = "") -> list[list[str]]:
    """``count`` good MTN rows (HEADER's columns), each with its own party and external id."""
    prefix = prefix or f"b{next(_numbers)}"
    return [
        [OP, f"2567700{n:05d}", amount, "EUR", f"{prefix}-{n}", "salary"]
        for n in range(1, count + 1)
    ]


def csv_bytes(
    rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER, bom: bool = False
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    """An XLSX whose cells keep their Python types (str, int, float) as Excel would store them."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(data: bytes, user: User, filename: str = "payouts.csv", account: str = "mtn") -> Any:
    return batches.preview_batch(account, filename, data, uploaded_by=user, actor="test")


def errors_by_line(batch: Any) -> dict[int, list[dict[str, str]]]:
    return {row.line: row.errors for row in batch.rows.order_by("line") if row.errors}


# -- payee checks and the MoMo account (test_verification, test_chaos) ---------------------------
NAMED_HEADER = ("operation", "party_id", "party_name", "amount", "currency", "external_id")
MOMO_HEADER = (
    "operation", "party_type", "party_id", "party_name", "bank_code", "amount", "currency",
    "external_id", "message",
)  # fmt: skip
WALLET = "momo_vn.pay_wallet"
BANK = "momo_vn.pay_bank"


def named_rows(parties: Iterable[tuple[str, str]], prefix: str = "") -> list[list[str]]:
    """MTN rows (NAMED_HEADER's columns) paying each ``(msisdn, name)`` 12.50 EUR."""
    prefix = prefix or f"n{next(_numbers)}"
    return [
        [OP, msisdn, name, "12.50", "EUR", f"{prefix}-{n}"]
        for n, (msisdn, name) in enumerate(parties, start=1)
    ]


def momo_rows(count: int, prefix: str = "", amount: str = "50000") -> list[list[str]]:
    """``count`` good MoMo wallet rows (MOMO_HEADER's columns), each with its own wallet."""
    prefix = prefix or f"m{next(_numbers)}"
    return [
        [WALLET, "", f"0912{n:06d}", "NGUYEN VAN A", "", amount, "VND", f"{prefix}-{n}", "luong"]
        for n in range(1, count + 1)
    ]
