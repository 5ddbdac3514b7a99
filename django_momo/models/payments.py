"""Transfers (money out), collections (money in) and refunds, sharing one life cycle."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from django_momo.money import AmountError, format_display


def new_callback_token() -> str:
    """An unguessable token for a payment's own callback URL."""
    return secrets.token_urlsafe(24)


# A callback token is URL-safe base64 (``new_callback_token``); anything else names no payment.
_CALLBACK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_callback_token(value: object) -> bool:
    """Whether ``value`` could be one of our callback tokens (only such are ever looked up)."""
    return isinstance(value, str) and _CALLBACK_TOKEN.fullmatch(value) is not None


def is_reference(value: object) -> bool:
    """Whether ``value`` could be a provider reference we store (the ``reference`` field):
    printable and at most 64 characters. What a provider or a forger sends is checked with it
    before any lookup: PostgreSQL refuses NUL bytes in a query."""
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable()


def mask_token(token: str) -> str:
    """A callback token as it may be shown or logged: its first four characters, then "…".

    Whoever knows the whole token can make us query that payment's status, so it never
    appears in a page, a log line, an error message or an API answer.
    """
    return f"{token[:4]}…" if token else ""


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    SENDING = "sending", _("Sending")
    PENDING = "pending", _("Pending")
    UNKNOWN = "unknown", _("Unknown")
    SUCCESSFUL = "successful", _("Successful")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINAL_STATUSES = frozenset(
    {PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED, PaymentStatus.CANCELLED}
)
# Statuses the reconcile sweep looks at once their next check time has come.
UNRESOLVED_STATUSES = frozenset(
    {PaymentStatus.SENDING, PaymentStatus.PENDING, PaymentStatus.UNKNOWN}
)


class Attention(models.TextChoices):
    """Why an unresolved payment waits for an operator (empty: it does not)."""

    NONE = "", _("No")
    OVERDUE = "overdue", _("Not final after PENDING_ALERT_AFTER")
    STOPPED = "stopped", _("Automatic checks stopped (replay age limit)")
    MISMATCH = "mismatch", _("Provider answer does not match the record")


# Attention reasons under which automatic status checks stop: only an operator (or a verified
# notification) can move the payment on.
CHECKS_STOPPED = frozenset({Attention.STOPPED, Attention.MISMATCH})


class Provider(models.TextChoices):
    MTN = "mtn", _("MTN MoMo")
    MOMO_VN = "momo_vn", _("MoMo Vietnam")


class TransferOperation(models.TextChoices):
    MTN_DISBURSEMENT_TRANSFER = "mtn.disbursement.transfer", _("MTN disbursement transfer")
    MTN_DISBURSEMENT_DEPOSIT = "mtn.disbursement.deposit", _("MTN disbursement deposit")
    MTN_REMITTANCE_TRANSFER = "mtn.remittance.transfer", _("MTN remittance transfer")
    MTN_REMITTANCE_CASH_TRANSFER = "mtn.remittance.cash_transfer", _("MTN remittance cash transfer")
    MOMO_VN_WALLET = "momo_vn.pay_wallet", _("MoMo wallet payout")
    MOMO_VN_BANK = "momo_vn.pay_bank", _("MoMo bank payout")


class CollectionOperation(models.TextChoices):
    MTN_REQUEST_TO_PAY = "mtn.collection.request_to_pay", _("MTN request to pay")
    MTN_WITHDRAW = "mtn.collection.withdraw", _("MTN request to withdraw")
    MOMO_VN_WALLET = "momo_vn.capture_wallet", _("MoMo payment (wallet, QR, app)")
    MOMO_VN_ATM = "momo_vn.pay_with_atm", _("MoMo payment by domestic card (ATM)")
    MOMO_VN_CARD = "momo_vn.pay_with_cc", _("MoMo payment by credit card")
    MOMO_VN_METHOD = "momo_vn.pay_with_method", _("MoMo payment, method chosen on MoMo's page")


class RefundOperation(models.TextChoices):
    MTN_REFUND = "mtn.disbursement.refund", _("MTN refund")
    MOMO_VN_REFUND = "momo_vn.refund", _("MoMo refund")


class PartyType(models.TextChoices):
    MSISDN = "MSISDN", _("Phone number (MSISDN)")
    EMAIL = "EMAIL", _("E-mail")
    PARTY_CODE = "PARTY_CODE", _("Party code")
    MOMO_WALLET = "MOMO_WALLET", _("MoMo wallet")
    BANK_ACCOUNT = "BANK_ACCOUNT", _("Bank account")
    BANK_CARD = "BANK_CARD", _("Bank card")


