"""Bulk payouts: a batch uploaded from a CSV or XLSX file, its rows, and its approvals.

A batch is previewed (every row validated, nothing created), then confirmed against the digest
the operator saw (one held payout per row), approved as one unit when the account's rules say
so, and sent. Its state changes only through ``services.batches``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .approvals import ApprovalDecision


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed (nothing created)")
    CREATED = "created", _("Payouts created (held)")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done (every payout final)")
    CANCELLED = "cancelled", _("Cancelled")


class PayoutBatch(models.Model):
    """One uploaded file of payouts on one account."""

    account = models.CharField(_("account"), max_length=64, db_index=True)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("sha256 of the file"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BatchStatus.choices,
        default=BatchStatus.PREVIEWED,
        db_index=True,
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    valid_count = models.PositiveIntegerField(_("valid rows"), default=0)
    # {"EUR": "1250.50"}: the valid rows' amounts per currency, as plain decimal strings.
    totals = models.JSONField(_("totals per currency"), default=dict)
    # sha256 over every valid row's money fields, in line order: what the operator confirms.
    digest = models.CharField(_("digest of the money fields"), max_length=64)
    # {"amounts": {"EUR": "9000"}, "error": ""}: the balance asked at preview time, or why not.
    balance = models.JSONField(_("balance at preview"), default=dict)
    verify = models.BooleanField(
        _("verify parties"),
        default=False,
        help_text=_("Check each party with the provider before sending (where it offers that)."),
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("upload_batch", "Can upload payout batches and create their payouts"),
            ("send_batch", "Can send payout batches"),
            ("approve_batch", "Can approve or reject payout batches"),
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.filename} ({self.status})"


class PayoutBatchRow(models.Model):
    """One line of the file: the cells as given, the cleaned fields, what is wrong with it."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.CASCADE, related_name="rows", verbose_name=_("batch")
    )
    line = models.PositiveIntegerField(_("line"))
    # {"column": "cell as text"}, exactly as read from the file.
    cells = models.JSONField(_("cells"), default=dict)
    operation = models.CharField(_("operation"), max_length=48, blank=True)
    party_type = models.CharField(_("party type"), max_length=16, blank=True)
    party_id = models.CharField(_("party"), max_length=64, blank=True)
    party_name = models.CharField(_("party name"), max_length=255, blank=True)
    bank_code = models.CharField(_("bank code"), max_length=32, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=22, decimal_places=4, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)
    # [{"field": "amount", "message": "..."}]: a row with errors blocks the whole batch.
    errors = models.JSONField(_("errors"), default=list)
    # Same shape; shown, never blocking (e.g. the same party and amount twice).
    warnings = models.JSONField(_("warnings"), default=list)
    # "line 7" (same external id earlier in the file) or an existing payment's external id.
    duplicate_of = models.CharField(_("duplicate of"), max_length=80, blank=True)
    transfer = models.OneToOneField(
        "django_momo.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batch_row",
        verbose_name=_("payout"),
    )
    # The provider's payee check (``services.batches.verify_batch``): "" = not checked. A result
    # other than "ok" is a warning for the operator, never an error that blocks the batch.
    check_result = models.CharField(
        _("payee check"),
        max_length=16,
        blank=True,
        choices=[
            ("ok", _("ok")),
            ("name_mismatch", _("name mismatch")),
            ("inactive", _("inactive")),
            ("unknown", _("unknown")),
            ("error", _("check failed")),
        ],
    )
    check_detail = models.CharField(_("payee check detail"), max_length=255, blank=True)
    checked_at = models.DateTimeField(_("payee checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout batch row")
        verbose_name_plural = _("payout batch rows")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="momo_batchrow_one_per_line")
        ]

    def __str__(self) -> str:
        return f"line {self.line} of batch {self.batch_id}"

    @property
    def is_valid(self) -> bool:
        return not self.errors


class PayoutBatchApproval(models.Model):
    """A checker's decision on a whole batch, valid only while the batch digest matches."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("batch")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checker"),
    )
    decision = models.CharField(_("decision"), max_length=16, choices=ApprovalDecision.choices)
    digest = models.CharField(_("digest of the batch"), max_length=64)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout batch approval")
        verbose_name_plural = _("payout batch approvals")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "user"], name="momo_batchappr_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.decision} by user {self.user_id}"


class PayoutBatchEvent(models.Model):
    """The batch's audit trail: every change of its status (and every decision), who and why."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.CASCADE, related_name="events", verbose_name=_("batch")
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    actor = models.CharField(_("by"), max_length=128)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("payout batch event")
        verbose_name_plural = _("payout batch events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} by {self.actor}"
