"""The use cases of django-momo: the only code that changes a payment's status.

Admin, API, callback views, tasks and commands are thin shells over these functions. Every
function validates its input and raises a ``ServiceError`` subclass, changing nothing, when it
refuses. Sending is two-phase (see ``lifecycle``); every status change is a compare-and-set with
its ``StatusChange`` row in the same transaction (see ``transitions``). What each provider's
answers mean lives in one adapter per provider (``services/adapters/``).

Test hooks (``services.crash``) are not part of this public surface.
"""

from django_momo.services.approvals import awaiting_approval, decide, valid_approvals
from django_momo.services.attention import (
    flag,
    flag_overdue,
    needing_attention,
    resolve_manually,
)
from django_momo.services.balances import get_balance
from django_momo.services.callback_urls import callback_url
from django_momo.services.callbacks import apply_momo_ipn, handle_mtn_callback
from django_momo.services.collections import (
    cancel_collection,
    refresh_collection,
    request_payment,
    send_collection,
)
from django_momo.services.errors import (
    CallbackMismatch,
    ConflictingRequest,
    InvalidRequest,
    InvalidTransition,
    PaymentNotFound,
    RefundExceedsCollected,
    ServiceError,
)
from django_momo.services.lifecycle import refresh_payment, release_for_sending, send_payment
from django_momo.services.reconcile import ReconcileSummary, due_for_check, reconcile
from django_momo.services.refunds import (
    cancel_refund,
    create_refund,
    refresh_refund,
    refundable_amount,
    send_refund,
)
from django_momo.services.transfers import (
    cancel_transfer,
    create_transfer,
    refresh_transfer,
    retry_transfer,
    send_transfer,
)
from django_momo.services.transitions import ALLOWED, is_allowed

__all__ = [
    "ALLOWED",
    "CallbackMismatch",
    "ConflictingRequest",
    "InvalidRequest",
    "InvalidTransition",
    "PaymentNotFound",
    "ReconcileSummary",
    "RefundExceedsCollected",
    "ServiceError",
    "apply_momo_ipn",
    "awaiting_approval",
    "callback_url",
    "cancel_collection",
    "cancel_refund",
    "cancel_transfer",
    "create_refund",
    "create_transfer",
    "decide",
    "due_for_check",
    "flag",
    "flag_overdue",
    "get_balance",
    "handle_mtn_callback",
    "is_allowed",
    "needing_attention",
    "reconcile",
    "refresh_collection",
    "refresh_payment",
    "refresh_refund",
    "refresh_transfer",
    "refundable_amount",
    "release_for_sending",
    "request_payment",
    "resolve_manually",
    "retry_transfer",
    "send_collection",
    "send_payment",
    "send_refund",
    "send_transfer",
    "valid_approvals",
]
