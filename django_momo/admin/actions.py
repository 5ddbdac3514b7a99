"""Money-moving admin actions: each behind its own permission, each with a confirmation page.

The first POST (from the changelist) renders a page saying what will happen: how many payments,
the total per currency, what is skipped and why. Only the second POST, from that page, acts,
through ``services`` or by enqueueing a task, and reports successes and failures separately.
A double-submitted confirmation acts once: rows are re-selected by status on every POST, the
send path is a compare-and-set in ``services``, and refunds carry an external id fixed when the
page was rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from django_momo import services, tasks
from django_momo.models import Collection, PaymentStatus, Transfer

from .display import display_amount
from .forms import CancelForm, RefundForm, RetryForm
from .resolve import ResolveForm

CONFIRM_TEMPLATE = "admin/django_momo/confirm_action.html"
SAMPLE_SIZE = 20
# Failures listed one by one in the messages; the rest are counted.
MAX_FAILURES_LISTED = 10
S = PaymentStatus
IN_FLIGHT = (S.SENDING, S.PENDING, S.UNKNOWN)


def actor_of(request: HttpRequest) -> str:
    """The audit-trail actor for an operator: ``user:<username>``."""
    return f"user:{request.user.get_username()}"


def require(modeladmin: Any, request: HttpRequest, permission: str) -> None:
    """Refuse the action unless the user holds its permission (also hidden from the menu)."""
    if not getattr(modeladmin, f"has_{permission}_permission")(request):
        raise PermissionDenied


def is_confirmed(request: HttpRequest) -> bool:
    """Whether this POST comes from the confirmation page."""
    return request.POST.get("confirm") == "yes"


def totals_per_currency(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    """Count and total amount per currency, in one query."""
    rows = (
        queryset.order_by()
        .values("currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("currency")
    )
    return [
        {"currency": r["currency"], "count": r["count"],
         "total": display_amount(r["total"], r["currency"])}
        for r in rows
    ]  # fmt: skip


def confirmation_page(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Any],
    eligible: QuerySet[Any],
    *,
    title: str,
    summary: str,
    skipped_text: str,
    submit_label: str,
    form: forms.Form | None = None,
    warning: str = "",
) -> TemplateResponse:
    """The page listing what the action will do, with a form that POSTs the action again."""
    totals = totals_per_currency(eligible)
    count = sum(row["count"] for row in totals)
    skipped = queryset.count() - count
    sample = list(eligible.order_by("pk")[:SAMPLE_SIZE])
    for obj in sample:
        obj.display_amount = display_amount(obj.amount, obj.currency)
    select_across = request.POST.get("select_across") == "1"
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": select_across,
        "selected_ids": [] if select_across else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "summary": summary.format(count=count),
        "count": count,
        "totals": totals,
        "skipped": skipped,
        "skipped_text": skipped_text.format(count=skipped),
        "sample": sample,
        "more": max(count - len(sample), 0),
        "form": form,
        "warning": warning,
        "submit_label": submit_label,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)


def report(
    request: HttpRequest,
    done: int,
    done_text: Callable[[int], str],
    failures: list[str],
    skipped: int = 0,
    skipped_text: Callable[[int], str] | None = None,
) -> None:
    """Successes, skipped rows and failures as separate messages."""
    if done:
        messages.success(request, done_text(done))
    if skipped and skipped_text is not None:
        messages.warning(request, skipped_text(skipped))
    if failures:
        listed = "; ".join(failures[:MAX_FAILURES_LISTED])
        more = len(failures) - MAX_FAILURES_LISTED
        suffix = _(" (and %(count)d more)") % {"count": more} if more > 0 else ""
        messages.error(
            request,
            ngettext("%(count)d failed: %(list)s%(more)s", "%(count)d failed: %(list)s%(more)s",
                     len(failures)) % {"count": len(failures), "list": listed, "more": suffix},
        )  # fmt: skip
    if not (done or failures or skipped):
        messages.info(request, _("Nothing to do."))


def per_row(rows: Iterable[Any], run: Callable[[Any], Any]) -> tuple[list[Any], list[str]]:
    """Run ``run`` on each row; a ``ServiceError`` is a failure of that row only."""
    done: list[Any] = []
    failures: list[str] = []
    for row in rows:
        try:
            done.append(run(row))
        except services.ServiceError as exc:
            failures.append(f"{row.external_id}: {exc}")
    return done, failures


# -- payouts ---------------------------------------------------------------------------------------
@admin.action(description=gettext_lazy("Send selected payouts"), permissions=["send"])
def send_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Queue the selected `created` payouts for sending (the workers call the provider)."""
    require(modeladmin, request, "send")
    eligible = queryset.filter(status=S.CREATED)
    if not is_confirmed(request):
        return confirmation_page(
            modeladmin, request, queryset, eligible,
            title=_("Send payouts"),
            summary=_("{count} payouts will be sent to their providers. Money leaves the account."),
            skipped_text=_("{count} selected payouts are not in 'created' and will be skipped."),
            submit_label=_("Yes, send them"),
        )  # fmt: skip
    # Re-selected by status on this POST: a second submit finds nothing left in `created`,
    # and a payout queued twice is still sent once (the services' compare-and-set).
    ids = list(eligible.order_by().values_list("pk", flat=True))
    skipped = queryset.count() - len(ids)
    tasks.enqueue_send_many(Transfer, ids)
    report(
        request, len(ids),
        lambda n: ngettext("%(n)d payout queued for sending.",
                           "%(n)d payouts queued for sending.", n) % {"n": n},
        [], skipped,
        lambda n: ngettext("%(n)d payout skipped: no longer in 'created'.",
                           "%(n)d payouts skipped: no longer in 'created'.", n) % {"n": n},
    )  # fmt: skip
    return None


