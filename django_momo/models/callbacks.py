"""Every callback and IPN as received, valid or not, stored before anything else happens."""

from __future__ import annotations

from django.db import models
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext_lazy as _

from .payments import mask_token

# Tokens this long could be a payment's (new_callback_token makes 32 characters); shorter ones
# are masked only as the token segment of the path, so "/a/" does not garble "callbacks".
_WHOLE_TOKEN_MIN = 16


class CallbackVerdict(models.TextChoices):
    RECEIVED = "received", _("Received (not processed yet)")
    VALID = "valid", _("Valid")
    INVALID_SIGNATURE = "invalid_signature", _("Invalid signature")
    UNKNOWN_TOKEN = "unknown_token", _("Unknown token or payment")
    MALFORMED = "malformed", _("Malformed")
    MISMATCH = "mismatch", _("Does not match the payment")
    DUPLICATE = "duplicate", _("Duplicate")
    LATE = "late", _("Late (payment already final)")
    FORBIDDEN_SOURCE = "forbidden_source", _("Source address not allowed")
    ERROR = "error", _("Processing error")


class Callback(models.Model):
    """A provider callback (MTN) or IPN (MoMo) exactly as it arrived."""

    provider = models.CharField(_("provider"), max_length=16, db_index=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=512)
    headers = models.JSONField(_("headers"), default=dict, help_text=_("Secrets redacted."))
    body = models.BinaryField(_("raw body"), blank=True)
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    token = models.CharField(_("token"), max_length=128, blank=True, db_index=True)
    transfer = models.ForeignKey(
        "django_momo.Transfer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    collection = models.ForeignKey(
        "django_momo.Collection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    refund = models.ForeignKey(
        "django_momo.Refund",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    verdict = models.CharField(
        _("verdict"),
        max_length=24,
        choices=CallbackVerdict.choices,
        default=CallbackVerdict.RECEIVED,
        db_index=True,
    )
    result = models.TextField(_("processing result"), blank=True)
    error = models.TextField(_("processing error"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(
        _("answered with"), null=True, blank=True, help_text=_("HTTP status code of our answer.")
    )

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["-received_at", "-id"]
        permissions = [("reprocess_callback", "Can reprocess callbacks")]

    def __str__(self) -> str:
        return f"{self.provider} {self.method} {self.masked_path} ({self.verdict})"

    def __repr__(self) -> str:
        return f"<Callback {self.pk}: {self}>"

    @property
    def masked_path(self) -> str:
        """The path with the callback token masked (an MTN path carries the payment's token)."""
        token, path = self.token, self.path
        if not token:
            return path
        masked = mask_token(token)
        # The stored path is percent-encoded, the token as the URL resolver decoded it.
        for form in {token, escape_uri_path(token)}:
            path = path.replace(f"/{form}/", f"/{masked}/")
            if len(form) >= _WHOLE_TOKEN_MIN:
                # Long enough to be a real token: masked wherever else it appears (a query).
                path = path.replace(form, masked)
        return path

    @property
    def body_text(self) -> str:
        return bytes(self.body or b"").decode("utf-8", "replace")
