"""MoMo Vietnam Disbursement API: which call serves which use case, and what each answer means.

- A payout is one signed POST carrying ``disbursementMethod`` RSA-encrypted with MoMo's public
  key. The ciphertext is random per call, so the exact request body is prepared and committed
  before it leaves (``prepare``); every later re-send is that body byte for byte under the same
  ``requestId`` (MoMo answers with the original result, or "processing" while it is).
- The answer's ``resultCode`` decides (``providers/momo_vn/result_codes.py``). A "request
  refused" code on a re-send, or after an attempt that went unanswered, proves nothing about the
  first request: UNKNOWN, never FAILED. An answer naming another requestId, orderId or amount
  is never applied.
- Past ``MOMO_REPLAY_MAX_AGE`` a re-send could be taken as a new payout: checks stop and the
  payout waits for its IPN or an operator.
- An IPN is verified (HMAC with the account whose partner code it names, in constant time),
  looked up once by its requestId, matched once against the payout and applied once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F

from django_momo.conf import Account, MomoVnAccount, momo_settings
from django_momo.json_input import loads_bounded
from django_momo.models import (
    FINAL_STATUSES,
    UNRESOLVED_STATUSES,
    Callback,
    CallbackVerdict,
    Collection,
    Payment,
    PaymentStatus,
    Provider,
    Refund,
    Transfer,
)
from django_momo.models.payments import is_reference
from django_momo.providers.base import (
    InvalidInputError,
    ProviderError,
)
from django_momo.providers.momo_vn import (
    DisbursementIpn,
    DisbursementResult,
    IpnError,
    MomoDisbursementClient,
    PreparedRequest,
    verify_ipn,
)
from django_momo.providers.momo_vn import validation as momo_check
from django_momo.providers.momo_vn.result_codes import Kind, lookup
from django_momo.services import clients
from django_momo.services.adapters import momo_vn_gateway as gateway
from django_momo.services.adapters.base import (
    CallbackDecision,
    CallbackEndpoint,
    PartyInput,
    PayeeCheck,
)
from django_momo.services.adapters.momo_vn_answers import call_answer
from django_momo.services.answers import (
    OUTCOME_STATUS,
    Answer,
    apply_answer,
)
from django_momo.services.callback_urls import callback_url
from django_momo.services.callbacks import already_handled, link
from django_momo.services.errors import CallbackMismatch, InvalidRequest, PaymentNotFound
from django_momo.services.inputs import field_error, text
from django_momo.services.rate_limits import status_limiter
from django_momo.services.transitions import touch

logger = logging.getLogger("django_momo")

S = PaymentStatus
V = CallbackVerdict

WALLET = "momo_vn.pay_wallet"
BANK = "momo_vn.pay_bank"

# How each failed IPN check is recorded.
_IPN_VERDICTS = {
    "malformed": V.MALFORMED,
    "missing_field": V.MALFORMED,
    "signature": V.INVALID_SIGNATURE,
    "partner_code": V.MISMATCH,
    "mismatch": V.MISMATCH,
}


def client(account: MomoVnAccount) -> MomoDisbursementClient:
    """The cached MoMo Vietnam disbursement client of ``account``."""

    def build() -> MomoDisbursementClient:
        return MomoDisbursementClient(
            account.credentials(),
            transport=clients.transport(Provider.MOMO_VN),
            limits=account.payout_limits,
        )

    return clients.cached(account.name, "disbursement", build)


def _account(name: str) -> MomoVnAccount:
    account = clients.get_account(name)
    if not isinstance(account, MomoVnAccount):
        raise InvalidRequest("account", f"{name!r} is not a MoMo Vietnam account")
    return account


def new_ids() -> tuple[str, str]:
    """A fresh (requestId, orderId) pair."""
    return str(uuid.uuid4()), uuid.uuid4().hex


def answer_mismatch(payment: Payment, result: DisbursementResult) -> str:
    """What in a MoMo payout answer contradicts the record ("" when nothing does)."""
    problems = []
    if result.request_id != payment.reference:
        problems.append(f"requestId {result.request_id!r} (ours {payment.reference!r})")
    if payment.order_id and result.order_id != payment.order_id:
        problems.append(f"orderId {result.order_id!r} (ours {payment.order_id!r})")
    moving = lookup(result.result_code).kind in (Kind.SUCCESS, Kind.IN_PROGRESS)
    if moving and result.amount is not None and result.amount != payment.amount:
        problems.append(f"amount {result.amount} (ours {payment.amount})")
    return "; ".join(problems)


def payout_answer(payment: Payment, call: Any, *, first: bool) -> Answer:
    """What the answer of a payout (re-)send means for ``payment``; ``call()`` makes it."""
    answer, result = call_answer(payment, call, first=first, what="", mismatch_of=answer_mismatch)
    if result is not None and not answer.mismatch and result.trans_id is not None:
        answer.fields["provider_transaction_id"] = str(result.trans_id)
    return answer


def ipn_mismatch(payment: Payment, account: Account, ipn: DisbursementIpn) -> str:
    """What in a verified IPN contradicts the payout ("" when nothing does)."""
    if not isinstance(account, MomoVnAccount) or account.partner_code != ipn.partner_code:
        return "partnerCode: differs from the payout's account"
    if ipn.request_id != payment.reference:
        return "requestId: differs from the payout's"
    if payment.order_id and ipn.order_id != payment.order_id:
        return "orderId: differs from the payout's"
    if Decimal(ipn.amount) != Decimal(payment.amount):
        return "amount: differs from the payout's"
    return ""


def ipn_answer(ipn: DisbursementIpn) -> Answer:
    """What a verified, matching IPN means: its outcome, or nothing when it proves nothing."""
    status: str = OUTCOME_STATUS[ipn.outcome]
    if status == S.UNKNOWN:
        status = ""  # an IPN that proves nothing leaves the payout to the next status check
    fields: dict[str, Any] = {}
    if status in (S.SUCCESSFUL, S.FAILED):
        fields["provider_transaction_id"] = str(ipn.trans_id)
    if status == S.FAILED:
        fields.update(failure_code=str(ipn.result_code), failure_message=ipn.message[:2000])
    return Answer(
        status,
        f"MoMo IPN {ipn.result_code}: {ipn.message}"[:500],
        {"result_code": ipn.result_code, "trans_id": ipn.trans_id, "ipn": True},
        fields,
    )


def _apply_ipn(payout: Transfer, ipn: DisbursementIpn, *, actor: str) -> Transfer:
    """Apply a verified, matched IPN; a final payout is left as it is (logged if contradicted)."""
    answer = ipn_answer(ipn)
    if payout.status in FINAL_STATUSES:
        if answer.status and answer.status != payout.status:
            logger.warning(
                "transfer %s is %s; IPN says %s (resultCode %s): ignored",
                payout.pk,
                payout.status,
                answer.status,
                ipn.result_code,
            )
        return payout
    return apply_answer(Transfer, payout, answer, actor=actor)


def find_payout(request_id: object) -> Transfer | None:
    """The MoMo payout whose (unique) requestId is ``request_id``, or ``None``.

    Only what could be one of our references is looked up (``models.payments.is_reference``).
    """
    if not is_reference(request_id):
        return None
    return Transfer.objects.filter(provider=Provider.MOMO_VN, reference=request_id).first()


def settle_ipn(ipn: DisbursementIpn, *, actor: str) -> Transfer:
    """Settle a payout from a verified IPN: looked up by requestId, matched, then applied."""
    payout = find_payout(ipn.request_id)
    if payout is None:
        raise PaymentNotFound(f"no MoMo payout with requestId {ipn.request_id!r}")
    mismatch = ipn_mismatch(payout, momo_settings.account(payout.account), ipn)
    if mismatch:
        field, _, why = mismatch.partition(": ")
        raise CallbackMismatch(field, f"IPN {field} {why}")
    return _apply_ipn(payout, ipn, actor=actor)


def _parse_ipn(raw: bytes) -> dict[str, Any] | None:
    try:
        data = loads_bounded(raw, parse_float=Decimal)
    except ValueError:  # not JSON, not UTF-8, or nested deeper than any IPN is
        return None
    return data if isinstance(data, dict) else None


def _account_for(partner_code: str) -> MomoVnAccount | None:
    for account in momo_settings.accounts().values():
        if isinstance(account, MomoVnAccount) and account.partner_code == partner_code:
            return account
    return None


class MomoVnAdapter:
    """MoMo Vietnam's Disbursement API (wallet and bank payouts)."""

    provider = Provider.MOMO_VN.value
    callback = CallbackEndpoint(("POST",), empty_body_needs_type=True)

    # -- creating ------------------------------------------------------------------------------
    def offers(self, account: Account, operation: str) -> bool:
        return operation in account.operations

    def clean_new(
        self, account: Account, operation: str, amount: Decimal, external_id: str, party: PartyInput
    ) -> dict[str, Any]:
        assert isinstance(account, MomoVnAccount)
        if not momo_settings.CALLBACK_BASE_URL:
            raise InvalidRequest("CALLBACK_BASE_URL", "must be set: MoMo requires an ipnUrl")
        if operation in gateway.REQUEST_TYPES:
            order = gateway.clean_new(operation, amount, external_id, party)
            order["reference"], order["order_id"] = new_ids()
            return order
        limits = account.limits
        party_type = text(party.party_type, "party_type")
        if operation == WALLET:
            if party_type not in ("", "MOMO_WALLET"):
                raise InvalidRequest("party_type", "a wallet payout goes to a MOMO_WALLET")
            kind = "MOMO_WALLET"
            low, high = limits["WALLET_MIN"], limits["WALLET_MAX"]
        else:
            kind = party_type or "BANK_ACCOUNT"
            if kind not in ("BANK_ACCOUNT", "BANK_CARD"):
                raise InvalidRequest(
                    "party_type", "a bank payout goes to a BANK_ACCOUNT or BANK_CARD"
                )
            low, high = limits["BANK_MIN"], limits["BANK_MAX"]
        if not low <= amount <= high:
            raise InvalidRequest("amount", f"must be between {low} and {high} VND for this payout")
        out: dict[str, Any] = {"party_type": kind}
        try:
            if kind == "MOMO_WALLET":
                out["party_id"] = momo_check.wallet_id(party.party_id, "party_id")
            elif kind == "BANK_ACCOUNT":
                out["party_id"] = momo_check.bank_account_no(party.party_id)
            else:
                out["party_id"] = momo_check.bank_card_no(party.party_id)
            out["party_name"] = momo_check.holder_name(party.party_name, "party_name")
            if kind != "MOMO_WALLET":
                out["bank_code"] = momo_check.bank_code(party.bank_code)
        except InvalidInputError as exc:
            field = "party_id" if exc.field in ("bank_account_no", "bank_card_no") else None
            raise field_error(exc, field) from None
        message = text(party.message, "message") or f"Payout {external_id}"
        try:
            out["message"] = momo_check.order_info(message)
        except InvalidInputError as exc:
            raise field_error(exc, "message") from None
        out["reference"], out["order_id"] = new_ids()
        return out

    def booking_scope(self, operation: str) -> str:
        # Wallet and bank payouts both book on MoMo's disbursement API.
        return "momo_vn.disbursement"

    # -- sending and resolving -----------------------------------------------------------------
    def prepare(self, payment: Payment) -> dict[str, Any]:
        """Encrypt and sign the payout request, or sign the payment order or refund; the exact
        bytes are stored before sending."""
        if isinstance(payment, Collection):
            return gateway.prepare(payment)
        if isinstance(payment, Refund):
            return gateway.prepare_refund(payment)
        try:
            prepared = self._prepare(payment)
        except InvalidInputError as exc:
            raise InvalidRequest(exc.field, exc.message.removeprefix(f"{exc.field}: ")) from None
        return {"request_body": prepared.body.decode("utf-8")}

    def _prepare(self, payment: Payment) -> PreparedRequest:
        account = _account(payment.account)
        payout_client = client(account)
        ipn = callback_url(payment)
        if not ipn:
            raise InvalidRequest("CALLBACK_BASE_URL", "must be set: MoMo requires an ipnUrl")
        if payment.operation == WALLET:
            return payout_client.prepare_pay_to_wallet(
                request_id=payment.reference,
                order_id=payment.order_id,
                amount=payment.amount,
                wallet_id=payment.party_id,
                wallet_name=payment.party_name,
                order_info=payment.message,
                ipn_url=ipn,
                lang=account.lang,
            )
        if payment.operation == BANK:
            card = payment.party_type == "BANK_CARD"
            return payout_client.prepare_pay_to_bank(
                request_id=payment.reference,
                order_id=payment.order_id,
                amount=payment.amount,
                holder_name=payment.party_name,
                bank_code=payment.bank_code,
                order_info=payment.message,
                bank_account_no=None if card else payment.party_id,
                bank_card_no=payment.party_id if card else None,
                ipn_url=ipn,
                lang=account.lang,
            )
        raise InvalidRequest("operation", f"unsupported operation {payment.operation!r}")

    def submit(self, payment: Payment, *, first: bool) -> Answer:
        """Send the stored body (the first send and every re-send are the same bytes)."""
        if isinstance(payment, Collection | Refund):
            return gateway.submit(payment, first=first)
        account = _account(payment.account)
        return payout_answer(
            payment, lambda: client(account).resend(payment.request_body), first=first
        )

    def resolve(self, payment: Payment, *, stale: bool, now: datetime, actor: str) -> Answer | None:
        """Payouts: re-send the stored body under the same requestId (MoMo answers with the
        result). Payments and refunds: query the order (read-only)."""
        if isinstance(payment, Collection | Refund):
            return gateway.resolve(payment, stale=stale, now=now, actor=actor)
        if gateway.replays_stopped(payment, now, actor):
            return None
        touch(type(payment), payment.pk, UNRESOLVED_STATUSES, attempts=F("attempts") + 1)
        return self.submit(payment, first=False)

    def read_return(self, callback: Callback, *, actor: str) -> CallbackDecision:
        """The customer's return from MoMo's payment page: a claim (see ``momo_vn_gateway``)."""
        return gateway.read_return(callback)

    def has_news(self, payment: Payment) -> bool:
        # A verified IPN settles the payout itself: nothing to ask about.
        return False

    def callback_path(self, payment: Payment) -> str:
        return "callbacks/momo-vn/ipn/"

    # -- accounts and refunds ------------------------------------------------------------------
    def balance(self, account: Account) -> list[tuple[Decimal, str]]:
        assert isinstance(account, MomoVnAccount)
        request_id, order_id = new_ids()
        answer = client(account).get_balance(request_id=request_id, order_id=order_id)
        return [(answer.amount, answer.currency)]

    def clean_refund(self, account: Account, collection: Payment, note: str) -> dict[str, Any]:
        return gateway.clean_refund(account, collection, note)

    def check_refund_amount(self, collection: Payment, amount: Decimal) -> None:
        gateway.check_refund_amount(collection, amount)

    def new_refund_references(self) -> dict[str, str]:
        # A refund is its own request at MoMo: its own requestId and its own orderId.
        request_id, order_id = new_ids()
        return {"reference": request_id, "order_id": order_id}

    # -- callbacks -----------------------------------------------------------------------------
    def names_known_payment(self, token: str, body: bytes) -> bool:
        data = _parse_ipn(body)
        if data is None:
            return False
        request_id = data.get("requestId")
        return (
            find_payout(request_id) is not None or gateway.find_collection(request_id) is not None
        )

    def read_callback(self, callback: Callback, *, actor: str) -> CallbackDecision:
        """Verify the IPN, look its payout up, match it and settle it (204), or refuse (4xx)."""
        data = _parse_ipn(bytes(callback.body))
        if data is None:
            return CallbackDecision(V.MALFORMED, 400, error="body is not a JSON object")
        partner_code = data.get("partnerCode")
        if not isinstance(partner_code, str) or not partner_code:
            return CallbackDecision(V.MALFORMED, 400, error="partnerCode: missing")
        account = _account_for(partner_code)
        if account is None:
            # Without the partner's secret nothing in the body can be believed.
            return CallbackDecision(
                V.INVALID_SIGNATURE, 400, error="partnerCode: no account has this code"
            )
        if "payType" in data:  # a payment IPN (collections); payout IPNs carry no payType
            return gateway.read_payment_ipn(callback, data, account, actor=actor)
        try:
            ipn = verify_ipn(data, account.credentials())
        except IpnError as exc:
            verdict = _IPN_VERDICTS.get(exc.check, V.MALFORMED)
            return CallbackDecision(verdict, 400, error=str(exc))
        payout = find_payout(ipn.request_id)
        if payout is None:
            return CallbackDecision(
                V.UNKNOWN_TOKEN, 404, error="requestId: no payout has this request id"
            )
        link(callback, payout)
        # A payout whose account is no longer configured cannot be checked: this raises, the
        # callback is kept with an ERROR verdict (503: MoMo retries) and an operator must act.
        mismatch = ipn_mismatch(payout, momo_settings.account(payout.account), ipn)
        if mismatch:
            return CallbackDecision(V.MISMATCH, 400, error=mismatch, payment=payout)
        done = already_handled(callback, payout, 204)
        if done is not None:
            return done
        before = payout.status
        after = _apply_ipn(payout, ipn, actor=actor)
        if after.is_final and after.status != OUTCOME_STATUS[ipn.outcome]:
            # Another writer (a status check, a concurrent copy of this IPN) settled it first.
            return CallbackDecision(V.LATE, 204, f"payment already {after.status}", payment=after)
        return CallbackDecision(V.VALID, 204, f"{before} -> {after.status}", payment=after)

    # -- payee checks --------------------------------------------------------------------------
    def verify_payee(
        self, account: Account, operation: str, party_type: str, party_id: str, party_name: str
    ) -> PayeeCheck:
        """Wallets: ``disbursement/verify`` (checkWallet with the walletName; MoMo compares the
        name itself). Bank payouts: MoMo offers no check, so "unknown" without a call."""
        return check_payee(account, operation, party_id, party_name)


