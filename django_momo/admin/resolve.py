"""The confirmation form of "Resolve by hand": the outcome, the operator's note, the statement id.

The rules are the service's (``services.resolve_manually``); the form only asks for what it
needs and puts the service's refusal under the field it names. A successful outcome carries the
provider's transaction id from the statement, and one id belongs to one payment: with several
payments eligible, only "failed" is offered.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from django_momo.models import PaymentStatus

S = PaymentStatus


class ResolveForm(forms.Form):
    """How the operator settles the eligible payments, after checking the provider's statement."""

    outcome = forms.ChoiceField(label=_("Outcome"))
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Required: what you checked (the statement, its date, who confirmed it)."),
        error_messages={"required": _("A note is required: say what you checked.")},
    )
    # Passed on exactly as typed: the service refuses spaces rather than guess at them.
    provider_transaction_id = forms.CharField(
        label=_("Provider transaction id"),
        max_length=64,
        required=False,
        strip=False,
        help_text=_("Required for a successful outcome: the id on the provider's statement."),
    )

    # Fields of the service's InvalidRequest that have a field here.
    SERVICE_FIELDS = ("outcome", "note", "provider_transaction_id")

    def __init__(self, *args: Any, eligible: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.single = eligible == 1
        outcome = self.fields["outcome"]
        if self.single:
            outcome.choices = [  # type: ignore[attr-defined]
                ("", "---------"),
                (S.SUCCESSFUL.value, S.SUCCESSFUL.label),
                (S.FAILED.value, S.FAILED.label),
            ]
        else:
            outcome.choices = [  # type: ignore[attr-defined]
                ("", "---------"),
                (S.FAILED.value, S.FAILED.label),
            ]
            outcome.help_text = _(
                "Several payments are selected, so they can only be resolved as failed: a "
                "successful outcome needs the provider's transaction id, which belongs to one "
                "payment. To resolve one as successful, select it alone."
            )
            outcome.error_messages["invalid_choice"] = _(
                "Only one payment at a time can be resolved as successful: select it alone."
            )
            del self.fields["provider_transaction_id"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == S.SUCCESSFUL and not data.get("provider_transaction_id"):
            self.add_error(
                "provider_transaction_id",
                _("Required for a successful outcome: copy it from the provider's statement."),
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """Arguments for ``services.resolve_manually`` from the cleaned data."""
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "note": data["note"],
            "provider_transaction_id": data.get("provider_transaction_id") or "",
        }

    def add_service_error(self, field: str, message: str) -> None:
        """Show a service's refusal under the field it names (or above the form)."""
        if field in self.SERVICE_FIELDS and field in self.fields:
            self.add_error(field, message)
        else:
            self.add_error(None, f"{field}: {message}" if field else message)
