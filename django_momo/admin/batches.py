"""Bulk payouts in the admin: upload a file, read its preview, confirm, approve, send, follow.

The add view is the upload page (account, file, "verify payees"): it stores a ``previewed``
batch through ``services.batches.preview_batch`` and opens the batch page. The change view is
the batch page, read-only: the summary, the rows (a page of ``ROWS_PER_PAGE`` at a time, never a
whole 10,000-row file) and the buttons the batch's state and the user's permissions allow. Each
button is a POST to a URL of its own, CSRF-protected (``admin_view``), and checked again here
through ``services.access`` before the service (which checks once more) is called. Every form
carries the batch's status as the page showed it (Confirm and Approve / Reject its digest too):
a batch that moved on since (another tab, a double click) does nothing and says so.

"Verify payees" (on the upload page, and a button while nothing was sent) enqueues
``tasks.verify_batch_task`` (rate-limited provider calls take minutes for a large batch: never
in a request); its results land on the rows as warnings, never a block (the services' rule).

While a batch is sending, the page polls ``<id>/progress/`` (JSON, ``Cache-Control: no-store``)
every two seconds from ``django_momo/batch_progress.js``; no inline script. Exports are
downloads of ``services.batches.export_batch`` (formulas neutralised there).

Nothing here deletes a batch: a previewed one is cancelled instead, and the upload stays on
record with its rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from django_momo import tasks
from django_momo.batch_sending import send_batch
from django_momo.conf import momo_settings
from django_momo.models import (
    BatchStatus,
    PaymentStatus,
    PayoutBatch,
    PayoutBatchRow,
)
from django_momo.money import AmountError, minor_units
from django_momo.services import access, batches
from django_momo.services.batches import verification
from django_momo.services.errors import InvalidRequest, ServiceError

from .actions import actor_of
from .display import AccountFilter, display_amount

B = BatchStatus
S = PaymentStatus

UPLOAD_TEMPLATE = "admin/django_momo/payoutbatch/upload.html"
BATCH_TEMPLATE = "admin/django_momo/payoutbatch/batch.html"
# Rows shown per page of the batch page (a file holds up to ``batches.MAX_ROWS``).
ROWS_PER_PAGE = 1_000
# Rows with an error listed by line in the summary of a batch that cannot be confirmed.
ERROR_LINES_LISTED = 20
# Milliseconds between two polls of the progress endpoint while a batch is sending.
POLL_MS = 2_000
# The payout statuses of the progress table, in the order a payout goes through them.
PROGRESS_STATUSES = (
    S.CREATED,
    S.SENDING,
    S.PENDING,
    S.UNKNOWN,
    S.SUCCESSFUL,
    S.FAILED,
    S.CANCELLED,
)
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
# Payee check results an operator should look at before confirming (``verification``).
CHECK_WARNINGS = frozenset(verification.WARNING_RESULTS)


# -- small pieces ----------------------------------------------------------------------------------
def amount_text(amount: Decimal | None, currency: str) -> str:
    """The amount with its currency's decimals and thousands separators, without the code."""
    if amount is None:
        return ""
    try:
        return f"{amount:,.{minor_units(currency)}f}"
    except AmountError:
        return format(amount.normalize(), "f")


def totals_text(totals: dict[str, str]) -> str:
    """``{"EUR": "37.5"}`` as ``37.50 EUR`` (one per currency, comma separated)."""
    return ", ".join(display_amount(Decimal(t), c) for c, t in sorted(totals.items())) or "-"


def export_filename(batch: PayoutBatch, fmt: str) -> str:
    """``batch-12-payouts-may.csv``: the batch id and the upload's name, in safe characters."""
    stem = _UNSAFE_NAME.sub("-", PurePath(batch.filename).stem).strip("-_")[:60]
    return f"batch-{batch.pk}{'-' + stem if stem else ''}.{fmt}"


def problems(entries: Any) -> list[str]:
    """A row's errors or warnings (``[{"field", "message"}]``) as lines of text."""
    out = []
    for entry in entries or ():
        if isinstance(entry, dict):
            field, message = entry.get("field", ""), entry.get("message", "")
            out.append(f"{field}: {message}" if field else str(message))
        else:
            out.append(str(entry))
    return out


