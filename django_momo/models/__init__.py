"""The records of django-momo: payments first, HTTP calls second."""

from .api_keys import ApiKey
from .approvals import Approval, ApprovalDecision
from .audit import StatusChange
from .batches import (
    BatchStatus,
    PayoutBatch,
    PayoutBatchApproval,
    PayoutBatchEvent,
    PayoutBatchRow,
)
from .callbacks import Callback, CallbackVerdict
from .idempotency import IdempotencyKey
from .kinds import KINDS, PAYMENT_MODELS, PaymentKind, kind_of
from .payments import (
    CHECKS_STOPPED,
    FINAL_STATUSES,
    UNRESOLVED_STATUSES,
    Attention,
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
from .references import ExternalIdClaim

__all__ = [
    "CHECKS_STOPPED",
    "FINAL_STATUSES",
    "KINDS",
    "PAYMENT_MODELS",
    "UNRESOLVED_STATUSES",
    "ApiKey",
    "Approval",
    "ApprovalDecision",
    "Attention",
    "BatchStatus",
    "Callback",
    "CallbackVerdict",
    "Collection",
    "CollectionOperation",
    "ExternalIdClaim",
    "IdempotencyKey",
    "PartyType",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "PayoutBatch",
    "PayoutBatchApproval",
    "PayoutBatchEvent",
    "PayoutBatchRow",
    "Provider",
    "Refund",
    "StatusChange",
    "Transfer",
    "TransferOperation",
    "kind_of",
]
