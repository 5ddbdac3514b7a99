"""Buttons on a payment's own page that run one changelist action on that payment alone.

A button POSTs to ``<pk>/do/<action>/``, which calls the very action function of the changelist
(``actions.py``) with a queryset of that one payment: the same permission checks (the action's
``permissions`` and its ``require``), the same bound confirmation page (``confirm_first``) and
the same services. A button is shown only to an operator holding the action's permission and
only while the payment is in a status the action acts on; a forged POST without the permission
is refused (403) and changes nothing. Once the action is done, the payment's page comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from django_momo.models import UNRESOLVED_STATUSES, PaymentStatus

S = PaymentStatus


def created(obj: Any) -> bool:
    return bool(obj.status == S.CREATED)


def in_flight(obj: Any) -> bool:
    return obj.status in UNRESOLVED_STATUSES


def failed(obj: Any) -> bool:
    return bool(obj.status == S.FAILED)


def successful(obj: Any) -> bool:
    return bool(obj.status == S.SUCCESSFUL)


# (action name, button label, when the button is offered)
Button = tuple[str, Any, Callable[[Any], bool]]


class ObjectButtonsMixin:
    """Adds the one-payment action URL and the buttons of ``object_buttons`` to a ModelAdmin."""

    object_buttons: tuple[Button, ...] = ()

    def _url_name(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_object_action"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.object_action_view)  # type: ignore[attr-defined]
        urls = [path("<path:object_id>/do/<str:action>/", view, name=self._url_name())]
        return urls + super().get_urls()  # type: ignore[misc]

    def _change_url(self, obj: Any) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,  # type: ignore[attr-defined]
        )

    def object_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """Run ``action`` on the one payment ``object_id`` (POST only)."""
        if action not in {name for name, _label, _when in self.object_buttons}:
            raise Http404
        # Only the actions this operator may run (the changelist's own permission filter).
        allowed = self.get_actions(request)  # type: ignore[attr-defined]
        if action not in allowed:
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is None:
            raise Http404
        change_url = self._change_url(obj)
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        # Django 6.1 gives actions as objects with ``func`` (indexing them is deprecated),
        # Django 5.2 as (func, name, description) tuples.
        entry = allowed[action]
        func = getattr(entry, "func", None) or entry[0]
        queryset = self.get_queryset(request).filter(pk=obj.pk)  # type: ignore[attr-defined]
        response = func(self, request, queryset)
        if response is None:
            return HttpResponseRedirect(change_url)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            response.context_data["cancel_url"] = change_url
        return response  # type: ignore[no-any-return]

    def object_buttons_for(self, request: HttpRequest, obj: Any) -> list[dict[str, str]]:
        """The buttons this operator sees on ``obj``'s page."""
        if obj is None:
            return []
        allowed = self.get_actions(request)  # type: ignore[attr-defined]
        return [
            {
                "action": name,
                "label": str(label),
                "url": reverse(
                    f"admin:{self._url_name()}",
                    args=[obj.pk, name],
                    current_app=self.admin_site.name,  # type: ignore[attr-defined]
                ),
            }
            for name, label, when in self.object_buttons
            if name in allowed and when(obj)
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        context["momo_buttons"] = self.object_buttons_for(request, obj)
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]
