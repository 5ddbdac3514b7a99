"""Admin of payouts, collections, refunds and their audit trail.

Statuses are never edited here: only ``services`` change them, through the actions in
``actions.py``. A payment that has left ``created`` is a record of the past and read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_momo.models import (
    KINDS,
    Callback,
    Collection,
    Payment,
    Refund,
    StatusChange,
    Transfer,
)
from django_momo.services import access

from . import actions, approvals
from .collection_view import new_momo_payment_view
from .display import (
    APP_SCHEMES,
    AccountFilter,
    AttentionFilter,
    CurrencyFilter,
    account_balances,
    attention_badge,
    display_amount,
    new_tab_link,
    payment_link,
    qr_code_svg,
    status_badge,
)
from .payout_view import new_payout_view

# Never shown: the callback token opens the payment's callback URL; the stored request body is
# only for byte-identical re-sends.
HIDDEN_FIELDS = ("callback_token", "request_body")


# What an operator reads first on a payment's page.
HEADLINE_FIELDS = (
    "external_id", "status_badge", "amount_display", "account", "operation", "party_type",
    "party_id", "party_name", "bank_code", "reference", "provider_transaction_id",
    "failure_code", "failure_message",
)  # fmt: skip
# Why the payment waits for an operator, when the sweep or the provider's answer flagged it.
ATTENTION_FIELDS = ("attention", "attention_note", "flagged_at")


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows history and allows nothing else."""

    # Django's tabular template prints each row's ``str()``; a callback's names its URL, which
    # carries the payment's callback token, so these rows show their fields only.
    template = "admin/django_momo/readonly_tabular.html"
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def status_change_inline(fk: str) -> type[ReadOnlyInline]:
    """The timeline of a payment's status changes, oldest first."""
    return type(
        f"StatusChangeInline_{fk}",
        (ReadOnlyInline,),
        {
            "model": StatusChange,
            "fk_name": fk,
            "fields": (
                "created_at",
                "from_status",
                "to_status",
                "actor",
                "reason",
                "provider_data",
            ),
            "readonly_fields": (
                "created_at",
                "from_status",
                "to_status",
                "actor",
                "reason",
                "provider_data",
            ),
            "ordering": ("created_at", "id"),
            "verbose_name_plural": _("timeline"),
            "show_change_link": False,
        },
    )


def callback_inline(fk: str) -> type[ReadOnlyInline]:
    """The callbacks received for a payment, as stored (headers are redacted at the source)."""
    return type(
        f"CallbackInline_{fk}",
        (ReadOnlyInline,),
        {
            "model": Callback,
            "fk_name": fk,
            "fields": ("received_at", "method", "remote_addr", "verdict", "result", "processed_at"),
            "readonly_fields": (
                "received_at",
                "method",
                "remote_addr",
                "verdict",
                "result",
                "processed_at",
            ),
            "ordering": ("received_at", "id"),
        },
    )


class PaymentAdmin(admin.ModelAdmin):
    """What transfers, collections and refunds share: columns, filters, search, read-only rules."""

    list_display = [
        "created_at", "account", "party", "amount_display", "status_badge", "attention_badge",
        "external_id", "reference",
    ]  # fmt: skip
    list_display_links = ("created_at", "external_id")
    list_filter = (
        "status",
        AttentionFilter,
        AccountFilter,
        "operation",
        CurrencyFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ["=external_id", "=reference", "party_id", "=provider_transaction_id"]
    list_select_related = ["created_by"]
    show_full_result_count = False
    # date_hierarchy stays off: its year/month links aggregate over the whole table.
    list_per_page = 100
    raw_id_fields = ["created_by"]

    class Media:
        css = {"all": ("django_momo/admin.css",)}

    @admin.display(description=_("party"), ordering="party_id")
    def party(self, obj: Payment) -> str:
        return f"{obj.party_id} ({obj.party_name})" if obj.party_name else obj.party_id

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return display_amount(obj.amount, obj.currency)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Payment) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description=_("needs attention"), ordering="attention")
    def attention_badge(self, obj: Payment) -> SafeString | str:
        return attention_badge(obj.attention, obj.status)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # The rest of the fields are listed from the model, so a field added later shows up.
        rest = [
            f.name
            for f in self.model._meta.concrete_fields
            if f.name
            not in (*HEADLINE_FIELDS, *ATTENTION_FIELDS, *HIDDEN_FIELDS, "id", "status", "amount")
        ]
        attention: dict[str, Any] = {"fields": ATTENTION_FIELDS}
        if obj is None or not obj.attention:
            attention["classes"] = ("collapse",)  # open only on a payment that was flagged
        return [
            (None, {"fields": HEADLINE_FIELDS}),
            (_("Needs attention"), attention),
            (_("Details"), {"fields": rest}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fieldsets = self.get_fieldsets(request, obj)
        return [name for _title, opts in fieldsets for name in opts["fields"]]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Payments are the record of money that moved (or may have): never deleted from here.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing here is edited in place: statuses change only through the actions (services),
        # and a created payout with a mistake is cancelled and created again, so every payment
        # is validated in one place and the audit trail shows both.
        return False

    # Every money action asks the one permission table (``services.access``), as the REST API
    # and the commands do: a face cannot check another permission for the same action.
    def _may(self, request: HttpRequest, action: str) -> bool:
        try:
            return access.can(request.user, self.model, action)
        except ValueError:  # this kind has no such action
            return False

    def has_send_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.SEND)

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.REFRESH)

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.CANCEL)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.RETRY)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.REFUND)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.RESOLVE)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.APPROVE)


