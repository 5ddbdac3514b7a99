"""Who may use the API: staff only, and a model permission for every money-moving POST."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class IsStaffWithPaymentPermission(BasePermission):
    """Staff users may read; POST also needs the view's ``create_permission``.

    Views name it as ``create_permission`` (``"django_momo.add_transfer"``,
    ``"django_momo.request_collection"``, ``"django_momo.refund_collection"``). Subclass and
    list it in a view's ``permission_classes`` to change the policy.
    """

    message = "staff status is required to use the payments API"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        if request.method in SAFE_METHODS:
            return True
        permission = getattr(view, "create_permission", None)
        if permission is None or user.has_perm(permission):
            return True
        self.message = f"the {permission!r} permission is required for this request"
        return False
