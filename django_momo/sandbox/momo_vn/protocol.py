"""MoMo Vietnam half of the sandbox: single disbursement (verify, balance, pay), the payment
gateway (create, refund) and query.

This module routes the paths, checks partner, fields and signature, and keeps the protocol's
state; the operations are in ``disbursement.py``, ``gateway.py`` and ``query.py``, the
idempotency rules in ``replays.py``, the payment page in ``gateway_page.py``. The contract, as a
client sees it:

Provider paths (``POST``, JSON ``application/json; charset=UTF-8``):

* ``/v2/gateway/api/disbursement/verify``: checkWallet; answers ``partnerCode, orderId, requestId,
  responseTime, message, resultCode``.
* ``/v2/gateway/api/disbursement/balance``: the merchant balance (``amount``, ``currency`` VND).
* ``/v2/gateway/api/disbursement/pay``: disburseToWallet / disburseToBank; answers ``amount,
  transId, balance`` besides the common fields, and sends a signed IPN to ``ipnUrl`` once the
  payout is final (``orderType`` ``momo_disbursement``). Responses carry no signature (MoMo
  documents none).
* ``/v2/gateway/api/query``: the current result of a payout or of a payment-gateway order by
  ``orderId``; unknown orders (and refunds' orderIds) answer 42. Not confirmed by MoMo for
  disbursements; the sandbox serves it so clients can reconcile.
* ``/v2/gateway/api/create``: a one-time payment (``requestType`` captureWallet, payWithATM,
  payWithCC, payWithMethod); answers ``payUrl, deeplink, qrCodeUrl, userFee`` besides the common
  fields and ``amount``, signed over ``accessKey, amount, orderId, partnerCode, payUrl, requestId,
  responseTime, resultCode``. See "Payment gateway" below.
* ``/v2/gateway/api/refund``: refund part or all of a paid order under a new orderId; answers
  ``amount`` and the refund's ``transId``.

Known merchant: ``presets.MOMO_PARTNER_CODE`` / ``MOMO_ACCESS_KEY`` / ``MOMO_SECRET_KEY``. Another
partnerCode answers 13 (HTTP 401). A wrong signature answers 20 with a ``subErrors`` entry for
``signature`` showing the expected raw string (accessKey masked), as MoMo does. Format problems
answer 20 (HTTP 400) with ``subErrors`` naming the field; a non-whole amount 21; an amount outside
wallet 1,000-200,000,000 / bank 20,000-20,000,000 VND answers 22. ``disbursementMethod`` that is
not base64 of one PKCS#1 v1.5 block of the sandbox key holding a JSON object answers 20 with
field ``disbursementMethod``.

Idempotency (per partnerCode + requestId, one space for verify, balance, pay, create and
refund; query is read-only):

* the byte-identical body again -> the same answer when its result code is final (MoMo's "Final
  status: Yes": 0, 99, 1001, 1007, ...; the disbursement failures 1008, 1100, 1507, 4003 too);
  a payout still pending -> HTTP 422 with 7000 (its final answer once settled); any other,
  non-final answer (41, a checkWallet 10) -> 40 (HTTP 400), as MoMo's result-code page says;
* the same requestId with a freshly encrypted body whose signed fields (other than
  ``disbursementMethod``/``signature``) and decrypted receiver are equal -> treated as the same
  request (RSA padding is random, so this is what a client that re-encrypts sends);
* anything else under a used requestId -> 40 (HTTP 400) and a ledger violation
  ``reference_reused_with_other_body``; an orderId already paid under another requestId -> 41
  (HTTP 400), even when that payout failed (MoMo does not document reuse; a new orderId is safe).
* orderIds are unique among pay, create and refund requests (one space: a pay request under an
  order's orderId answers 41, and so on); checkWallet and balance may repeat them.
* create and refund: a re-send whose fields other than ``signature`` are equal (key order,
  whitespace and ``"amount": "50000"`` vs ``50000`` do not matter) is the same request.
* Requests refused before acceptance (13, 20, 21, 22, a refund's unknown ``transId`` 42) and
  the ``error_before_booking`` 503/10
  (a failure in front of MoMo's request store) are not remembered: a re-send under the same
  requestId is processed afresh.

Magic receivers (the last four digits are the result code; any other receiver succeeds):

* wallet ``090000xxxx`` on pay: 7000 (pending, settles to 0 after ``--momo-pending-seconds``, IPN
  sent), 7002 and 9000 (pending until ``settle``), 99, 1001, 1007 (wallet missing / not linked),
  1008 (receiving limit), 1100 (merchant balance), 4001 (restricted), 4002 (not C06-verified),
  4003 (name / personal id mismatch): final failures, booked FAILED, IPN sent at once. E.g.
  ``0900007000`` -> 7000, ``0900001007`` -> 1007, ``0900000099`` -> 99.
* wallet ``090000xxxx`` on checkWallet: 10 (HTTP 503, not remembered), 99, 1007, 4001, 4002,
  4003; every other wallet answers 0.
* bank account or card number ``990000xxxx`` on pay: the same codes plus 1507; a bankCode outside
  the sandbox's list (VCB, ACB, BIDV, CTG, TCB, MB, ...) also answers 1507.
* Any payout larger than the balance answers 1100. The balance starts at
  ``presets.MOMO_OPENING_BALANCE`` and holds the amount of every successful or pending payout.

Payment gateway (developers.momo.vn/v3/docs/payment/api/wallet/onetime, .../payment-api/query,
.../payment-api/refund, .../result-handling/notification):

* create checks, after partner and signature (bad -> 20 with the expected raw string): amount a
  whole number of VND (else 21) within captureWallet / payWithCC / payWithMethod 1,000-50,000,000,
  payWithATM 10,000-50,000,000 (else 22); orderId pattern and <= 50 characters, ``ipnUrl``
  (http(s), <= 200, no spaces or unicode), ``redirectUrl`` (the same, an app link
  ``myapp://...`` or empty), a non-empty ``orderInfo`` <= 255, ``extraData`` empty or base64 of a
  JSON object, lang vi|en, any of these missing -> 20 naming it; ``autoCapture`` false -> 20
  (two-step capture is not simulated). A used orderId -> 41.
* An accepted order is booked (ledger operation ``gateway.order``, extra ``kind`` ``order``,
  status PENDING) and waits for the user: query answers 1000, ``transId`` 0, ``payType`` "".
  The ``payUrl`` is this sandbox's page ``{base}/_sandbox/momo_vn/pay/<orderId>`` (``base`` from
  the request's Host): Pay settles it to 0 (``payType`` qr, napas for payWithATM, credit for
  payWithCC, webApp for payWithMethod; ledger SUCCESSFUL), Cancel to 1006 (CANCELLED). Either
  sends the signed payment IPN (``orderType`` ``momo_wallet``, signed over accessKey, amount,
  extraData, message, orderId, orderInfo, orderType, partnerCode, payType, requestId,
  responseTime, resultCode, transId) through the callback dispatcher, so the callback settings
  (delay, duplicate, drop, reorder) apply, and answers 302 to ``redirectUrl`` with the same
  fields and signature as URL-encoded query parameters (a page with the result when
  ``redirectUrl`` is empty). A settled order's page shows its result; Pay/Cancel again -> 409.
* An order still waiting after ``order_validity_seconds`` (default 6000 = 100 minutes; MoMo's
  readable pages do not state the payUrl's lifetime) expires: 1005 (EXPIRED), IPN sent; the
  sandbox checks when the time comes and whenever the order is looked at.
* refund: ``transId`` of an order of this partner (else 42); that order not paid (cancelled,
  expired, failed) -> 1088; amount 1,000-50,000,000 (else 22; 21 if not whole), at least 10,000
  for a payWithATM order (else 22); the refunds so far plus this one above the paid amount ->
  1081 (final: remembered, nothing booked); a used orderId (the original's included) -> 41. A
  refund answers 0 with its own transId, is booked (``gateway.refund``, kind ``refund``,
  SUCCESSFUL) and is listed in the order's ``refundTrans`` (orderId, amount, resultCode,
  transId, createdTime). No IPN for refunds (MoMo documents none).
* query of an order answers ``extraData, amount, transId, payType, refundTrans, paymentOption
  (momo when paid), lastUpdated``; no response signature (MoMo documents none).

Processed requests (0, pending and final failure codes, 1000, 1081, 1088) answer HTTP 200.
Faults (``/_sandbox/faults``; each counted in ``stats`` as ``faults.<kind>``; pay, create and
refund alike): ``error_before_booking`` -> HTTP 503 resultCode 10, nothing booked or remembered;
``lost_after_booking`` -> booked, connection closed; ``status_error`` -> query answers HTTP 500
resultCode 10; ``replay_unknown`` -> a re-send (identical or re-encrypted) of a booked request
answers resultCode 99 (HTTP 200, common fields only) instead of its stored answer or 422/7000,
while the payout (order, refund), its IPN and ``settle`` go on untouched; ``refuse_order`` -> a
new request answers 41 (HTTP 400) without booking, its requestId remembered, so every re-send
answers 40. ``latency_ms`` delays every provider request (not the payment page).

Control endpoints under ``/_sandbox/momo_vn/``:

* ``GET public-key``: the sandbox's RSA public key (PEM) to encrypt ``disbursementMethod`` with.
* ``GET stats``: request and result-code counters, balance, pending payouts.
* ``GET|POST settings``: ``{"pending_seconds": float, "balance": int}`` (reset restores both).
* ``GET order?order_id=...``: one payout's state.
* ``POST settle``: ``{"order_id": ..., "result_code": 0}`` makes a pending payout final and sends
  its IPN (409 when it is final already).
* ``POST forge-ipn``: ``{"order_id": ..., "tamper": "signature"|"amount"|"missing_field"|"none",
  "url": optional}`` sends an IPN for the order with a wrong signature, a changed amount, no
  ``transId`` or untouched; answers the body sent.
* ``GET|POST settings`` also takes ``order_validity_seconds`` (for orders created afterwards).
* ``GET|POST pay/<orderId>``: the payment page (``POST`` form ``action=pay|cancel``).
* ``GET gateway/order?order_id=...``: one order's state, refunds included.
* ``POST gateway/settle``: ``{"orderId": ..., "resultCode": 0, "notify": true}`` settles a
  waiting order (0 pays, 1006 cancels, or 99, 1001-1007, 1017, 1026, 4001, 4002, 4100) and sends
  its IPN unless ``notify`` is false; 409 when it is final already.
* ``POST gateway/expire``: ``{"orderId": ..., "notify": true}`` expires a waiting order now (1005).
* ``POST gateway/forge-ipn``: ``{"orderId": ..., "tamper": ..., "url": optional}``, as
  ``forge-ipn`` for an order's payment IPN (its current result).
  (``order_id`` / ``result_code`` are accepted for ``orderId`` / ``resultCode``.)

Flags: ``--momo-key-bits 2048|4096`` (key pair used), ``--momo-pending-seconds`` (default 2.0),
``--momo-opening-balance`` (VND), ``--momo-order-validity-seconds`` (default 6000).
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from typing import Any

from .. import presets
from ..frame.app import Protocol, SandboxState
from ..frame.web import Request, Response
from . import disbursement, gateway
from .checks import Rejection, amount_present, check_common, parse_body, require_text
from .codes import PENDING_CODES, http_status, ledger_status, message
from .control import add_momo_arguments, handle_control
from .crypto import DecryptionError, SandboxKeyPair, raw_string, signature_matches
from .gateway_orders import DEFAULT_VALIDITY_SECONDS, GatewayBook, gateway_signature_matches, raw_of
from .payouts import TAMPERS, Payout, Remembered, encode_json, ipn_body, now_ms, pay_answer
from .query import query_order
from .wire import GATEWAY_OPERATIONS, JSON_TYPE, PATHS, PROVIDER, REQUIRED, answer

TRANS_ID_BASE = 3_000_000_000


class MomoVnProtocol(Protocol):
    """Simulates MoMo Vietnam's disbursement API and payment gateway for the preset merchant."""

    name = "momo_vn"

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        options = state.options
        self.key = SandboxKeyPair(int(options.get("momo_key_bits") or 2048))
        self.partner_code = presets.MOMO_PARTNER_CODE
        self._access_key = presets.MOMO_ACCESS_KEY
        self._secret_key = presets.MOMO_SECRET_KEY
        self.lock = state.ledger.lock
        self.reset()

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--momo-key-bits``, ``--momo-pending-seconds``, ``--momo-opening-balance``,
        ``--momo-order-validity-seconds``."""
        add_momo_arguments(parser)

    def reset(self) -> None:
        """Forget remembered requests, payouts, orders, counters; restore balance and settings."""
        options = self.state.options
        with self.lock:
            # Keyed by (partnerCode, requestId) and (partnerCode, orderId).
            self.records: dict[tuple[str, str], Remembered] = {}
            self.orders: dict[tuple[str, str], Payout] = {}
            self.trans_ids = itertools.count(TRANS_ID_BASE + 1)
            self.balance = int(options.get("momo_opening_balance") or presets.MOMO_OPENING_BALANCE)
            pending = options.get("momo_pending_seconds")
            self.pending_seconds = 2.0 if pending is None else float(pending)
            self.stats: Counter[str] = Counter()
            validity = options.get("momo_order_validity_seconds")
            self.gateway = GatewayBook(
                DEFAULT_VALIDITY_SECONDS if validity is None else float(validity)
            )

    def describe(self) -> dict[str, Any]:
        """Partner code, key size and paths (no secrets)."""
        return {
            "partner_code": self.partner_code,
            "key_bits": self.key.bits,
            "pending_seconds": self.pending_seconds,
            "order_validity_seconds": self.gateway.validity_seconds,
            "paths": sorted(PATHS),
        }

    # -- provider requests ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response | None:
        """Route MoMo's paths (``wire.PATHS``); anything else is not ours."""
        operation = PATHS.get(request.path.rstrip("/"))
        if operation is None:
            return None
        if request.method != "POST":
            return Response.json({"error": "method not allowed"}, status=405)
        data: dict[str, Any] = {}
        self.count(f"requests.{operation}")
        try:
            data = parse_body(request.body)
            lang = self._begin(operation, data)
            if operation == "verify":
                return disbursement.verify(self, request, data, lang)
            if operation == "balance":
                return disbursement.balance(self, request, data, lang)
            if operation == "pay":
                refused = gateway.refuse_pay_on_gateway_order(self, request, data, lang)
                if refused is not None:
                    return refused
                return disbursement.pay(self, request, data, lang)
            if operation == "create":
                return gateway.create(self, request, data, lang)
            if operation == "refund":
                return gateway.refund(self, request, data, lang)
            with self.lock:
                order = self.gateway.orders.get((data["partnerCode"], data["orderId"]))
            if order is not None:
                return gateway.query_order(self, order, data, lang)
            return query_order(self, data, lang)
        except Rejection as rejection:
            return self._reject(data, rejection)

    def _begin(self, operation: str, data: dict[str, Any]) -> str:
        """Partner, required fields, signature, ids and lang; returns the lang."""
        require_text(data, "partnerCode")
        if data["partnerCode"] != self.partner_code:
            raise Rejection(13, "partnerCode", "Unknown partnerCode.")
        require_text(data, *REQUIRED[operation])
        if operation in ("pay", "create", "refund"):
            amount_present(data)
        if operation in ("pay", "create"):
            require_text(data, "extraData", "orderInfo", allow_empty=True)
        if operation == "create":
            require_text(data, "redirectUrl", allow_empty=True)
        if operation == "refund" and data.get("transId") is None:
            raise Rejection(20, "transId", "transId is required.")
        if operation in GATEWAY_OPERATIONS:
            good = gateway_signature_matches(operation, data, self._access_key, self._secret_key)
        else:  # query's raw string is the same for payouts and orders
            good = signature_matches(operation, data, self._access_key, self._secret_key)
        if not good:
            self.count("bad_signatures")
            if operation in GATEWAY_OPERATIONS:
                raw = raw_of(operation, data, "$accessKey")
            else:
                raw = raw_string(operation, data, "$accessKey")
            raise Rejection(
                20,
                "signature",
                "Chữ ký không hợp lệ. Vui lòng kiểm tra dữ liệu gốc trước khi mã hóa : " + raw,
            )
        return check_common(data)

    def _reject(self, data: dict[str, Any], rejection: Rejection) -> Response:
        code = rejection.code
        self.count(f"result.{code}")
        lang = data.get("lang") if data.get("lang") in ("vi", "en") else "en"
        body = self.base_body(data, code, str(lang))
        if rejection.sub_errors:
            body["subErrors"] = rejection.sub_errors
        return answer(body, http_status(code))

    def base_body(self, data: dict[str, Any], code: int, lang: str) -> dict[str, Any]:
        """The common answer fields: the request's ids, ``responseTime``, message, resultCode."""
        body: dict[str, Any] = {}
        for name in ("partnerCode", "orderId", "requestId"):
            if isinstance(data.get(name), str):
                body[name] = data[name]
        body.update(responseTime=now_ms(), message=message(code, lang), resultCode=code)
        return body

    def signing_keys(self) -> tuple[str, str]:
        """The preset merchant's (accessKey, secretKey), for the gateway's signed answers."""
        return self._access_key, self._secret_key

    def decrypt(self, data: dict[str, Any]) -> dict[str, Any]:
        """The decrypted ``disbursementMethod``; 20 when it does not decrypt to a JSON object."""
        try:
            return self.key.decrypt_json(data["disbursementMethod"])
        except DecryptionError as exc:
            self.count("undecryptable")
            raise Rejection(20, "disbursementMethod", str(exc)) from exc

    # -- settling and IPNs ---------------------------------------------------------------------
    def settle(self, payout: Payout, code: int) -> bool:
        """Make a pending payout final with ``code`` and send its IPN; False if already final."""
        with self.lock:
            if payout.result_code not in PENDING_CODES:
                return False
            if self.orders.get((payout.partner_code, payout.order_id)) is not payout:
                return False  # forgotten by a reset
            status = ledger_status(code)
            payout.result_code = code
            payout.last_updated = now_ms()
            self.state.ledger.update(
                payout.entry,
                status=status,
                reason=None if status != "FAILED" else str(code),
                extra=dict(payout.entry.extra, resultCode=code),
            )
            if status == "FAILED":
                self.balance += payout.amount
            record = self.records.get((payout.partner_code, payout.request_id))
            if record is not None:
                record.answer = pay_answer(payout, self.balance)
                record.status = 200
            self.count(f"settled.{code}")
            self.send_ipn(payout)
        return True

    def settle_quietly(self, payout: Payout) -> None:
        """Settle a 7000 payout to success (the scheduled callback after ``pending_seconds``)."""
        self.settle(payout, 0)

    def send_ipn(
        self, payout: Payout, tamper: str = "none", url: str | None = None, forged: bool = False
    ) -> bytes:
        """Send the payout's signed IPN to its ``ipnUrl`` (or ``url``); returns the body sent."""
        # Forged IPNs skip the callback misbehaviour settings: a test asks for exactly one.
        body = encode_json(ipn_body(payout, self._access_key, self._secret_key, tamper))
        self.count("ipn_forged" if forged else "ipn_sent")
        self.state.callbacks.send(
            url or payout.ipn_url,
            body=body,
            method="POST",
            headers={"Content-Type": JSON_TYPE},
            provider=PROVIDER,
            reference=payout.request_id,
            apply_faults=not forged,
        )
        return body

    def count(self, name: str) -> None:
        """Add one to the ``stats`` counter ``name``."""
        with self.lock:
            self.stats[name] += 1

    # -- control API ---------------------------------------------------------------------------
    def control(self, request: Request, subpath: str) -> Response | None:
        """``public-key``, ``stats``, ``settings``, ``order``, ``settle``, ``forge-ipn``, the
        payment page ``pay/<orderId>`` and ``gateway/...`` (``gateway_control.py``)."""
        return handle_control(self, request, subpath)

    def find_order(self, order_id: str) -> Payout | None:
        """The payout of the preset partner with this orderId."""
        with self.lock:
            return self.orders.get((self.partner_code, order_id))

    def forge_ipn(self, payout: Payout, tamper: str, url: str | None) -> bytes:
        """Send a (possibly tampered) IPN for ``payout``; returns the body sent."""
        if tamper not in TAMPERS:
            raise ValueError(f"tamper must be one of {', '.join(TAMPERS)}")
        with self.lock:
            return self.send_ipn(payout, tamper, url, forged=True)
