"""The new-payout page (the Transfer add view): form, review, confirm; created through ``services``.

The form's POST is checked field by field (``services.validation.clean_payment``: the same rules
``create_transfer`` applies) and, when it is right, a review page shows the payout as it will be
made: the amount as parsed (formatted for its currency), the payee, the account and the
operation. That page carries the values in a signed token bound to the operator; only its
"Confirm" creates the payout, from the token's values (what was shown), never from other fields
of the POST. The external id makes a double submit create one payout.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from django_momo import services, tasks
from django_momo.models import PartyType, PaymentStatus, TransferOperation
from django_momo.services.validation import clean_payment

from .actions import actor_of
from .display import display_amount
from .forms import NewPayoutForm

TEMPLATE = "admin/django_momo/transfer/new_payout.html"
REVIEW_TEMPLATE = "admin/django_momo/transfer/review_payout.html"
REVIEW_SALT = "django_momo.admin.new_payout.review"
REVIEW_FIELD = "momo_review"
# A review page left open longer than this is shown again before anything is created.
REVIEW_MAX_AGE = 60 * 60


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _read_token(request: HttpRequest) -> dict[str, Any] | None:
    try:
        payload = signing.loads(
            request.POST.get(REVIEW_FIELD, ""), salt=REVIEW_SALT, max_age=REVIEW_MAX_AGE
        )
    except signing.BadSignature:  # SignatureExpired among them
        return None
    if not isinstance(payload, dict) or payload.get("user") != str(request.user.pk):
        return None
    if not isinstance(payload.get("kwargs"), dict):
        return None
    return payload


def new_payout_view(modeladmin: Any, request: HttpRequest) -> HttpResponse:
    """The form; its valid POST shows the review page; the review's Confirm creates the payout."""
    if not modeladmin.has_add_permission(request):
        raise PermissionDenied
    can_send = modeladmin.has_send_permission(request)
    if request.method == "POST" and (
        request.POST.get("_confirm") == "yes" or "_edit" in request.POST
    ):
        payload = _read_token(request)
        if payload is None:
            form = NewPayoutForm(request.POST, can_send=can_send)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "This review page is too old or was altered; nothing was created. Check the "
                    "payout again."
                ),
            )
            return _form_page(modeladmin, request, form)
        kwargs, send_now = payload["kwargs"], bool(payload.get("send_now")) and can_send
        if "_edit" in request.POST:
            initial = {**kwargs, "currency": kwargs.get("currency") or "", "send_now": send_now}
            initial["party_type"] = kwargs.get("party_type") or ""
            return _form_page(
                modeladmin, request, NewPayoutForm(initial=initial, can_send=can_send)
            )
        return _create(modeladmin, request, kwargs, send_now)
    initial = {"account": request.GET.get("account", "")}
    form = NewPayoutForm(
        request.POST if request.method == "POST" else None, initial=initial, can_send=can_send
    )
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            fields = clean_payment(choices=TransferOperation, **kwargs)
        except services.InvalidRequest as exc:
            form.add_service_error(exc.field, exc.message)
        else:
            send_now = bool(can_send and form.cleaned_data.get("send_now"))
            return _review_page(modeladmin, request, kwargs, fields, send_now)
    return _form_page(modeladmin, request, form)


def _create(
    modeladmin: Any, request: HttpRequest, kwargs: dict[str, Any], send_now: bool
) -> HttpResponse:
    try:
        transfer, created = services.create_transfer(
            **kwargs, actor=actor_of(request), created_by=request.user
        )
    except services.InvalidRequest as exc:
        # Bound to what was shown, so the service's refusal appears under its field.
        data = {key: value or "" for key, value in kwargs.items()}
        if send_now:
            data["send_now"] = "on"
        form = NewPayoutForm(data, can_send=modeladmin.has_send_permission(request))
        form.is_valid()
        form.add_service_error(exc.field, exc.message)
        return _form_page(modeladmin, request, form)
    if created:
        modeladmin.log_addition(request, transfer, [{"added": {}}])
        messages.success(request, _("Payout %(id)s created.") % {"id": transfer.external_id})
    else:
        messages.info(
            request,
            _("Payout %(id)s exists already (same external id): nothing new was created.")
            % {"id": transfer.external_id},
        )
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


def _review_page(
    modeladmin: Any,
    request: HttpRequest,
    kwargs: dict[str, Any],
    fields: dict[str, Any],
    send_now: bool,
) -> TemplateResponse:
    token = signing.dumps(
        {"user": str(request.user.pk), "kwargs": kwargs, "send_now": send_now},
        salt=REVIEW_SALT,
        compress=True,
    )
    rows = [
        (_("Amount"), display_amount(fields["amount"], fields["currency"])),
        (_("Payee"), fields.get("party_id", kwargs["party_id"])),
        (_("Party type"), _label(PartyType, str(fields.get("party_type", "")))),
        (_("Name"), fields.get("party_name", "")),
        (_("Bank code"), fields.get("bank_code", "")),
        (_("Account"), fields["account"]),
        (_("Operation"), _label(TransferOperation, fields["operation"])),
        (_("External id"), fields["external_id"]),
        (_("Message"), kwargs.get("message", "")),
        (_("Note to the payee"), kwargs.get("note", "")),
    ]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Review the payout"),
        "opts": modeladmin.model._meta,
        "rows": [(label, value) for label, value in rows if value],
        "amount": rows[0][1],
        "send_now": send_now,
        "review_field": REVIEW_FIELD,
        "review_token": token,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, REVIEW_TEMPLATE, context)


def _form_page(modeladmin: Any, request: HttpRequest, form: NewPayoutForm) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("New payout"),
        "opts": modeladmin.model._meta,
        "form": form,
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context)
