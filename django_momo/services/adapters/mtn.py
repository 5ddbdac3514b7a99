"""MTN MoMo Open API: which call serves which use case, and what every MTN answer means.

- Creating calls (transfer, deposit, request to pay, withdraw, refund) are POSTs under our
  ``X-Reference-Id``; 202 = accepted, 409 ``RESOURCE_ALREADY_EXIST`` = booked the first time.
  A refusal proves nothing was booked only on the first send and only when no earlier attempt
  went unanswered (``ProviderError.ambiguous``, set by ``MtnProductClient``).
- The status GET of the same reference is the truth. A 404 soon after the send is "not visible
  yet"; long after it, the same body is POSTed again under the same reference.
- Callbacks are unsigned and carry no reference: the URL token names the payment, the body is
  ignored for state and a status query decides.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F

from django_momo.conf import Account, MtnAccount, momo_settings
from django_momo.json_input import loads_bounded
from django_momo.models import (
    PAYMENT_MODELS,
    UNRESOLVED_STATUSES,
    Callback,
    CallbackVerdict,
    Payment,
    PaymentStatus,
    Provider,
    Refund,
)
from django_momo.models.kinds import kind_of
from django_momo.models.payments import is_callback_token
from django_momo.providers.base import (
    InvalidInputError,
    NotFoundError,
    ProviderError,
    Submission,
    SubmissionState,
    TransientError,
    redact_mapping,
)
from django_momo.providers.mtn import (
    CollectionClient,
    DisbursementClient,
    MtnProductClient,
    RemittanceClient,
    TransactionResult,
)
from django_momo.providers.mtn import validation as mtn_check
from django_momo.services import clients
from django_momo.services.adapters.base import (
    CallbackDecision,
    CallbackEndpoint,
    PartyInput,
    PayeeCheck,
)
from django_momo.services.answers import (
    OUTCOME_STATUS,
    Answer,
    error_data,
    submit_error_answer,
)
from django_momo.services.callback_urls import callback_url
from django_momo.services.callbacks import already_handled, link
from django_momo.services.errors import InvalidRequest
from django_momo.services.inputs import field_error, text
from django_momo.services.rate_limits import status_limiter
from django_momo.services.transitions import schedule_check, touch
from django_momo.token_cache import DjangoCacheTokenStore

S = PaymentStatus
V = CallbackVerdict

PARTY_TYPES = ("MSISDN", "EMAIL", "PARTY_CODE")
# MTN wants both texts non-empty; a stored default keeps every re-send identical.
DEFAULT_MESSAGE = "Payment"
# Operations whose extra fields (KYC of the sender) the payment models do not hold yet.
UNSUPPORTED = frozenset({"mtn.remittance.cash_transfer"})
# The product whose balance is shown for an MTN account: the pool payouts are paid from.
BALANCE_PRODUCTS = ("disbursement", "collection", "remittance")
REFUND_OPERATION = "mtn.disbursement.refund"

Common = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """How one MTN operation is sent and queried: typed calls of its product's client."""

    product: str
    submit: Callable[[Any, Payment, Common], Submission]
    status: Callable[[Any, str], TransactionResult]


def _as(cls: type[MtnProductClient], client: MtnProductClient) -> Any:
    assert isinstance(client, cls), f"{type(client).__name__} is not a {cls.__name__}"
    return client


def _transfer(c: DisbursementClient, p: Payment, common: Common) -> Submission:
    return c.transfer(p.reference, payee=p.party_id, payee_id_type=p.party_type, **common)


def _deposit(c: DisbursementClient, p: Payment, common: Common) -> Submission:
    return c.deposit(p.reference, payee=p.party_id, payee_id_type=p.party_type, **common)


def _remit(c: RemittanceClient, p: Payment, common: Common) -> Submission:
    return c.transfer(p.reference, payee=p.party_id, payee_id_type=p.party_type, **common)


def _request_to_pay(c: CollectionClient, p: Payment, common: Common) -> Submission:
    return c.request_to_pay(p.reference, payer=p.party_id, payer_id_type=p.party_type, **common)


