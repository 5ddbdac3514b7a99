"""The new-payout page (the Transfer add view): one form, created through ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from django_momo import services, tasks
from django_momo.models import PaymentStatus

from .actions import actor_of
from .forms import NewPayoutForm

TEMPLATE = "admin/django_momo/transfer/new_payout.html"


def new_payout_view(modeladmin: Any, request: HttpRequest) -> HttpResponse:
    """Show the form; on a valid POST create the payout (and queue it if asked), then redirect."""
    if not modeladmin.has_add_permission(request):
        raise PermissionDenied
    can_send = modeladmin.has_send_permission(request)
    initial = {"account": request.GET.get("account", "")}
    form = NewPayoutForm(
        request.POST if request.method == "POST" else None, initial=initial, can_send=can_send
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfer, created = services.create_transfer(
                **form.service_kwargs(), actor=actor_of(request), created_by=request.user
            )
        except services.InvalidRequest as exc:
            form.add_service_error(exc.field, exc.message)
        else:
            if created:
                modeladmin.log_addition(request, transfer, [{"added": {}}])
                text = _("Payout %(id)s created.") % {"id": transfer.external_id}
                messages.success(request, text)
            else:
                messages.info(
                    request,
                    _("Payout %(id)s exists already (same external id): nothing new was created.")
                    % {"id": transfer.external_id},
                )
            send_now = can_send and form.cleaned_data.get("send_now")
            if send_now and transfer.status == PaymentStatus.CREATED:
                tasks.enqueue_send(transfer)
                messages.success(request, _("It is queued for sending."))
            opts = modeladmin.model._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[transfer.pk],
                current_app=modeladmin.admin_site.name,
            )
            return HttpResponseRedirect(url)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("New payout"),
        "opts": modeladmin.model._meta,
        "form": form,
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context)