def batch_badge(status: str) -> SafeString:
    """A batch status as a badge, in the payout badges' colours (``django_momo/admin.css``)."""
    colours = {
        B.PREVIEWED: "created",
        B.CREATED: "pending",
        B.SENDING: "sending",
        B.DONE: "successful",
        B.CANCELLED: "cancelled",
    }
    try:
        value = B(status)
    except ValueError:
        return format_html('<span class="momo-badge">{}</span>', status)
    return format_html(
        '<span class="momo-badge momo-badge-{}">{}</span>', colours[value], value.label
    )


def payout_url(pk: int) -> str:
    return reverse("admin:django_momo_transfer_change", args=[pk])


def row_view(row: PayoutBatchRow) -> dict[str, Any]:
    """What the rows table shows of one line: the cleaned fields, or the cells as given."""
    cells = row.cells if isinstance(row.cells, dict) else {}
    valid = row.amount is not None and not row.errors
    view: dict[str, Any] = {
        "line": row.line,
        "party_type": row.party_type or cells.get("party_type", ""),
        "party": row.party_id or cells.get("party_id", ""),
        "name": row.party_name or cells.get("party_name", ""),
        "amount": amount_text(row.amount, row.currency) if valid else cells.get("amount", ""),
        "currency": row.currency or cells.get("currency", ""),
        "external_id": row.external_id or cells.get("external_id", ""),
        "errors": problems(row.errors),
        "warnings": problems(row.warnings),
        "duplicate_of": row.duplicate_of,
        "check_result": row.check_result,
        "check_label": row.get_check_result_display() if row.check_result else "",
        "check_warning": row.check_result in CHECK_WARNINGS,
        "check_detail": row.check_detail,
        "payout": None,
    }
    payout = row.transfer
    if payout is not None:
        view["payout"] = {
            "url": payout_url(payout.pk),
            "status": payout.status,
            "label": payout.get_status_display(),
        }
    return view


def progress_payload(batch_id: int) -> dict[str, Any]:
    """The progress of a batch as the page and its poller show it (``batch_progress``)."""
    progress = batches.batch_progress(batch_id)
    statuses = []
    for status in PROGRESS_STATUSES:
        count = progress.counts.get(status, 0)
        amounts = progress.amounts.get(status, {})
        statuses.append(
            {
                "status": str(status),
                "label": str(S(status).label),
                "count": count,
                "amounts": amounts,
                "display": totals_text(amounts) if count else "",
            }
        )
    try:
        status_label = str(B(progress.status).label)
    except ValueError:
        status_label = progress.status
    return {
        "batch": progress.batch_id,
        "status": progress.status,
        "status_label": status_label,
        "rows": progress.rows,
        "payouts": progress.payouts,
        "final": progress.final,
        "done": bool(progress.payouts) and progress.final == progress.payouts,
        "counts": dict(progress.counts),
        "amounts": progress.amounts,
        "statuses": statuses,
    }


# -- the upload page -------------------------------------------------------------------------------
class UploadForm(forms.Form):
    """The account paying, the file of payouts, and whether to check the payees first."""

    account = forms.ChoiceField(label=gettext_lazy("Account"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "A .csv (UTF-8) or .xlsx file, one payout per row, every cell written as text."
        ),
    )
    verify = forms.BooleanField(
        label=gettext_lazy("Verify payees"),
        required=False,
        help_text=gettext_lazy(
            "Ask the provider whether each payee exists, where it offers that, before anything "
            "is created."
        ),
    )

    FIELD_ALIASES = {"filename": "file", "data": "file"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            (name, f"{name} ({account.provider}, {account.currency})")
            for name, account in sorted(momo_settings.accounts().items())
        ]
        self.fields["file"].widget.attrs["accept"] = (
            ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > batches.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file has %(size)s bytes, more than the %(max)s allowed: split it.")
                % {"size": f"{upload.size:,}", "max": f"{batches.MAX_FILE_BYTES:,}"}
            )
        return upload

    def add_service_error(self, field: str, message: str) -> None:
        """Show a service's refusal under the field it names (or above the form)."""
        name = self.FIELD_ALIASES.get(field, field)
        if name in self.fields:
            self.add_error(name, message)
        else:
            self.add_error(None, f"{field}: {message}" if field else message)


