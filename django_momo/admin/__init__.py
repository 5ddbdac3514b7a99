"""Django admin of django-momo: payouts, collections, refunds, their audit trail and callbacks."""

from . import callbacks, payments

__all__ = ["callbacks", "payments"]
