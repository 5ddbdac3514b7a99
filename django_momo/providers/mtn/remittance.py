"""MTN Remittance: international transfers and the KYC-enriched cash transfer (v2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django_momo.providers.base import InvalidInputError, Submission
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.consent import ConsentMixin
from django_momo.providers.mtn.results import TransactionResult

PAYER_IDENTIFICATION_TYPES = (
    "CPFA", "SRSA", "NRIN", "OTHR", "DRLC", "PASS", "SOCS", "AREG", "IDCD", "EMID",
)  # fmt: skip
PAYER_GENDERS = ("MALE", "FEMALE", "OTHER")


@dataclass(frozen=True, slots=True)
class RemittancePayer:
    """Who sends a cash transfer (KYC the receiving country may require)."""

    identification_type: str | None = None
    identification_number: str | None = field(default=None, repr=False)
    identity: str | None = None  # e.g. "ID:256701081899/MSISDN"
    first_name: str | None = None
    surname: str | None = None
    language_code: str | None = None  # ISO 639-1
    email: str | None = field(default=None, repr=False)
    msisdn: str | None = None
    gender: str | None = None

    def to_json(self) -> dict[str, str]:
        """The ``payer*`` fields of a cash-transfer body, validated."""
        out: dict[str, str] = {}
        if self.identification_type is not None:
            if self.identification_type not in PAYER_IDENTIFICATION_TYPES:
                raise InvalidInputError(
                    "payer.identification_type",
                    f"must be one of {', '.join(PAYER_IDENTIFICATION_TYPES)}",
                )
            out["payerIdentificationType"] = self.identification_type
        if self.gender is not None:
            if self.gender not in PAYER_GENDERS:
                raise InvalidInputError(
                    "payer.gender", f"must be one of {', '.join(PAYER_GENDERS)}"
                )
            out["payerGender"] = self.gender
        if self.language_code is not None:
            code = v.validate_text(self.language_code, "payer.language_code", max_length=2)
            if len(code) != 2 or not code.isalpha():
                raise InvalidInputError("payer.language_code", "must be an ISO 639-1 code")
            out["payerLanguageCode"] = code.lower()
        if self.msisdn is not None:
            out["payerMsisdn"] = v.validate_msisdn(self.msisdn, "payer.msisdn")
        texts = (
            ("identification_number", "payerIdentificationNumber"),
            ("identity", "payerIdentity"),
            ("first_name", "payerFirstName"),
            ("surname", "payerSurName"),
            ("email", "payerEmail"),
        )
        for attr, key in texts:
            value = getattr(self, attr)
            if value is not None:
                out[key] = v.validate_text(value, f"payer.{attr}")
        return out


class RemittanceClient(ConsentMixin):
    """Cross-border money out into an MTN wallet."""

    product = "remittance"

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
        """Transfer ``amount`` to ``payee`` (remittance v1 transfer)."""
        return self._submit_payment(
            "/v1_0/transfer",
            "transfer",
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

    def get_transfer_status(self, reference_id: str) -> TransactionResult:
        """Status of a remittance transfer."""
        return self._status("/v1_0/transfer", reference_id, operation="get_transfer_status")

    def cash_transfer(
        self,
        reference_id: str,
        *,
        amount: object,
        payee: str,
        external_id: str,
        payer_message: str,
        payee_note: str,
        originating_country: str,
        original_amount: object,
        original_currency: str,
        payer: RemittancePayer | None = None,
        currency: str | None = None,
        payee_id_type: str = "MSISDN",
        callback_url: str | None = None,
    ) -> Submission:
        """A KYC-enriched remittance (cash transfer v2) of ``amount`` to ``payee``."""
        country = v.validate_text(originating_country, "originating_country", max_length=3)
        if not country.isalpha() or len(country) not in (2, 3):
            raise InvalidInputError("originating_country", "must be an ISO 3166 country code")
        original = v.validate_currency(original_currency, "original_currency")
        extra: dict[str, Any] = {
            # MTN's schema spells this field "orginatingCountry"; the wire name must match it.
            "orginatingCountry": country.upper(),
            "originalAmount": v.validate_amount(original_amount, original, "original_amount"),
            "originalCurrency": original,
        }
        if payer is not None:
            extra.update(payer.to_json())
        return self._submit_payment(
            "/v2_0/cashtransfer",
            "cash_transfer",
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
            extra=extra,
        )

    def get_cash_transfer_status(self, reference_id: str) -> TransactionResult:
        """Status of a cash transfer."""
        path = "/v2_0/cashtransfer"
        return self._status(path, reference_id, operation="get_cash_transfer_status")