def _withdraw(c: CollectionClient, p: Payment, common: Common) -> Submission:
    return c.withdraw(p.reference, payer=p.party_id, payer_id_type=p.party_type, **common)


def _refund(c: DisbursementClient, p: Payment, common: Common) -> Submission:
    assert isinstance(p, Refund)
    return c.refund(p.reference, reference_id_to_refund=p.collection.reference, **common)


OPERATIONS: dict[str, Operation] = {
    "mtn.disbursement.transfer": Operation(
        "disbursement", _transfer, DisbursementClient.get_transfer_status
    ),
    "mtn.disbursement.deposit": Operation(
        "disbursement", _deposit, DisbursementClient.get_deposit_status
    ),
    "mtn.remittance.transfer": Operation(
        "remittance", _remit, RemittanceClient.get_transfer_status
    ),
    "mtn.collection.request_to_pay": Operation(
        "collection", _request_to_pay, CollectionClient.get_request_to_pay_status
    ),
    "mtn.collection.withdraw": Operation(
        "collection", _withdraw, CollectionClient.get_withdraw_status
    ),
    REFUND_OPERATION: Operation("disbursement", _refund, DisbursementClient.get_refund_status),
}


def client(account: MtnAccount, product: str) -> MtnProductClient:
    """The cached MTN client of ``account`` for ``product`` (collection, disbursement, ...)."""
    from django_momo.providers.mtn import PRODUCT_CLIENTS

    def build() -> MtnProductClient:
        creds = account.credentials(product)
        return PRODUCT_CLIENTS[product](
            base_url=account.base_url,
            target_environment=account.target_environment,
            subscription_key=creds.subscription_key,
            api_user=creds.api_user,
            api_key=creds.api_key,
            currency=account.currency or None,
            token_store=DjangoCacheTokenStore(str(momo_settings.TOKEN_CACHE)),
            transport=clients.transport(Provider.MTN),
            token_refresh_margin=float(momo_settings.TOKEN_REFRESH_MARGIN),
        )

    return clients.cached(account.name, product, build)


def _account(name: str) -> MtnAccount:
    account = clients.get_account(name)
    if not isinstance(account, MtnAccount):
        raise InvalidRequest("account", f"{name!r} is not an MTN account")
    return account


def _checked(payment: Payment) -> tuple[MtnAccount, Operation]:
    account = _account(payment.account)
    try:
        return account, OPERATIONS[payment.operation]
    except KeyError:
        raise InvalidRequest("operation", f"unsupported operation {payment.operation!r}") from None


def _operation(payment: Payment) -> tuple[MtnAccount, Operation, Any]:
    account, op = _checked(payment)
    return account, op, client(account, op.product)


def submit_call(payment: Payment) -> Submission:
    """POST ``payment`` to MTN under its stored reference (the body is the same every time)."""
    _, op, product_client = _operation(payment)
    common: Common = {
        "amount": payment.amount,
        "external_id": payment.external_id,
        "payer_message": payment.message,
        "payee_note": payment.note,
        "currency": payment.currency,
        "callback_url": callback_url(payment) or None,
    }
    return op.submit(product_client, payment, common)


def status_call(payment: Payment) -> TransactionResult:
    """Ask MTN for the status of ``payment``'s reference (rate-limited per account)."""
    account, op, product_client = _operation(payment)
    status_limiter(account.name).acquire()
    return op.status(product_client, payment.reference)


def answer_mismatch(payment: Payment, result: TransactionResult) -> str:
    """What in an MTN status answer contradicts the record ("" when nothing does).

    Fields are conditional in MTN's answers, so only those present are compared.
    """
    problems = []
    if result.amount is not None and result.amount != payment.amount:
        problems.append(f"amount {result.amount} (ours {payment.amount})")
    if result.currency and result.currency.upper() != payment.currency:
        problems.append(f"currency {result.currency} (ours {payment.currency})")
    if result.external_id is not None and result.external_id != payment.external_id:
        problems.append(f"externalId {result.external_id!r} (ours {payment.external_id!r})")
    party = result.payee if result.payee is not None else result.payer
    if party is not None and party.party_id and party.party_id != payment.party_id:
        problems.append(f"party {party.party_id!r} (ours {payment.party_id!r})")
    return "; ".join(problems)