def upload_view(modeladmin: PayoutBatchAdmin, request: HttpRequest) -> HttpResponse:
    """The add view: on a valid POST store the previewed batch, then open the batch page."""
    if not modeladmin.has_add_permission(request):
        raise PermissionDenied
    posted = request.method == "POST"
    initial = {"account": request.GET.get("account", "")}
    form = UploadForm(
        request.POST if posted else None, request.FILES if posted else None, initial=initial
    )
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        verify = bool(form.cleaned_data.get("verify"))
        try:
            batch = batches.preview_batch(
                form.cleaned_data["account"],
                upload.name,
                upload.read(),
                uploaded_by=request.user,
                actor=actor_of(request),
                verify=verify,
            )
        except InvalidRequest as exc:
            form.add_service_error(exc.field, exc.message)
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            modeladmin.log_addition(request, batch, [{"added": {}}])
            bad = batch.row_count - batch.valid_count
            messages.success(
                request,
                ngettext(
                    "File %(file)s read: %(rows)d row, %(bad)d with errors. "
                    "Nothing is created yet.",
                    "File %(file)s read: %(rows)d rows, %(bad)d with errors. "
                    "Nothing is created yet.",
                    batch.row_count,
                )
                % {"file": batch.filename, "rows": batch.row_count, "bad": bad},
            )
            if verify:
                modeladmin.run_verification(request, batch)
            return HttpResponseRedirect(modeladmin.batch_url(batch.pk))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Upload a payout batch"),
        "opts": modeladmin.model._meta,
        "form": form,
        "columns": batches.COLUMNS,
        "required_columns": batches.REQUIRED_COLUMNS,
        "max_rows": batches.MAX_ROWS,
        "max_bytes": batches.MAX_FILE_BYTES,
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, UPLOAD_TEMPLATE, context)