def _refresh(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], noun: str) -> Any:
    require(modeladmin, request, "refresh")
    eligible = queryset.filter(status__in=IN_FLIGHT)
    if not is_confirmed(request):
        return confirmation_page(
            modeladmin, request, queryset, eligible,
            title=_("Refresh status"),
            summary=_("The provider will be asked about {count} %(noun)s.") % {"noun": noun},
            skipped_text=_("{count} selected are created or final and will be skipped."),
            submit_label=_("Yes, ask the provider"),
        )  # fmt: skip
    count = 0
    for payment in eligible.select_related(None).order_by("pk").only("pk"):
        tasks.enqueue_refresh(payment)
        count += 1
    report(
        request, count,
        lambda n: ngettext("%(n)d status check queued.", "%(n)d status checks queued.", n)
        % {"n": n},
        [], queryset.count() - count,
        lambda n: ngettext("%(n)d skipped: created or already final.",
                           "%(n)d skipped: created or already final.", n) % {"n": n},
    )  # fmt: skip
    return None


@admin.action(description=gettext_lazy("Refresh status from the provider"),
              permissions=["refresh"])  # fmt: skip
def refresh_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Ask the provider about the selected payouts that are in flight."""
    return _refresh(modeladmin, request, queryset, _("payouts"))


@admin.action(description=gettext_lazy("Cancel selected payouts (before sending)"),
              permissions=["cancel"])  # fmt: skip
def cancel_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Cancel the selected payouts that were not sent yet."""
    require(modeladmin, request, "cancel")
    eligible = queryset.filter(status=S.CREATED)
    form = CancelForm(request.POST if is_confirmed(request) else None)
    if not (is_confirmed(request) and form.is_valid()):
        return confirmation_page(
            modeladmin, request, queryset, eligible, form=form,
            title=_("Cancel payouts"),
            summary=_("{count} payouts will be cancelled; they can never be sent afterwards."),
            skipped_text=_("{count} selected payouts were already sent or are final: skipped."),
            submit_label=_("Yes, cancel them"),
        )  # fmt: skip
    actor, reason = actor_of(request), form.cleaned_data["reason"]
    done, failures = per_row(
        eligible.order_by("pk"),
        lambda t: services.cancel_transfer(t.pk, actor=actor, reason=reason),
    )
    report(
        request, len(done),
        lambda n: ngettext("%(n)d payout cancelled.", "%(n)d payouts cancelled.", n) % {"n": n},
        failures, queryset.count() - len(done) - len(failures),
        lambda n: ngettext("%(n)d skipped: not in 'created'.",
                           "%(n)d skipped: not in 'created'.", n) % {"n": n},
    )  # fmt: skip
    return None


@admin.action(description=gettext_lazy("Retry failed payouts as new payouts"),
              permissions=["retry"])  # fmt: skip
