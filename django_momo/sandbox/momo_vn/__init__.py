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
"""

from .protocol import MomoVnProtocol

__all__ = ["MomoVnProtocol"]
