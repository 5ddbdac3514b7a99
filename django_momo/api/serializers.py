"""What the API reads and writes. Never a secret, a MoMo request body or a callback token."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from django_momo.models import (
    Collection,
    CollectionOperation,
    PartyType,
    Payment,
    PaymentStatus,
    Refund,
    Transfer,
    TransferOperation,
)
from django_momo.money import AmountError, format_amount

try:
    from drf_spectacular.utils import extend_schema_field
except ImportError:  # the schema is optional

    def extend_schema_field(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
        return lambda obj: obj


AMOUNT_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^[0-9]{1,18}(\.[0-9]{1,4})?$",
    "example": "12.50",
}


@extend_schema_field(AMOUNT_SCHEMA)
class AmountField(serializers.Field):
    """An amount as a string (``"12.50"``) or a JSON number read as ``Decimal``; never a float.

    The text is passed on as given: the services check it against the currency's minor units.
    """

    default_error_messages = {
        "invalid": 'must be a decimal number given as a string, e.g. "12.50"',
        "max_length": "must be at most 40 characters",
    }

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            self.fail("invalid")
        text = str(data).strip()
        if len(text) > 40:
            self.fail("max_length")
        try:
            value = Decimal(text)
        except ArithmeticError:
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        return text

    def to_representation(self, value: Any) -> str:
        return str(value)


class PaymentSerializer(serializers.ModelSerializer):
    """Fields every payment shows (no request body, no callback token, no creator)."""

    amount = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id", "account", "provider", "operation", "status", "amount", "currency",
            "party_type", "party_id", "party_name", "bank_code", "external_id", "reference",
            "order_id", "message", "note", "provider_transaction_id", "failure_code",
            "failure_message", "attempts", "created_at", "updated_at", "sent_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_amount(self, payment: Payment) -> str:
        """The amount in the currency's own minor units, e.g. ``"12.5"`` or ``"15000"``."""
        try:
            return format_amount(Decimal(payment.amount), payment.currency)
        except AmountError:
            return format(Decimal(payment.amount).normalize(), "f")


class TransferSerializer(PaymentSerializer):
    """A payout as the API shows it."""

    class Meta(PaymentSerializer.Meta):
        model = Transfer
        fields = [*PaymentSerializer.Meta.fields, "retry_of"]
        read_only_fields = fields


class CollectionSerializer(PaymentSerializer):
    """A payment request (money in) as the API shows it."""

    class Meta(PaymentSerializer.Meta):
        model = Collection


class RefundSerializer(PaymentSerializer):
    """A refund of a collection as the API shows it."""

    class Meta(PaymentSerializer.Meta):
        model = Refund
        fields = [*PaymentSerializer.Meta.fields, "collection"]
        read_only_fields = fields


class _NewPaymentSerializer(serializers.Serializer):
    """Input fields shared by new payouts and payment requests."""

    account = serializers.CharField(max_length=64, help_text="Name of a configured account.")
    party_id = serializers.CharField(
        max_length=64, help_text="Phone number (MSISDN), e-mail, party code or wallet/bank no."
    )
    amount = AmountField(help_text='Decimal string in the currency\'s minor units, e.g. "12.50".')
    currency = serializers.CharField(
        max_length=3, required=False, help_text="Defaults to the account's currency."
    )
    external_id = serializers.CharField(
        max_length=64, help_text="The shop's own reference, unique per account."
    )
    message = serializers.CharField(max_length=255, required=False, allow_blank=True)
    note = serializers.CharField(max_length=160, required=False, allow_blank=True)
    hold = serializers.BooleanField(
        default=False, help_text="true: store the payment for an operator instead of sending it."
    )


class TransferCreateSerializer(_NewPaymentSerializer):
    """A new payout."""

    operation = serializers.ChoiceField(choices=TransferOperation.choices)
    party_type = serializers.ChoiceField(choices=PartyType.choices, required=False)
    party_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    bank_code = serializers.CharField(max_length=32, required=False, allow_blank=True)


class CollectionCreateSerializer(_NewPaymentSerializer):
    """A new payment request (money in)."""

    operation = serializers.ChoiceField(choices=CollectionOperation.choices)


class RefundCreateSerializer(serializers.Serializer):
    """A new refund of a successful collection; without ``amount`` all that remains."""

    amount = AmountField(required=False)
    external_id = serializers.CharField(max_length=64, required=False)
    note = serializers.CharField(max_length=160, required=False, allow_blank=True)
    hold = serializers.BooleanField(default=False)


class PaymentFilterSerializer(serializers.Serializer):
    """Query parameters of the payment lists."""

    status = serializers.ChoiceField(choices=PaymentStatus.choices, required=False)
    account = serializers.CharField(max_length=64, required=False)
    external_id = serializers.CharField(max_length=64, required=False)
    created_after = serializers.DateTimeField(required=False, help_text="ISO 8601, inclusive.")
    created_before = serializers.DateTimeField(required=False, help_text="ISO 8601, exclusive.")


class AccountSerializer(serializers.Serializer):
    """A configured provider account (no credentials)."""

    name = serializers.CharField()
    provider = serializers.CharField()
    currency = serializers.CharField()
    operations = serializers.ListField(child=serializers.CharField())


class BalanceLineSerializer(serializers.Serializer):
    """One currency's available balance."""

    amount = serializers.CharField()
    currency = serializers.CharField()


class BalanceSerializer(serializers.Serializer):
    """An account's balance as the provider reports it now."""

    account = serializers.CharField()
    balances = BalanceLineSerializer(many=True)


class ErrorItemSerializer(serializers.Serializer):
    """One error: the field it concerns (or null), a stable code and a message."""

    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every 4xx and 5xx answer of the API."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        # Declared here: a class attribute named "errors" would hide Serializer.errors.
        return {"errors": ErrorItemSerializer(many=True)}
