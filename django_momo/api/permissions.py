"""Who may use the API: staff or an API key, and a model permission for every money-moving POST."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from django_momo.api.errors import ApiError
from django_momo.models import ApiKey


def api_key_of(request: Request) -> ApiKey | None:
    """The API key the request authenticated with, or ``None`` (session, basic ...)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


def only_allowed_accounts(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` narrowed to the accounts the request's API key may use (if it has a list)."""
    key = api_key_of(request)
    if key is None or not key.accounts:
        return queryset
    return queryset.filter(account__in=key.accounts)


def check_account_allowed(request: Request, account: str) -> None:
    """403 when the request's API key may not use provider account ``account``."""
    key = api_key_of(request)
    if key is not None and not key.allows_account(account):
        raise ApiError(
            403,
            "account_not_allowed",
            f"API key {key.prefix} may not use account {account!r} "
            f"(it may use: {', '.join(key.accounts)})",
            field="account",
        )


def required_permissions(request: Request, view: Any) -> list[str]:
    """The permissions ``request`` needs: the view's ``required_permissions(request)``, else
    its ``create_permission`` for a POST (nothing for a read)."""
    method = getattr(view, "required_permissions", None)
    if callable(method):
        return list(method(request))
    permission = getattr(view, "create_permission", None)
    if request.method in SAFE_METHODS or permission is None:
        return []
    return [permission]


class IsStaffWithPaymentPermission(BasePermission):
    """Staff users (or API keys) holding every permission the request needs.

    The views say what a request needs through ``services.access`` (the table the admin and
    the commands use too): reading payments needs the kind's ``view_*`` permission, balances
    ``view_balance``, creating the kind's create permission, and creating without
    ``"hold": true`` the send permission as well.

    A request authenticated with an API key acts as the key's owner, who need not be staff: a
    service user for a shop's backend should not be able to log into the admin. The key was
    issued by an administrator, which is the decision staff status stands for. Its permissions
    are the owner's *and* the key's scopes: every permission the request needs must be in both.
    """

    message = "staff status is required to use the payments API"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        key = api_key_of(request)
        if key is None and not user.is_staff:
            return False
        for permission in required_permissions(request, view):
            if key is not None and permission not in key.scopes:
                self.message = (
                    f"API key {key.prefix} lacks the {permission!r} scope for this request"
                )
                return False
            if not user.has_perm(permission):
                if key is not None:
                    self.message = (
                        f"the owner of API key {key.prefix} lacks the {permission!r} permission"
                    )
                else:
                    self.message = f"the {permission!r} permission is required for this request"
                return False
        return True