@admin.register(Transfer)
class TransferAdmin(PaymentAdmin):
    """Payouts: the balance of each account on top, the money-moving actions below."""

    raw_id_fields = ["created_by", "retry_of"]
    inlines = (status_change_inline("transfer"), callback_inline("transfer"))
    actions = (
        actions.send_transfers,
        actions.refresh_transfers,
        actions.cancel_transfers,
        actions.retry_transfers,
        actions.resolve_transfers,
        approvals.decide_transfers,
    )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The new-payout form: validated field by field, created through ``services``."""
        return new_payout_view(self, request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        # Balances are live provider calls: they have a permission of their own.
        if request.method == "GET" and access.can(
            request.user, access.ACCOUNT, access.Action.VIEW_BALANCE
        ):
            context["momo_balances"] = account_balances()
        return super().changelist_view(request, context)


@admin.register(Collection)
class CollectionAdmin(PaymentAdmin):
    """Money in; refunds start here."""

    inlines = (status_change_inline("collection"), callback_inline("collection"))
    actions = (
        actions.send_collections,
        actions.refresh_collections,
        actions.cancel_collections,
        actions.refund_collections,
        actions.resolve_collections,
    )

    # The raw fields of where a MoMo customer pays; the panel below shows them instead.
    PAY_FIELDS = ("pay_url", "deeplink", "qr_code_url")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # MoMo payment requests may be made here (``request_collection``); MTN requests to pay
        # come from the customer's checkout (API) only: the add view offers MoMo accounts only.
        return self._may(request, access.Action.CREATE)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The new-MoMo-payment form: validated field by field, created through ``services``."""
        return new_momo_payment_view(self, request)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = [
            (title, {**opts, "fields": [f for f in opts["fields"] if f not in self.PAY_FIELDS]})
            for title, opts in super().get_fieldsets(request, obj)
        ]
        panel = self._pay_panel(obj)
        if panel:
            fieldsets.insert(1, (_("Where the customer pays"), {"fields": panel}))
        return fieldsets

    @staticmethod
    def _pay_panel(obj: Collection | None) -> tuple[str, ...]:
        """The panel's fields: none for a collection without a pay link (an MTN request to
        pay, a MoMo order not created yet)."""
        if obj is None or not (obj.pay_url or obj.deeplink or obj.qr_code_url):
            return ()
        if obj.is_final:
            return ("pay_closed",)
        return ("pay_link", "app_link", "qr_code")

    @admin.display(description=_("payment page"))
    def pay_link(self, obj: Collection) -> SafeString | str:
        return new_tab_link(obj.pay_url) or "-"

    @admin.display(description=_("app link"))
    def app_link(self, obj: Collection) -> SafeString | str:
        return new_tab_link(obj.deeplink, APP_SCHEMES) or "-"

    @admin.display(description=_("QR code"))
    def qr_code(self, obj: Collection) -> SafeString | str:
        return qr_code_svg(obj.qr_code_url) or "-"

    @admin.display(description=_("payment page"))
    def pay_closed(self, obj: Collection) -> str:
        return _("The order is %(status)s: the customer can no longer pay it.") % {
            "status": obj.get_status_display()
        }


@admin.register(Refund)
class RefundAdmin(PaymentAdmin):
    """Refunds of collections, created by the refund action."""

    list_display = [*PaymentAdmin.list_display, "collection_link"]
    list_select_related = ["created_by", "collection"]
    raw_id_fields = ["created_by", "collection"]
    search_fields = [*PaymentAdmin.search_fields, "=collection__external_id"]
    inlines = (status_change_inline("refund"), callback_inline("refund"))
    actions = (
        actions.send_refunds,
        actions.refresh_refunds,
        actions.cancel_refunds,
        actions.resolve_refunds,
        approvals.decide_refunds,
    )

    @admin.display(description=_("collection"))
    def collection_link(self, obj: Refund) -> SafeString | str:
        return payment_link(obj.collection)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The audit trail: fully read-only."""

    list_display = ("created_at", "payment_link", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status", ("created_at", admin.DateFieldListFilter))
    search_fields = (
        "actor",
        "=transfer__external_id",
        "=collection__external_id",
        "=refund__external_id",
    )
    # One foreign key per payment kind (``models.kinds``).
    list_select_related = tuple(KINDS)
    show_full_result_count = False
    raw_id_fields = tuple(KINDS)

    @admin.display(description=_("payment"))
    def payment_link(self, obj: StatusChange) -> SafeString | str:
        return payment_link(obj.payment)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in StatusChange._meta.concrete_fields] + ["payment_link"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
