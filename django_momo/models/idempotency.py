"""Idempotency keys of the REST API: one stored answer per (user, key)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A POST seen under an ``Idempotency-Key`` header, and the answer it got.

    A row is inserted (``in_progress=True``) before the request runs; the unique constraint on
    (user, key) makes a concurrent second request lose, so it can never create a second payment.
    """

    key = models.CharField(_("key"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=255)
    fingerprint = models.CharField(
        _("request fingerprint"), max_length=64, help_text=_("sha256 of the canonical JSON body")
    )
    in_progress = models.BooleanField(_("in progress"), default=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="momo_idem_unique_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
