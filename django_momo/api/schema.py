"""OpenAPI 3 description of the API, when drf-spectacular is installed (optional).

Without drf-spectacular the decorators below do nothing and ``api/schema/`` is not routed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from django_momo.api.serializers import ErrorSerializer, PaymentFilterSerializer

try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import (
        OpenApiParameter,
        OpenApiResponse,
        extend_schema,
    )

    HAVE_SPECTACULAR = True
except ImportError:  # pragma: no cover - exercised only without the optional dependency
    HAVE_SPECTACULAR = False

API_MODULE_PREFIX = "django_momo.api"

# Settings the served schema is generated with (drf-spectacular's own names).
SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "django-momo payments API",
    "DESCRIPTION": (
        "Create and follow payouts, payment requests and refunds. Every POST needs an "
        'Idempotency-Key header; every error answer is {"errors": [{field, code, message}]}.'
    ),
    "VERSION": "1",
    "PREPROCESSING_HOOKS": ["django_momo.api.schema.only_momo_endpoints"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PaymentStatusEnum": "django_momo.models.PaymentStatus",
        "PartyTypeEnum": "django_momo.models.PartyType",
        "ProviderEnum": "django_momo.models.Provider",
        "TransferOperationEnum": "django_momo.models.TransferOperation",
        "CollectionOperationEnum": "django_momo.models.CollectionOperation",
        "RefundOperationEnum": "django_momo.models.payments.RefundOperation",
    },
}


if HAVE_SPECTACULAR:

    class ApiKeyScheme(OpenApiAuthenticationExtension):
        """The ``Authorization: Api-Key <key>`` scheme in the schema's security section."""

        target_class = "django_momo.api.authentication.ApiKeyAuthentication"
        name = "ApiKeyAuth"

        def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": 'An API key as "Api-Key mk_live_<id>.<secret>".',
            }


def only_momo_endpoints(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """Keep this app's views only, whatever else the project routes."""
    kept = []
    for endpoint in endpoints:
        view = getattr(endpoint[3], "cls", None)
        module = getattr(view, "__module__", "")
        if module.startswith(API_MODULE_PREFIX) and not getattr(view, "is_schema_view", False):
            kept.append(endpoint)
    return kept


def auto_schema() -> Any:
    """drf-spectacular's inspector for the API views (whatever DEFAULT_SCHEMA_CLASS says)."""
    if not HAVE_SPECTACULAR:
        from rest_framework.schemas import DefaultSchema

        return DefaultSchema()
    from drf_spectacular.openapi import AutoSchema

    return AutoSchema()


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorSerializer for code in codes}


READ_ERRORS = (400, 401, 403, 404, 429)
CREATE_ERRORS = (400, 401, 403, 404, 409, 415, 422, 429)


def read_schema(
    tag: str,
    serializer: type[serializers.Serializer],
    *,
    filters: bool = False,
    many: bool = False,
    provider_errors: bool = False,
) -> Callable[[type], type]:
    """Describe a view's GET: its answer, list filters and error answers."""

    def decorate(view: type) -> type:
        if not HAVE_SPECTACULAR:
            return view
        ok: Any = serializer(many=True) if many else serializer
        responses: dict[int, Any] = {200: ok, **_errors(*READ_ERRORS)}
        if provider_errors:
            responses.update(_errors(502, 503))
        # Applied to the class (not its method) so that it extends the view's own AutoSchema.
        return extend_schema(  # type: ignore[no-any-return]
            methods=["GET"],
            tags=[tag],
            parameters=[PaymentFilterSerializer] if filters else None,
            responses=responses,
        )(view)

    return decorate


def create_schema(
    tag: str,
    request: type[serializers.Serializer],
    response: type[serializers.Serializer],
    *,
    creates: bool = True,
) -> Callable[[type], type]:
    """Describe a view's POST: the body, the Idempotency-Key header and every answer.

    ``creates=False`` for a POST that acts on an existing payment (a decision): 200, no 201.
    """

    def decorate(view: type) -> type:
        if not HAVE_SPECTACULAR:
            return view
        replayed = OpenApiParameter(
            "Idempotent-Replayed",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="true when this answer is the replay of an earlier request",
            response=True,
        )
        return extend_schema(  # type: ignore[no-any-return]
            methods=["POST"],
            tags=[tag],
            request=request,
            parameters=[
                OpenApiParameter(
                    "Idempotency-Key",
                    {"type": "string", "minLength": 1, "maxLength": 255},
                    OpenApiParameter.HEADER,
                    required=True,
                    description="Any unique string (e.g. a UUID); the same key and body "
                    "replay the first answer, another body is refused (422).",
                ),
                replayed,
            ],
            responses=(
                {
                    201: OpenApiResponse(response, description="created"),
                    200: OpenApiResponse(response, description="already created earlier"),
                }
                if creates
                else {200: OpenApiResponse(response, description="the payment after it")}
            )
            | _errors(*CREATE_ERRORS),
        )(view)

    return decorate


def schema_view() -> Any:
    """The view serving the schema, or ``None`` without drf-spectacular."""
    if not HAVE_SPECTACULAR:
        return None
    from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
    from drf_spectacular.views import SpectacularAPIView

    from django_momo.api.authentication import with_api_keys
    from django_momo.api.errors import exception_handler
    from django_momo.api.permissions import IsStaffWithPaymentPermission

    class MomoSchemaView(SpectacularAPIView):
        """The OpenAPI 3 schema of this API (staff only, like the API itself)."""

        permission_classes = [IsStaffWithPaymentPermission]
        custom_settings = SCHEMA_SETTINGS
        # JSON first: the default answer (and every error) is JSON; ?format=yaml gives YAML.
        renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
        is_schema_view = True

        def get_authenticators(self) -> list[Any]:
            return [auth() for auth in with_api_keys(self.authentication_classes)]

        def get_exception_handler(self) -> Any:
            return exception_handler

    return MomoSchemaView.as_view()
