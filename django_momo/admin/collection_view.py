"""The new-MoMo-payment page (the Collection add view): one form, created through ``services``.

Only MoMo Vietnam payment-gateway orders are requested here; MTN requests to pay reach the
customer's phone and are made by the shop's checkout through the API.
"""

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
from .forms import NewMomoPaymentForm

TEMPLATE = "admin/django_momo/collection/new_payment.html"


def new_momo_payment_view(modeladmin: Any, request: HttpRequest) -> HttpResponse:
    """Show the form; on a valid POST create the request (and send it if asked), then redirect.

    Creating needs ``request_collection`` (the add permission), sending ``send_collection``:
    without it the request is created held and the "send now" box is not offered (nor obeyed).
    """
    if not modeladmin.has_add_permission(request):
        raise PermissionDenied
    can_send = modeladmin.has_send_permission(request)
    initial = {"account": request.GET.get("account", "")}
    form = NewMomoPaymentForm(
        request.POST if request.method == "POST" else None, initial=initial, can_send=can_send
    )
    if request.method == "POST" and form.is_valid():
        try:
            collection, created = services.request_payment(
                **form.service_kwargs(), actor=actor_of(request), created_by=request.user
            )
        except services.InvalidRequest as exc:
            form.add_service_error(exc.field, exc.message)
        else:
            if created:
                modeladmin.log_addition(request, collection, [{"added": {}}])
                text = _("MoMo payment request %(id)s created.") % {"id": collection.external_id}
                messages.success(request, text)
            else:
                messages.info(
                    request,
                    _(
                        "MoMo payment request %(id)s exists already (same external id): "
                        "nothing new was created."
                    )
                    % {"id": collection.external_id},
                )
            send_now = can_send and form.cleaned_data.get("send_now")
            if send_now and collection.status == PaymentStatus.CREATED:
                tasks.enqueue_send(collection)
                messages.success(
                    request,
                    _("It is queued for sending: its payment link shows here once MoMo has it."),
                )
            elif collection.status == PaymentStatus.CREATED:
                messages.info(request, _("It is held: send it to create the order at MoMo."))
            opts = modeladmin.model._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[collection.pk],
                current_app=modeladmin.admin_site.name,
            )
            return HttpResponseRedirect(url)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("New MoMo payment request"),
        "opts": modeladmin.model._meta,
        "form": form,
        "has_momo_account": bool(form.fields["account"].choices),  # type: ignore[attr-defined]
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context)
