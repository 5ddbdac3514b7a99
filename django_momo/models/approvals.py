"""Maker-checker: one row per approval or rejection, bound to a digest of the money fields."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Approval(models.Model):
    """A checker's decision on a payout or refund, valid only while its digest still matches."""

    transfer = models.ForeignKey(
        "django_momo.Transfer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approvals",
    )
    refund = models.ForeignKey(
        "django_momo.Refund",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approvals",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checker"),
    )
    decision = models.CharField(_("decision"), max_length=16, choices=ApprovalDecision.choices)
    # sha256 of the payment's money fields when the checker decided: any change voids it.
    digest = models.CharField(_("digest of the money fields"), max_length=64)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "user"], name="momo_appr_one_per_transfer"),
            models.UniqueConstraint(fields=["refund", "user"], name="momo_appr_one_per_refund"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} by user {self.user_id}"
