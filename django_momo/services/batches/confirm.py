"""Confirming a previewed batch (one held payout per row), approving it, cancelling it.

Confirmation needs the digest the operator was shown. Payouts are created through
``create_transfer`` (idempotent by external id), one transaction per chunk of rows, each
chunk holding the batch's row lock so two confirmations never interleave. When the account's
``APPROVALS`` rule asks approvals for the batch total (or any row), every payout of the batch
needs that many: a batch approval writes one ``Approval`` per payout, bound to that payout's
``money_digest``, so ``send_payment``'s own check stays the single gate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_momo.models import (
    Approval,
    ApprovalDecision,
    BatchStatus,
    ExternalIdClaim,
    PaymentStatus,
    PayoutBatch,
    PayoutBatchApproval,
    PayoutBatchRow,
    StatusChange,
    Transfer,
)
from django_momo.services import access
from django_momo.services.adapters import adapter_for
from django_momo.services.approvals import approvals_needed, money_digest
from django_momo.services.batches.events import record
from django_momo.services.batches.preview import CHUNK, DIGEST_FIELDS, batch_digest
from django_momo.services.clients import get_account
from django_momo.services.errors import InvalidRequest, InvalidTransition
from django_momo.services.transfers import cancel_transfer, create_transfer

logger = logging.getLogger("django_momo")

B = BatchStatus
S = PaymentStatus
_DIGEST_RE = re.compile(r"[0-9a-f]{64}")


def load_batch(batch_id: object, *, lock: bool = False) -> PayoutBatch:
    """The batch ``batch_id``; ``InvalidRequest("batch")`` if there is none."""
    if not isinstance(batch_id, int) or isinstance(batch_id, bool):
        raise InvalidRequest("batch", f"must be a batch id (a whole number), got {batch_id!r}")
    qs = PayoutBatch.objects.select_for_update() if lock else PayoutBatch.objects.all()
    batch = qs.filter(pk=batch_id).first()
    if batch is None:
        raise InvalidRequest("batch", f"no payout batch with id {batch_id}")
    return batch


def valid_batch_approvals(batch: PayoutBatch) -> int:
    """Approvals of the batch whose digest is the batch's digest."""
    return batch.approvals.filter(decision=ApprovalDecision.APPROVED, digest=batch.digest).count()


def batch_payouts(batch: PayoutBatch) -> Any:
    """The batch's payouts, in line order."""
    return Transfer.objects.filter(batch_row__batch=batch).order_by("batch_row__line")


def _required(batch: PayoutBatch) -> int:
    totals = [Decimal(total) for total in batch.totals.values()]
    return max((approvals_needed(batch.account, total) for total in totals), default=0)


def _refuse_taken_ids(batch: PayoutBatch) -> None:
    """Refuse before creating anything when an external id was claimed since the preview."""
    adapter = adapter_for(get_account(batch.account).provider)
    rows = list(batch.rows.filter(transfer__isnull=True).values_list("external_id", "operation"))
    for start in range(0, len(rows), CHUNK):
        part = dict(rows[start : start + CHUNK])
        claims = ExternalIdClaim.objects.filter(account=batch.account, external_id__in=part)
        for claim in claims:
            if claim.scope == adapter.booking_scope(part[claim.external_id]):
                raise InvalidRequest(
                    "external_id",
                    f"{claim.external_id!r} was taken by a {claim.kind} after the preview: "
                    "upload a corrected file; nothing was created",
                )


