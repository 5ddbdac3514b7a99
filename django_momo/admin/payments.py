"""Admin of payouts, collections, refunds and their audit trail.

Statuses are never edited here: only ``services`` change them, through the actions in
``actions.py``. A payment that has left ``created`` is a record of the past and read-only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_momo import failure_codes
from django_momo.models import (
    KINDS,
    Callback,
    Collection,
    CollectionOperation,
    Payment,
    PaymentStatus,
    Refund,
    StatusChange,
    Transfer,
    TransferOperation,
)
from django_momo.models.payments import RefundOperation
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
    currency_totals,
    display_amount,
    display_time,
    new_tab_link,
    operation_filter,
    payment_link,
    qr_code_svg,
    status_badge,
)
from .object_buttons import ObjectButtonsMixin, created, failed, in_flight, successful
from .payout_view import new_payout_view

# Never shown: the callback token opens the payment's callback URL; the stored request body is
# only for byte-identical re-sends.
HIDDEN_FIELDS = ("callback_token", "request_body")


# What an operator reads first on a payment's page.
HEADLINE_FIELDS = (
    "external_id", "status_badge", "amount_display", "account", "operation", "party_type",
    "party_id", "party_name", "bank_code", "reference", "provider_transaction_id",
    "failure_code", "failure_explained", "failure_message",
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


@admin.display(description=_("time"))
def _when(self: Any, obj: StatusChange) -> str:
    return display_time(obj.created_at)


def status_change_inline(fk: str) -> type[ReadOnlyInline]:
    """The timeline of a payment's status changes, newest first, times to the second."""
    return type(
        f"StatusChangeInline_{fk}",
        (ReadOnlyInline,),
        {
            "model": StatusChange,
            "fk_name": fk,
            "when": _when,
            "fields": (
                "when",
                "from_status",
                "to_status",
                "actor",
                "reason",
                "provider_data",
            ),
            "readonly_fields": (
                "when",
                "from_status",
                "to_status",
                "actor",
                "reason",
                "provider_data",
            ),
            "ordering": ("-created_at", "-id"),
            "verbose_name_plural": _("timeline (newest first)"),
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


class PaymentAdmin(ObjectButtonsMixin, admin.ModelAdmin):
    """What transfers, collections and refunds share: columns, filters, search, read-only rules."""

    # The kind's operations; the operation filter lists those of the configured accounts.
    operation_choices: Any = TransferOperation

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

    @admin.display(description=_("what the failure code means"))
    def failure_explained(self, obj: Payment) -> str:
        return failure_codes.explain(obj.provider, obj.failure_code) or "-"

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [
            operation_filter(self.operation_choices) if f == "operation" else f
            for f in self.list_filter
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        # The count and total per currency of what the current filter shows (all its pages).
        if isinstance(response, TemplateResponse) and response.context_data:
            cl = response.context_data.get("cl")
            if cl is not None and "action_form" in response.context_data:
                response.context_data["momo_totals"] = currency_totals(cl.queryset)
        return response

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
    object_buttons = (
        ("send_transfers", _("Send"), created),
        ("cancel_transfers", _("Cancel"), created),
        ("refresh_transfers", _("Refresh status"), in_flight),
        ("retry_transfers", _("Retry"), failed),
        ("resolve_transfers", _("Resolve by hand"), in_flight),
    )
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

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and (obj.retry_of_id or obj.retries.exists()):
            fieldsets.insert(1, (_("Retries"), {"fields": ("original_link", "retries_list")}))
        return fieldsets

    @admin.display(description=_("retry of"))
    def original_link(self, obj: Transfer) -> SafeString | str:
        if obj.retry_of is None:
            return str(_("- (this is the first payout)"))
        return format_html("{} ({})", payment_link(obj.retry_of), obj.retry_of.get_status_display())

    @admin.display(description=_("retried as"))
    def retries_list(self, obj: Transfer) -> SafeString | str:
        retries = list(obj.retries.order_by("created_at", "pk"))
        if not retries:
            return str(_("- (not retried)"))
        return format_html(
            '<ul class="momo-retries">{}</ul>',
            format_html_join(
                "",
                "<li>{} ({}, {})</li>",
                (
                    (payment_link(r), r.get_status_display(), display_time(r.created_at))
                    for r in retries
                ),
            ),
        )


@admin.register(Collection)
class CollectionAdmin(PaymentAdmin):
    """Money in; refunds start here."""

    inlines = (status_change_inline("collection"), callback_inline("collection"))
    operation_choices = CollectionOperation
    object_buttons = (
        ("send_collections", _("Send"), created),
        ("cancel_collections", _("Cancel"), created),
        ("refresh_collections", _("Refresh status"), in_flight),
        ("refund_collections", _("Refund"), successful),
        ("resolve_collections", _("Resolve by hand"), in_flight),
    )
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
        if obj is not None and (obj.status == PaymentStatus.SUCCESSFUL or obj.refunds.exists()):
            fieldsets.insert(1, (_("Refunds"), {"fields": ("refunds_summary",)}))
        return fieldsets

    @admin.display(description=_("refunds"))
    def refunds_summary(self, obj: Collection) -> SafeString:
        from django_momo.services.refunds import refundable_amount

        refunds = list(obj.refunds.order_by("created_at", "pk"))
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    payment_link(r),
                    display_amount(r.amount, r.currency),
                    r.get_status_display(),
                    display_time(r.created_at),
                )
                for r in refunds
            ),
        )
        remaining = refundable_amount(obj)
        refunded = obj.amount - remaining if obj.status == PaymentStatus.SUCCESSFUL else Decimal(0)
        return format_html(
            '<table class="momo-refunds" id="momo-refunds"><thead><tr><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>"
            '<p class="momo-refund-totals">{} <strong id="momo-refunded">{}</strong>; '
            '{} <strong id="momo-remaining">{}</strong></p>',
            _("refund"),
            _("amount"),
            _("status"),
            _("time"),
            rows or format_html('<tr><td colspan="4">{}</td></tr>', _("None yet.")),
            _("Refunded (failed and cancelled refunds not counted):"),
            display_amount(refunded, obj.currency),
            _("remaining:"),
            display_amount(remaining, obj.currency),
        )

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
    operation_choices = RefundOperation
    object_buttons = (
        ("send_refunds", _("Send"), created),
        ("cancel_refunds", _("Cancel"), created),
        ("refresh_refunds", _("Refresh status"), in_flight),
        ("resolve_refunds", _("Resolve by hand"), in_flight),
    )
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