def status_answer(payment: Payment, result: TransactionResult) -> Answer:
    """What an MTN status answer means for ``payment``."""
    data = {"status": result.raw_status, "response": redact_mapping(result.raw)}
    mismatch = answer_mismatch(payment, result)
    if mismatch:
        reason = f"MTN status answer does not match: {mismatch}"
        return Answer("", reason[:500], data, mismatch=mismatch)
    status = OUTCOME_STATUS[result.outcome]
    fields: dict[str, Any] = {}
    if status == S.SUCCESSFUL and result.financial_transaction_id:
        fields["provider_transaction_id"] = result.financial_transaction_id[:64]
    if status == S.FAILED:
        fields.update(
            failure_code=(result.reason_code or "FAILED")[:64],
            failure_message=(result.reason_message or result.reason_code or "")[:2000],
        )
    reason = f"MTN status {result.raw_status or '?'}"
    if result.reason_code:
        reason += f" ({result.reason_code})"
    return Answer(status, reason, data, fields)


def find_by_token(token: str) -> Payment | None:
    """The MTN payment whose callback URL carries ``token``, or ``None``. Changes nothing."""
    if not is_callback_token(token):
        return None  # names no payment; never sent to the database
    for model in PAYMENT_MODELS:
        payment = model._default_manager.filter(callback_token=token, provider=Provider.MTN)
        found = payment.first()
        if found is not None:
            return found
    return None


