"""A batch as a file for the shop's books: one row per line, what happened to it and why.

Every text cell that a spreadsheet could run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading ``'`` (OWASP's CSV injection
advice), so opening the export never runs what a payee's name or a provider's message said.
"""

from __future__ import annotations

from typing import Any

import tablib

from django_momo.models import PaymentStatus, PayoutBatchRow
from django_momo.services.batches.confirm import load_batch
from django_momo.services.errors import InvalidRequest

S = PaymentStatus

HEADERS = (
    "line", "external_id", "party_type", "party_id", "party_name", "amount", "currency",
    "status", "provider_reference", "provider_transaction_id", "failure_code", "reason",
)  # fmt: skip
FORMATS = ("csv", "xlsx")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

# What each status means to the person reading the export.
_REASONS: dict[str, str] = {
    S.CREATED: "created, not sent yet",
    S.SENDING: "being sent to the provider",
    S.PENDING: "sent; waiting for the provider to confirm",
    S.UNKNOWN: "sent, but the provider has not answered yet; it is being asked again",
    S.SUCCESSFUL: "paid",
    S.FAILED: "not paid",
    S.CANCELLED: "cancelled before it was sent: not paid",
}


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return f"'{value}" if value.startswith(_DANGEROUS) else value


def reason(row: PayoutBatchRow) -> tuple[str, str]:
    """(status, plain-language reason) of one line."""
    payout = row.transfer
    if payout is None:
        if row.errors:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in row.errors)
            return "invalid", f"not created: {problems}"
        return "not created", "not created yet: the batch was not confirmed"
    text = _REASONS.get(payout.status, str(payout.status))
    if payout.status == S.CREATED and payout.approvals_required:
        text += f" (needs {payout.approvals_required} approvals)"
    if payout.status == S.FAILED:
        detail = payout.failure_message or payout.failure_code
        text = f"{text}: {detail}" if detail else text
    if payout.attention:
        text += f"; waits for an operator ({payout.get_attention_display()})"
    return str(payout.status), text


def _line(row: PayoutBatchRow) -> list[Any]:
    status, why = reason(row)
    payout = row.transfer
    cells = row.cells
    if payout is not None:
        values = [
            payout.external_id,
            payout.party_type,
            payout.party_id,
            payout.party_name,
            format(payout.amount.normalize(), "f"),
            payout.currency,
            status,
            payout.reference,
            payout.provider_transaction_id,
            payout.failure_code,
            why,
        ]
    else:
        values = [
            cells.get("external_id", ""),
            cells.get("party_type", ""),
            cells.get("party_id", ""),
            cells.get("party_name", ""),
            cells.get("amount", ""),
            cells.get("currency", ""),
            status,
            "",
            "",
            "",
            why,
        ]
    return [row.line, *(neutralise(str(v)) for v in values)]


def export_batch(batch_id: int, fmt: str = "csv") -> bytes:
    """The batch's lines with their payouts' outcome, as CSV (UTF-8 with BOM) or XLSX bytes."""
    if fmt not in FORMATS:
        raise InvalidRequest("fmt", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    batch = load_batch(batch_id)
    data = tablib.Dataset(headers=list(HEADERS), title=f"batch {batch.pk}")
    rows = batch.rows.select_related("transfer").order_by("line")
    for row in rows.iterator(1000):
        data.append(_line(row))
    if fmt == "csv":
        # The BOM makes spreadsheets read the file as UTF-8 (Vietnamese names stay readable).
        return b"\xef\xbb\xbf" + str(data.export("csv")).encode("utf-8")
    out = data.export("xlsx")
    return out if isinstance(out, bytes) else bytes(out)