def retry_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Create a new payout for each selected failed one (linked by ``retry_of``)."""
    require(modeladmin, request, "retry")
    # A failed payout with a live retry is skipped (a double-submitted confirmation creates one
    # new payout, not two); one whose retries all failed or were cancelled may be retried again.
    # The whole retry chain counts (the first payout and every retry of a retry): a chain
    # with a live or successful payout is skipped, as the service would refuse it.
    live_in_chain = Transfer.objects.filter(
        Q(pk=OuterRef("chain_id")) | Q(chain_root=OuterRef("chain_id"))
    ).exclude(status__in=(S.FAILED, S.CANCELLED))
    eligible = (
        queryset.filter(status=S.FAILED)
        .annotate(chain_id=Coalesce("chain_root", "pk"))
        .exclude(Exists(live_in_chain))
    )
    can_send = modeladmin.has_send_permission(request)
    form = RetryForm(request.POST if is_confirmed(request) else None, can_send=can_send)
    if not (is_confirmed(request) and form.is_valid()):
        return confirmation_page(
            modeladmin, request, queryset, eligible, form=form,
            title=_("Retry failed payouts"),
            summary=_("{count} failed payouts will be paid again as new payouts."),
            skipped_text=_("{count} selected are not failed, or were retried already: skipped."),
            submit_label=_("Yes, create the new payouts"),
            warning=_("Each new payout pays the party again. Check that the first one failed."),
        )  # fmt: skip
    actor, send_now = actor_of(request), can_send and form.cleaned_data.get("send_now")

    def retry(t: Transfer) -> Transfer:
        new = services.retry_transfer(t.pk, actor=actor, created_by=request.user)
        if send_now:
            tasks.enqueue_send(new)
        return new

    done, failures = per_row(eligible.order_by("pk"), retry)
    report(
        request, len(done),
        lambda n: (ngettext("%(n)d new payout created", "%(n)d new payouts created", n)
                   + (_(" and queued for sending.") if send_now else ".")) % {"n": n},
        failures, queryset.count() - len(done) - len(failures),
        lambda n: ngettext("%(n)d skipped: not failed or retried already.",
                           "%(n)d skipped: not failed or retried already.", n) % {"n": n},
    )  # fmt: skip
    return None


# -- collections and refunds -----------------------------------------------------------------------
@admin.action(description=gettext_lazy("Refresh status from the provider"),
              permissions=["refresh"])  # fmt: skip
def refresh_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Ask the provider about the selected collections that are in flight."""
    return _refresh(modeladmin, request, queryset, _("collections"))


@admin.action(description=gettext_lazy("Refresh status from the provider"),
              permissions=["refresh"])  # fmt: skip
def refresh_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Ask the provider about the selected refunds that are in flight."""
    return _refresh(modeladmin, request, queryset, _("refunds"))


@admin.action(description=gettext_lazy("Refund selected collections"), permissions=["refund"])
def refund_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Refund each selected successful collection, fully or by a given amount, and send it."""
    require(modeladmin, request, "refund")
    eligible = queryset.filter(status=S.SUCCESSFUL)
    currencies = set(eligible.order_by().values_list("currency", flat=True).distinct()[:2])
    form = RefundForm(request.POST if is_confirmed(request) else None, currencies=currencies)
    if not (is_confirmed(request) and form.is_valid()):
        return confirmation_page(
            modeladmin, request, queryset, eligible, form=form,
            title=_("Refund collections"),
            summary=_("{count} collections will be refunded to the payer; money leaves the "
                      "account. Leave the amount empty to refund all that remains."),
            skipped_text=_("{count} selected are not successful collections: skipped."),
            submit_label=_("Yes, refund"),
        )  # fmt: skip
    actor, amount = actor_of(request), form.cleaned_data["amount"]
    nonce, note = form.cleaned_data["nonce"], form.cleaned_data["note"]

    def refund(c: Collection) -> Any:
        # The external id comes from the page, so a second submit of it finds this refund.
        created = services.create_refund(
            c.pk,
            amount=amount,
            external_id=f"rf-{c.pk}-{nonce}",
            note=note,
            actor=actor,
            created_by=request.user,
        )
        if created.status == S.CREATED:
            tasks.enqueue_send(created)
        return created

    done, failures = per_row(eligible.order_by("pk"), refund)
    report(
        request, len(done),
        lambda n: ngettext("%(n)d refund created and queued for sending.",
                           "%(n)d refunds created and queued for sending.", n) % {"n": n},
        failures, queryset.count() - len(done) - len(failures),
        lambda n: ngettext("%(n)d skipped: not a successful collection.",
                           "%(n)d skipped: not successful collections.", n) % {"n": n},
    )  # fmt: skip
    return None