class MtnAdapter:
    """MTN MoMo Open API (Collection, Disbursement, Remittance)."""

    provider = Provider.MTN.value
    callback = CallbackEndpoint(("PUT", "POST"), empty_body_needs_type=False)

    # -- creating ------------------------------------------------------------------------------
    def offers(self, account: Account, operation: str) -> bool:
        return operation.removeprefix("mtn.") in account.operations

    def clean_new(
        self, account: Account, operation: str, amount: Decimal, external_id: str, party: PartyInput
    ) -> dict[str, Any]:
        if operation in UNSUPPORTED:
            raise InvalidRequest("operation", f"{operation} is not supported by the services yet")
        kind = text(party.party_type, "party_type") or "MSISDN"
        if kind not in PARTY_TYPES:
            raise InvalidRequest(
                "party_type",
                f"must be one of {', '.join(PARTY_TYPES)} (in capitals), got {party.party_type!r}",
            )
        try:
            checked = mtn_check.validate_party(party.party_id, kind, "party_id")
            message = mtn_check.validate_message(
                text(party.message, "message") or DEFAULT_MESSAGE, "message"
            )
            remark = mtn_check.validate_message(text(party.note, "note") or message, "note")
        except InvalidInputError as exc:
            raise field_error(exc) from None
        return {
            "party_type": kind,
            "party_id": checked["partyId"],
            "message": message,
            "note": remark,
            "reference": self.new_reference(),
        }

    def booking_scope(self, operation: str) -> str:
        # "mtn.disbursement.refund" books on disbursement, like "mtn.disbursement.transfer".
        return ".".join(operation.split(".")[:2])

    def new_reference(self) -> str:
        """A fresh X-Reference-Id (UUID version 4)."""
        return str(uuid.uuid4())

    # -- sending and resolving -----------------------------------------------------------------
    def prepare(self, payment: Payment) -> dict[str, Any]:
        _checked(payment)  # an unknown account or operation is refused before `sending`
        return {}

    def submit(self, payment: Payment, *, first: bool) -> Answer:
        try:
            submission = submit_call(payment)
        except ProviderError as exc:
            return submit_error_answer(exc, first=first)
        data = {"http_status": submission.http_status, "submission": str(submission.state)}
        if submission.state is SubmissionState.ALREADY_BOOKED:
            return Answer(S.PENDING, "already booked under this reference (409)", data)
        return Answer(S.PENDING, "accepted", data)

    def resolve(self, payment: Payment, *, stale: bool, now: datetime, actor: str) -> Answer | None:
        model = kind_of(payment).model
        try:
            result = status_call(payment)
        except NotFoundError as exc:
            if payment.status == S.PENDING or not stale:
                return Answer("", "not visible yet (404)", error_data(exc))
            # Long after the send MTN still does not know the reference: send it again, same
            # reference and same body. 202 = booked now; 409 = it was booked after all.
            touch(model, payment.pk, UNRESOLVED_STATUSES, attempts=F("attempts") + 1)
            answer = self.submit(payment, first=False)
            if answer.status != S.PENDING:
                return answer
            # Booked now (202) or before (409): its status may already be final.
            try:
                settled = status_answer(payment, status_call(payment))
            except ProviderError:
                return answer
            if settled.status in (S.SUCCESSFUL, S.FAILED):
                settled.reason = f"{answer.reason}; {settled.reason}"
                return settled
            return answer
        except TransientError as exc:
            return Answer(S.UNKNOWN, f"status query failed: {exc.message}"[:500], error_data(exc))
        except ProviderError:
            schedule_check(model, payment.pk, UNRESOLVED_STATUSES, payment.status_checks)
            raise
        return status_answer(payment, result)

    def has_news(self, payment: Payment) -> bool:
        """Whether an MTN callback for ``payment`` was recorded since it was sent (by URL token)."""
        if payment.sent_at is None:
            return False
        return Callback.objects.filter(
            token=payment.callback_token, received_at__gte=payment.sent_at
        ).exists()

    def callback_path(self, payment: Payment) -> str:
        return f"callbacks/mtn/{payment.callback_token}/"

    # -- accounts and refunds ------------------------------------------------------------------
    def balance(self, account: Account) -> list[tuple[Decimal, str]]:
        assert isinstance(account, MtnAccount)
        product = next((p for p in BALANCE_PRODUCTS if p.upper() in account.products), None)
        if product is None:
            raise InvalidRequest(
                "account", f"MTN account {account.name!r} has no product credentials"
            )
        answer = client(account, product).get_account_balance()
        if answer.available_balance is None:
            raise TransientError("MTN balance answer has no amount", provider=self.provider)
        return [(answer.available_balance, answer.currency or account.currency)]

    def clean_refund(self, account: Account, collection: Payment, note: str) -> dict[str, Any]:
        if not self.offers(account, REFUND_OPERATION):
            raise InvalidRequest(
                "collection", f"account {account.name!r} cannot refund (no MTN disbursement)"
            )
        try:
            text = mtn_check.validate_message(note, "note")
        except InvalidInputError as exc:
            raise InvalidRequest("note", exc.message.removeprefix("note: ")) from None
        return {"operation": REFUND_OPERATION, "message": text, "note": text}

    def check_refund_amount(self, collection: Payment, amount: Decimal) -> None:
        return None  # MTN publishes no refund limits beyond the collected amount

    def new_refund_references(self) -> dict[str, str]:
        return {"reference": self.new_reference()}

    # -- callbacks -----------------------------------------------------------------------------
    def names_known_payment(self, token: str, body: bytes) -> bool:
        return find_by_token(token) is not None

    def read_callback(self, callback: Callback, *, actor: str) -> CallbackDecision:
        """Find the payment by the URL token and ask for a status query; the body is a hint."""
        payment = find_by_token(callback.token)
        if payment is None:
            return CallbackDecision(
                V.UNKNOWN_TOKEN, 404, error="no payment has this callback token"
            )
        link(callback, payment)
        raw = bytes(callback.body)
        if raw.strip():
            try:
                data = loads_bounded(raw)
            except ValueError:  # not JSON, not UTF-8, or nested deeper than any callback is
                data = None
            if not isinstance(data, dict):
                return CallbackDecision(
                    V.MALFORMED, 400, error="body is not a JSON object", payment=payment
                )
        done = already_handled(callback, payment, 200)
        if done is not None:
            return done
        result = f"status query enqueued ({payment.status})"
        return CallbackDecision(V.VALID, 200, result, payment=payment, refresh=True)

    # -- payee checks --------------------------------------------------------------------------
    def verify_payee(
        self, account: Account, operation: str, party_type: str, party_id: str, party_name: str
    ) -> PayeeCheck:
        """``accountholder/{type}/{id}/active``, then (MSISDN) ``basicuserinfo`` and the name
        rule of ``names_match``; each call waits for the account's status-query limiter."""
        return check_payee(account, operation, party_type, party_id, party_name)


