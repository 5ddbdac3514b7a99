"""The contract between the provider-agnostic services and one provider.

An adapter knows, for one provider, which call serves which use case and what each answer
means; it is the only code outside ``providers/`` that knows a provider exists. The services
(``lifecycle``, ``validation``, ``balances``, ``refunds``) and the callback views call these
methods and never look at ``payment.provider`` themselves. A third provider is one package in
``providers/`` (its wire protocol) and one module here, registered in ``ADAPTERS``.

What an adapter must not do (the money rules live in the callers):

- change a payment's status itself, except through ``answers.apply_answer`` (callbacks that
  settle a payment) — ``submit`` and ``resolve`` return an ``Answer`` and the caller stores it;
- send anything under a new reference: a re-send reuses the stored reference (and, where the
  provider needs it, the stored request bytes);
- call FAILED anything short of proof that nothing was booked: a refusal after an attempt that
  may have landed (``ProviderError.ambiguous``) or on a re-send is UNKNOWN;
- enqueue tasks (services never import ``tasks``): a callback that calls for a status query
  says so in its ``CallbackDecision.refresh`` and the face enqueues it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from django_momo.conf import Account
from django_momo.models import Callback, CallbackVerdict, Payment
from django_momo.services.answers import Answer


@dataclass(frozen=True)
class CallbackEndpoint:
    """A provider's callback envelope: the HTTP methods it uses, the content type it sends."""

    methods: tuple[str, ...]
    # MTN's body is never read for state, so an empty body without a content type is fine there.
    empty_body_needs_type: bool


@dataclass(frozen=True)
class PartyInput:
    """What the caller gave about a new payment's other party and texts (not validated yet)."""

    party_id: object
    party_type: object = None
    party_name: object = ""
    bank_code: object = ""
    message: object = ""
    note: object = ""


# What a payee check concluded (``ProviderAdapter.verify_payee``):
# - "ok": the provider says the party can receive, and the name matches where it was compared;
# - "name_mismatch": the party can receive, but the provider's name is not the file's name;
# - "inactive": the provider knows the party but it cannot receive now (inactive, restricted,
#   not verified; MoMo's 1007 "inactive or nonexistent" too);
# - "unknown": the provider knows no such party, or offers no check for this kind of party;
# - "error": the check itself failed (network, provider error): nothing is known, ask again.
PayeeResult = Literal["ok", "name_mismatch", "inactive", "unknown", "error"]
PAYEE_RESULTS: tuple[PayeeResult, ...] = ("ok", "name_mismatch", "inactive", "unknown", "error")


@dataclass(frozen=True)
class PayeeCheck:
    """The answer of a read-only payee check: the result, a short reason for the operator, and
    the name the provider gave for the party ("" when it gave none or none was asked)."""

    result: PayeeResult
    detail: str
    provider_name: str = ""


class ProviderAdapter(Protocol):
    """One provider's meaning, for the services (see the module docstring for the don'ts)."""

    provider: str
    callback: CallbackEndpoint

    def offers(self, account: Account, operation: str) -> bool:
        """Whether ``account`` has credentials for ``operation`` (e.g. "momo_vn.pay_bank")."""

    def clean_new(
        self, account: Account, operation: str, amount: Decimal, external_id: str, party: PartyInput
    ) -> dict[str, Any]:
        """The party and text fields of a new payment, validated (``InvalidRequest`` if not),
        plus its fresh provider references. Checks the provider's amount limits. No HTTP."""

    def booking_scope(self, operation: str) -> str:
        """The provider product ``operation`` books under: a shop's external id is unique per
        account within it (an MTN refund books on disbursement, like a transfer)."""

    def prepare(self, payment: Payment) -> dict[str, Any]:
        """Fields to commit with ``created -> sending`` before the request leaves (MoMo: the
        exact request body). ``InvalidRequest`` when the payment cannot be sent. No HTTP."""

    def submit(self, payment: Payment, *, first: bool) -> Answer:
        """Send ``payment`` under its stored reference and say what the reply means.

        ``first``: the first send of this payment (only then can a refusal prove that nothing
        was booked). Never raises a ``ProviderError``: every error is an answer."""

    def resolve(self, payment: Payment, *, stale: bool, now: datetime, actor: str) -> Answer | None:
        """Ask the provider about ``payment``'s own reference and say what the reply means.

        ``stale``: the send is older than the grace period (its sender is gone). ``None``: the
        adapter stopped the automatic checks itself (flagged); nothing else to store. May raise
        a non-transient ``ProviderError`` after scheduling the next check."""

    def has_news(self, payment: Payment) -> bool:
        """Whether a callback since the send says the provider has news worth a status query."""

    def callback_path(self, payment: Payment) -> str:
        """Where, under ``CALLBACK_BASE_URL``, the provider reports on ``payment``."""

    def balance(self, account: Account) -> list[tuple[Decimal, str]]:
        """The account's available balance(s) as ``[(amount, currency)]``, asked live."""

    def clean_refund(self, account: Account, collection: Payment, note: str) -> dict[str, Any]:
        """A new refund's ``operation``, ``message`` and ``note`` fields; ``InvalidRequest``
        when ``collection`` cannot be refunded through ``account`` or the note is refused."""

    def check_refund_amount(self, collection: Payment, amount: Decimal) -> None:
        """Refuse (``InvalidRequest("amount")``) a refund amount outside the provider's limits."""

    def new_refund_references(self) -> dict[str, str]:
        """A new refund's provider references (``reference``, and ``order_id`` where needed)."""

    def names_known_payment(self, token: str, body: bytes) -> bool:
        """Whether a callback request names a payment we have (never rate-limited if so)."""

    def read_callback(self, callback: Callback, *, actor: str) -> CallbackDecision:
        """Verify, match and (where the provider's word is proof) apply a stored callback."""

    def verify_payee(
        self, account: Account, operation: str, party_type: str, party_id: str, party_name: str
    ) -> PayeeCheck:
        """Ask the provider, read-only, whether the party of a payout ``operation`` can receive
        and whether its name is ``party_name``. Moves no money, stores nothing, never raises a
        ``ProviderError`` (a failed call is ``result="error"``); rate-limited per account."""


@dataclass(frozen=True)
class CallbackDecision:
    """What processing a callback concluded: the verdict, the HTTP answer, what to write down,
    the payment it concerns (linked to the stored row) and whether to ask about it now."""

    verdict: str
    status: int
    result: str = ""
    error: str = ""
    payment: Payment | None = None
    # The payment whose status the face should query (MTN: the callback is only a hint).
    refresh: bool = False

    @classmethod
    def failure(cls, exc: BaseException, status: int = 503) -> CallbackDecision:
        """An unexpected processing error, kept with its traceback for the operator."""
        detail = "".join(traceback.format_exception(exc))
        return cls(CallbackVerdict.ERROR, status, error=detail[-8000:])
