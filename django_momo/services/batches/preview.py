"""Previewing a payout file: every row checked like a single payout, nothing created.

Each row goes through ``validation.clean_payment``, the rules of ``create_transfer``; it reads
settings and makes no query. Duplicates are looked for inside the file (the same external id
is an error, the same party and amount a warning) and against the account's external id claims
(an error: that reference already belongs to a payment). The batch ``digest`` is a sha256 over
every valid row's money fields, in line order: confirming needs it back, so what is created is
exactly what was shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from django_momo.models import (
    BatchStatus,
    ExternalIdClaim,
    PayoutBatch,
    PayoutBatchRow,
    TransferOperation,
)
from django_momo.providers.base import ProviderError
from django_momo.services import access
from django_momo.services.adapters import adapter_for
from django_momo.services.approvals import approvals_needed
from django_momo.services.balances import get_balance
from django_momo.services.batches.events import record
from django_momo.services.batches.reading import Row, read_rows
from django_momo.services.clients import get_account
from django_momo.services.errors import InvalidRequest, ServiceError
from django_momo.services.validation import clean_payment

logger = logging.getLogger("django_momo")

# Rows written (and checked against existing claims) per query.
CHUNK = 1_000
# The cleaned fields a row stores, as the payout will have them.
ROW_FIELDS = (
    "operation", "party_type", "party_id", "party_name", "bank_code", "amount", "currency",
    "external_id", "message",
)  # fmt: skip
# What the batch digest covers per row (``approvals.MONEY_FIELDS`` but the reference, which a
# payout only gets when it is created).
DIGEST_FIELDS = (
    "operation", "party_type", "party_id", "bank_code", "amount", "currency", "external_id",
)  # fmt: skip


def plain(amount: Decimal) -> str:
    """An amount as a plain decimal string, compared by value (``12.50`` -> ``12.5``)."""
    return format(amount.normalize(), "f")


def row_digest_line(account: str, row: PayoutBatchRow) -> bytes:
    """One valid row's contribution to the batch digest: a JSON list and a newline."""
    values: list[Any] = [row.line, account]
    for name in DIGEST_FIELDS:
        value = getattr(row, name)
        values.append(plain(value) if name == "amount" else value)
    return json.dumps(values, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def batch_digest(account: str, rows: Iterable[PayoutBatchRow]) -> str:
    """sha256 over the valid rows' money fields, in the order given (line order)."""
    digest = hashlib.sha256()
    for row in rows:
        if not row.errors:
            digest.update(row_digest_line(account, row))
    return digest.hexdigest()


@dataclass
class Summary:
    """What the preview shows above the rows."""

    account: str
    row_count: int = 0
    valid_count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    digest: str = ""
    approvals_required: int = 0
    # {"amounts": {"EUR": "100"}, "short": {"EUR": "50"}, "error": ""}
    balance: dict[str, Any] = field(default_factory=dict)

    def totals_as_text(self) -> dict[str, str]:
        return {currency: format(total, "f") for currency, total in sorted(self.totals.items())}


@dataclass
class BatchPreview:
    """A checked file that was not stored (``read_batch``): its summary and its rows."""

    summary: Summary
    rows: list[PayoutBatchRow]


def _clean(account: str, row: Row) -> PayoutBatchRow:
    """A row object with the cleaned fields, or with the errors that stop it."""
    out = PayoutBatchRow(line=row.line, cells=row.cells, errors=list(row.errors), warnings=[])
    cells = row.cells
    if "account" in cells and cells["account"] != account and not row.errors:
        out.errors.append(
            {
                "field": "account",
                "message": f"this batch is for account {account!r}, not {cells['account']!r}",
            }
        )
    if out.errors:
        return out
    try:
        fields = clean_payment(
            account=account,
            operation=cells["operation"],
            choices=TransferOperation,
            party_id=cells["party_id"],
            amount=cells["amount"],
            external_id=cells["external_id"],
            currency=cells.get("currency") or None,
            party_type=cells.get("party_type") or None,
            party_name=cells.get("party_name", ""),
            bank_code=cells.get("bank_code", ""),
            message=cells.get("message", ""),
        )
    except InvalidRequest as exc:
        out.errors.append({"field": exc.field, "message": exc.message})
        return out
    except ServiceError as exc:
        out.errors.append({"field": "row", "message": str(exc)})
        return out
    for name in ROW_FIELDS:
        setattr(out, name, fields.get(name, ""))
    return out


def _key(*parts: str) -> bytes:
    """A 16-byte key for a duplicate check (collisions are 2**-64 unlikely per pair)."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).digest()


class _Checker:
    """Duplicate checks, totals and digest over the rows, fed one chunk at a time."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.summary = Summary(account=account)
        self.adapter = adapter_for(get_account(account).provider)
        # Keyed by a 16-byte hash, not the text: the memory per row stays small and flat.
        self.ids: dict[bytes, int] = {}
        self.pairs: dict[bytes, int] = {}
        self.digest = hashlib.sha256()

    def in_file(self, row: PayoutBatchRow) -> None:
        ext = row.cells.get("external_id", "")
        if ext:
            first = self.ids.setdefault(_key(ext), row.line)
            if first != row.line:
                row.duplicate_of = f"line {first}"
                row.errors.append(
                    {"field": "external_id", "message": f"{ext!r} is also on line {first}"}
                )
        if row.errors:
            return
        assert row.amount is not None
        pair = _key(row.party_type, row.party_id, plain(row.amount))
        first = self.pairs.setdefault(pair, row.line)
        if first != row.line:
            row.duplicate_of = row.duplicate_of or f"line {first}"
            row.warnings.append(
                {"field": "party_id", "message": f"the same party and amount as line {first}"}
            )

    def against_claims(self, chunk: list[PayoutBatchRow]) -> None:
        valid = [row for row in chunk if not row.errors]
        if not valid:
            return
        claims = {
            (claim.scope, claim.external_id): claim.kind
            for claim in ExternalIdClaim.objects.filter(
                account=self.account, external_id__in={row.external_id for row in valid}
            )
        }
        for row in valid:
            scope = self.adapter.booking_scope(row.operation)
            kind = claims.get((scope, row.external_id))
            if kind is not None:
                row.duplicate_of = row.external_id
                row.errors.append(
                    {
                        "field": "external_id",
                        "message": f"{row.external_id!r} is already used on account "
                        f"{self.account!r} by a {kind}: use another external id",
                    }
                )

    def count(self, chunk: list[PayoutBatchRow]) -> None:
        s = self.summary
        for row in chunk:
            s.row_count += 1
            if row.errors:
                continue
            assert row.amount is not None
            s.valid_count += 1
            s.totals[row.currency] = s.totals.get(row.currency, Decimal(0)) + row.amount
            self.digest.update(row_digest_line(self.account, row))

    def finish(self) -> Summary:
        s = self.summary
        s.digest = self.digest.hexdigest()
        s.approvals_required = max(
            (approvals_needed(self.account, total) for total in s.totals.values()), default=0
        )
        return s


def check_rows(
    account: str, filename: str, data: bytes, sink: Callable[[list[PayoutBatchRow]], None]
) -> Summary:
    """Read and check every row, handing them to ``sink`` in chunks of ``CHUNK``, in order."""
    get_account(account)  # an unknown account is refused before the file is read
    checker = _Checker(account)
    chunk: list[PayoutBatchRow] = []

    def flush() -> None:
        checker.against_claims(chunk)
        checker.count(chunk)
        sink(chunk)

    for row in _cleaned(account, read_rows(filename, data)):
        checker.in_file(row)
        chunk.append(row)
        if len(chunk) >= CHUNK:
            flush()
            chunk = []
    flush()
    summary = checker.finish()
    if summary.row_count == 0:
        raise InvalidRequest("file", "the file has a header but no payout rows")
    return summary


def _cleaned(account: str, rows: Iterator[Row]) -> Iterator[PayoutBatchRow]:
    for row in rows:
        yield _clean(account, row)


def ask_balance(account: str, totals: dict[str, Decimal]) -> dict[str, Any]:
    """The account's balance against the totals; a provider error says "balance unknown"."""
    try:
        balances = get_balance(account)
    except (ProviderError, ServiceError) as exc:
        return {"amounts": {}, "short": {}, "error": f"balance unknown: {exc}"}
    amounts = {currency: amount for amount, currency in balances}
    short = {
        currency: format(total - amounts[currency], "f")
        for currency, total in totals.items()
        if currency in amounts and amounts[currency] < total
    }
    return {
        "amounts": {c: format(a, "f") for c, a in sorted(amounts.items())},
        "short": short,
        "error": "",
    }


def read_batch(account: str, filename: str, data: bytes, *, balance: bool = True) -> BatchPreview:
    """Check a payout file and return what a preview shows, storing nothing (a dry run)."""
    rows: list[PayoutBatchRow] = []
    summary = check_rows(account, filename, data, rows.extend)
    if balance:
        summary.balance = ask_balance(account, summary.totals)
    return BatchPreview(summary, rows)


def preview_batch(
    account: str,
    filename: str,
    data: bytes,
    *,
    uploaded_by: Any,
    actor: str,
    verify: bool = False,
) -> PayoutBatch:
    """Check a payout file and store it as a ``previewed`` batch with its rows; no payout yet.

    Per-file problems (encoding, columns, size) raise ``InvalidRequest("file")`` and store
    nothing; per-row problems are stored on the rows (and block the confirmation). The balance
    is asked only for a user holding ``view_balance``.
    """
    access.require(uploaded_by, access.BATCH, access.Action.CREATE)
    if not isinstance(verify, bool):
        raise InvalidRequest("verify", "must be true or false")
    sha256 = hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""
    with transaction.atomic():
        batch = PayoutBatch.objects.create(
            account=account if isinstance(account, str) else "",
            filename=filename if isinstance(filename, str) else "",
            sha256=sha256,
            uploaded_by=uploaded_by,
            verify=verify,
        )

        def store(chunk: list[PayoutBatchRow]) -> None:
            for row in chunk:
                row.batch = batch
            PayoutBatchRow.objects.bulk_create(chunk)

        summary = check_rows(account, filename, data, store)
        batch.row_count, batch.valid_count = summary.row_count, summary.valid_count
        batch.totals = summary.totals_as_text()
        batch.digest = summary.digest
        batch.approvals_required = summary.approvals_required
        batch.save(
            update_fields=[
                "row_count", "valid_count", "totals", "digest", "approvals_required", "updated_at",
            ]
        )  # fmt: skip
        bad = batch.row_count - batch.valid_count
        record(batch.pk, BatchStatus.PREVIEWED, actor=actor,
               note=f"{batch.filename}: {batch.row_count} rows, {bad} with errors")  # fmt: skip
    # Asked after the commit: no transaction is held across a provider call.
    if access.can(uploaded_by, access.ACCOUNT, access.Action.VIEW_BALANCE):
        batch.balance = ask_balance(batch.account, summary.totals)
    else:
        batch.balance = {"amounts": {}, "short": {}, "error": "not shown: needs view_balance"}
    PayoutBatch.objects.filter(pk=batch.pk).update(balance=batch.balance)
    logger.info(
        "batch %s previewed by %s: %s rows, %s valid, %s",
        batch.pk,
        actor,
        batch.row_count,
        batch.valid_count,
        batch.totals,
    )
    return batch