ADAPTER = MtnAdapter()


# -- payee checks (``MtnAdapter.verify_payee``) ------------------------------------------------
# Letters MTN's and the file's spellings share once accents are gone that NFKD does not split.
_FOLD = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "\u0131": "i"})
_APOSTROPHES = re.compile("['`\u2019\u02bc]")
_TOKEN_RE = re.compile(r"[^\W_]+")


def name_tokens(name: str) -> frozenset[str]:
    """The words of a person's name, compared case-, accent- and whitespace-insensitively.

    ``"  Nguyễn   Văn-Đức "`` -> ``{"nguyen", "van", "duc"}``; apostrophes join
    (``O'Brien`` = ``OBrien``), any other punctuation separates.
    """
    text = unicodedata.normalize("NFKD", name.translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return frozenset(_TOKEN_RE.findall(_APOSTROPHES.sub("", text)))


def names_match(file_name: str, provider_name: str) -> bool | None:
    """Whether the file's name is the provider's; ``None`` when either has no words.

    The rule: every word of the file's name is a word of the provider's name, or every word of
    the provider's name is a word of the file's (so "Sand Box" matches "SAND BOX",
    "Box Sand", "Sand Middle Box" and "Sand"; "Sandy Box" does not). Order, case, accents,
    apostrophes and spacing are ignored; initials and misspellings are not guessed at.
    """
    ours, theirs = name_tokens(file_name), name_tokens(provider_name)
    if not ours or not theirs:
        return None
    return ours <= theirs or theirs <= ours


def check_payee(
    account: Account, operation: str, party_type: str, party_id: str, party_name: str
) -> PayeeCheck:
    """Whether an MTN party is an active account holder, and (MSISDN) carries the file's name.

    Read-only calls on the operation's product. The detail holds no personal data but, on a
    name mismatch, the name MTN gave (what the operator needs to decide); nothing is logged.
    """
    if not isinstance(account, MtnAccount):
        return PayeeCheck("error", f"{account.name!r} is not an MTN account")
    op = OPERATIONS.get(operation)
    if op is None:
        return PayeeCheck("error", f"no payee check for operation {operation!r}")
    kind = (party_type or "MSISDN").upper()
    limiter = status_limiter(account.name)
    try:
        holder = client(account, op.product)
        limiter.acquire()
        active = holder.is_active(party_id, kind.lower())
    except (ProviderError, LookupError) as exc:
        return PayeeCheck("error", _failed(exc))
    if not active:
        if kind != "MSISDN":
            return PayeeCheck("inactive", "MTN: not an active account holder")
        try:
            limiter.acquire()
            holder.get_basic_user_info(party_id)
        except NotFoundError:
            return PayeeCheck("unknown", "MTN knows no account holder with this number")
        except ProviderError:
            pass  # MTN said "not active" already
        return PayeeCheck("inactive", "MTN: the account holder is not active")
    if kind != "MSISDN":
        return PayeeCheck("ok", f"active; MTN gives no name for a {kind} party: name not compared")
    try:
        limiter.acquire()
        info = holder.get_basic_user_info(party_id)
    except ProviderError as exc:
        return PayeeCheck("error", "active, but " + _failed(exc))
    given = " ".join(n for n in (info.given_name, info.family_name) if n)
    theirs = given or info.name or ""
    matched = names_match(party_name, theirs)
    if matched is None:
        why = "the file gives no name" if not name_tokens(party_name) else "MTN gives no name"
        return PayeeCheck("ok", f"active; {why}: name not compared", theirs)
    if not matched:
        return PayeeCheck("name_mismatch", f"active, but MTN's name is {theirs!r}"[:255], theirs)
    return PayeeCheck("ok", "active; the name matches", theirs)


def _failed(exc: Exception) -> str:
    message = exc.message if isinstance(exc, ProviderError) else str(exc)
    return f"MTN check failed: {message}"[:255]
