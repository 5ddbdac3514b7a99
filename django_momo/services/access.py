"""Who may do what: one named permission per action and kind, the same on every face.

The admin, the REST API and the management commands ask this module, never ``has_perm`` with a
codename of their own, so a face cannot check a different permission than another face for the
same action. ``require`` raises ``AccessDenied`` (a ``ServiceError``) naming the permission.
"""

from __future__ import annotations

import enum
from typing import Any

from django_momo.models.kinds import KINDS as PAYMENT_KINDS
from django_momo.services.errors import ServiceError


class Action(enum.StrEnum):
    """Everything a person can do to a payment (or see about an account)."""

    VIEW = "view"
    CREATE = "create"
    SEND = "send"
    REFRESH = "refresh"
    CANCEL = "cancel"
    RETRY = "retry"
    REFUND = "refund"
    RESOLVE = "resolve"
    APPROVE = "approve"
    VIEW_BALANCE = "view_balance"


# The payment kinds (``models.kinds``), each with its row of permissions below.
KINDS = tuple(PAYMENT_KINDS)
# Provider accounts are not a model: their balances have a permission of their own.
ACCOUNT = "account"
# Bulk payouts (``models.PayoutBatch``): upload (create held payouts), send, approve as a unit.
BATCH = "payoutbatch"

# (kind, action) -> the permission, as ``app_label.codename``.
PERMISSIONS: dict[tuple[str, str], str] = {
    ("transfer", Action.VIEW): "django_momo.view_transfer",
    ("transfer", Action.CREATE): "django_momo.add_transfer",
    ("transfer", Action.SEND): "django_momo.send_transfer",
    ("transfer", Action.REFRESH): "django_momo.refresh_transfer",
    ("transfer", Action.CANCEL): "django_momo.cancel_transfer",
    ("transfer", Action.RETRY): "django_momo.retry_transfer",
    ("transfer", Action.RESOLVE): "django_momo.resolve_transfer",
    ("transfer", Action.APPROVE): "django_momo.approve_transfer",
    ("collection", Action.VIEW): "django_momo.view_collection",
    ("collection", Action.CREATE): "django_momo.request_collection",
    ("collection", Action.SEND): "django_momo.send_collection",
    ("collection", Action.REFRESH): "django_momo.refresh_collection",
    ("collection", Action.CANCEL): "django_momo.cancel_collection",
    ("collection", Action.REFUND): "django_momo.refund_collection",
    ("collection", Action.RESOLVE): "django_momo.resolve_collection",
    ("refund", Action.VIEW): "django_momo.view_refund",
    ("refund", Action.CREATE): "django_momo.refund_collection",
    ("refund", Action.SEND): "django_momo.send_refund",
    ("refund", Action.REFRESH): "django_momo.refresh_refund",
    ("refund", Action.CANCEL): "django_momo.cancel_refund",
    ("refund", Action.RESOLVE): "django_momo.resolve_refund",
    ("refund", Action.APPROVE): "django_momo.approve_refund",
    (ACCOUNT, Action.VIEW_BALANCE): "django_momo.view_balance",
    (BATCH, Action.VIEW): "django_momo.view_payoutbatch",
    (BATCH, Action.CREATE): "django_momo.upload_batch",
    (BATCH, Action.SEND): "django_momo.send_batch",
    (BATCH, Action.APPROVE): "django_momo.approve_batch",
}
# How a kind is named in a refusal ("to send payout batches"); default: the kind plus "s".
_PLURALS = {BATCH: "payout batches"}


class AccessDenied(ServiceError, PermissionError):
    """The user lacks the permission of this action; nothing was done."""

    def __init__(self, permission: str, what: str) -> None:
        super().__init__(f"the {permission!r} permission is required to {what}")
        self.permission = permission


def kind_of(model: Any) -> str:
    """``"transfer"``, ``"collection"`` or ``"refund"`` for a payment model (or instance);
    ``"account"`` for the provider accounts; ``"payoutbatch"`` for bulk payouts."""
    name = getattr(getattr(model, "_meta", None), "model_name", None) or str(model)
    if name not in (*KINDS, ACCOUNT, BATCH):
        raise ValueError(f"{name!r} is not a django-momo payment kind")
    return name


def permission_for(model: Any, action: str) -> str:
    """The permission of ``action`` on ``model``'s kind; ``ValueError`` if there is none."""
    kind = kind_of(model)
    try:
        return PERMISSIONS[(kind, Action(action))]
    except (KeyError, ValueError):
        raise ValueError(f"{kind}s have no {action!r} action") from None


def can(user: Any, model: Any, action: str) -> bool:
    """Whether ``user`` (active, authenticated) holds the permission of ``action``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", True):
        return False
    return bool(user.has_perm(permission_for(model, action)))


def require(user: Any, model: Any, action: str) -> None:
    """Raise ``AccessDenied`` unless ``user`` may do ``action`` on ``model``'s kind."""
    if not can(user, model, action):
        kind = kind_of(model)
        plural = _PLURALS.get(kind, f"{kind}s")
        raise AccessDenied(permission_for(model, action), f"{action.replace('_', ' ')} {plural}")
