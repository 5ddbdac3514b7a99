"""Django admin of django-momo: payouts, collections, refunds, their audit trail and callbacks."""

from . import api_keys, batches, callbacks, payments

__all__ = ["api_keys", "batches", "callbacks", "payments"]
