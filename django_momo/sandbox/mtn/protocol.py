"""MTN MoMo Open API simulator: sandbox provisioning, tokens, Collection, Disbursement, Remittance.

Written from the provider notes (``mtn_momo.md``), independently of ``django_momo.providers``.

Credentials (``presets.py``): one subscription key per product (``Ocp-Apim-Subscription-Key`` or
``?subscription-key=``); the preset API user ``MTN_API_USER`` / ``MTN_API_KEY`` with
providerCallbackHost ``MTN_CALLBACK_HOST`` exists from the start and after every reset.

Provider routes (strict like the real gateway):

* ``POST /v1_0/apiuser`` (``X-Reference-Id`` UUIDv4, ``{"providerCallbackHost": host}``) -> 201,
  409 if the id exists; ``GET /v1_0/apiuser/{id}`` -> ``{providerCallbackHost, targetEnvironment}``;
  ``POST /v1_0/apiuser/{id}/apikey`` -> 201 ``{"apiKey"}`` (411 HTML without ``Content-Length``).
  Any product's subscription key opens provisioning.
* ``POST /{product}/token/``: Basic ``apiUser:apiKey``, no body (400), ``Content-Length`` (411);
  bad credentials -> 401 ``{"error": "login_failed"}``. Tokens live ``--mtn-token-ttl`` seconds
  and only for their product; otherwise business calls get 401 ``{"error": "invalid_token"}`` or
  ``{"error": "access_token_expired"}``.
* Creating POSTs (202, empty body): ``collection/v1_0/requesttopay``,
  ``collection/v1_0|v2_0/requesttowithdraw``, ``disbursement/v1_0/transfer``,
  ``disbursement/v1_0|v2_0/deposit``, ``disbursement/v1_0|v2_0/refund`` (``referenceIdToRefund``
  = a SUCCESSFUL collection of the same API user; refunds in total <= the collected amount, else
  400), ``remittance/v1_0/transfer``, ``remittance/v2_0/cashtransfer``. Status GETs:
  ``.../v1_0/{resource}/{ref}`` (``v2_0`` for cashtransfer). Plus
  ``collection/v1_0/requesttopay/{ref}/deliverynotification`` (200), ``v1_0/account/balance[/EUR]``,
  ``v1_0/accountholder/{type}/{id}/active|basicuserinfo``, ``v1_0/bc-authorize`` (form) ->
  ``oauth2/token/`` (``grant_type=urn:openid:params:grant-type:ciba``) -> ``oauth2/v1_0/userinfo``
  ("Sand Box").
* Checks, in order: subscription key (401 APIM body), the gateway's quota and rate limit (faults
  below), bearer token (401), ``X-Target-Environment``
  == ``sandbox`` (500 NOT_ALLOWED_TARGET_ENVIRONMENT), ``X-Reference-Id`` UUIDv4 (400),
  ``X-Callback-Url`` host == the API user's providerCallbackHost (500 INVALID_CALLBACK_URL_HOST),
  body fields (400: amount string ``^(0|[1-9]\\d{0,17})(\\.\\d{1,4})?$`` and > 0, non-empty
  externalId, payerMessage / payeeNote <= 160 characters and without ``'``, party MSISDN = 8-15
  digits without ``+`` or leading 0), currency EUR (400 INVALID_CURRENCY), reused reference
  (409 RESOURCE_ALREADY_EXIST; with another body also the ledger violation
  ``reference_reused_with_other_body``). A payerMessage / payeeNote containing ``&`` gets a 202
  but is never booked (a later status query says 404), as MTN does.

Sandbox test numbers (MSISDN party): 46733123450 FAILED/INTERNAL_PROCESSING_ERROR, 46733123451
FAILED/APPROVAL_REJECTED, 46733123452 FAILED/EXPIRED, 46733123453 PENDING then SUCCESSFUL after
``--mtn-pending-seconds``, 46733123454 PENDING for ever; any other party SUCCESSFUL after
``--mtn-settle-seconds`` (0 = before the 202 is answered). A payout larger than the balance
fails with NOT_ENOUGH_FUNDS. Account holders: 46733123450 is unknown (404), 46733123451 inactive.

Balances (EUR, per API user and product): disbursement and remittance open at
``--mtn-opening-balance`` and go down with successful payouts; collection opens at 0, goes up
with successful collections and down with successful refunds.

Callbacks: only when the creating POST carried ``X-Callback-Url``, once the payment is final;
V1 operations call back with POST, V2 with PUT; the body is the status answer (no reference id).

Faults (``/_sandbox/faults``; each counted in ``stats`` under ``faults``):

* ``error_before_booking`` (503 SERVICE_UNAVAILABLE / 500 INTERNAL_PROCESSING_ERROR in turn,
  nothing booked) and ``lost_after_booking`` (booked, connection closed) apply to creating POSTs,
  ``status_error`` (500) to status GETs.
* ``quota_exceeded`` / ``rate_limited``: a business request (creating POST, status GET,
  balance, account holder, consent; never ``/token/`` or provisioning) with a valid subscription
  key is refused by the gateway before anything is booked: 403 ``{"statusCode": 403, "message":
  "Out of call volume quota. Quota will be replenished in 00:00:01."}`` / 429 ``{"statusCode":
  429, "message": "Rate limit is exceeded. Try again in 1 seconds."}`` with ``Retry-After: 1``.
* ``refuse_retry`` (``"answer"``: ``quota`` | ``rate_limit`` | ``bad_request`` | ``unauthorized``):
  a creating POST whose reference is booked already, i.e. the retry of an answer that was lost,
  gets that refusal instead of 409: the 403 or 429 above, 400 ``{"code": "PAYEE_NOT_FOUND",
  "message": "Payee does not exist"}`` (``PAYER_NOT_FOUND`` / "Payer" for collections), or the
  401 subscription-key body. The booking and its callback are untouched. A POST of a new
  reference is never refused by it.

Flags: ``--mtn-token-ttl`` (3600), ``--mtn-pending-seconds`` (2.0), ``--mtn-settle-seconds`` (0),
``--mtn-opening-balance`` (1000000), ``--mtn-reason-style string|object``.

Control endpoints (JSON, under ``/_sandbox/mtn/``):

* ``GET stats``: token issuances per product and API user, request counts per endpoint.
* ``POST revoke-tokens``: invalidate every issued token.
* ``GET|POST config``: change the flags above at run time
  (``{"token_ttl", "pending_seconds", "settle_seconds", "opening_balance", "reason_style"}``);
  reset restores the command-line values.
* ``GET|POST garbage`` ``{"next": N, "kind": "html"|"empty"|"text"|"bad-json", "status": 500}``:
  the next N provider requests get that garbage instead of an answer (nothing booked).
* ``POST forge-callback`` ``{"reference", "status", "reason"?, "url"?, "method"?}``: send a callback
  claiming ``status`` for that payment, whatever its real status.
* ``POST settle`` ``{"reference", "status": "SUCCESSFUL"|"FAILED", "reason"?}``: finish a PENDING
  payment now (balance rules apply) and fire its callback.
* ``GET balance?product=collection&api_user=...``: a balance without a token.
"""

