"""The MoMo Vietnam half of the sandbox (documented in ``protocol.py``).

* ``protocol``: ``MomoVnProtocol``, routing, the common checks, settling and IPNs.
* ``disbursement``: the verify (checkWallet), balance and pay operations.
* ``query``: the query of a payout by orderId.
* ``replays``: idempotency, what a re-used requestId is answered.
* ``payouts``: remembered requests and payouts, the pay answer and the IPN body.
* ``checks``: request validation; ``codes``: result codes, messages and magic numbers.
* ``crypto``: signatures and ``disbursementMethod`` decryption.
* ``control``: the control endpoints under ``/_sandbox/momo_vn/``.
* ``wire``: paths, required fields and JSON answers.
* ``gateway``: the payment gateway v2 (create, query of an order, refund);
  ``gateway_orders``: its orders and refunds; ``gateway_page``: the payment page at the payUrl
  (Pay / Cancel, then the signed IPN and the redirect); ``gateway_control``: its control
  endpoints (settle, expire, forge an IPN).
"""

from .protocol import MomoVnProtocol

__all__ = ["MomoVnProtocol"]