ADAPTER = MomoVnAdapter()


# -- payee checks (``MomoVnAdapter.verify_payee``) ---------------------------------------------
# checkWallet result codes that say the wallet cannot receive a payout now.
_CANNOT_RECEIVE = {
    1007: "the wallet is inactive or does not exist",
    4001: "the wallet is restricted",
    4002: "the wallet's owner is not verified with C06 (national ID)",
}
# The receiver's name (walletName) or personal id does not match the wallet.
_NAME_MISMATCH = 4003


def check_payee(account: Account, operation: str, party_id: str, party_name: str) -> PayeeCheck:
    """checkWallet for a wallet payout (read-only, under a fresh requestId); no call for a bank.

    MoMo gives no name back: it compares the walletName sent with the wallet's owner and says
    4003 when they differ, so ``provider_name`` stays "". Nothing is logged.
    """
    if not isinstance(account, MomoVnAccount):
        return PayeeCheck("error", f"{account.name!r} is not a MoMo Vietnam account")
    if operation == BANK:
        return PayeeCheck("unknown", "MoMo offers no bank account check: not verified")
    if operation != WALLET:
        return PayeeCheck("error", f"no payee check for operation {operation!r}")
    request_id, order_id = new_ids()
    try:
        wallets = client(account)
        status_limiter(account.name).acquire()
        answer = wallets.check_wallet(
            request_id=request_id,
            order_id=order_id,
            wallet_id=party_id,
            wallet_name=party_name or None,
            lang=account.lang,
        )
    except (ProviderError, LookupError) as exc:
        message = exc.message if isinstance(exc, ProviderError) else str(exc)
        return PayeeCheck("error", f"MoMo check failed: {message}"[:255])
    code = answer.result_code
    if answer.eligible:
        named = "the name matches" if party_name else "no name in the file: name not compared"
        return PayeeCheck("ok", f"the wallet can receive; {named}")
    if code == _NAME_MISMATCH:
        return PayeeCheck(
            "name_mismatch", f"MoMo {code}: the name (or personal id) does not match the wallet"
        )
    if code in _CANNOT_RECEIVE:
        return PayeeCheck("inactive", f"MoMo {code}: {_CANNOT_RECEIVE[code]}")
    return PayeeCheck("error", f"MoMo {code}: {answer.message}"[:255])