# -- the admin -------------------------------------------------------------------------------------
@admin.register(PayoutBatch)
class PayoutBatchAdmin(admin.ModelAdmin):
    """Payout batches: uploaded here, followed here; their state changes only through services."""

    list_display = (
        "id", "filename", "account", "status_display", "row_count", "valid_count", "totals_display",
        "uploaded_by", "created_at",
    )  # fmt: skip
    list_display_links = ("id", "filename")
    list_filter = ("status", AccountFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "filename", "=sha256")
    list_select_related = ("uploaded_by",)
    show_full_result_count = False
    list_per_page = 100
    actions = ()

    class Media:
        css = {"all": ("django_momo/admin.css",)}

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, obj: PayoutBatch) -> SafeString:
        return batch_badge(obj.status)

    @admin.display(description=gettext_lazy("totals"))
    def totals_display(self, obj: PayoutBatch) -> str:
        return totals_text(obj.totals if isinstance(obj.totals, dict) else {})

    # -- permissions: the one table of ``services.access`` -----------------------------------------
    def _may(self, request: HttpRequest, action: str) -> bool:
        return access.can(request.user, access.BATCH, action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, access.Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request, access.Action.CREATE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only: a batch changes only through its buttons (the services)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: an upload and its rows stay on record

    # -- URLs --------------------------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        views: dict[str, Callable[..., HttpResponse]] = {
            "confirm": self.confirm_view,
            "decide": self.decide_view,
            "send": self.send_view,
            "cancel": self.cancel_view,
            "verify": self.verify_view,
        }
        custom = [
            path(f"<int:object_id>/{op}/", wrap(require_POST(view)), name=f"{name}_{op}")
            for op, view in views.items()
        ]
        custom += [
            path(
                "<int:object_id>/progress/",
                wrap(self.progress_view),
                name=f"{name}_progress",
            ),
            path(
                "<int:object_id>/export/<str:fmt>/",
                wrap(self.export_view),
                name=f"{name}_export",
            ),
        ]
        return custom + super().get_urls()

    def batch_url(self, pk: int, op: str = "change", *args: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{op}",
            args=[pk, *args],
            current_app=self.admin_site.name,
        )

    # -- pages -------------------------------------------------------------------------------------
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The upload page."""
        return upload_view(self, request)

    def _batch(self, request: HttpRequest, object_id: Any) -> PayoutBatch:
        """The batch, for a user who may view batches; 404 when there is none."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = self.get_object(request, str(object_id))
        if batch is None:
            raise Http404(_("No payout batch with id %(id)s.") % {"id": object_id})
        return batch

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The batch page (read-only): summary, rows, and the buttons allowed now."""
        if request.method != "GET":
            raise PermissionDenied  # every change is a button of its own (its own URL)
        batch = self._batch(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            **self.batch_context(request, batch),
            "title": _("Payout batch %(id)s: %(file)s") % {"id": batch.pk, "file": batch.filename},
            "opts": self.model._meta,
            "original": batch,
            "media": self.media,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, BATCH_TEMPLATE, context)

    def batch_context(self, request: HttpRequest, batch: PayoutBatch) -> dict[str, Any]:
        user = request.user
        status = batch.status
        bad = batch.row_count - batch.valid_count
        may_upload = self._may(request, access.Action.CREATE)
        may_send = self._may(request, access.Action.SEND)
        may_approve = self._may(request, access.Action.APPROVE)
        is_maker = user.pk in (batch.uploaded_by_id, batch.confirmed_by_id)
        given = batches.valid_batch_approvals(batch)
        missing = batches.approvals_missing(batch) if status == B.CREATED else 0
        decided = user.pk is not None and batch.approvals.filter(user_id=user.pk).exists()
        progress = None
        if status in (B.SENDING, B.DONE):
            progress = progress_payload(batch.pk)
            if progress["status"] != status:  # every payout final: the batch is done now
                batch.refresh_from_db()
                status = batch.status
        buttons = {
            "confirm": status == B.PREVIEWED and batch.row_count > 0 and not bad and may_upload,
            "cancel": status in (B.PREVIEWED, B.CREATED) and may_upload,
            "decide": status == B.CREATED
            and missing > 0
            and may_approve
            and not is_maker
            and not decided,
            "send": status == B.CREATED and not missing and may_send,
            "verify": status in verification.CHECKABLE and may_upload,
        }
        rows, page, show = self.rows_page(request, batch)
        checks = dict(
            batch.rows.exclude(check_result="")
            .order_by()
            .values_list("check_result")
            .annotate(n=Count("pk"))
        )
        balance = batch.balance if isinstance(batch.balance, dict) else {}
        return {
            "batch": batch,
            "status": status,
            "status_badge": batch_badge(status),
            "bad": bad,
            "error_lines": list(
                batch.rows.exclude(errors=[])
                .order_by("line")
                .values_list("line", flat=True)[:ERROR_LINES_LISTED]
            )
            if bad
            else [],
            "totals": [
                {"currency": c, "total": display_amount(Decimal(t), c)}
                for c, t in sorted((batch.totals or {}).items())
            ],
            "balance_amounts": [
                {"currency": c, "amount": display_amount(Decimal(a), c)}
                for c, a in sorted((balance.get("amounts") or {}).items())
            ],
            "balance_short": [
                {"currency": c, "amount": display_amount(Decimal(a), c)}
                for c, a in sorted((balance.get("short") or {}).items())
            ],
            "balance_error": balance.get("error", ""),
            "approvals_given": given,
            "approvals_missing": missing,
            "approvals": list(batch.approvals.select_related("user").order_by("created_at")),
            "is_maker": is_maker,
            "has_decided": decided,
            "may_approve": may_approve,
            "buttons": buttons,
            "progress": progress,
            "poll": status == B.SENDING,
            "poll_ms": POLL_MS,
            "progress_url": self.batch_url(batch.pk, "progress"),
            "export_urls": {fmt: self.batch_url(batch.pk, "export", fmt) for fmt in EXPORT_TYPES},
            "urls": {op: self.batch_url(batch.pk, op) for op in buttons},
            "rows": rows,
            "page": page,
            "show": show,
            # {"ok": 3, "name_mismatch": 1}: the payee checks so far (empty: none was made).
            "checks": [
                {"result": r, "label": label, "count": checks[r], "warning": r in CHECK_WARNINGS}
                for r, label in PayoutBatchRow._meta.get_field("check_result").choices or ()
                if checks.get(r)
            ],
            "check_warnings": sum(n for r, n in checks.items() if r in CHECK_WARNINGS),
            "checked": bool(checks),
            # The batch's audit trail, newest first (the last 50).
            "events": list(batch.events.all()[:50]),
        }

    def rows_page(
        self, request: HttpRequest, batch: PayoutBatch
    ) -> tuple[list[dict[str, Any]], Any, str]:
        """One page of the batch's rows (``?page=``), all or only those with a problem."""
        qs: QuerySet[PayoutBatchRow] = batch.rows.select_related("transfer").order_by("line")
        show = "problems" if request.GET.get("show") == "problems" else "all"
        if show == "problems":
            qs = qs.filter(
                ~Q(errors=[])
                | ~Q(warnings=[])
                | ~Q(duplicate_of="")
                | Q(check_result__in=CHECK_WARNINGS)
            )
        page = Paginator(qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        return [row_view(row) for row in page.object_list], page, show

    # -- the buttons -------------------------------------------------------------------------------
    def _acting(self, request: HttpRequest, object_id: int, action: str) -> PayoutBatch | None:
        """The batch a button's POST acts on, or ``None`` when the page was out of date.

        Refused (403) without the action's permission, whatever the page showed. The page
        posts the batch's status and digest as it showed them: a batch that moved on since
        (another tab, a double click) is not acted on, and the message says so.
        """
        batch = self._batch(request, object_id)
        if not self._may(request, action):
            raise PermissionDenied
        shown_status = request.POST.get("status", "")
        if shown_status != batch.status:
            messages.warning(
                request,
                _(
                    "This batch is %(now)s now (your page showed it %(then)s): nothing was done. "
                    "Check it again below."
                )
                % {"now": batch.get_status_display(), "then": shown_status or "-"},
            )
            return None
        return batch

    def _done(self, batch_id: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(self.batch_url(batch_id))

    def confirm_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Create one held payout per row, with the digest the page showed."""
        batch = self._acting(request, object_id, access.Action.CREATE)
        if batch is None:
            return self._done(object_id)
        try:
            done = batches.create_batch_payouts(
                batch.pk,
                digest=request.POST.get("digest", ""),
                user=request.user,
                actor=actor_of(request),
            )
        except ServiceError as exc:
            messages.error(request, _("Nothing was created: %(why)s") % {"why": exc})
            return self._done(batch.pk)
        self.log_change(request, done, _("Confirmed: payouts created, held."))
        text = ngettext(
            "%(n)d payout created, held until the batch is sent.",
            "%(n)d payouts created, held until the batch is sent.",
            done.row_count,
        ) % {"n": done.row_count}
        if done.approvals_required:
            text += " " + ngettext(
                "It needs %(n)d approval first.",
                "It needs %(n)d approvals first.",
                done.approvals_required,
            ) % {"n": done.approvals_required}
        messages.success(request, text)
        return self._done(batch.pk)

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Approve or reject the batch as one unit (a note is required to reject)."""
        batch = self._acting(request, object_id, access.Action.APPROVE)
        if batch is None:
            return self._done(object_id)
        if request.POST.get("digest", "") != batch.digest:
            messages.error(
                request, _("Your page showed another version of this batch: nothing was done.")
            )
            return self._done(batch.pk)
        decision = request.POST.get("decision", "")
        try:
            done = batches.decide_batch(
                batch.pk,
                user=request.user,
                decision=decision,
                note=request.POST.get("note", ""),
                actor=actor_of(request),
            )
        except ServiceError as exc:
            messages.error(request, _("Nothing was recorded: %(why)s") % {"why": exc})
            return self._done(batch.pk)
        if decision == "rejected":
            self.log_change(request, done, _("Rejected."))
            messages.success(request, _("Rejected: the batch and its payouts are cancelled."))
        else:
            self.log_change(request, done, _("Approved."))
            missing = batches.approvals_missing(done)
            messages.success(
                request,
                ngettext(
                    "Approved. %(n)d more approval is needed before it can be sent.",
                    "Approved. %(n)d more approvals are needed before it can be sent.",
                    missing,
                )
                % {"n": missing}
                if missing
                else _("Approved. The batch can be sent."),
            )
        return self._done(batch.pk)

    def send_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Send every payout of the batch (``batch_sending.send_batch`` enqueues them)."""
        batch = self._acting(request, object_id, access.Action.SEND)
        if batch is None:
            return self._done(object_id)
        try:
            count = send_batch(batch.pk, user=request.user, actor=actor_of(request))
        except ServiceError as exc:
            messages.error(request, _("Nothing was sent: %(why)s") % {"why": exc})
            return self._done(batch.pk)
        self.log_change(request, batch, _("Sent."))
        messages.success(
            request,
            ngettext("%(n)d payout queued for sending.", "%(n)d payouts queued for sending.", count)
            % {"n": count},
        )
        return self._done(batch.pk)

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Cancel a batch not sent yet, with every payout it created."""
        batch = self._acting(request, object_id, access.Action.CREATE)
        if batch is None:
            return self._done(object_id)
        try:
            done = batches.cancel_batch(
                batch.pk,
                user=request.user,
                actor=actor_of(request),
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            messages.error(request, _("Nothing was cancelled: %(why)s") % {"why": exc})
            return self._done(batch.pk)
        self.log_change(request, done, _("Cancelled."))
        messages.success(request, _("The batch is cancelled; none of its payouts will be sent."))
        return self._done(batch.pk)

    def verify_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Check the batch's payees with the provider (``verification.verify_batch``)."""
        batch = self._acting(request, object_id, access.Action.CREATE)
        if batch is None:
            return self._done(object_id)
        self.run_verification(request, batch)
        return self._done(batch.pk)

    def run_verification(self, request: HttpRequest, batch: PayoutBatch) -> None:
        """Start the payee checks in the background (a task) and say so.

        Never in the request: one rate-limited provider call (MTN: two) per row takes minutes
        for a large batch. The results land on the rows as they come; the page shows them.
        """
        if batch.status not in verification.CHECKABLE:
            messages.error(
                request,
                _("The payees were not checked: the batch is %(status)s.")
                % {"status": batch.get_status_display()},
            )
            return
        tasks.enqueue_verify_batch(batch.pk, actor=actor_of(request))
        messages.success(
            request,
            ngettext(
                "Checking %(n)d payee with the provider in the background; reload this page "
                "to see the result (a name mismatch or an inactive account is a warning).",
                "Checking %(n)d payees with the provider in the background; reload this page "
                "to see the results (name mismatches and inactive accounts are warnings).",
                batch.valid_count,
            )
            % {"n": batch.valid_count},
        )

    # -- progress and exports ----------------------------------------------------------------------
    def progress_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Counts and amounts of the batch's payouts per status, as JSON, never cached."""
        if not self.has_view_permission(request):
            response: HttpResponse = JsonResponse(
                {"error": str(_("You may not view payout batches."))}, status=403
            )
        elif not PayoutBatch.objects.filter(pk=object_id).exists():
            response = JsonResponse({"error": str(_("No such payout batch."))}, status=404)
        else:
            response = JsonResponse(progress_payload(object_id))
        add_never_cache_headers(response)
        return response

    def export_view(self, request: HttpRequest, object_id: int, fmt: str) -> HttpResponse:
        """The batch's lines and their outcome as a CSV or XLSX download."""
        batch = self._batch(request, object_id)
        if fmt not in EXPORT_TYPES:
            raise Http404(_("Exports are CSV or XLSX."))
        response = HttpResponse(batches.export_batch(batch.pk, fmt), content_type=EXPORT_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(
            True, export_filename(batch, fmt)
        )
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response


__all__ = ["PayoutBatchAdmin", "UploadForm", "batch_badge"]
