"""MTN sandbox payments: booking, the test-number outcomes, settlement, balances, callbacks."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..frame.app import SandboxState
from ..frame.ledger import Entry, body_digest
from ..frame.web import DropConnection, Response
from . import wire

PENDING, SUCCESSFUL, FAILED = "PENDING", "SUCCESSFUL", "FAILED"

# MTN's documented sandbox numbers (mtn_momo.md section 9): party id -> (status, reason).
# 46733123453 answers PENDING and settles SUCCESSFUL later; 46733123454 stays PENDING.
TEST_NUMBERS: dict[str, tuple[str, str | None]] = {
    "46733123450": (FAILED, "INTERNAL_PROCESSING_ERROR"),
    "46733123451": (FAILED, "APPROVAL_REJECTED"),
    "46733123452": (FAILED, "EXPIRED"),
}
LATE_SUCCESS_NUMBER = "46733123453"
STUCK_PENDING_NUMBER = "46733123454"

REASON_MESSAGES = {
    "INTERNAL_PROCESSING_ERROR": "An internal error occurred while processing.",
    "APPROVAL_REJECTED": "The payer rejected the request.",
    "EXPIRED": "The request expired before the payer approved it.",
    "NOT_ENOUGH_FUNDS": "The account does not have enough funds.",
}

# Extra KYC fields of Remittance CashTransfer v2, echoed back by its status query.
CASHTRANSFER_FIELDS = (
    "orginatingCountry", "originalAmount", "originalCurrency", "payerIdentificationType",
    "payerIdentificationNumber", "payerIdentity", "payerFirstName", "payerSurName",
    "payerLanguageCode", "payerEmail", "payerMsisdn", "payerGender",
)  # fmt: skip


@dataclass(frozen=True)
class Operation:
    """One creating operation: where it lives, which party it names, which way money moves."""

    name: str
    product: str
    resource: str
    versions: tuple[str, ...]
    status_version: str
    party_field: str
    flow: str  # "in" (collection), "out" (payout) or "refund"


OPERATIONS = (
    Operation(
        "collection.requesttopay", "collection", "requesttopay", ("v1_0",), "v1_0", "payer", "in"
    ),
    Operation(
        "collection.requesttowithdraw",
        "collection",
        "requesttowithdraw",
        ("v1_0", "v2_0"),
        "v1_0",
        "payer",
        "in",
    ),
    Operation(
        "disbursement.transfer", "disbursement", "transfer", ("v1_0",), "v1_0", "payee", "out"
    ),
    Operation(
        "disbursement.deposit", "disbursement", "deposit", ("v1_0", "v2_0"), "v1_0", "payee", "out"
    ),
    Operation(
        "disbursement.refund", "disbursement", "refund", ("v1_0", "v2_0"), "v1_0", "payee", "refund"
    ),
    Operation("remittance.transfer", "remittance", "transfer", ("v1_0",), "v1_0", "payee", "out"),
    Operation(
        "remittance.cashtransfer", "remittance", "cashtransfer", ("v2_0",), "v2_0", "payee", "out"
    ),
)
CREATE = {(op.product, v, op.resource): op for op in OPERATIONS for v in op.versions}
STATUS = {(op.product, op.status_version, op.resource): op for op in OPERATIONS}


def callback_method(version: str) -> str:
    """V1 operations call back with POST, V2 ones with PUT (mtn_momo.md section 8)."""
    return "PUT" if version == "v2_0" else "POST"


class Payments:
    """Books payments in the shared ledger and settles them; all state under the ledger lock."""

    def __init__(
        self,
        state: SandboxState,
        option: Callable[[str, Any], Any],
        fault: Callable[[str], dict[str, str] | None],
    ) -> None:
        self.state = state
        self.option = option
        self.fault = fault
        self.ledger = state.ledger
        self._balances: dict[tuple[str, str], Decimal] = {}
        self._refunded: dict[str, Decimal] = {}
        self._ftids = itertools.count(600_000_001)
        self._fault_answers = itertools.count()

    def reset(self) -> None:
        """Forget balances and refund totals (the frame resets the ledger)."""
        with self.ledger.lock:
            self._balances.clear()
            self._refunded.clear()
            self._ftids = itertools.count(600_000_001)

    # -- balances -------------------------------------------------------------------------------
    def balance(self, product: str, user_id: str) -> Decimal:
        """The EUR balance of the API user's account for ``product``."""
        with self.ledger.lock:
            return self._balances.get((product, user_id), self._opening(product))

    def _opening(self, product: str) -> Decimal:
        if product == "collection":
            return Decimal(0)
        return Decimal(str(self.option("mtn_opening_balance", "1000000")))

    def _move(self, product: str, user_id: str, delta: Decimal) -> bool:
        """Change a balance; False (nothing changed) when it would go below zero."""
        new = self.balance(product, user_id) + delta
        if new < 0:
            return False
        self._balances[(product, user_id)] = new
        return True

    # -- submission -----------------------------------------------------------------------------
    def submit(
        self,
        op: Operation,
        version: str,
        user_id: str,
        reference: str,
        raw: bytes,
        callback_url: str | None,
    ) -> Response:
        """Validate, book and schedule one creating request; 202 on success."""
        body = wire.json_object(raw)
        amount = wire.amount(body)
        currency = wire.currency(body)
        external_id = wire.external_id(body)
        messages = {f: wire.note(body, f) for f in ("payerMessage", "payeeNote")}
        fields = {f: body[f] for f in CASHTRANSFER_FIELDS if f in body}
        refund_of = None
        if op.flow == "refund":
            refund_of = wire.reference_id(body.get("referenceIdToRefund"), "referenceIdToRefund")
            party: dict[str, str] = {}
        else:
            party = wire.party(body, op.party_field)
        digest = body_digest(op.name.encode() + b"\n" + raw)
        ledger = self.ledger
        with ledger.lock:
            existing = ledger.get("mtn", reference)
            if existing is not None:
                if existing.body_digest != digest:
                    ledger.note_violation(
                        "reference_reused_with_other_body",
                        provider="mtn",
                        reference=reference,
                        operation=op.name,
                        first_operation=existing.operation,
                    )
                refusal = self.fault("refuse_retry")
                if refusal is not None:
                    return wire.retry_refusal(refusal["answer"], op.party_field)
                return wire.duplicate_reference()
            if refund_of is not None:
                original = self._refundable(refund_of, user_id, amount)
                party = dict(original.party)
            if self.fault("error_before_booking") is not None:
                return self._fault_answer()
            if any(m is not None and "&" in m for m in messages.values()):
                # MTN accepts these, then drops them: a later status query says 404.
                return Response.empty(202)
            entry = ledger.book(
                "mtn",
                op.name,
                reference,
                account=user_id,
                external_id=external_id,
                amount=body["amount"],
                currency=currency,
                party=party,
                status=PENDING,
                body_digest=digest,
                extra={
                    "product": op.product,
                    "version": version,
                    "party_field": op.party_field,
                    "callback_url": callback_url,
                    "callback_method": callback_method(version),
                    "messages": {k: v for k, v in messages.items() if v is not None},
                    "fields": fields,
                    "refund_of": refund_of,
                },
            )
            if refund_of is not None:
                self._refunded[refund_of] = self._refunded.get(refund_of, Decimal(0)) + amount
        self._schedule(entry, party)
        if self.fault("lost_after_booking") is not None:
            raise DropConnection()
        return Response.empty(202)

    def _refundable(self, refund_of: str, user_id: str, amount: Decimal) -> Entry:
        """The SUCCESSFUL collection a refund points at, with room for ``amount`` more."""
        original = self.ledger.get("mtn", refund_of)
        if (
            original is None
            or original.account != user_id
            or original.extra.get("product") != ("collection")
        ):
            raise wire.WireError(
                wire.wallet_error(
                    400, "RESOURCE_NOT_FOUND", "referenceIdToRefund does not name a collection."
                )
            )
        if original.status != SUCCESSFUL:
            raise wire.WireError(
                wire.wallet_error(
                    400, "NOT_ALLOWED", "Only a SUCCESSFUL collection can be refunded."
                )
            )
        done = self._refunded.get(refund_of, Decimal(0))
        if done + amount > Decimal(original.amount):
            raise wire.WireError(
                wire.wallet_error(
                    400,
                    "NOT_ALLOWED",
                    "The refunds of this collection would exceed the collected amount.",
                )
            )
        return original

    def _fault_answer(self) -> Response:
        if next(self._fault_answers) % 2:
            return wire.wallet_error(
                500, "INTERNAL_PROCESSING_ERROR", "An internal error occurred while processing."
            )
        return wire.wallet_error(
            503, "SERVICE_UNAVAILABLE", "Service temporary unavailable, try again later"
        )

    def _schedule(self, entry: Entry, party: dict[str, str]) -> None:
        party_id = (
            party.get("partyId", "") if party.get("partyIdType", "").upper() == "MSISDN" else ""
        )
        if party_id == STUCK_PENDING_NUMBER:
            return
        if party_id == LATE_SUCCESS_NUMBER:
            status, reason = SUCCESSFUL, None
            delay = float(self.option("mtn_pending_seconds", 2.0))
        else:
            status, reason = TEST_NUMBERS.get(party_id, (SUCCESSFUL, None))
            delay = float(self.option("mtn_settle_seconds", 0.0))
        reference = entry.reference
        if delay <= 0:
            self.finalize(reference, status, reason)
        else:

            def settle_later() -> None:
                self.finalize(reference, status, reason)

            self.state.callbacks.call_later(delay, settle_later)

    # -- settlement -----------------------------------------------------------------------------
    def finalize(self, reference: str, status: str, reason: str | None = None) -> Entry | None:
        """Move a PENDING payment to ``status``, book its money, fire its callback.

        Returns the entry, or None when it is unknown or no longer PENDING.
        """
        with self.ledger.lock:
            entry = self.ledger.get("mtn", reference)
            if entry is None or entry.status != PENDING:
                return None
            if status == SUCCESSFUL and not self._book_money(entry):
                status, reason = FAILED, "NOT_ENOUGH_FUNDS"
            if status != SUCCESSFUL:
                reason = reason or "INTERNAL_PROCESSING_ERROR"
                refund_of = entry.extra.get("refund_of")
                if refund_of:
                    self._refunded[refund_of] -= Decimal(entry.amount)
            self.ledger.update(
                entry,
                status=status,
                reason=None if status == SUCCESSFUL else reason,
                financial_transaction_id=str(next(self._ftids)) if status == SUCCESSFUL else None,
            )
            body = self.status_body(entry)
        url = entry.extra.get("callback_url")
        if url:
            self.send_callback(entry, url, entry.extra["callback_method"], body)
        return entry

    def _book_money(self, entry: Entry) -> bool:
        amount = Decimal(entry.amount)
        product = entry.extra["product"]
        if entry.extra.get("refund_of"):
            return self._move("collection", entry.account, -amount)
        if product == "collection":
            return self._move("collection", entry.account, amount)
        return self._move(product, entry.account, -amount)

    # -- status ---------------------------------------------------------------------------------
    def find(self, op: Operation, reference: str, user_id: str) -> Entry | None:
        """The payment ``reference`` of operation ``op`` booked by ``user_id``."""
        entry = self.ledger.get("mtn", reference)
        if entry is None or entry.operation != op.name or entry.account != user_id:
            return None
        return entry

    def status_body(
        self, entry: Entry, status: str | None = None, reason: Any = None
    ) -> dict[str, Any]:
        """The status-query answer (also the callback body); no reference id, as MTN does."""
        with self.ledger.lock:
            status = status or entry.status
            body: dict[str, Any] = {"amount": entry.amount, "currency": entry.currency}
            if status == SUCCESSFUL:
                body["financialTransactionId"] = entry.financial_transaction_id or str(
                    next(self._ftids)
                )
            body["externalId"] = entry.external_id
            body[entry.extra["party_field"]] = dict(entry.party)
            body.update(entry.extra.get("messages", {}))
            body.update(entry.extra.get("fields", {}))
            body["status"] = status
            if status not in (PENDING, SUCCESSFUL):
                code = reason or entry.reason or "INTERNAL_PROCESSING_ERROR"
                if self.option("mtn_reason_style", "string") == "object":
                    body["reason"] = {"code": code, "message": REASON_MESSAGES.get(code, code)}
                else:
                    body["reason"] = code
            return body

    def send_callback(
        self, entry: Entry, url: str, method: str, body: dict[str, Any], *, faults: bool = True
    ) -> None:
        """Queue the callback of ``entry`` (the frame applies delay / duplicate / drop)."""
        self.state.callbacks.send(
            url,
            body=json.dumps(body).encode(),
            method=method,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "LWAC Http Client 1.0",
            },
            provider="mtn",
            reference=entry.reference,
            apply_faults=faults,
        )