def create_batch_payouts(
    batch_id: int,
    *,
    digest: str,
    user: Any,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> PayoutBatch:
    """Create one held payout per row of a previewed batch; ``digest`` must be the one shown.

    Refused (nothing created) unless the batch is ``previewed``, has no row with errors and
    ``digest`` equals its digest. Confirming a batch already created with the same digest
    returns it unchanged. ``progress(done, total)`` is called after each chunk.
    """
    access.require(user, access.BATCH, access.Action.CREATE)
    if not isinstance(digest, str) or not _DIGEST_RE.fullmatch(digest):
        raise InvalidRequest("digest", "the batch digest shown by the preview (64 hex digits)")
    batch = load_batch(batch_id)
    if digest != batch.digest:
        raise InvalidRequest(
            "digest", "does not match the batch: confirm what the preview shows, or preview again"
        )
    if batch.status in (B.CREATED, B.SENDING, B.DONE):
        return batch  # confirmed already (a double click)
    if batch.status != B.PREVIEWED:
        raise InvalidTransition(f"batch {batch.pk} is {batch.status}", status=batch.status)
    if batch.row_count == 0 or batch.valid_count != batch.row_count:
        raise InvalidTransition(
            f"batch {batch.pk} has {batch.row_count - batch.valid_count} rows with errors: "
            "correct the file and upload it again",
            status=batch.status,
        )
    if batch_digest(batch.account, batch.rows.order_by("line").iterator(CHUNK)) != batch.digest:
        raise InvalidTransition(f"batch {batch.pk}'s rows no longer match its digest")
    _refuse_taken_ids(batch)
    required = _required(batch)  # before the batch's own payouts count towards the day
    row_ids = list(batch.rows.order_by("line").values_list("pk", flat=True))
    for start in range(0, len(row_ids), CHUNK):
        with transaction.atomic():
            locked = load_batch(batch.pk, lock=True)
            if locked.status != B.PREVIEWED:
                return locked  # another confirmation finished first
            _create_chunk(locked, row_ids[start : start + CHUNK], required, user, actor)
        if progress is not None:
            progress(min(start + CHUNK, len(row_ids)), len(row_ids))
    with transaction.atomic():
        changed = PayoutBatch.objects.filter(pk=batch.pk, status=B.PREVIEWED).update(
            status=B.CREATED,
            confirmed_by=user,
            approvals_required=required,
            updated_at=timezone.now(),
        )
        if changed:
            needs = f"; {required} approvals required" if required else ""
            record(
                batch.pk,
                B.CREATED,
                from_status=B.PREVIEWED,
                actor=actor,
                note=f"{batch.row_count} held payouts created{needs}",
            )
    logger.info(
        "batch %s confirmed by %s: %s payouts%s",
        batch.pk,
        actor,
        batch.row_count,
        f", {required} approvals required" if required else "",
    )
    if not changed:
        logger.info("batch %s was confirmed by another request first", batch.pk)
    return load_batch(batch.pk)


def _create_chunk(
    batch: PayoutBatch, row_ids: list[int], required: int, user: Any, actor: str
) -> None:
    rows = list(PayoutBatchRow.objects.filter(pk__in=row_ids, transfer__isnull=True))
    created_ids = []
    for row in rows:
        try:
            transfer, created = create_transfer(
                account=batch.account,
                operation=row.operation,
                party_id=row.party_id,
                amount=row.amount,
                external_id=row.external_id,
                currency=row.currency,
                party_type=row.party_type,
                party_name=row.party_name,
                bank_code=row.bank_code,
                message=row.message,
                actor=actor,
                created_by=user,
                hold=True,
            )
        except InvalidRequest as exc:
            raise InvalidRequest(exc.field, f"line {row.line}: {exc.message}") from None
        if not created:
            raise InvalidRequest(
                "external_id",
                f"line {row.line}: {row.external_id!r} is already payout {transfer.pk}, "
                "not of this batch",
            )
        row.transfer = transfer
        created_ids.append(transfer.pk)
    PayoutBatchRow.objects.bulk_update(rows, ["transfer"])
    if required:
        Transfer.objects.filter(pk__in=created_ids, approvals_required__lt=required).update(
            approvals_required=required
        )


def _matches_row(payout: Transfer, row: PayoutBatchRow) -> bool:
    for name in DIGEST_FIELDS:
        if getattr(payout, name) != getattr(row, name):
            return False
    return payout.account == row.batch.account


def decide_batch(
    batch_id: int, *, user: Any, decision: str, note: str = "", actor: str
) -> PayoutBatch:
    """Record ``user``'s approval or rejection of a created batch needing approvals, as one unit.

    An approval is bound to the batch digest and writes one ``Approval`` per payout (bound to
    that payout's money digest); a rejection cancels the batch and every payout of it. Refused
    for the batch's maker (uploader or confirmer), a user without ``approve_batch``, a second
    decision by the same user, and a payout that no longer matches its row.
    """
    if decision not in (ApprovalDecision.APPROVED, ApprovalDecision.REJECTED):
        raise InvalidRequest("decision", "must be 'approved' or 'rejected'")
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidRequest("note", "at most 2000 characters of text")
    note = note.strip()
    if decision == ApprovalDecision.REJECTED and not note:
        raise InvalidRequest("note", "required for a rejection: say why")
    access.require(user, access.BATCH, access.Action.APPROVE)
    who = f"user:{user.get_username()}"
    with transaction.atomic():
        batch = load_batch(batch_id, lock=True)
        if batch.status != B.CREATED:
            raise InvalidTransition(
                f"batch {batch.pk} is {batch.status}: only a created batch is approved",
                status=batch.status,
            )
        if not batch.approvals_required:
            raise InvalidTransition(f"batch {batch.pk} needs no approval", status=batch.status)
        if user.pk in (batch.uploaded_by_id, batch.confirmed_by_id):
            raise InvalidRequest("user", "the maker of a batch may not approve or reject it")
        try:
            with transaction.atomic():
                PayoutBatchApproval.objects.create(
                    batch=batch, user=user, decision=decision, digest=batch.digest, note=note
                )
        except IntegrityError:
            raise InvalidTransition(
                f"{user.get_username()} has already decided on batch {batch.pk}",
                status=batch.status,
            ) from None
        if decision == ApprovalDecision.REJECTED:
            why = f"batch {batch.pk} rejected by {who}: {note}"
            _cancel_payouts(batch, actor=actor, reason=why)
            PayoutBatch.objects.filter(pk=batch.pk).update(
                status=B.CANCELLED, note=f"rejected by {who}: {note}", updated_at=timezone.now()
            )
            record(
                batch.pk,
                B.CANCELLED,
                from_status=B.CREATED,
                actor=actor,
                note=f"rejected by {who}: {note}",
            )
        else:
            _approve_payouts(batch, user, note, who, actor)
            record(
                batch.pk,
                B.CREATED,
                from_status=B.CREATED,
                actor=actor,
                note=f"approved by {who}" + (f": {note}" if note else ""),
            )
    logger.info("batch %s %s by %s", batch_id, decision, who)
    return load_batch(batch.pk)


def _approve_payouts(batch: PayoutBatch, user: Any, note: str, who: str, actor: str) -> None:
    count = valid_batch_approvals(batch)
    rows = PayoutBatchRow.objects.filter(batch=batch).select_related("batch").order_by("line")
    payouts = {
        p.pk: p
        for p in Transfer.objects.select_for_update().filter(
            pk__in=rows.values_list("transfer_id", flat=True)
        )
    }
    already = {
        a.transfer_id: a for a in Approval.objects.filter(transfer_id__in=list(payouts), user=user)
    }
    approvals, changes = [], []
    for row in rows.iterator(CHUNK):
        payout = payouts.get(row.transfer_id or 0)
        if payout is None or payout.status != S.CREATED:
            continue  # cancelled one by one since: nothing left to approve
        if not _matches_row(payout, row):
            raise InvalidTransition(
                f"payout {payout.pk} no longer matches line {row.line} of batch {batch.pk}: "
                "nothing was approved"
            )
        digest = money_digest(payout)
        earlier = already.get(payout.pk)
        if earlier is not None:
            if earlier.decision == ApprovalDecision.APPROVED and earlier.digest == digest:
                continue  # approved one by one already: that approval stands
            raise InvalidTransition(
                f"{user.get_username()} already decided on payout {payout.pk} (line "
                f"{row.line}) on its own: nothing was approved"
            )
        approvals.append(
            Approval(
                transfer=payout,
                user=user,
                decision=ApprovalDecision.APPROVED,
                digest=digest,
                note=note or f"batch {batch.pk}",
            )
        )
        changes.append(
            StatusChange(
                transfer=payout,
                from_status=S.CREATED,
                to_status=S.CREATED,
                reason=f"approved by {who} with batch {batch.pk} ({count} of "
                f"{batch.approvals_required})" + (f": {note}" if note else ""),
                actor=actor[:128],
            )
        )
    Approval.objects.bulk_create(approvals, batch_size=CHUNK)
    StatusChange.objects.bulk_create(changes, batch_size=CHUNK)


def _cancel_payouts(batch: PayoutBatch, *, actor: str, reason: str) -> int:
    ids = list(batch_payouts(batch).filter(status=S.CREATED).values_list("pk", flat=True))
    for pk in ids:
        cancel_transfer(pk, actor=actor, reason=reason[:255])
    return len(ids)


def cancel_batch(batch_id: int, *, user: Any, actor: str, reason: str = "") -> PayoutBatch:
    """Cancel a previewed batch, or a created one with every payout of it (none was sent)."""
    access.require(user, access.BATCH, access.Action.CREATE)
    if not isinstance(reason, str) or len(reason) > 2000:
        raise InvalidRequest("reason", "at most 2000 characters of text")
    who = f"user:{user.get_username()}"
    with transaction.atomic():
        batch = load_batch(batch_id, lock=True)
        if batch.status == B.CANCELLED:
            return batch
        if batch.status not in (B.PREVIEWED, B.CREATED):
            raise InvalidTransition(
                f"batch {batch.pk} is {batch.status}: only a batch not sent yet is cancelled",
                status=batch.status,
            )
        text = f"cancelled by {who}" + (f": {reason.strip()}" if reason.strip() else "")
        # A previewed batch may hold payouts of a confirmation that stopped half way.
        _cancel_payouts(batch, actor=actor, reason=f"batch {batch.pk} {text}")
        PayoutBatch.objects.filter(pk=batch.pk).update(
            status=B.CANCELLED, note=text, updated_at=timezone.now()
        )
        record(batch.pk, B.CANCELLED, from_status=batch.status, actor=actor, note=text)
    logger.info("batch %s %s", batch_id, text)
    return load_batch(batch.pk)
