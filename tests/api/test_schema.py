"""The OpenAPI 3 schema: generated without warnings, valid, served, optional."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.management.commands.spectacular import Command as SpectacularCommand
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema

from django_momo.api import schema as api_schema
from django_momo.api.schema import SCHEMA_SETTINGS

from .conftest import url

pytestmark = pytest.mark.django_db

PATHS = {
    "/momo/api/transfers/": {"get", "post"},
    "/momo/api/transfers/{id}/": {"get"},
    "/momo/api/collections/": {"get", "post"},
    "/momo/api/collections/{id}/": {"get"},
    "/momo/api/collections/{id}/refunds/": {"get", "post"},
    "/momo/api/refunds/": {"get"},
    "/momo/api/refunds/{id}/": {"get"},
    "/momo/api/transfers/{id}/decision/": {"post"},
    "/momo/api/refunds/{id}/decision/": {"post"},
    "/momo/api/accounts/": {"get"},
    "/momo/api/accounts/{name}/balance/": {"get"},
}


def generate() -> dict[str, Any]:
    """The schema as the served view builds it, failing on any generator warning or error."""
    GENERATOR_STATS.reset()
    with patched_settings(SCHEMA_SETTINGS):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    return schema  # type: ignore[no-any-return]


def test_schema_generates_without_warnings_and_is_valid_openapi3() -> None:
    schema = generate()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert {p: set(ops) - {"parameters"} for p, ops in schema["paths"].items()} == PATHS
    post = schema["paths"]["/momo/api/transfers/"]["post"]
    [key] = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header"
    assert key["required"] is True
    assert {"201", "400", "409", "422"} <= set(post["responses"])
    transfer = schema["components"]["schemas"]["Transfer"]["properties"]
    assert "request_body" not in transfer
    assert "callback_token" not in transfer
    assert (
        schema["components"]["schemas"]["TransferCreateRequest"]["properties"]["amount"]["type"]
        == "string"
    )


def test_spectacular_command_validates_with_fail_on_warn(tmp_path: Any) -> None:
    out = tmp_path / "schema.yaml"
    with patched_settings(SCHEMA_SETTINGS):
        call_command(
            SpectacularCommand(),
            "--validate",
            "--fail-on-warn",
            "--urlconf",
            "tests.urls",
            "--file",
            str(out),
        )
    assert "/momo/api/transfers/" in out.read_text()


def test_schema_is_served_to_staff(api: Any) -> None:
    response = api.get(url("schema"))
    assert response.status_code == 200
    served = response.json()
    assert set(served["paths"]) == set(PATHS)
    yaml = api.get(url("schema"), {"format": "yaml"})
    assert yaml.status_code == 200
    assert b"openapi: 3" in yaml.content


def test_without_drf_spectacular_the_route_is_absent(monkeypatch: Any) -> None:
    monkeypatch.setattr(api_schema, "HAVE_SPECTACULAR", False)
    assert api_schema.schema_view() is None
    assert api_schema.read_schema("x", api_schema.ErrorSerializer)(int) is int
