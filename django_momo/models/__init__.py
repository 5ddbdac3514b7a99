"""The records of django-momo: payments first, HTTP calls second."""

from .audit import StatusChange
from .callbacks import Callback, CallbackVerdict
from .idempotency import IdempotencyKey
from .payments import (
    FINAL_STATUSES,
    Collection,
    CollectionOperation,
    PartyType,
    Payment,
    PaymentStatus,
    Provider,
    Refund,
    Transfer,
    TransferOperation,
)

__all__ = [
    "FINAL_STATUSES",
    "Callback",
    "CallbackVerdict",
    "Collection",
    "CollectionOperation",
    "IdempotencyKey",
    "PartyType",
    "Payment",
    "PaymentStatus",
    "Provider",
    "Refund",
    "StatusChange",
    "Transfer",
    "TransferOperation",
]