from __future__ import annotations

import argparse
import threading
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ..frame.app import Protocol, SandboxState
from ..frame.web import Request, Response
from ..presets import MTN_API_USER, MTN_SUBSCRIPTION_KEYS
from . import wire
from .accounts import Accounts
from .consent import Consent
from .control import control
from .payments import CREATE, FAILED, PENDING, STATUS, SUCCESSFUL, Payments


class MtnProtocol(Protocol):
    """The MTN MoMo Open API half of the sandbox."""

    name: ClassVar[str] = "mtn"

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self._lock = threading.Lock()
        self._overrides: dict[str, Any] = {}
        self._garbage: dict[str, Any] = {"next": 0, "kind": "html", "status": 500}
        self.accounts = Accounts()
        self.payments = Payments(state, self.option, self.fault)
        self.consent = Consent(self)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """The ``--mtn-*`` flags."""
        g = parser.add_argument_group(
            "MTN MoMo (also changeable at run time: /_sandbox/mtn/config)"
        )
        g.add_argument(
            "--mtn-token-ttl",
            type=float,
            default=3600.0,
            help="access token lifetime in seconds (default 3600)",
        )
        g.add_argument(
            "--mtn-pending-seconds",
            type=float,
            default=2.0,
            help="when 46733123453 turns SUCCESSFUL (default 2.0)",
        )
        g.add_argument(
            "--mtn-settle-seconds",
            type=float,
            default=0.0,
            help="when other payments reach their final status (default 0: at once)",
        )
        g.add_argument(
            "--mtn-opening-balance",
            default="1000000",
            help="opening EUR balance of disbursement/remittance accounts",
        )
        g.add_argument(
            "--mtn-reason-style",
            choices=("string", "object"),
            default="string",
            help='failure reason "CODE" or {"code", "message"}',
        )

    def option(self, name: str, default: Any) -> Any:
        """A ``--mtn-*`` setting: run-time override, then command line, then ``default``."""
        short = name.removeprefix("mtn_")
        with self._lock:
            if short in self._overrides:
                return self._overrides[short]
        value = self.state.options.get(name)
        return default if value is None else value

    def reset(self) -> None:
        """Forget API users (but the preset one), tokens, balances, overrides and garbage."""
        with self._lock:
            self._overrides.clear()
            self._garbage = {"next": 0, "kind": "html", "status": 500}
        self.accounts.reset()
        self.payments.reset()

    def describe(self) -> dict[str, Any]:
        """Summary for ``GET /_sandbox/``."""
        return {"preset_api_user": MTN_API_USER, "api_users": self.accounts.stats()["api_users"]}

    # -- provider traffic -----------------------------------------------------------------------
    def handle(self, request: Request) -> Response | None:
        """Answer MTN provider paths; None for others."""
        parts = [p for p in request.path.split("/") if p]
        if not parts:
            return None
        if parts[0] == "v1_0" and len(parts) > 1 and parts[1] == "apiuser":
            endpoint = "provisioning." + ("apiuser" if len(parts) <= 3 else parts[3])
        elif parts[0] in wire.PRODUCTS:
            endpoint = self._endpoint_name(parts)
        else:
            return None
        self.accounts.count(endpoint)
        garbage = self._take_garbage()
        if garbage is not None:
            return garbage
        try:
            if "//" in request.path:
                raise wire.bad_request("Malformed URL.")
            if parts[0] == "v1_0":
                return self._provisioning(request, parts[2:])
            return self._product(request, parts[0], parts[1:])
        except wire.WireError as exc:
            return exc.response

    @staticmethod
    def _endpoint_name(parts: list[str]) -> str:
        product, rest = parts[0], parts[1:]
        if rest[:1] in (["token"], ["oauth2"]):
            return f"{product}.{'.'.join(rest)}"
        if len(rest) >= 2 and rest[0] in ("v1_0", "v2_0"):
            name = f"{product}.{rest[0]}.{rest[1]}"
            if rest[1] in ("account", "accountholder"):
                return f"{name}.{rest[-1] if rest[1] == 'accountholder' else 'balance'}"
            if len(rest) == 3:
                return name + ".status"
            if len(rest) == 4:
                return f"{name}.{rest[3]}"
            return name
        return f"{product}.unknown"

    def _take_garbage(self) -> Response | None:
        with self._lock:
            if self._garbage["next"] <= 0:
                return None
            self._garbage["next"] -= 1
            kind, status = self._garbage["kind"], self._garbage["status"]
        body, ctype = wire.GARBAGE_BODIES[kind]
        return Response(status, body, {}, ctype)

    def subscription(self, request: Request, product: str | None) -> None:
        """Check ``Ocp-Apim-Subscription-Key`` (any product's key when ``product`` is None)."""
        key = (
            request.headers.get("Ocp-Apim-Subscription-Key")
            or (request.query.get("subscription-key", [""])[0])
        )
        keys = MTN_SUBSCRIPTION_KEYS
        wanted = keys.values() if product is None else [keys[product]]
        if not key or key not in wanted:
            raise wire.WireError(wire.subscription_denied())

    def fault(self, kind: str) -> dict[str, str] | None:
        """Draw the fault ``kind`` for this request; its extra keys (counted) when it fires."""
        fired = self.state.faults.fire(kind, "mtn")
        if fired is not None:
            self.accounts.count_fault(kind)
        return fired

    def business(self, request: Request, product: str, kind: str = "access") -> str:
        """Check key, gateway limits, bearer token and target environment; returns the API user."""
        self.subscription(request, product)
        # The gateway counts calls per subscription key, before any token or wallet check.
        if self.fault("quota_exceeded") is not None:
            raise wire.WireError(wire.quota_exceeded())
        if self.fault("rate_limited") is not None:
            raise wire.WireError(wire.rate_limited())
        token, error = self.accounts.check_bearer(
            request.headers.get("Authorization"), product, kind
        )
        if token is None:
            raise wire.WireError(wire.token_error(401, error))
        if request.headers.get("X-Target-Environment") != wire.TARGET_ENVIRONMENT:
            raise wire.WireError(wire.target_environment_error())
        return token.api_user

    def _provisioning(self, request: Request, rest: list[str]) -> Response:
        self.subscription(request, None)
        if not rest and request.method == "POST":
            user_id = wire.reference_id(request.headers.get("X-Reference-Id"))
            host = wire.json_object(request.body).get("providerCallbackHost")
            if not isinstance(host, str) or not wire.HOST_RE.match(host):
                raise wire.bad_request("providerCallbackHost must be a host name, not a URL.")
            if not self.accounts.create_user(user_id, host):
                return wire.duplicate_reference()
            return Response.empty(201)
        if len(rest) == 1 and request.method == "GET":
            user = self.accounts.get_user(rest[0].lower())
            if user is None:
                return wire.not_found()
            return Response.json(
                {
                    "providerCallbackHost": user.callback_host,
                    "targetEnvironment": wire.TARGET_ENVIRONMENT,
                }
            )
        if len(rest) == 2 and rest[1] == "apikey" and request.method == "POST":
            if "Content-Length" not in request.headers:
                return wire.length_required()
            key = self.accounts.new_key(rest[0].lower())
            if key is None:
                return wire.not_found()
            return Response.json({"apiKey": key}, status=201)
        return wire.apim_error(404, "Resource not found")

    def _product(self, request: Request, product: str, rest: list[str]) -> Response:
        method = request.method
        if rest == ["token"] and method == "POST":
            return self._token(request, product)
        if rest[:1] == ["oauth2"] or rest[1:2] == ["bc-authorize"]:
            return self.consent.handle(request, product, rest)
        if len(rest) < 2:
            return wire.apim_error(404, "Resource not found")
        version, resource = rest[0], rest[1]
        if method == "POST" and len(rest) == 2 and (product, version, resource) in CREATE:
            return self._create(request, product, version, resource)
        if method == "GET" and len(rest) == 3 and (product, version, resource) in STATUS:
            return self._status(request, product, version, resource, rest[2])
        if rest[1:2] == ["account"] and method == "GET" and version == "v1_0":
            return self._balance(request, product, rest[2:])
        if rest[1:2] == ["accountholder"] and method == "GET" and version == "v1_0":
            return self.consent.account_holder(request, product, rest[2:])
        if (
            product == "collection"
            and method == "POST"
            and rest[:2] == ["v1_0", "requesttopay"]
            and rest[3:] == ["deliverynotification"]
        ):
            return self._delivery_notification(request, rest[2])
        return wire.apim_error(404, "Resource not found")

    def _token(self, request: Request, product: str) -> Response:
        if "Content-Length" not in request.headers:
            return wire.length_required()
        self.subscription(request, product)
        if request.body:
            return wire.token_error(400, "invalid_request")
        user = self.accounts.check_basic(request.headers.get("Authorization"))
        if user is None:
            return wire.token_error(401, "login_failed")
        ttl = float(self.option("mtn_token_ttl", 3600.0))
        token = self.accounts.issue_token(product, user, ttl)
        return Response.json(
            {"access_token": token, "token_type": "access_token", "expires_in": int(ttl)}
        )

    def callback_url(self, request: Request, user_id: str) -> str | None:
        """The ``X-Callback-Url`` header, checked against the API user's callback host."""
        url = request.headers.get("X-Callback-Url")
        if url is None:
            return None
        user = self.accounts.get_user(user_id)
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname
        except ValueError:
            host = None
        if (
            user is None
            or not host
            or parts.scheme not in ("http", "https")
            or host.lower() != user.callback_host.lower()
        ):
            raise wire.WireError(wire.callback_host_error())
        return url.strip()

    def _create(self, request: Request, product: str, version: str, resource: str) -> Response:
        user_id = self.business(request, product)
        reference = wire.reference_id(request.headers.get("X-Reference-Id"))
        callback = self.callback_url(request, user_id)
        op = CREATE[(product, version, resource)]
        return self.payments.submit(op, version, user_id, reference, request.body, callback)

    def _status(
        self, request: Request, product: str, version: str, resource: str, ref: str
    ) -> Response:
        user_id = self.business(request, product)
        if self.fault("status_error") is not None:
            return wire.wallet_error(
                500, "INTERNAL_PROCESSING_ERROR", "An internal error occurred while processing."
            )
        reference = wire.reference_id(ref, "referenceId")
        entry = self.payments.find(STATUS[(product, version, resource)], reference, user_id)
        if entry is None:
            return wire.not_found()
        return Response.json(self.payments.status_body(entry))

    def _balance(self, request: Request, product: str, rest: list[str]) -> Response:
        user_id = self.business(request, product)
        if rest == ["balance"] or (len(rest) == 2 and rest[0] == "balance"):
            if len(rest) == 2:
                wire.currency({"currency": rest[1]})
            balance = self.payments.balance(product, user_id)
            return Response.json(
                {"availableBalance": wire.money_text(balance), "currency": wire.CURRENCY}
            )
        return wire.apim_error(404, "Resource not found")

    def _delivery_notification(self, request: Request, ref: str) -> Response:
        user_id = self.business(request, "collection")
        reference = wire.reference_id(ref, "referenceId")
        message = request.headers.get("notificationMessage")
        if request.body:
            message = wire.json_object(request.body).get("notificationMessage", message)
        if not isinstance(message, str) or not message.strip():
            raise wire.bad_request("notificationMessage is missing.")
        entry = self.payments.find(
            CREATE[("collection", "v1_0", "requesttopay")], reference, user_id
        )
        if entry is None:
            return wire.not_found()
        ledger = self.state.ledger
        with ledger.lock:
            notes = int(entry.extra.get("delivery_notifications", 0)) + 1
            ledger.update(entry, extra={**entry.extra, "delivery_notifications": notes})
        return Response.empty(200)

    # -- control API ----------------------------------------------------------------------------
    def control(self, request: Request, subpath: str) -> Response | None:
        """``/_sandbox/mtn/<subpath>`` (see the module docstring)."""
        return control(self, request, subpath)

    def configure(self, overrides: dict[str, Any]) -> None:
        """Apply run-time overrides of the ``--mtn-*`` flags (validated by the caller)."""
        with self._lock:
            self._overrides.update(overrides)

    def set_garbage(self, nxt: int, kind: str, status: int) -> None:
        """Make the next ``nxt`` provider requests answer ``kind`` garbage with ``status``."""
        with self._lock:
            self._garbage = {"next": nxt, "kind": kind, "status": status}

    def garbage(self) -> dict[str, Any]:
        """The pending garbage setting."""
        with self._lock:
            return dict(self._garbage)

    def settle(self, reference: str, status: str, reason: str | None) -> Response:
        """Force a PENDING payment to a final status (the ``settle`` control)."""
        if status not in (SUCCESSFUL, FAILED):
            return Response.json({"error": "status must be SUCCESSFUL or FAILED"}, status=400)
        entry = self.state.ledger.get("mtn", reference)
        if entry is None:
            return Response.json({"error": f"unknown reference {reference}"}, status=404)
        if entry.status != PENDING:
            return Response.json({"error": f"payment is already {entry.status}"}, status=409)
        done = self.payments.finalize(reference, status, reason)
        if done is None:
            return Response.json({"error": "payment settled meanwhile"}, status=409)
        return Response.json(done.as_dict())
