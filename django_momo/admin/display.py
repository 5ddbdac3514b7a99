"""Small display pieces shared by the payment admins: badges, amounts, filters, balances."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.cache import cache
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from django_momo.conf import momo_settings
from django_momo.models import FINAL_STATUSES, Attention, PaymentStatus
from django_momo.money import AmountError, format_display

logger = logging.getLogger(__name__)

BALANCE_CACHE_KEY = "django_momo:admin:balance:{account}"


def status_badge(status: str) -> SafeString:
    """The status as a coloured badge (colours in ``django_momo/admin.css``)."""
    try:
        label: Any = PaymentStatus(status).label
    except ValueError:
        label = status
    return format_html('<span class="momo-badge momo-badge-{}">{}</span>', status, label)


# Short labels for the changelist; the model's choices say the reason in full.
ATTENTION_SHORT = {
    Attention.OVERDUE.value: _("overdue"),
    Attention.STOPPED.value: _("checks stopped"),
    Attention.MISMATCH.value: _("mismatch"),
}


def attention_badge(attention: str, status: str = "") -> SafeString | str:
    """A small badge for a payment waiting for an operator; empty once it is final or unflagged."""
    if not attention or status in FINAL_STATUSES:
        return ""
    try:
        reason = Attention(attention)
    except ValueError:
        return format_html('<span class="momo-attention">{}</span>', attention)
    return format_html(
        '<span class="momo-attention momo-attention-{}" title="{}">{}</span>',
        attention,
        reason.label,
        ATTENTION_SHORT.get(attention, reason.label),
    )


def display_amount(amount: Decimal | None, currency: str) -> str:
    """``1,000 UGX``; falls back to the raw value for a currency we do not know."""
    if amount is None:
        return ""
    try:
        return format_display(amount, currency)
    except AmountError:
        return f"{amount} {currency}"


class AccountFilter(admin.SimpleListFilter):
    """Configured accounts, read from settings: no ``SELECT DISTINCT`` over a large table."""

    title = _("account")
    parameter_name = "account"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in sorted(momo_settings.accounts())]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(account=value) if value else queryset


class CurrencyFilter(admin.SimpleListFilter):
    """Currencies of the configured accounts (no ``SELECT DISTINCT`` either)."""

    title = _("currency")
    parameter_name = "currency"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        accounts = momo_settings.accounts().values()
        codes = {account.currency for account in accounts if account.currency}
        return [(code, code) for code in sorted(codes)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(currency=value) if value else queryset


class AttentionFilter(admin.SimpleListFilter):
    """Unfinished payments flagged for an operator, by reason (``services.needing_attention``)."""

    title = _("needs attention")
    parameter_name = "attention"
    YES, NO = "yes", "no"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (self.YES, _("Yes")),
            *ATTENTION_SHORT.items(),
            (self.NO, _("No")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        # A final payment needs nobody, whatever flag it was left with.
        unfinished = queryset.exclude(status__in=list(FINAL_STATUSES))
        if value == self.YES:
            return unfinished.exclude(attention="")
        if value in ATTENTION_SHORT:
            return unfinished.filter(attention=value)
        if value == self.NO:
            return queryset.filter(Q(attention="") | Q(status__in=list(FINAL_STATUSES)))
        return queryset


def account_balances() -> list[dict[str, Any]]:
    """Each account's provider balance, cached for ``BALANCE_CACHE_SECONDS``.

    A provider that cannot be reached gives a readable message instead of an error page; that
    message is cached too, so a provider outage does not slow down every changelist load.
    """
    from django_momo import services

    result = []
    timeout = momo_settings.BALANCE_CACHE_SECONDS
    for name in sorted(momo_settings.accounts()):
        key = BALANCE_CACHE_KEY.format(account=name)
        entry = cache.get(key)
        if entry is None:
            try:
                amounts = services.get_balance(name)
                entry = {"amounts": [display_amount(amount, cur) for amount, cur in amounts]}
            except Exception as exc:  # any failure must leave the changelist usable
                logger.warning("balance of account %s unavailable: %s", name, type(exc).__name__)
                entry = {"error": balance_error_text(exc)}
            cache.set(key, entry, timeout)
        result.append({"account": name, **entry})
    return result


def balance_error_text(exc: Exception) -> str:
    """An operator-readable reason; provider error messages are redacted at the source."""
    from django_momo.providers.base import (
        AuthenticationError,
        ConfigurationError,
        ProviderError,
        TransientError,
    )

    if isinstance(exc, TransientError):
        return str(_("Balance unavailable: the provider could not be reached. Try again later."))
    if isinstance(exc, AuthenticationError | ConfigurationError):
        return str(_("Balance unavailable: the provider refused the account's credentials."))
    if isinstance(exc, ProviderError):
        return str(_("Balance unavailable: the provider answered with an error."))
    return str(_("Balance unavailable: the provider could not be reached."))


def payment_link(obj: Model | None) -> SafeString | str:
    """A link to a payment's admin change page, or an empty string."""
    if obj is None:
        return ""
    from django.urls import reverse

    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, getattr(obj, "external_id", obj.pk))


