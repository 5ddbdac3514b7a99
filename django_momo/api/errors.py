"""One error format for the whole API: ``{"errors": [{"field", "code", "message"}]}``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from django_momo import services
from django_momo.conf import AccountNotFound
from django_momo.providers.base import ProviderError, TransientError
from django_momo.services.access import AccessDenied

logger = logging.getLogger("django_momo")


class ApiError(exceptions.APIException):
    """An error with an explicit field and code (used for headers and service refusals)."""

    def __init__(self, status_code: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.field = field


def error(field: str | None, code: str, message: str) -> dict[str, Any]:
    """One entry of the ``errors`` list."""
    return {"field": field, "code": code, "message": message}


def _flatten(detail: Any, prefix: str | None = None) -> Iterator[dict[str, Any]]:
    """Walk DRF's nested ``ValidationError`` detail, naming each field by its dotted path."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            path = ".".join(p for p in (prefix, name) if p) or None
            yield from _flatten(value, path)
    elif isinstance(detail, list):
        # A list of plain errors belongs to the field itself; a list of dicts to its items.
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                yield from _flatten(value, f"{prefix}.{index}" if prefix else str(index))
            else:
                yield from _flatten(value, prefix)
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield error(prefix, str(code), str(detail))


def _service_error(exc: services.ServiceError) -> ApiError:
    if isinstance(exc, services.ConflictingRequest):
        return ApiError(409, "conflict", exc.message, exc.field)
    if isinstance(exc, services.RefundExceedsCollected):
        return ApiError(400, "refund_exceeds_collected", exc.message, exc.field)
    if isinstance(exc, services.InvalidRequest):
        return ApiError(400, "invalid", exc.message, exc.field)
    if isinstance(exc, services.PaymentNotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, services.InvalidTransition):
        return ApiError(409, "invalid_transition", str(exc))
    if isinstance(exc, AccessDenied):
        return ApiError(403, "permission_denied", str(exc))
    return ApiError(400, "refused", str(exc))


def _provider_error(exc: ProviderError) -> ApiError:
    # ProviderError messages are redacted at the source; the body is left out on purpose.
    if isinstance(exc, TransientError):
        return ApiError(
            503, "provider_unavailable", f"the provider could not be reached: {exc.message}"
        )
    return ApiError(502, "provider_error", f"the provider refused the request: {exc.message}")


def as_api_exception(exc: Exception) -> Exception:
    """Translate service, settings and provider errors into DRF exceptions; others unchanged."""
    if isinstance(exc, services.ServiceError):
        return _service_error(exc)
    if isinstance(exc, AccountNotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, ProviderError):
        return _provider_error(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def error_response(exc: Exception) -> Response | None:
    """The API's answer to ``exc``, or ``None`` when it is not an expected error."""
    exc = as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    if isinstance(exc, ApiError):
        items = [error(exc.field, str(exc.detail.code), str(exc.detail))]  # type: ignore[union-attr]
    elif isinstance(exc, exceptions.ValidationError):
        items = list(_flatten(exc.detail)) or [error(None, "invalid", "invalid input")]
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        items = [error(None, str(code), str(detail))]
    return Response({"errors": items}, status=exc.status_code, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler of the django-momo API views."""
    response = error_response(exc)
    if response is not None:
        set_rollback()
        if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
            logger.warning("API provider error: %s", exc)
    return response
