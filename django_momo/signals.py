"""Signals sent once per final transition of a payment, after the transaction commits.

Receivers get ``sender`` (the model class) and ``payment`` (the instance, as committed)::

    @receiver(transfer_succeeded)
    def mark_order_paid(sender, payment, **kwargs): ...
"""

from __future__ import annotations

from django.dispatch import Signal

transfer_succeeded = Signal()
transfer_failed = Signal()
collection_succeeded = Signal()
collection_failed = Signal()
refund_succeeded = Signal()
refund_failed = Signal()
# Sent when an unresolved payment is flagged for an operator (``payment.attention`` says why:
# "overdue", "stopped" or "mismatch"), once per flag, after the transaction commits.
payment_needs_attention = Signal()

__all__ = [
    "collection_failed",
    "collection_succeeded",
    "payment_needs_attention",
    "refund_failed",
    "refund_succeeded",
    "transfer_failed",
    "transfer_succeeded",
]