# Schemes a link received from a provider may be clickable with; anything else (``javascript:``,
# ``data:``...) is shown as text. MoMo's app links are ``momo://...``.
WEB_SCHEMES = frozenset({"https", "http"})
APP_SCHEMES = frozenset({"momo", *WEB_SCHEMES})


def new_tab_link(url: str, schemes: frozenset[str] = WEB_SCHEMES) -> SafeString | str:
    """``url`` (from a provider) as a link opening in a new tab, if its scheme is one of
    ``schemes``; otherwise as escaped text, never clickable. Empty for an empty ``url``."""
    from urllib.parse import urlsplit

    if not url:
        return ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in schemes or any(char.isspace() or ord(char) < 32 for char in url):
        return format_html('<span class="momo-link-refused">{}</span>', url)
    return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, url)


# Data longer than this is not drawn (MoMo's QR data is about a hundred characters).
QR_DATA_MAX = 2000


def qr_code_svg(data: str) -> SafeString | str:
    """The QR code of ``data`` (a provider's QR payload) as an inline SVG, or ``""``.

    The data reaches the page only as segno's drawing (paths, no text), never as markup of ours;
    a white background keeps it scannable on a dark admin theme.
    """
    import segno

    if not data or len(data) > QR_DATA_MAX:
        return ""
    try:
        svg = segno.make(data, micro=False).svg_inline(scale=4, light="#fff")
    except ValueError:  # segno.DataOverflowError among them
        return ""
    return format_html('<div class="momo-qr">{}</div>', mark_safe(svg))  # noqa: S308


def display_time(value: Any) -> str:
    """A timeline's time with seconds and the time zone: ``2025-05-01 14:03:07 UTC``."""
    if value is None:
        return ""
    from django.utils import timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def configured_operations(choices: Any) -> list[tuple[str, str]]:
    """The operations of ``choices`` (a kind's ``TextChoices``) that a configured account
    offers, as the adapters say (no provider is named here)."""
    from django_momo.services.adapters import adapter_for

    accounts = momo_settings.accounts().values()
    return [
        (value, str(label))
        for value, label in choices.choices
        if any(adapter_for(a.provider).offers(a, value) for a in accounts)
    ]


def account_operations(account: Any, choices: Any) -> list[tuple[str, str]]:
    """The operations of ``choices`` that ``account`` offers."""
    from django_momo.services.adapters import adapter_for

    adapter = adapter_for(account.provider)
    return [
        (value, str(label)) for value, label in choices.choices if adapter.offers(account, value)
    ]


def operation_filter(choices: Any) -> type[admin.SimpleListFilter]:
    """A filter by operation listing only the operations of the configured accounts."""

    class OperationFilter(admin.SimpleListFilter):
        title = _("operation")
        parameter_name = "operation"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return configured_operations(choices)

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            return queryset.filter(operation=value) if value else queryset

    return OperationFilter


def currency_totals(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    """Count and total amount per currency of ``queryset`` (one grouped query)."""
    from django.db.models import Count, Sum

    rows = (
        queryset.order_by()
        .values("currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("currency")
    )
    return [
        {
            "currency": row["currency"],
            "count": row["count"],
            "total": display_amount(row["total"], row["currency"]),
        }
        for row in rows
    ]
