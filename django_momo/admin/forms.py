"""Forms of the payment admin: the new-payout and new-MoMo-payment forms and the actions'
confirmation forms.

Field rules live in one place: ``services.create_transfer`` checks the account, the operation,
the currency, the amount (``django_momo.money``: minor units, provider limits), the phone or
wallet and the bank details, and its ``InvalidRequest`` names the field;
:meth:`NewPayoutForm.add_service_error` puts that message under the field it names. The refund
form parses its amount with ``django_momo.money`` too.

The amount and the phone or wallet number are passed on exactly as typed (``strip=False``, no
localisation): ``"1,000"``, ``"1 000"`` or ``" 25 "`` is refused with a message saying how to
write it, never read as a number the operator did not see.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from django_momo.conf import momo_settings
from django_momo.models import CollectionOperation, PartyType, TransferOperation
from django_momo.money import AmountError, to_amount


def new_external_id(prefix: str = "admin") -> str:
    """A fresh external id for a payout typed in by an operator."""
    return f"{prefix}-{secrets.token_hex(8)}"


def parse_amount(text: str, currency: str) -> Decimal:
    """The amount as typed, checked against the currency's minor units; ``AmountError`` if not."""
    return to_amount(text, currency)


class AccountOperationSelect(forms.Select):
    """The operations select: each option names the accounts offering it (``data-accounts``);
    those of other accounts than the chosen one are disabled and hidden (the page's script
    shows the right ones when the account changes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered_by: dict[str, list[str]] = {}
        self.account = ""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        accounts = self.offered_by.get(str(value), [])
        option["attrs"]["data-accounts"] = " ".join(accounts)
        if self.account and self.account not in accounts:
            option["attrs"].update(disabled=True, hidden=True)
        return option


class NewPayoutForm(forms.Form):
    """A payout from one of the configured accounts, with one of that account's operations."""

    account = forms.ChoiceField(label=_("Account"))
    operation = forms.ChoiceField(label=_("Operation"), widget=AccountOperationSelect)
    party_type = forms.ChoiceField(
        label=_("Party type"),
        choices=[("", _("Default for the operation")), *PartyType.choices],
        required=False,
    )
    party_id = forms.CharField(
        label=_("Phone number or wallet"),
        max_length=64,
        strip=False,
        help_text=_(
            "MTN: the number in international format, digits only (e.g. 256772123456). "
            "MoMo: the wallet's phone number (0xxxxxxxxx); for bank payouts the account or "
            "card number."
        ),
    )
    party_name = forms.CharField(
        label=_("Name"),
        max_length=255,
        required=False,
        help_text=_("The account holder's name (required for MoMo bank payouts)."),
    )
    bank_code = forms.CharField(
        label=_("Bank code"),
        max_length=32,
        required=False,
        help_text=_("MoMo bank payouts only: the bank's code, e.g. VCB."),
    )
    amount = forms.CharField(
        label=_("Amount"),
        max_length=32,
        strip=False,
        help_text=_(
            "Plain digits with an optional '.', e.g. 1000 or 1000.50; no spaces or "
            "thousands separators."
        ),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("Leave empty for the account's currency."),
    )
    external_id = forms.CharField(
        label=_("External id"),
        max_length=64,
        help_text=_("Your own reference; submitting the same one twice creates one payout."),
    )
    message = forms.CharField(label=_("Message"), max_length=255, required=False)
    note = forms.CharField(label=_("Note to the payee"), max_length=160, required=False)
    send_now = forms.BooleanField(
        label=_("Send now"),
        required=False,
        help_text=_("Queue the payout for sending as soon as it is created."),
    )

    # Fields of the service's InvalidRequest that have no field of their own here.
    FIELD_ALIASES = {
        "msisdn": "party_id", "wallet_id": "party_id", "payee": "party_id",
        "party": "party_id", "bank_account": "party_id", "holder_name": "party_name",
    }  # fmt: skip

    def __init__(self, *args: Any, can_send: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .display import account_operations

        accounts = momo_settings.accounts()
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            (name, f"{name} ({account.provider}, {account.currency})")
            for name, account in sorted(accounts.items())
        ]
        # Each account's own operations (as its adapter says); only those are offered.
        self.offers = {
            name: [value for value, _label in account_operations(account, TransferOperation)]
            for name, account in accounts.items()
        }
        offered = {op for ops in self.offers.values() for op in ops}
        field = self.fields["operation"]
        field.choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in TransferOperation.choices if value in offered
        ]
        widget = field.widget
        assert isinstance(widget, AccountOperationSelect)
        widget.offered_by = {
            op: sorted(name for name, ops in self.offers.items() if op in ops) for op in offered
        }
        chosen = self.initial.get("account") if self.initial.get("account") in accounts else ""
        chosen = chosen or next(iter(sorted(accounts)), "")
        if not self.is_bound:
            # The default submit names an account and one of its own operations.
            self.initial["account"] = chosen
            ops = self.offers.get(chosen, [])
            if self.initial.get("operation") not in ops:
                self.initial["operation"] = ops[0] if ops else ""
            widget.account = chosen
        else:
            widget.account = str(self.data.get("account", ""))
        if not can_send:
            del self.fields["send_now"]
        self.fields["external_id"].initial = self.initial.get("external_id") or new_external_id()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account, operation = data.get("account"), data.get("operation")
        if account and operation and operation not in self.offers.get(account, []):
            self.add_error(
                "operation",
                _("Account %(account)s does not offer this operation; choose one of its own.")
                % {"account": account},
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """Arguments for ``services.create_transfer`` from the cleaned data."""
        data = self.cleaned_data
        return {
            "account": data["account"],
            "operation": data["operation"],
            "party_id": data["party_id"],
            # Passed as typed: ``money.to_amount`` in the services parses it for the currency
            # they settle on, with no guessing about thousands separators or spaces.
            "amount": data["amount"],
            "external_id": data["external_id"].strip(),
            "currency": data["currency"].strip() or None,
            "party_type": data["party_type"] or None,
            "party_name": data["party_name"].strip(),
            "bank_code": data["bank_code"].strip(),
            "message": data["message"],
            "note": data["note"],
        }

    def add_service_error(self, field: str, message: str) -> None:
        """Show a service's refusal under the field it names (or above the form)."""
        name = self.FIELD_ALIASES.get(field, field)
        if name in self.fields and name != "send_now":
            self.add_error(name, message)
        else:
            self.add_error(None, f"{field}: {message}" if field else message)


# The MoMo Vietnam payment-gateway operations a payment request can be made with.
MOMO_PAYMENT_OPERATIONS = [
    (value, label) for value, label in CollectionOperation.choices if value.startswith("momo_vn.")
]
MOMO_CARD_OPERATION = CollectionOperation.MOMO_VN_CARD.value


class NewMomoPaymentForm(forms.Form):
    """A MoMo Vietnam payment request (payment gateway v2) from one of the MoMo accounts.

    As on the new-payout form, every text goes to ``services.request_payment`` exactly as typed
    (``strip=False``): the service refuses what is not written the one documented way (an amount
    that is not whole VND digits, edge spaces, an e-mail on a wallet payment, ...) and its
    ``InvalidRequest`` names the field, shown under it by :meth:`add_service_error`.
    """

    account = forms.ChoiceField(label=_("Account"))
    operation = forms.ChoiceField(
        label=_("Method"),
        choices=MOMO_PAYMENT_OPERATIONS,
        help_text=_("How the customer pays on MoMo's page."),
    )
    amount = forms.CharField(
        label=_("Amount (VND)"),
        max_length=32,
        strip=False,
        help_text=_(
            "Whole VND as plain digits, e.g. 150000; no spaces, separators, decimals or exponents."
        ),
    )
    external_id = forms.CharField(
        label=_("External id"),
        max_length=64,
        strip=False,
        help_text=_("The shop's own reference; submitting the same one twice creates one request."),
    )
    message = forms.CharField(
        label=_("Order info"),
        max_length=255,
        required=False,
        strip=False,
        help_text=_("Shown to the customer on MoMo's page; empty: 'Payment <external id>'."),
    )
    email = forms.CharField(
        label=_("Customer's e-mail"),
        max_length=64,
        required=False,
        strip=False,
        help_text=_("Credit-card payments only (MoMo requires it); leave empty otherwise."),
    )
    send_now = forms.BooleanField(
        label=_("Send now"),
        required=False,
        help_text=_(
            "Create the order at MoMo at once, so that the customer can pay it; otherwise the "
            "request is created held until it is sent."
        ),
    )

    # Fields of the service's InvalidRequest that have no field of their own here.
    FIELD_ALIASES = {"party_id": "email", "party_type": "email", "order_info": "message"}

    def __init__(self, *args: Any, can_send: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = momo_settings.accounts()
        # The accounts that offer one of this form's payment methods (the MoMo ones).
        methods = [value for value, _label in MOMO_PAYMENT_OPERATIONS]
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            (name, f"{name} ({account.currency})")
            for name, account in sorted(accounts.items())
            if any(method in account.operations for method in methods)
        ]
        if not can_send:
            del self.fields["send_now"]
        self.fields["external_id"].initial = self.initial.get("external_id") or new_external_id()

    def service_kwargs(self) -> dict[str, Any]:
        """Arguments for ``services.request_payment`` from the cleaned data, as typed."""
        data = self.cleaned_data
        return {
            "account": data["account"],
            "operation": data["operation"],
            # Passed as typed: ``money.to_amount`` in the services parses it as VND.
            "amount": data["amount"],
            "external_id": data["external_id"],
            # The customer picks the wallet or card on MoMo's page; a card payment names the
            # customer's e-mail, which the service checks (and refuses on any other method).
            "party_id": data["email"],
            "message": data["message"],
        }

    def add_service_error(self, field: str, message: str) -> None:
        """Show a service's refusal under the field it names (or above the form)."""
        name = self.FIELD_ALIASES.get(field, field)
        if name in self.fields and name != "send_now":
            self.add_error(name, message)
        else:
            self.add_error(None, f"{field}: {message}" if field else message)


class CancelForm(forms.Form):
    """Why the payouts are cancelled (kept in the audit trail)."""

    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class RetryForm(forms.Form):
    """An explicit yes to paying again, and whether to send the new payouts at once."""

    understood = forms.BooleanField(
        label=_("I checked that these payouts failed and want to pay them again"),
        required=True,
        error_messages={"required": _("Tick this box to confirm the retry.")},
    )
    send_now = forms.BooleanField(label=_("Send the new payouts now"), required=False)

    def __init__(self, *args: Any, can_send: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_send:
            del self.fields["send_now"]


class RefundForm(forms.Form):
    """Full refund (no amount) or a given amount from each selected collection."""

    amount = forms.CharField(
        label=_("Amount"),
        max_length=32,
        required=False,
        strip=False,
        help_text=_("Empty: refund all that remains of each collection."),
    )
    # Not stripped: the services refuse edge spaces instead of quietly removing them.
    note = forms.CharField(
        label=_("Note to the payer"), max_length=160, required=False, strip=False
    )
    # Fixed when the page is rendered: a second submit of the same page reuses the refunds'
    # external ids and so creates nothing new.
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args: Any, currencies: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currencies = set(currencies)
        self.fields["nonce"].initial = secrets.token_hex(6)

    def clean_nonce(self) -> str:
        nonce = str(self.cleaned_data["nonce"])
        if not nonce.isalnum():
            raise forms.ValidationError(_("The page is damaged: reload it."))
        return nonce

    def clean_amount(self) -> Decimal | None:
        text = str(self.cleaned_data.get("amount") or "")
        if not text:
            return None
        if len(self.currencies) != 1:
            raise forms.ValidationError(
                _("An amount needs collections in one currency; select them by currency.")
            )
        try:
            return parse_amount(text, next(iter(self.currencies)))
        except AmountError as exc:
            raise forms.ValidationError(str(exc)) from None
