"""The audit trail: every status change of every payment, with who or what made it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusChange(models.Model):
    """One transition of one payment, written in the same transaction as the change itself."""

    transfer = models.ForeignKey(
        "django_momo.Transfer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    collection = models.ForeignKey(
        "django_momo.Collection",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    refund = models.ForeignKey(
        "django_momo.Refund",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    reason = models.TextField(_("why"), blank=True)
    actor = models.CharField(
        _("who or what"),
        max_length=128,
        help_text=_('e.g. "user:alice", "task:reconcile", "callback:42"'),
    )
    provider_data = models.JSONField(_("provider data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(transfer__isnull=False, collection__isnull=True, refund__isnull=True)
                    | models.Q(transfer__isnull=True, collection__isnull=False, refund__isnull=True)
                    | models.Q(transfer__isnull=True, collection__isnull=True, refund__isnull=False)
                ),
                name="momo_statuschange_one_payment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.actor})"

    @property
    def payment(self) -> models.Model | None:
        return self.transfer or self.collection or self.refund
