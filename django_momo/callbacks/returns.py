"""The customer's return from MoMo's payment page (``redirectUrl``): a claim, never a fact.

MoMo sends the customer's browser back with the payment's result as signed query parameters.
The browser may be closed before it gets here, and anybody can type the URL, so the return only
ever (1) is stored raw like every callback, (2) asks for a status query of the payment when its
signature verifies and the payment is not final, and (3) shows the shop's page
(``django_momo/momo_vn/return.html``, overridable) with the payment's status *as stored*. Only
the IPN or a status query changes state.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from django_momo.conf import momo_settings
from django_momo.models import Callback, CallbackVerdict, Provider

from . import limits
from .network import client_ip
from .processing import process_return
from .recording import bound_refused_body, record

V = CallbackVerdict
TEMPLATE = "django_momo/momo_vn/return.html"


@login_not_required
@never_cache
@transaction.non_atomic_requests
def momo_vn_return(request: HttpRequest, token: str) -> HttpResponse:
    """Store the return, enqueue a status query if it is signed, show the shop's page."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(("GET", "HEAD"))
    source = client_ip(request)
    query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
    body = query[: int(momo_settings.CALLBACK_MAX_BODY)]
    if limits.exceeded(source):
        limits.warn_once(source)
        response = HttpResponse("too many refused requests", status=429, content_type="text/plain")
        response["Retry-After"] = str(limits.seconds_left())
        return response
    callback: Callback = record(
        request, provider=Provider.MOMO_VN, body=body, remote_addr=source, token=token
    )
    decision = process_return(callback)
    payment = decision.payment
    if payment is None:
        bound_refused_body(callback, body)
        limits.count_refusal(source)
    context = {
        "payment": payment,
        "status": payment.status if payment is not None else "",
        "claimed_paid": decision.verdict == V.VALID and decision.result.startswith("paid"),
    }
    return render(request, TEMPLATE, context, status=200 if payment is not None else 404)
