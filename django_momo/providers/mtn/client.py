"""The base of the three MTN product clients: tokens, headers, the retry policy, the error map.

Retry policy, the part that keeps money safe:

* GETs (status, balance, account holder) are retried on transient errors (lost connection,
  timeout, 5xx, 429) with capped, jittered backoff.
* A creating POST is retried only with the same ``X-Reference-Id`` and the byte-identical body:
  MTN refuses a reused reference with 409, so a retry can never book a second payment. 409 (or
  ``RESOURCE_ALREADY_EXIST`` under any status) means "booked the first time" and is returned as
  ``ALREADY_BOOKED``, never raised. If every attempt fails, ``TransientError`` carries the
  reference: the outcome is unknown, ask its status. If an attempt got no usable answer and a
  later one is refused (a gateway 403 quota, a 429, a 400 ...), the error is raised with
  ``ambiguous=True``: the first attempt may have booked it.
* One 401 that is a token problem (not an APIM subscription-key refusal) refreshes the token
  once and repeats the call with the same reference.

Which failures are repeated, and after how long, is ``providers.http.should_retry`` /
``retry_delay`` (shared with the MoMo client); ``HttpTransport.max_retries`` is the budget.

Logged to ``django_momo.providers.mtn`` (never a key, token or ``Authorization`` header): each
retry (operation, reference, attempt n of m, why, the wait), each token fetched (product and
expiry), a refused token, a 409 "already booked under this reference", a refusal after an
unanswered attempt, and the giving up when the retries run out.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import requests

from django_momo.providers.base import (
    ConfigurationError,
    InMemoryTokenStore,
    InvalidInputError,
    ProviderError,
    RateLimitedError,
    Submission,
    SubmissionState,
    TokenStore,
    TransientError,
)
from django_momo.providers.http import MAX_RETRY_AFTER as MAX_RETRY_AFTER
from django_momo.providers.http import (
    HttpTransport,
    failure_reason,
    may_have_landed,
    parse_retry_after,
    redact_text,
    should_retry,
)
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.config import (
    DEFAULT_TOKEN_REFRESH_MARGIN,
    SANDBOX_CURRENCY,
    TARGET_ENVIRONMENTS,
    MtnCredentials,
)
from django_momo.providers.mtn.errors import (
    PROVIDER,
    error_from_response,
    is_already_booked,
    is_token_problem,
)
from django_momo.providers.mtn.results import Balance, BasicUserInfo, TransactionResult
from django_momo.providers.mtn.tokens import AccessToken, TokenManager, token_cache_key
from django_momo.providers.sensitive import sensitive_variables

logger = logging.getLogger("django_momo.providers.mtn")


@sensitive_variables("password", "raw")
def basic_auth(user: str, password: str) -> str:
    """``Basic base64(user:password)`` with no URL-encoding (MTN's new gateway refuses it)."""
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class MtnProductClient:
    """Shared machinery of ``CollectionClient``, ``DisbursementClient`` and ``RemittanceClient``."""

    product: ClassVar[str] = ""

    @sensitive_variables("subscription_key", "api_key", "value")
    def __init__(
        self,
        *,
        base_url: str,
        target_environment: str,
        subscription_key: str,
        api_user: str,
        api_key: str,
        callback_url: str | None = None,
        currency: str | None = None,
        token_store: TokenStore | None = None,
        transport: HttpTransport | None = None,
        token_refresh_margin: float = DEFAULT_TOKEN_REFRESH_MARGIN,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_base_url(base_url)
        if target_environment not in TARGET_ENVIRONMENTS:
            raise ConfigurationError(
                f"target_environment {target_environment!r} is not one of MTN's: "
                + ", ".join(TARGET_ENVIRONMENTS),
                provider=PROVIDER,
            )
        self.target_environment = target_environment
        for name, value in (("subscription_key", subscription_key), ("api_key", api_key)):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"{name} is required", provider=PROVIDER)
        if not isinstance(api_user, str) or not api_user.strip() or ":" in api_user:
            raise ConfigurationError(
                "api_user must be a non-empty id without ':'", provider=PROVIDER
            )
        self.credentials = MtnCredentials(
            subscription_key.strip(), api_user.strip(), api_key.strip()
        )
        try:
            self.callback_url = v.validate_callback_url(callback_url) if callback_url else None
            if currency:
                self.currency: str | None = v.validate_currency(currency)
            else:
                self.currency = SANDBOX_CURRENCY if target_environment == "sandbox" else None
        except InvalidInputError as exc:
            raise ConfigurationError(str(exc), provider=PROVIDER) from None
        self.transport = transport or HttpTransport(provider=PROVIDER)
        self._sleep = sleep
        self.tokens = TokenManager(
            fetch=self._fetch_token,
            store=token_store if token_store is not None else InMemoryTokenStore(),
            key=token_cache_key(self.base_url, self.product, api_user, target_environment),
            margin=token_refresh_margin,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"target_environment={self.target_environment!r}, credentials={self.credentials!r})"
        )

    # --- tokens ---------------------------------------------------------------------------------

    def create_access_token(self) -> AccessToken:
        """Obtain a new access token from MTN now (and cache it for the other calls)."""
        return self.tokens.refresh()

    def get_access_token(self) -> AccessToken:
        """The cached access token, refreshed when it is due."""
        return self.tokens.get()

    @sensitive_variables("headers", "data", "token", "issued")
    def _fetch_token(self, margin: float) -> AccessToken:
        headers = {
            "Authorization": basic_auth(self.credentials.api_user, self.credentials.api_key),
            "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
            # Mandatory on MTN's new platform, harmless on the old one.
            "X-Target-Environment": self.target_environment,
            # No body (MTN answers 400 to one), and an explicit length (411 without it).
            "Content-Length": "0",
        }
        response = self._send_with_retries(
            "POST", self._url("/token/"), headers=headers, data=b"", operation="create_access_token"
        )
        data = self._json(response, "create_access_token")
        token = data.get("access_token")
        try:
            expires_in = int(data.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600
        if not isinstance(token, str) or not token or expires_in <= 0:
            raise TransientError(
                "MTN create_access_token answered without a usable token",
                provider=PROVIDER,
                http_status=response.status_code,
            )
        issued = AccessToken.issued(token, str(data.get("token_type", "")), expires_in, margin)
        logger.info(
            "MTN %s: access token fetched for API user %s (%s), expires in %d s at %s, "
            "refreshed from %s",
            self.product,
            self.credentials.api_user,
            self.target_environment,
            issued.expires_in,
            _utc(issued.expires_at),
            _utc(issued.refresh_at),
        )
        return issued

    # --- the request loop -----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{self.product}{path}"

    @property
    @sensitive_variables("cached", "extra")
    def _secrets(self) -> tuple[str, ...]:
        cached = self.tokens.cached()
        extra = (cached.access_token,) if cached is not None else ()
        return (*self.credentials.secrets, *extra)

    @sensitive_variables("headers", "sent_headers", "token")
    def _send_with_retries(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        headers: Mapping[str, str],
        data: bytes | str | None = None,
        reference: str | None = None,
        retry: bool = True,
        bearer: bool = False,
        ok: tuple[int, ...] = (200,),
        creating: bool = False,
    ) -> requests.Response:
        """Send, retrying per ``should_retry`` (when ``retry``) and one token-problem 401.

        Up to ``transport.max_retries`` repeats, each under the same reference with the same
        bytes, after ``transport.retry_delay`` (a 429's ``Retry-After`` honoured). For a
        ``creating`` call, an attempt without a usable answer (timeout, lost connection, 5xx)
        may have booked the payment. Once that happened, whatever a later attempt answers short
        of 202/409 is raised with ``ambiguous=True``: the services then record the payment as
        unknown and ask its status under the same reference, never as failed. A body with
        ``RESOURCE_ALREADY_EXIST`` means booked, whatever its HTTP status.
        """
        max_retries = self.transport.max_retries if retry else 0
        where = _where(self.product, operation, reference)
        attempt = 0  # attempts counted against max_retries (a token refresh is not one)
        refreshed = False
        may_have_booked = False
        while True:
            attempt += 1
            sent_headers = dict(headers)
            token: AccessToken | None = None
            if bearer:
                try:
                    token = self.tokens.get()
                except ProviderError as exc:
                    # No request left this time, but an earlier lost attempt may have booked it.
                    exc.ambiguous = may_have_booked
                    if may_have_booked:
                        self._log_refused_after_loss(where, attempt, exc)
                    raise
                sent_headers["Authorization"] = f"Bearer {token.access_token}"
            response: requests.Response | None = None
            try:
                response = self.transport.send(
                    method, url, headers=sent_headers, data=data, reference=reference
                )
            except ProviderError as exc:
                error: ProviderError = exc
            else:
                status = response.status_code
                if creating and is_already_booked(response):
                    logger.info(
                        "%s: HTTP %s RESOURCE_ALREADY_EXIST on attempt %d: "
                        "already booked under this reference%s",
                        where,
                        status,
                        attempt,
                        " (an earlier attempt went unanswered)" if may_have_booked else "",
                    )
                    return response
                if status in ok:
                    return response
                if (
                    status == 401
                    and token is not None
                    and not refreshed
                    and is_token_problem(response)
                ):
                    logger.info(
                        "%s: access token refused (HTTP 401); fetching a new one and "
                        "repeating under the same reference",
                        where,
                    )
                    self.tokens.invalidate(token.access_token)
                    refreshed = True
                    attempt -= 1
                    continue
                error = error_from_response(
                    response, operation=operation, reference=reference, secrets=self._secrets
                )
            may_have_booked = may_have_booked or may_have_landed(error, creating=creating)
            if should_retry(
                attempt=attempt,
                max_retries=max_retries,
                error=error,
                status=error.http_status,
                creating=creating,
                reference=reference,
            ):
                retry_after = (
                    parse_retry_after(response.headers.get("Retry-After"))
                    if response is not None and isinstance(error, RateLimitedError)
                    else None
                )
                delay = self.transport.retry_delay(attempt, retry_after)
                logger.warning(
                    "%s: attempt %d of %d failed (%s); retrying%s in %.2f s",
                    where,
                    attempt,
                    max_retries + 1,
                    self._redact(failure_reason(error)),
                    " under the same reference" if creating else "",
                    delay,
                )
                self._sleep(delay)
                continue
            error.ambiguous = may_have_booked
            if isinstance(error, TransientError):
                self._log_giving_up(where, attempt, error, may_have_booked)
            elif may_have_booked:
                self._log_refused_after_loss(where, attempt, error)
            raise error

    def _redact(self, text: str) -> str:
        return redact_text(text, self._secrets)

    def _log_giving_up(
        self,
        where: str,
        attempt: int,
        error: ProviderError,
        ambiguous: bool,
    ) -> None:
        logger.warning(
            "%s: giving up after %d attempt%s (%s): %s",
            where,
            attempt,
            "" if attempt == 1 else "s",
            self._redact(failure_reason(error)),
            "outcome unknown (ambiguous): it may have been booked; ask its status under the "
            "same reference, never send it under a new one"
            if ambiguous
            else "no usable answer",
        )

    def _log_refused_after_loss(self, where: str, attempt: int, error: ProviderError) -> None:
        logger.warning(
            "%s: attempt %d failed (%s) after an earlier attempt went unanswered: "
            "outcome unknown (ambiguous), it may have been booked; ask its status under the "
            "same reference",
            where,
            attempt,
            self._redact(failure_reason(error)),
        )

    @sensitive_variables("headers")
    def _business_headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
            "X-Target-Environment": self.target_environment,
        }
        if extra:
            headers.update(extra)
        return headers

    def _get_json(self, path: str, *, operation: str, reference: str | None = None) -> Any:
        response = self._send_with_retries(
            "GET",
            self._url(path),
            operation=operation,
            headers=self._business_headers(),
            reference=reference,
            bearer=True,
        )
        return self._json(response, operation, reference)

    def _json(
        self, response: requests.Response, operation: str, reference: str | None = None
    ) -> Any:
        try:
            return response.json()
        except ValueError:
            # A 200 we cannot read is no answer at all: ask again later.
            raise TransientError(
                f"MTN {operation} answered HTTP {response.status_code} with a non-JSON body",
                provider=PROVIDER,
                http_status=response.status_code,
                reference=reference,
                body=redact_text(response.text[:1000], self._secrets),
            ) from None

    # --- building blocks for the products -------------------------------------------------------

    def _submit(
        self,
        path: str,
        *,
        operation: str,
        reference_id: str,
        body: Mapping[str, Any],
        callback_url: str | None,
    ) -> Submission:
        """POST a creating request under ``reference_id``: 202 ACCEPTED, 409 ALREADY_BOOKED."""
        extra = {"X-Reference-Id": reference_id, "Content-Type": "application/json"}
        target = callback_url or self.callback_url
        if target:
            extra["X-Callback-Url"] = target
        # Serialised once: a retry sends exactly the same bytes under the same reference.
        payload = json.dumps(body, separators=(",", ":")).encode()
        response = self._send_with_retries(
            "POST",
            self._url(path),
            operation=operation,
            headers=self._business_headers(extra),
            data=payload,
            reference=reference_id,
            bearer=True,
            ok=(200, 201, 202, 409),
            creating=True,
        )
        if response.status_code == 409 or is_already_booked(response):
            state = SubmissionState.ALREADY_BOOKED
        else:
            state = SubmissionState.ACCEPTED
        return Submission(reference_id, state, response.status_code)

    def _status(self, path: str, reference_id: object, *, operation: str) -> TransactionResult:
        ref = v.validate_reference_id(reference_id)
        data = self._get_json(f"{path}/{ref}", operation=operation, reference=ref)
        if not isinstance(data, dict):
            raise TransientError(
                f"MTN {operation} answered an unexpected body", provider=PROVIDER, reference=ref
            )
        return TransactionResult.from_json(ref, data)

    def _resolve_currency(self, currency: object | None) -> str:
        if currency is None:
            if self.currency is None:
                raise InvalidInputError("currency", "required (this client has no default)")
            return self.currency
        code = v.validate_currency(currency)
        if self.currency is not None and code != self.currency:
            raise InvalidInputError(
                "currency",
                f"this account settles in {self.currency} ({self.target_environment}), got {code}",
            )
        return code

    def _payment_body(
        self,
        *,
        amount: object,
        currency: object | None,
        external_id: object,
        party_role: str,
        party: object,
        party_id_type: str,
        payer_message: object,
        payee_note: object,
    ) -> dict[str, Any]:
        code = self._resolve_currency(currency)
        return {
            "amount": v.validate_amount(amount, code),
            "currency": code,
            "externalId": v.validate_text(external_id, "external_id"),
            party_role: v.validate_party(party, party_id_type, party_role),
            "payerMessage": v.validate_message(payer_message, "payer_message"),
            "payeeNote": v.validate_message(payee_note, "payee_note"),
        }

    def _submit_payment(
        self,
        path: str,
        operation: str,
        reference_id: str,
        *,
        party_role: str,
        party: object,
        party_id_type: str,
        amount: object,
        currency: object | None,
        external_id: object,
        payer_message: object,
        payee_note: object,
        callback_url: object | None,
        extra: Mapping[str, Any] | None = None,
    ) -> Submission:
        """Validate and send a creating payment request (transfer, deposit, request-to-pay ...)."""
        ref = v.validate_reference_id(reference_id)
        body = self._payment_body(
            amount=amount,
            currency=currency,
            external_id=external_id,
            party_role=party_role,
            party=party,
            party_id_type=party_id_type,
            payer_message=payer_message,
            payee_note=payee_note,
        )
        body.update(extra or {})
        return self._submit(
            path,
            operation=operation,
            reference_id=ref,
            body=body,
            callback_url=self._callback(callback_url),
        )

    def _callback(self, callback_url: object | None) -> str | None:
        return v.validate_callback_url(callback_url) if callback_url is not None else None

    # --- operations every product has -----------------------------------------------------------

    def get_account_balance(self) -> Balance:
        """The merchant account's balance."""
        return Balance.from_json(self._get_json("/v1_0/account/balance", operation="balance"))

    def get_account_balance_in(self, currency: str) -> Balance:
        """The merchant account's balance in ``currency``."""
        code = v.validate_currency(currency)
        data = self._get_json(f"/v1_0/account/balance/{code}", operation="balance")
        return Balance.from_json(data)

    def get_basic_user_info(self, msisdn: str) -> BasicUserInfo:
        """Name and basic details of an account holder (no consent needed)."""
        number = v.validate_msisdn(msisdn)
        path = f"/v1_0/accountholder/msisdn/{number}/basicuserinfo"
        return BasicUserInfo.from_json(self._get_json(path, operation="basic_user_info"))

    def is_active(self, account: str, account_type: str = "msisdn") -> bool:
        """Whether an account holder exists and is active (a documented 404 means no)."""
        kind, ident = v.validate_account_holder(account, account_type)
        path = f"/v1_0/accountholder/{kind}/{quote(ident, safe='@')}/active"
        try:
            data = self._get_json(path, operation="is_active")
        except ProviderError as exc:
            if exc.http_status == 404 and exc.code:
                return False
            raise
        return bool(isinstance(data, dict) and data.get("result") is True)


def _where(product: str, operation: str, reference: str | None) -> str:
    """What a log line is about: ``MTN disbursement transfer <X-Reference-Id>``."""
    return f"MTN {product} {operation}" + (f" {reference}" if reference else "")


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def check_base_url(base_url: object) -> str:
    """``base_url`` without its trailing slash; ``ConfigurationError`` unless absolute http(s)."""
    if not isinstance(base_url, str):
        raise ConfigurationError("base_url must be a string", provider=PROVIDER)
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL, got {base_url!r}", provider=PROVIDER
        )
    return base_url.strip().rstrip("/")


__all__ = ["MtnProductClient", "basic_auth", "check_base_url"]
