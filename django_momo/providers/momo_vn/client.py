"""``MomoDisbursementClient``: MoMo Vietnam payouts to wallets and bank accounts.

Payouts are two steps so that an unknown outcome can be resolved safely: ``prepare_*`` validates,
encrypts and signs, returning the exact bytes to send; the caller stores them, then ``send``.
After a timeout or lost connection, ``send`` the same prepared request again (or ``resend`` the
stored body): MoMo treats ``requestId`` as the idempotency key and answers with the original
result, ``7000`` while it is still running, or ``40`` for a non-final earlier request.

``send`` and ``resend`` do that themselves, up to the transport's ``max_retries`` times
(``HTTP_MAX_RETRIES`` in the app), after a transient failure, per ``providers.http.should_retry``
(shared with the MTN client). Read-only calls (``check_wallet``, ``get_balance``) are not
repeated: MoMo keys them on ``requestId`` too and answers a repeat of a non-final answer with 40,
so only a new request (a new ``requestId``, the caller's to choose) can ask again.

Logged to ``django_momo.providers.momo_vn`` (never the access key, secret key, signature or the
encrypted ``disbursementMethod``): each retry (requestId, orderId, attempt n of m, why, the
wait), an answer that came after an unanswered attempt (ambiguous), "still processing" answers
(7000, 40 ...) to a re-send, a refusal after an unanswered attempt, and the giving up.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django_momo.providers.base import (
    InvalidInputError,
    RejectedError,
    TransientError,
    redact_mapping,
)
from django_momo.providers.http import (
    HttpTransport,
)
from django_momo.providers.momo_vn import validation as check
from django_momo.providers.momo_vn.api import DEFAULT_TIMEOUT, PROVIDER, MomoApi
from django_momo.providers.momo_vn.config import MomoCredentials
from django_momo.providers.momo_vn.crypto import encrypt_method, load_public_key
from django_momo.providers.momo_vn.ipn import DisbursementIpn, IpnVerifier
from django_momo.providers.momo_vn.responses import (
    check_echo,
    decimal_or_none,
    int_or_none,
    raise_for_auth,
    read_answer,
)
from django_momo.providers.momo_vn.result_codes import Kind, lookup
from django_momo.providers.momo_vn.results import (
    BALANCE_PATH,
    BANK,
    CHECK_WALLET,
    PAY_PATH,
    VERIFY_PATH,
    WALLET,
    Balance,
    DisbursementResult,
    PreparedRequest,
    WalletCheck,
)
from django_momo.providers.momo_vn.signing import BALANCE_FIELDS, PAY_FIELDS, VERIFY_FIELDS
from django_momo.providers.momo_vn.validation import DEFAULT_LIMITS, PayoutLimits
from django_momo.providers.sensitive import sensitive_variables

logger = logging.getLogger("django_momo.providers.momo_vn")


class MomoDisbursementClient(MomoApi):
    """Client of MoMo Vietnam's Disbursement API for one merchant account."""

    @sensitive_variables("credentials")
    def __init__(
        self,
        credentials: MomoCredentials,
        *,
        transport: HttpTransport | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        limits: PayoutLimits = DEFAULT_LIMITS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``transport`` (built with ``timeout`` when not given) sets ``max_retries``, the budget
        of ``send``; ``sleep`` waits between attempts (tests pass a no-op, like MTN's)."""
        super().__init__(credentials, transport=transport, timeout=timeout, sleep=sleep)
        self.limits = limits
        # Parsed once: loading a key costs far more than one encryption.
        self._public_key = load_public_key(credentials.public_key)
        self._ipn = IpnVerifier(credentials)

    # -- building requests -------------------------------------------------------------------

    def _common(self, request_id: object, order_id: object) -> dict[str, Any]:
        return {
            "partnerCode": self.credentials.partner_code,
            "orderId": check.order_id(order_id),
            "requestId": check.request_id(request_id),
        }

    @sensitive_variables("method")
    def _prepare_pay(
        self,
        *,
        request_type: str,
        method: dict[str, Any],
        request_id: object,
        order_id: object,
        amount: int,
        order_info: object,
        ipn_url: object,
        extra_data: object,
        lang: object,
        order_group_id: object,
    ) -> PreparedRequest:
        body = self._common(request_id, order_id)
        body["amount"] = amount
        body["requestType"] = request_type
        # Validate everything cheap before the RSA operation.
        info = check.order_info(order_info)
        extra = check.extra_data(extra_data)
        # MoMo reports the final result to ipnUrl: a payout without one could only be
        # resolved by re-sending, so it is required.
        url = check.ipn_url(ipn_url)
        language = check.lang(lang)
        group = check.order_group_id(order_group_id) if order_group_id is not None else None
        body["disbursementMethod"] = encrypt_method(self._public_key, method)
        body["extraData"] = extra
        body["orderInfo"] = info
        body["ipnUrl"] = url
        body["lang"] = language
        if group is not None:
            body["orderGroupId"] = group
        data = self._sign_into(body, PAY_FIELDS)
        return PreparedRequest(
            path=PAY_PATH,
            request_id=body["requestId"],
            order_id=body["orderId"],
            request_type=request_type,
            amount=Decimal(amount),
            body=data,
        )

    @sensitive_variables("method")
    def prepare_pay_to_wallet(
        self,
        *,
        request_id: str,
        order_id: str,
        amount: Decimal | int,
        wallet_id: str,
        wallet_name: str,
        order_info: str,
        ipn_url: str,
        extra_data: Mapping[str, Any] | str | None = "",
        lang: str = "vi",
        personal_id: str | None = None,
        validate_personal_id: bool = False,
        order_group_id: int | None = None,
    ) -> PreparedRequest:
        """Validate, encrypt and sign a payout to a MoMo wallet (``disburseToWallet``)."""
        value = check.amount(amount, minimum=self.limits.wallet_min, maximum=self.limits.wallet_max)
        method: dict[str, Any] = {
            "walletId": check.wallet_id(wallet_id),
            "walletName": check.holder_name(wallet_name, "wallet_name"),
        }
        if not isinstance(validate_personal_id, bool):
            raise InvalidInputError("validate_personal_id", "must be a bool")
        if personal_id is not None:
            method["personalId"] = check.personal_id(personal_id)
        elif validate_personal_id:
            raise InvalidInputError("personal_id", "is required when validate_personal_id is set")
        method["validatePersonalId"] = validate_personal_id
        return self._prepare_pay(
            request_type=WALLET,
            method=method,
            request_id=request_id,
            order_id=order_id,
            amount=value,
            order_info=order_info,
            ipn_url=ipn_url,
            extra_data=extra_data,
            lang=lang,
            order_group_id=order_group_id,
        )

    @sensitive_variables("method")
    def prepare_pay_to_bank(
        self,
        *,
        request_id: str,
        order_id: str,
        amount: Decimal | int,
        holder_name: str,
        bank_code: str,
        order_info: str,
        bank_account_no: str | None = None,
        bank_card_no: str | None = None,
        ipn_url: str,
        extra_data: Mapping[str, Any] | str | None = "",
        lang: str = "vi",
        order_group_id: int | None = None,
    ) -> PreparedRequest:
        """Validate, encrypt and sign a payout to a bank account or card (``disburseToBank``)."""
        value = check.amount(amount, minimum=self.limits.bank_min, maximum=self.limits.bank_max)
        if (bank_account_no is None) == (bank_card_no is None):
            raise InvalidInputError(
                "bank_account_no", "give exactly one of bank_account_no and bank_card_no"
            )
        method: dict[str, Any] = {}
        if bank_account_no is not None:
            method["bankAccountNo"] = check.bank_account_no(bank_account_no)
        else:
            method["bankCardNo"] = check.bank_card_no(bank_card_no)
        method["bankAccountHolderName"] = check.holder_name(holder_name)
        method["bankCode"] = check.bank_code(bank_code)
        return self._prepare_pay(
            request_type=BANK,
            method=method,
            request_id=request_id,
            order_id=order_id,
            amount=value,
            order_info=order_info,
            ipn_url=ipn_url,
            extra_data=extra_data,
            lang=lang,
            order_group_id=order_group_id,
        )

    # -- sending -----------------------------------------------------------------------------

    def send(self, prepared: PreparedRequest, *, retries: int | None = None) -> DisbursementResult:
        """Send (or re-send, byte for byte) a prepared payout; transport trouble raises.

        After a transient failure (timeout, lost connection, 5xx, an answer without a readable
        ``resultCode`` or about another payout) the same bytes are sent again, which is safe:
        MoMo keys on ``requestId``. ``retries`` is how many times: ``None`` for the transport's
        ``max_retries`` (``HTTP_MAX_RETRIES``), an explicit number capped at it, 0 for one
        attempt only. Waits are ``retry_delay``'s capped, jittered backoff. Once an attempt went
        unanswered, the answer of a later one comes back with ``ambiguous=True`` and an error is
        raised with ``ambiguous=True`` (a ``TransientError`` always is): that earlier attempt
        may have been processed, so a "request refused" code now proves nothing.
        """
        return self._send(prepared, retries, resending=False)

    def _send(
        self, prepared: PreparedRequest, retries: int | None, *, resending: bool
    ) -> DisbursementResult:
        where = f"MoMo pay {prepared.request_id} (order {prepared.order_id})"
        result, lost, attempt = self._attempt(
            lambda _attempt: self._send_once(prepared),
            where=where,
            reference=prepared.request_id,
            creating=True,
            retries=retries,
            log_lost=False,  # _log_answer says it, with the answer's code
        )
        self._log_answer(where, result, attempt, lost=lost, resending=resending)
        return dataclasses.replace(result, ambiguous=True) if lost else result

    def _log_answer(
        self, where: str, result: DisbursementResult, attempt: int, *, lost: bool, resending: bool
    ) -> None:
        if lost:
            logger.info(
                "%s: attempt %d answered %d (%s) after an earlier attempt went unanswered: "
                "marked ambiguous",
                where,
                attempt,
                result.result_code,
                result.outcome,
            )
        if (resending or attempt > 1) and lookup(result.result_code).kind is Kind.IN_PROGRESS:
            logger.info(
                "%s: the re-send answered %d (%s): the payout exists and is still processing; "
                "its result comes by IPN or by a later re-send of the same body",
                where,
                result.result_code,
                lookup(result.result_code).meaning,
            )

    @sensitive_variables("response")
    def _send_once(self, prepared: PreparedRequest) -> DisbursementResult:
        response = self._post(prepared.path, prepared.body, prepared.request_id)
        status, data = read_answer(response, prepared.request_id, self.credentials.secrets)
        code = data["resultCode"]
        raise_for_auth(status, data, prepared.request_id)
        check_echo(
            data,
            status,
            partner_code=self.credentials.partner_code,
            order_id=prepared.order_id,
            request_id=prepared.request_id,
            amount=prepared.amount,
        )
        row = lookup(code)
        return DisbursementResult(
            request_id=prepared.request_id,
            order_id=prepared.order_id,
            result_code=code,
            message=str(data.get("message") or row.meaning),
            outcome=row.outcome,
            final=row.final,
            http_status=status,
            trans_id=int_or_none(data.get("transId")),
            amount=decimal_or_none(data.get("amount")),
            balance=decimal_or_none(data.get("balance")),
            response_time=int_or_none(data.get("responseTime")),
            raw=redact_mapping(data),
        )

    def resend(self, body: bytes | str, *, retries: int | None = None) -> DisbursementResult:
        """Re-send a stored payout body unchanged (same requestId, ciphertext and signature).

        ``retries`` as for ``send`` (``None``: the transport's ``max_retries``).
        """
        return self._send(PreparedRequest.from_body(body), retries, resending=True)

    def pay_to_wallet(self, **kwargs: Any) -> DisbursementResult:
        """``prepare_pay_to_wallet`` then ``send`` (use the two steps to store the body first)."""
        return self.send(self.prepare_pay_to_wallet(**kwargs))

    def pay_to_bank(self, **kwargs: Any) -> DisbursementResult:
        """``prepare_pay_to_bank`` then ``send`` (use the two steps to store the body first)."""
        return self.send(self.prepare_pay_to_bank(**kwargs))

    # -- queries -----------------------------------------------------------------------------

    @sensitive_variables("method")
    def check_wallet(
        self,
        *,
        request_id: str,
        order_id: str,
        wallet_id: str,
        wallet_name: str | None = None,
        personal_id: str | None = None,
        lang: str = "vi",
    ) -> WalletCheck:
        """Ask whether a wallet may receive payouts (``checkWallet``); moves no money."""
        body = self._common(request_id, order_id)
        method: dict[str, Any] = {"walletId": check.wallet_id(wallet_id)}
        if wallet_name is not None:
            method["walletName"] = check.holder_name(wallet_name, "wallet_name")
        if personal_id is not None:
            method["personalId"] = check.personal_id(personal_id)
        body["requestType"] = CHECK_WALLET
        language = check.lang(lang)
        body["disbursementMethod"] = encrypt_method(self._public_key, method)
        body["lang"] = language
        data_bytes = self._sign_into(body, VERIFY_FIELDS)
        status, data = self._query(VERIFY_PATH, data_bytes, body["requestId"])
        row = lookup(data["resultCode"])
        return WalletCheck(
            request_id=body["requestId"],
            order_id=body["orderId"],
            result_code=row.code,
            message=str(data.get("message") or row.meaning),
            eligible=row.kind is Kind.SUCCESS,
            http_status=status,
            response_time=int_or_none(data.get("responseTime")),
            raw=redact_mapping(data),
        )

    def get_balance(
        self,
        *,
        request_id: str,
        order_id: str,
        order_group_id: int | None = None,
        lang: str = "vi",
    ) -> Balance:
        """The merchant's disbursement balance (optionally of one ``orderGroupId``)."""
        body = self._common(request_id, order_id)
        body["lang"] = check.lang(lang)
        if order_group_id is not None:
            body["orderGroupId"] = check.order_group_id(order_group_id)
        data_bytes = self._sign_into(body, BALANCE_FIELDS)
        _, data = self._query(BALANCE_PATH, data_bytes, body["requestId"])
        if lookup(data["resultCode"]).kind is not Kind.SUCCESS:
            raise RejectedError(
                f"balance refused: {data.get('message') or lookup(data['resultCode']).meaning}",
                provider=PROVIDER,
                code=str(data["resultCode"]),
                reference=body["requestId"],
            )
        amount = decimal_or_none(data.get("amount"))
        if amount is None:
            raise TransientError(
                "balance answer has no amount", provider=PROVIDER, reference=body["requestId"]
            )
        return Balance(
            request_id=body["requestId"],
            order_id=body["orderId"],
            amount=amount,
            currency=str(data.get("currency") or "VND"),
            result_code=data["resultCode"],
            message=str(data.get("message") or ""),
            response_time=int_or_none(data.get("responseTime")),
            raw=redact_mapping(data),
        )

    @sensitive_variables("response")
    def _query(self, path: str, body: bytes, reference: str) -> tuple[int, dict[str, Any]]:
        """Send a request that moves no money; codes saying nothing useful raise."""
        response = self._post(path, body, reference)
        status, data = read_answer(response, reference, self.credentials.secrets)
        raise_for_auth(status, data, reference)
        row = lookup(data["resultCode"])
        if row.kind in (Kind.UNCERTAIN, Kind.IN_PROGRESS):
            raise TransientError(
                f"no usable answer: {data.get('message') or row.meaning}",
                provider=PROVIDER,
                http_status=status,
                code=str(row.code),
                reference=reference,
            )
        if row.kind is Kind.REQUEST:
            raise RejectedError(
                f"request refused: {data.get('message') or row.meaning}",
                provider=PROVIDER,
                http_status=status,
                code=str(row.code),
                reference=reference,
            )
        return status, data

    # -- IPN ---------------------------------------------------------------------------------

    def verify_ipn(
        self,
        body: bytes | str | Mapping[str, Any],
        *,
        expected_order_id: str | None = None,
        expected_amount: Decimal | int | None = None,
        expected_request_id: str | None = None,
    ) -> DisbursementIpn:
        """Verify a disbursement IPN for this account; raises an ``IpnError`` naming the check."""
        return self._ipn.verify(
            body,
            expected_order_id=expected_order_id,
            expected_amount=expected_amount,
            expected_request_id=expected_request_id,
        )