# -- resolving by hand -----------------------------------------------------------------------------
def _resolve(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], noun: str) -> Any:
    """Settle the selected in-flight payments as the operator says, each audited with a note."""
    require(modeladmin, request, "resolve")
    model = modeladmin.model
    eligible = queryset.filter(status__in=IN_FLIGHT)
    # Counted on every POST: a payment settled meanwhile drops out, and "successful" stays
    # possible only while exactly one payment is eligible (one transaction id, one payment).
    count = eligible.count()
    form = ResolveForm(request.POST if is_confirmed(request) else None, eligible=count)

    def page() -> TemplateResponse:
        if count == 1:
            warning = _(
                "The status is set as you say, without asking the provider: check the "
                "provider's statement first. A successful outcome needs the transaction id "
                "from that statement."
            )
        else:
            warning = _(
                "The status is set as you say, without asking the provider: check the "
                "provider's statement first. Several payments are selected, so they can only "
                "be resolved as failed; to resolve one as successful, select it alone (one "
                "transaction id belongs to one payment)."
            )
        response = confirmation_page(
            modeladmin, request, queryset, eligible, form=form,
            title=_("Resolve by hand"),
            summary=_("{count} %(noun)s will be resolved by hand.") % {"noun": noun},
            skipped_text=_("{count} selected are not sending, pending or unknown and will be "
                           "skipped."),
            submit_label=_("Yes, resolve them"),
            warning=warning,
        )  # fmt: skip
        # Listed one by one too: an operator settling money by hand sees what is left out.
        if response.context_data is not None:
            skipped = queryset.exclude(status__in=IN_FLIGHT).order_by("pk")
            response.context_data["skipped_rows"] = list(skipped[:SAMPLE_SIZE])
        return response

    if not (is_confirmed(request) and form.is_valid()):
        return page()
    actor, kwargs = actor_of(request), form.service_kwargs()
    done: list[Any] = []
    failures: list[str] = []
    for row in eligible.select_related(None).order_by("pk").only("pk", "external_id"):
        try:
            done.append(services.resolve_manually(model, row.pk, actor=actor, **kwargs))
        except services.InvalidRequest as exc:
            if done or failures:
                failures.append(f"{row.external_id}: {exc}")
                continue
            # The input itself was refused (before any payment was read): nothing changed,
            # so the page comes back with the reason under its field.
            form.add_service_error(exc.field, exc.message)
            return page()
        except services.ServiceError as exc:
            failures.append(f"{row.external_id}: {exc}")
    outcome = kwargs["outcome"]
    report(
        request, len(done),
        lambda n: (ngettext("%(n)d resolved by hand as successful.",
                            "%(n)d resolved by hand as successful.", n)
                   if outcome == S.SUCCESSFUL
                   else ngettext("%(n)d resolved by hand as failed.",
                                 "%(n)d resolved by hand as failed.", n)) % {"n": n},
        failures, queryset.count() - len(done) - len(failures),
        lambda n: ngettext("%(n)d skipped: not sending, pending or unknown.",
                           "%(n)d skipped: not sending, pending or unknown.", n) % {"n": n},
    )  # fmt: skip
    return None


@admin.action(description=gettext_lazy("Resolve by hand"), permissions=["resolve"])
def resolve_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Settle the selected in-flight payouts by hand, after checking the provider's statement."""
    return _resolve(modeladmin, request, queryset, _("payouts"))


@admin.action(description=gettext_lazy("Resolve by hand"), permissions=["resolve"])
def resolve_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Settle the selected in-flight collections by hand, after checking the statement."""
    return _resolve(modeladmin, request, queryset, _("collections"))


@admin.action(description=gettext_lazy("Resolve by hand"), permissions=["resolve"])
def resolve_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Settle the selected in-flight refunds by hand, after checking the provider's statement."""
    return _resolve(modeladmin, request, queryset, _("refunds"))


__all__ = [
    "cancel_transfers",
    "refresh_collections",
    "refresh_refunds",
    "refresh_transfers",
    "refund_collections",
    "resolve_collections",
    "resolve_refunds",
    "resolve_transfers",
    "retry_transfers",
    "send_transfers",
]
