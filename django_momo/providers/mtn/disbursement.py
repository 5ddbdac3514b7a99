"""MTN Disbursement: transfers, deposits and refunds out of the merchant's account."""

from __future__ import annotations

from django_momo.providers.base import Submission
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.consent import ConsentMixin
from django_momo.providers.mtn.results import TransactionResult


class DisbursementClient(ConsentMixin):
    """Money out: pay a payee, or refund a collected request-to-pay."""

    product = "disbursement"

    def transfer(
        self,
        reference_id: str,
        *,
        amount: object,
        payee: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None = None,
        payee_id_type: str = "MSISDN",
        callback_url: str | None = None,
    ) -> Submission:
        """Transfer ``amount`` to ``payee`` (v1 transfer)."""
        return self._pay(
            "/v1_0/transfer",
            "transfer",
            reference_id,
            amount,
            payee,
            external_id,
            payer_message,
            payee_note,
            currency,
            payee_id_type,
            callback_url,
        )

    def get_transfer_status(self, reference_id: str) -> TransactionResult:
        """Status of a transfer."""
        return self._status("/v1_0/transfer", reference_id, operation="get_transfer_status")

    def deposit(
        self,
        reference_id: str,
        *,
        amount: object,
        payee: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None = None,
        payee_id_type: str = "MSISDN",
        callback_url: str | None = None,
    ) -> Submission:
        """Deposit ``amount`` into ``payee``'s wallet (deposit v2, callback by PUT)."""
        return self._pay(
            "/v2_0/deposit",
            "deposit",
            reference_id,
            amount,
            payee,
            external_id,
            payer_message,
            payee_note,
            currency,
            payee_id_type,
            callback_url,
        )

    def get_deposit_status(self, reference_id: str) -> TransactionResult:
        """Status of a deposit."""
        return self._status("/v1_0/deposit", reference_id, operation="get_deposit_status")

    def refund(
        self,
        reference_id: str,
        *,
        amount: object,
        reference_id_to_refund: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None = None,
        callback_url: str | None = None,
    ) -> Submission:
        """Refund (part of) the request-to-pay ``reference_id_to_refund`` (refund v2)."""
        ref = v.validate_reference_id(reference_id)
        original = v.validate_reference_id(reference_id_to_refund, "reference_id_to_refund")
        code = self._resolve_currency(currency)
        body = {
            "amount": v.validate_amount(amount, code),
            "currency": code,
            "externalId": v.validate_text(external_id, "external_id"),
            "payerMessage": v.validate_message(payer_message, "payer_message"),
            "payeeNote": v.validate_message(payee_note, "payee_note"),
            "referenceIdToRefund": original,
        }
        return self._submit(
            "/v2_0/refund",
            operation="refund",
            reference_id=ref,
            body=body,
            callback_url=self._callback(callback_url),
        )

    def get_refund_status(self, reference_id: str) -> TransactionResult:
        """Status of a refund."""
        return self._status("/v1_0/refund", reference_id, operation="get_refund_status")

    def _pay(
        self,
        path: str,
        operation: str,
        reference_id: str,
        amount: object,
        payee: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None,
        payee_id_type: str,
        callback_url: str | None,
    ) -> Submission:
        return self._submit_payment(
            path,
            operation,
            reference_id,
            party_role="payee",
            party=payee,
            party_id_type=payee_id_type,
            amount=amount,
            currency=currency,
            external_id=external_id,
            payer_message=payer_message,
            payee_note=payee_note,
            callback_url=callback_url,
        )
