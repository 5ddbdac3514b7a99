"""One shop reference, one obligation: external ids claimed across every kind of payment."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalIdClaim(models.Model):
    """An ``external_id`` taken on one account within one provider product ("scope").

    An MTN refund is a disbursement booking like a transfer, so a refund may not reuse a
    transfer's external id: both claim it under the scope ``mtn.disbursement``. Each provider's
    adapter names the scope of an operation (``booking_scope``). The claim row is
    written in the same transaction as the payment, so the unique constraint decides races.
    """

    account = models.CharField(_("account"), max_length=64)
    scope = models.CharField(_("booking scope"), max_length=48)
    external_id = models.CharField(_("external id"), max_length=64)
    kind = models.CharField(_("payment kind"), max_length=16)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("external id claim")
        verbose_name_plural = _("external id claims")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "scope", "external_id"], name="momo_extid_unique_in_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account}/{self.scope}/{self.external_id} ({self.kind})"
