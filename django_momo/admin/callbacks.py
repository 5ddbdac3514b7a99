"""Callbacks in the admin: a read-only record of what providers sent, with a reprocess action."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django_momo.callbacks.processing import reprocess
from django_momo.models import KINDS, Callback, CallbackVerdict

REPROCESS_PERMISSION = "django_momo.reprocess_callback"


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    """Every callback as received; nothing here can be added, edited or deleted."""

    list_display = (
        "id", "received_at", "provider", "method", "verdict", "response_status", "remote_addr",
        "payment_display",
    )  # fmt: skip
    list_filter = ("provider", "verdict", "received_at")
    date_hierarchy = "received_at"
    search_fields = (
        "=id", "=token", "remote_addr", "transfer__reference", "transfer__external_id",
        "collection__reference", "collection__external_id", "refund__reference",
        "refund__external_id",
    )  # fmt: skip
    # One foreign key per payment kind (``models.kinds``).
    list_select_related = tuple(KINDS)
    raw_id_fields = tuple(KINDS)
    actions = ("reprocess_callbacks",)
    fields = (
        "provider", "method", "path_display", "remote_addr", "received_at", "headers_display",
        "body_display", "transfer", "collection", "refund", "verdict", "response_status",
        "result", "error", "processed_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("path"))
    def path_display(self, obj: Callback) -> str:
        # The token in an MTN callback path lets anyone ask us to re-check that payment: keep
        # it off the screen like the payment pages do (search by exact token still works).
        return obj.masked_path

    @admin.display(description=_("payment"))
    def payment_display(self, obj: Callback) -> str:
        payment = obj.transfer or obj.collection or obj.refund
        return str(payment.external_id) if payment is not None else ""

    @admin.display(description=_("headers"))
    def headers_display(self, obj: Callback) -> SafeString:
        text = json.dumps(obj.headers, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html('<pre class="momo-raw">{}</pre>', text)

    @admin.display(description=_("raw body"))
    def body_display(self, obj: Callback) -> SafeString:
        # format_html escapes: a body is attacker-controlled text and never markup.
        return format_html(
            '<pre class="momo-raw">{}</pre><p>{}</p>',
            obj.body_text,
            _("%(count)d bytes") % {"count": len(bytes(obj.body or b""))},
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        """Whether the user may run stored callbacks through the rules again."""
        return request.user.has_perm(REPROCESS_PERMISSION)

    @admin.action(description=_("Reprocess selected callbacks"), permissions=["reprocess"])
    def reprocess_callbacks(self, request: HttpRequest, queryset: QuerySet[Callback]) -> None:
        """Run each selected callback through verification and processing again."""
        actor = f"user:{request.user.get_username()}"
        accepted, refused, failed = 0, 0, 0
        for callback in queryset.order_by("received_at", "id"):
            decision = reprocess(callback, actor=actor)
            if decision.verdict == CallbackVerdict.ERROR:
                failed += 1
            elif decision.status < 300:
                accepted += 1
            else:
                refused += 1
        if accepted:
            self.message_user(
                request,
                ngettext("%d callback accepted.", "%d callbacks accepted.", accepted) % accepted,
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext("%d callback refused.", "%d callbacks refused.", refused) % refused,
                messages.WARNING,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%d callback failed again (see its error).",
                    "%d callbacks failed again (see their errors).",
                    failed,
                )
                % failed,
                messages.ERROR,
            )
