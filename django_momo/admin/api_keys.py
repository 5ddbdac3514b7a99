"""API keys in the admin: issue one (its plaintext shown once, on the answer page), list, revoke.

Nothing here can reveal a key after it was issued: only its hash is stored, the change page is
read-only and never shows the hash, and the plaintext goes into the one page that answers the
creating POST (no redirect, no message, no log entry, ``Cache-Control: no-store``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from django_momo.conf import momo_settings
from django_momo.models import ApiKey
from django_momo.models.api_keys import known_scopes

ADD_TEMPLATE = "admin/django_momo/apikey/add.html"
CREATED_TEMPLATE = "admin/django_momo/apikey/created.html"
MAX_DAYS = 3650


class IssueApiKeyForm(forms.Form):
    """Who the key acts as, what it may do and for how long; a creator grants only what it holds."""

    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=get_user_model()._default_manager.filter(is_active=True).order_by("username"),
        help_text=gettext_lazy("The user the key acts as (it need not be staff)."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Permissions the key may use (its owner must hold them too); none: read only."
        ),
    )
    accounts = forms.MultipleChoiceField(
        label=gettext_lazy("Accounts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Provider accounts the key may use; none ticked: all."),
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires in (days)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=gettext_lazy("Empty: the key does not expire."),
    )

    def __init__(self, *args: Any, creator: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creator = creator
        self.fields["scopes"].choices = [  # type: ignore[attr-defined]
            (perm, f"{perm} ({label})") for perm, label in known_scopes().items()
        ]
        self.fields["accounts"].choices = [  # type: ignore[attr-defined]
            (name, name) for name in sorted(momo_settings.accounts())
        ]

    def clean_scopes(self) -> list[str]:
        scopes: list[str] = self.cleaned_data.get("scopes") or []
        missing = [s for s in scopes if not self.creator.has_perm(s)]
        if missing:
            raise forms.ValidationError(
                _("You may only grant permissions you hold yourself: %(perms)s")
                % {"perms": ", ".join(missing)}
            )
        return scopes


def issue_view(modeladmin: ApiKeyAdmin, request: HttpRequest) -> HttpResponse:
    """The add page: the form, then (once) the page showing the new key."""
    if not modeladmin.has_add_permission(request):
        raise PermissionDenied
    opts = modeladmin.model._meta
    form = IssueApiKeyForm(request.POST if request.method == "POST" else None, creator=request.user)
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": opts,
        "form": form,
        "title": _("Issue an API key"),
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        days = data.get("expires_in_days")
        key, plaintext = ApiKey.issue(
            owner=data["owner"],
            name=data["name"],
            scopes=data["scopes"],
            accounts=data["accounts"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            created_by=request.user,
        )
        modeladmin.log_addition(request, key, [{"added": {}}])
        context.update(title=_("API key issued"), key=key, plaintext=plaintext)
        response = TemplateResponse(request, CREATED_TEMPLATE, context)
        add_never_cache_headers(response)
        return response
    return TemplateResponse(request, ADD_TEMPLATE, context)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys by prefix; issued from the add page, never edited, revoked by an action."""

    list_display = (
        "prefix", "name", "owner", "scopes_display", "accounts_display", "created_at",
        "last_used_at", "expires_at", "revoked_at", "state_display",
    )  # fmt: skip
    list_filter = ("revoked_at", "expires_at", "created_at")
    search_fields = ("=prefix", "name", "owner__username")
    list_select_related = ("owner",)
    actions = ("revoke_keys",)
    fields = (
        "prefix", "name", "owner", "scopes_display", "accounts_display", "created_at",
        "created_by", "expires_at", "revoked_at", "last_used_at", "state_display",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=gettext_lazy("scopes"))
    def scopes_display(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes) or _("read only")

    @admin.display(description=gettext_lazy("accounts"))
    def accounts_display(self, obj: ApiKey) -> str:
        return ", ".join(obj.accounts) or _("all")

    @admin.display(description=gettext_lazy("state"))
    def state_display(self, obj: ApiKey) -> str:
        return obj.state

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return issue_view(self, request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the record of who held which key stays

    @admin.action(description=gettext_lazy("Revoke selected API keys"), permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        now = timezone.now()
        revoked = skipped = 0
        for key in queryset:
            if key.revoke(now):
                revoked += 1
                self.log_change(request, key, [{"changed": {"fields": ["revoked_at"]}}])
            else:
                skipped += 1
        if revoked:
            self.message_user(
                request,
                ngettext("Revoked %d API key.", "Revoked %d API keys.", revoked) % revoked,
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d API key was revoked already.", "%d API keys were revoked already.", skipped
                )
                % skipped,
                messages.WARNING,
            )
