"""Payee checks of a batch: each valid row's party asked of the provider, read-only.

``verify_batch`` asks the account's adapter (``ProviderAdapter.verify_payee``) about every valid
row of a previewed (or created, not yet sent) batch and stores each answer on its row:
``check_result`` ("ok", "name_mismatch", "inactive", "unknown", "error"; see
``adapters.base.PayeeResult``), ``check_detail`` (a short reason, no more personal data than
the operator needs) and ``checked_at``. Calling it again checks every row again.

The rules:

- The checks move no money and change no payout: a provider error on one row is that row's
  "error", never the batch's failure. No transaction is held across a provider call; results
  are written every ``SAVE_EVERY`` rows, so a stopped run keeps what it learnt.
- The adapter waits for the account's rate limiter before each call (MTN caps calls per second
  per subscription; ``rate_limits.status_limiter`` is shared with the status queries).
- A result other than "ok" is a warning shown with the row, not an error: the digest does not
  cover it and ``create_batch_payouts`` does not refuse it. The operator confirms the batch
  they were shown, checks included (a payout to an inactive party fails at the provider and
  moves no money; a name mismatch is the operator's call, e.g. a nickname in the file).
  The faces decide how loudly to ask: ``momo_bulk_payouts --verify`` stops before creating
  anything when a row is a name mismatch, inactive or unchecked, unless ``--accept-checks``.
- ``PayoutBatch.verify`` records that the uploader asked for the checks; the face that stored
  the preview runs ``verify_batch`` (the preview itself makes no call per row).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from django_momo.conf import Account
from django_momo.models import BatchStatus, PayoutBatchRow
from django_momo.providers.base import ProviderError
from django_momo.services import access
from django_momo.services.adapters import adapter_for
from django_momo.services.adapters.base import PAYEE_RESULTS, PayeeCheck
from django_momo.services.batches.confirm import load_batch
from django_momo.services.batches.preview import CHUNK
from django_momo.services.clients import get_account
from django_momo.services.errors import InvalidTransition, ServiceError

logger = logging.getLogger("django_momo")

B = BatchStatus
# Rows whose results are written per query.
SAVE_EVERY = 50
# The results an operator should look at before confirming ("unknown": no check was possible).
WARNING_RESULTS = ("name_mismatch", "inactive", "error")
CHECK_FIELDS = ["check_result", "check_detail", "checked_at"]
_READ = (
    "pk", "batch_id", "line", "cells", "errors", "operation", "party_type", "party_id",
    "party_name",
)  # fmt: skip
# Batches whose payees may still be checked: nothing of them was sent yet.
CHECKABLE = (B.PREVIEWED, B.CREATED)


@dataclass
class VerificationSummary:
    """How many valid rows got each result (every result is a key, 0 when none)."""

    batch_id: int | None
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAYEE_RESULTS, 0))

    @property
    def ok(self) -> int:
        return self.counts["ok"]

    @property
    def warnings(self) -> int:
        """Rows the operator should look at: name mismatches, inactive parties, failed checks."""
        return sum(self.counts[result] for result in WARNING_RESULTS)

    def as_text(self) -> str:
        return ", ".join(f"{result} {n}" for result, n in self.counts.items() if n) or "no rows"


def file_name(row: PayoutBatchRow) -> str:
    """The party's name as the file gives it: the cleaned one, else the cell (a provider whose
    payouts carry no name, like MTN, keeps none among the cleaned fields)."""
    return row.party_name or str(row.cells.get("party_name", "")).strip()


def check_party(account: Account, row: PayoutBatchRow) -> PayeeCheck:
    """The adapter's check of ``row``'s party; an error of the call is the row's "error"."""
    try:
        return adapter_for(account.provider).verify_payee(
            account, row.operation, row.party_type, row.party_id, file_name(row)
        )
    except (ProviderError, ServiceError) as exc:  # an adapter is not to raise these: be sure
        message = exc.message if isinstance(exc, ProviderError) else str(exc)
        return PayeeCheck("error", f"check failed: {message}"[:255])


def check_rows(
    account_name: str,
    rows: Iterable[PayoutBatchRow],
    *,
    total: int,
    batch_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    save: Callable[[list[PayoutBatchRow]], None] | None = None,
) -> VerificationSummary:
    """Check every row of ``rows`` without errors, setting its three check fields.

    ``save`` gets the checked rows every ``SAVE_EVERY`` rows (and the rest at the end);
    ``progress(done, total)`` is called after each row. Without ``save`` nothing is stored
    (a dry run: ``momo_bulk_payouts --dry-run --verify``).
    """
    account = get_account(account_name)
    summary = VerificationSummary(batch_id)
    pending: list[PayoutBatchRow] = []
    for row in rows:
        if row.errors:
            continue
        check = check_party(account, row)
        row.check_result = check.result
        row.check_detail = check.detail[:255]
        row.checked_at = timezone.now()
        summary.total += 1
        summary.counts[check.result] += 1
        pending.append(row)
        if save is not None and len(pending) >= SAVE_EVERY:
            save(pending)
            pending = []
        if progress is not None:
            progress(summary.total, max(total, summary.total))
    if save is not None and pending:
        save(pending)
    return summary


def _rows(batch_id: int) -> Iterator[PayoutBatchRow]:
    """The batch's rows in line order, read a chunk at a time (ids first: SQLite gives no
    isolation between a cursor still open and the updates written meanwhile)."""
    ids = list(
        PayoutBatchRow.objects.filter(batch_id=batch_id)
        .order_by("line")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), CHUNK):
        chunk = PayoutBatchRow.objects.filter(pk__in=ids[start : start + CHUNK]).only(*_READ)
        yield from chunk.order_by("line")


def verify_batch(
    batch_id: int,
    *,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
    user: Any = None,
) -> VerificationSummary:
    """Check the party of every valid row of a batch not sent yet; store and count the results.

    Refused (``InvalidTransition``) for a batch that is sending, done or cancelled. ``user``,
    when given, needs ``upload_batch`` (the faces pass who asked). Callable again: every valid
    row is checked anew. ``progress(done, total)`` is called after each row.
    """
    if user is not None:
        access.require(user, access.BATCH, access.Action.CREATE)
    batch = load_batch(batch_id)
    if batch.status not in CHECKABLE:
        raise InvalidTransition(
            f"batch {batch.pk} is {batch.status}: only a batch not sent yet is checked",
            status=batch.status,
        )

    def save(chunk: list[PayoutBatchRow]) -> None:
        PayoutBatchRow.objects.bulk_update(chunk, CHECK_FIELDS)

    summary = check_rows(
        batch.account,
        _rows(batch.pk),
        total=batch.valid_count,
        batch_id=batch.pk,
        progress=progress,
        save=save,
    )
    logger.info("batch %s payees checked by %s: %s", batch.pk, actor, summary.as_text())
    return summary
