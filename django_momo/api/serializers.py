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
    "pattern": r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,4})?$",
    "example": "12.50",
}


@extend_schema_field(AMOUNT_SCHEMA)
class AmountField(serializers.Field):
    """An amount as a JSON string (``"12.50"``) or a JSON integer; never a float, never trimmed.

    The value is passed on exactly as sent: ``money.to_amount`` in the services checks it
    against the currency's minor units, so the API and every other face refuse the same input.
    """

    default_error_messages = {
        "invalid": 'must be a string of digits, e.g. "1000" or "1000.50"',
        "number": (
            'send the amount as a JSON string, e.g. "1000.50": a JSON number with a fraction '
            "or an exponent is a float"
        ),
        "max_length": "must be at most 40 characters",
    }

    def to_internal_value(self, data: Any) -> str | int:
        if isinstance(data, Decimal | float):
            # The API's parser reads JSON numbers with a fraction or exponent as Decimal.
            self.fail("number")
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        if isinstance(data, str) and len(data) > 40:
            self.fail("max_length")
        return data

    def to_representation(self, value: Any) -> str:
        return str(value)


class ExactCharField(serializers.CharField):
    """A JSON string taken exactly as sent: no trimming, and a number is not turned into text."""

    default_error_messages = {"not_a_string": "must be a JSON string"}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


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
            "held", "attention", "approvals_required",
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
    """A payment request (money in) as the API shows it; a MoMo payment order also shows where
    the customer pays it (``pay_url``, ``deeplink``, ``qr_code_url``)."""

    # "" until MoMo gave one (and for MTN): plain strings, not URIs, in the schema.
    pay_url = serializers.CharField(
        read_only=True, help_text="MoMo: the payment page to send the customer to."
    )
    deeplink = serializers.CharField(read_only=True, help_text="MoMo: opens the MoMo app.")
    qr_code_url = serializers.CharField(
        read_only=True, help_text="MoMo: the data to draw the payment's QR code from."
    )

    class Meta(PaymentSerializer.Meta):
        model = Collection
        fields = [
            *PaymentSerializer.Meta.fields,
            "pay_url",
            "deeplink",
            "qr_code_url",
            "pay_type",
        ]
        read_only_fields = fields


class RefundSerializer(PaymentSerializer):
    """A refund of a collection as the API shows it."""

    class Meta(PaymentSerializer.Meta):
        model = Refund
        fields = [*PaymentSerializer.Meta.fields, "collection"]
        read_only_fields = fields


class _NewPaymentSerializer(serializers.Serializer):
    """Input fields shared by new payouts and payment requests."""

    account = serializers.CharField(max_length=64, help_text="Name of a configured account.")
    party_id = ExactCharField(
        max_length=64,
        help_text="MTN: MSISDN digits with the country code (256772123456), e-mail or party code; "
        "MoMo: wallet 0xxxxxxxxx or bank account/card number. Refused, never rewritten.",
    )
    amount = AmountField(
        help_text='Plain digits with an optional "." and at most the currency\'s minor units of '
        'decimals, as a string, e.g. "1000" or "12.50"; no exponent, sign, spaces or separators.'
    )
    currency = ExactCharField(
        max_length=3, required=False, help_text="Defaults to the account's currency."
    )
    external_id = ExactCharField(
        max_length=64, help_text="The shop's own reference, unique per account."
    )
    message = ExactCharField(max_length=255, required=False, allow_blank=True)
    note = ExactCharField(max_length=160, required=False, allow_blank=True)
    hold = serializers.BooleanField(
        default=False, help_text="true: store the payment for an operator instead of sending it."
    )


class TransferCreateSerializer(_NewPaymentSerializer):
    """A new payout."""

    operation = serializers.ChoiceField(choices=TransferOperation.choices)
    party_type = serializers.ChoiceField(choices=PartyType.choices, required=False)
    party_name = ExactCharField(max_length=255, required=False, allow_blank=True)
    bank_code = ExactCharField(max_length=32, required=False, allow_blank=True)


class CollectionCreateSerializer(_NewPaymentSerializer):
    """A new payment request (money in)."""

    operation = serializers.ChoiceField(choices=CollectionOperation.choices)
    party_id = ExactCharField(
        max_length=64,
        required=False,
        default="",
        help_text="MTN: the payer's MSISDN digits with the country code, e-mail or party code "
        "(required). MoMo: leave out; the customer picks the wallet or card on MoMo's page.",
    )


class RefundCreateSerializer(serializers.Serializer):
    """A new refund of a successful collection; without ``amount`` all that remains."""

    amount = AmountField(required=False)
    external_id = ExactCharField(max_length=64, required=False)
    note = ExactCharField(max_length=160, required=False, allow_blank=True)
    hold = serializers.BooleanField(default=False)


class DecisionSerializer(serializers.Serializer):
    """A checker's decision on a payout or refund awaiting approval."""

    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    note = ExactCharField(max_length=2000, required=False, allow_blank=True, default="")


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
