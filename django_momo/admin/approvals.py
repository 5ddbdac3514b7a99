"""Maker-checker in the admin: approve or reject payouts and refunds awaiting approval.

The same rules as the REST API (``services.decide``): the ``approve_*`` permission, never the
payment's maker, one decision per checker, bound to the money fields; a rejection cancels. The
confirmation page binds exactly the rows it showed, as every money action does.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from django_momo import services
from django_momo.models import PaymentStatus

from .actions import actor_of, confirm_first, per_row, report, require, skipped_after


class DecisionForm(forms.Form):
    """Approve or reject, with a note (required to reject)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approved", _("Approve")), ("rejected", _("Reject (cancels them)"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "rejected" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why you reject them."))
        return data


def _decide(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], action: str) -> Any:
    require(modeladmin, request, "approve")
    model = modeladmin.model
    noun = model._meta.verbose_name_plural

    def gone_text(n: int) -> str:
        return ngettext(
            "%(n)d skipped: no longer awaiting approval.",
            "%(n)d skipped: no longer awaiting approval.",
            n,
        ) % {"n": n}

    eligible = queryset.filter(status=PaymentStatus.CREATED, approvals_required__gt=0)
    binding, form, response = confirm_first(
        modeladmin,
        request,
        queryset,
        eligible,
        action,
        gone_text,
        form=lambda b: DecisionForm(request.POST if b.confirmed else None),
        title=_("Approve or reject %(noun)s") % {"noun": noun},
        summary=_(
            "{count} %(noun)s await approval. You approve exactly these amounts and "
            "payees; any later change voids your approval."
        )
        % {"noun": noun},
        skipped_text=_("{count} selected do not await approval: skipped."),
        submit_label=_("Record my decision"),
    )
    if binding is None:
        return response
    decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
    actor = actor_of(request)
    done, failures = per_row(
        binding.rows(eligible),
        lambda p: services.decide(
            model, p.pk, user=request.user, decision=decision, note=note, actor=actor
        ),
    )

    def done_text(n: int) -> str:
        if decision == "approved":
            return ngettext("%(n)d approved.", "%(n)d approved.", n) % {"n": n}
        return ngettext("%(n)d rejected and cancelled.", "%(n)d rejected and cancelled.", n) % {
            "n": n
        }

    report(
        request,
        len(done),
        done_text,
        failures,
        skipped_after(binding, len(done) + len(failures)),
        gone_text,
    )
    return None


@admin.action(
    description=gettext_lazy("Approve or reject (maker-checker)"), permissions=["approve"]
)
def decide_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Record the operator's approval or rejection of the selected payouts."""
    return _decide(modeladmin, request, queryset, "decide_transfers")


@admin.action(
    description=gettext_lazy("Approve or reject (maker-checker)"), permissions=["approve"]
)
def decide_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Record the operator's approval or rejection of the selected refunds."""
    return _decide(modeladmin, request, queryset, "decide_refunds")
