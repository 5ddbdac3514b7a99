"""MTN Collection: request-to-pay, request-to-withdraw, delivery notifications."""

from __future__ import annotations

import json

from django_momo.providers.base import Submission
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.consent import ConsentMixin
from django_momo.providers.mtn.results import TransactionResult


class CollectionClient(ConsentMixin):
    """Money in: ask a payer to approve a payment to the merchant's account."""

    product = "collection"

    def request_to_pay(
        self,
        reference_id: str,
        *,
        amount: object,
        payer: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None = None,
        payer_id_type: str = "MSISDN",
        callback_url: str | None = None,
    ) -> Submission:
        """Ask ``payer`` to pay ``amount``; settles later (poll or wait for the callback)."""
        return self._collect(
            "/v1_0/requesttopay",
            "request_to_pay",
            reference_id,
            amount,
            payer,
            external_id,
            payer_message,
            payee_note,
            currency,
            payer_id_type,
            callback_url,
        )

    def get_request_to_pay_status(self, reference_id: str) -> TransactionResult:
        """Status of a request-to-pay."""
        return self._status(
            "/v1_0/requesttopay", reference_id, operation="get_request_to_pay_status"
        )

    def request_to_pay_delivery_notification(
        self, reference_id: str, message: str, *, language: str | None = None
    ) -> None:
        """Send the payer a text about a request-to-pay (e.g. a message over 160 characters)."""
        ref = v.validate_reference_id(reference_id)
        text = v.validate_text(message, "message", max_length=1000)
        extra = {"Content-Type": "application/json"}
        if language is not None:
            extra["Language"] = v.validate_text(language, "language", max_length=10)
        self._send_with_retries(
            "POST",
            self._url(f"/v1_0/requesttopay/{ref}/deliverynotification"),
            operation="request_to_pay_delivery_notification",
            headers=self._business_headers(extra),
            data=json.dumps({"notificationMessage": text}).encode(),
            reference=ref,
            bearer=True,
            # Repeating it could text the payer twice.
            retry=False,
        )

    def withdraw(
        self,
        reference_id: str,
        *,
        amount: object,
        payer: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None = None,
        payer_id_type: str = "MSISDN",
        callback_url: str | None = None,
    ) -> Submission:
        """Ask ``payer`` to approve a cash-out (request-to-withdraw v2)."""
        return self._collect(
            "/v2_0/requesttowithdraw",
            "withdraw",
            reference_id,
            amount,
            payer,
            external_id,
            payer_message,
            payee_note,
            currency,
            payer_id_type,
            callback_url,
        )

    def get_withdraw_status(self, reference_id: str) -> TransactionResult:
        """Status of a request-to-withdraw."""
        return self._status(
            "/v1_0/requesttowithdraw", reference_id, operation="get_withdraw_status"
        )

    def _collect(
        self,
        path: str,
        operation: str,
        reference_id: str,
        amount: object,
        payer: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        currency: str | None,
        payer_id_type: str,
        callback_url: str | None,
    ) -> Submission:
        return self._submit_payment(
            path,
            operation,
            reference_id,
            party_role="payer",
            party=payer,
            party_id_type=payer_id_type,
            amount=amount,
            currency=currency,
            external_id=external_id,
            payer_message=payer_message,
            payee_note=payee_note,
            callback_url=callback_url,
        )