class Payment(models.Model):
    """Fields every money movement has. The status is changed only by ``services``."""

    account = models.CharField(_("account"), max_length=64, db_index=True)
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    operation = models.CharField(_("operation"), max_length=48)
    party_type = models.CharField(_("party type"), max_length=16, choices=PartyType.choices)
    party_id = models.CharField(_("party"), max_length=64, db_index=True)
    party_name = models.CharField(_("party name"), max_length=255, blank=True)
    bank_code = models.CharField(_("bank code"), max_length=32, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=22, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        help_text=_("The shop's own reference, unique per account."),
    )
    reference = models.CharField(
        _("provider reference"),
        max_length=64,
        unique=True,
        help_text=_("MTN X-Reference-Id or MoMo requestId; stored before the request leaves."),
    )
    order_id = models.CharField(_("provider order id"), max_length=64, blank=True)
    message = models.CharField(
        _("message"), max_length=255, blank=True, help_text=_("payerMessage / orderInfo")
    )
    note = models.CharField(_("note"), max_length=160, blank=True, help_text=_("payeeNote"))
    request_body = models.TextField(
        _("request body"),
        blank=True,
        help_text=_("The exact body sent, where the provider needs a byte-identical re-send."),
    )
    provider_transaction_id = models.CharField(
        _("provider transaction id"), max_length=64, blank=True, db_index=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_message = models.TextField(_("failure message"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # How many status checks were made; picks the next delay in STATUS_CHECK_DELAYS.
    status_checks = models.PositiveIntegerField(_("status checks"), default=0)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    # Held by default: nothing is sent that nobody asked to send. A face that creates a payment
    # to be sent clears it in the same transaction, so a lost enqueue is found by the sweep.
    held = models.BooleanField(
        _("held"),
        default=True,
        help_text=_(
            "Created without being sent: only an explicit send moves it on. A created payment "
            "that is not held is sent by the reconcile sweep if its enqueue was lost."
        ),
    )
    attention = models.CharField(
        _("needs attention"),
        max_length=16,
        choices=Attention.choices,
        blank=True,
        default="",
        db_index=True,
    )
    # Maker-checker: how many approvals this payment needs before it may be sent (0: none).
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=0)
    attention_note = models.TextField(_("attention note"), blank=True)
    flagged_at = models.DateTimeField(_("flagged"), null=True, blank=True)
    callback_token = models.CharField(max_length=64, unique=True, default=new_callback_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        try:
            amount = format_display(Decimal(self.amount), self.currency)
        except (AmountError, ArithmeticError, TypeError):
            amount = f"{self.amount} {self.currency}"
        return f"{self.external_id} {amount} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention)


def _payment_meta_parts(prefix: str) -> tuple[list[models.Index], list[models.BaseConstraint]]:
    indexes = [
        models.Index(fields=["status", "next_check_at"], name=f"{prefix}_chk_idx"),
        models.Index(fields=["account", "status"], name=f"{prefix}_acct_idx"),
        models.Index(fields=["-created_at"], name=f"{prefix}_crt_idx"),
    ]
    constraints: list[models.BaseConstraint] = [
        models.UniqueConstraint(
            fields=["account", "external_id"], name=f"{prefix}_unique_external_id"
        ),
        models.CheckConstraint(condition=models.Q(amount__gt=0), name=f"{prefix}_amount_positive"),
    ]
    return indexes, constraints


_t_idx, _t_con = _payment_meta_parts("momo_tr")
_c_idx, _c_con = _payment_meta_parts("momo_col")
_r_idx, _r_con = _payment_meta_parts("momo_ref")


class Transfer(Payment):
    """Money out: an MTN disbursement transfer / deposit, an MTN remittance, a MoMo payout."""

    operation = models.CharField(_("operation"), max_length=48, choices=TransferOperation.choices)
    retry_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retries",
        verbose_name=_("retry of"),
    )
    # The first payout of a retry chain (null on the first payout itself). At most one payout
    # of a chain may be live or successful: the partial unique constraint below enforces it.
    chain_root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chain",
        verbose_name=_("first payout of the chain"),
    )

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-id"]
        indexes = _t_idx
        constraints = [
            *_t_con,
            models.UniqueConstraint(
                fields=["chain_root"],
                condition=models.Q(chain_root__isnull=False)
                & ~models.Q(status__in=["failed", "cancelled"]),
                name="momo_tr_one_live_retry",
            ),
        ]
        permissions = [
            ("send_transfer", "Can send payouts"),
            ("refresh_transfer", "Can refresh payout status"),
            ("cancel_transfer", "Can cancel payouts"),
            ("retry_transfer", "Can retry failed payouts"),
            ("resolve_transfer", "Can resolve unresolved payouts by hand"),
            ("view_balance", "Can view provider account balances"),
            ("approve_transfer", "Can approve or reject payouts"),
        ]


class Collection(Payment):
    """Money in: an MTN request to pay or request to withdraw, or a MoMo payment order.

    A MoMo payment order is created at MoMo (``send``) and then paid by the customer on MoMo's
    page (``pay_url``), in the app (``deeplink``) or by QR code (``qr_code_url`` is the QR's
    data); the IPN or a status query settles it. An order nobody pays expires at MoMo (1005):
    the next status check ends it ``failed``.
    """

    operation = models.CharField(_("operation"), max_length=48, choices=CollectionOperation.choices)
    pay_url = models.URLField(_("payment page"), max_length=1024, blank=True)
    deeplink = models.CharField(_("app link"), max_length=1024, blank=True)
    qr_code_url = models.TextField(_("QR code data"), blank=True)
    pay_type = models.CharField(
        _("paid by"), max_length=32, blank=True, help_text=_("MoMo payType: qr, app, webApp...")
    )

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-created_at", "-id"]
        indexes = _c_idx
        constraints = _c_con
        permissions = [
            ("request_collection", "Can request payments"),
            ("send_collection", "Can send payment requests"),
            ("cancel_collection", "Can cancel unsent payment requests"),
            ("refresh_collection", "Can refresh collection status"),
            ("refund_collection", "Can refund collections"),
            ("resolve_collection", "Can resolve unresolved collections by hand"),
        ]


class Refund(Payment):
    """A refund of a successful collection (MTN, or MoMo with its own orderId); refunds never
    exceed what was collected."""

    operation = models.CharField(
        _("operation"),
        max_length=48,
        choices=RefundOperation.choices,
        default=RefundOperation.MTN_REFUND,
    )
    collection = models.ForeignKey(
        Collection, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("collection")
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        indexes = _r_idx
        constraints = _r_con
        permissions = [
            ("send_refund", "Can send refunds"),
            ("cancel_refund", "Can cancel unsent refunds"),
            ("refresh_refund", "Can refresh refund status"),
            ("resolve_refund", "Can resolve unresolved refunds by hand"),
            ("approve_refund", "Can approve or reject refunds"),
        ]
