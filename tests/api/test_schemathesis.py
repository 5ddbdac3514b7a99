"""Property-based run of the API's OpenAPI schema (schemathesis over WSGI, in process).

Every operation gets generated requests (valid and invalid); no answer may be a 5xx, and every
answer must match the schema: documented status, content type, headers and body shape.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import patched_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from django_momo import services
from django_momo.api.schema import SCHEMA_SETTINGS
from django_momo.models import Collection, PaymentStatus
from django_momo.sandbox.control import SandboxHandle

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
AUTH = {"Authorization": "Basic " + base64.b64encode(b"fuzzer:fuzz-pw").decode()}


def _served_schema() -> dict[str, Any]:
    """The document ``/momo/api/schema/`` serves (same generator, same settings)."""
    with patched_settings(SCHEMA_SETTINGS):
        document = SchemaGenerator(urlconf="tests.urls").get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))  # type: ignore[no-any-return]


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = WSGIHandler()


@dataclass
class Stock:
    """Records that exist, so that generated ids and names sometimes hit real ones."""

    ids: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def stock(transactional_db: Any, sandbox_accounts: SandboxHandle) -> Stock:
    """A superuser for the generated requests, accounts on the sandbox, a few payments."""
    User.objects.create_superuser("fuzzer", password="fuzz-pw")
    transfer, _ = services.create_transfer(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id="256700000001",
        amount="10",
        external_id="stock-t",
        actor="test",
    )
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id="256700000002",
        amount="1000000",
        external_id="stock-c",
        actor="test",
    )
    Collection.objects.filter(pk=collection.pk).update(status=PaymentStatus.SUCCESSFUL)
    refund = services.create_refund(
        collection.pk, amount="1", external_id="schema-rf-1", actor="test"
    )
    return Stock(
        {
            "transfers": [transfer.pk],
            "collections": [collection.pk],
            "refunds": [refund.pk],
        }
    )


VALID_PARTIES = {
    "/momo/api/transfers/": [
        {"account": "mtn", "operation": "mtn.disbursement.transfer", "party_id": "256771234567"},
        {
            "account": "momo",
            "operation": "momo_vn.pay_wallet",
            "party_id": "0912345678",
            "party_name": "NGUYEN VAN A",
            "party_type": "MOMO_WALLET",
        },
    ],
    "/momo/api/collections/": [
        {
            "account": "mtn",
            "operation": "mtn.collection.request_to_pay",
            "party_id": "256771234568",
        },
    ],
}


def steer(case: Any, stock: Stock) -> None:
    """Point part of the generated requests at real records, accounts and parties.

    Pure generation almost never guesses an existing id, a configured account or a valid
    phone number, and would reuse idempotency keys across bodies; steering some cases
    reaches the code behind those checks too (creation, sends, refunds, balances).
    """
    rnd = random.Random(repr((case.method, case.path, case.path_parameters, case.body, case.query)))
    params = case.path_parameters or {}
    if "id" in params and rnd.random() < 0.6:
        kind = case.path.split("/")[3]
        params["id"] = rnd.choice(stock.ids[kind])
    if "name" in params and rnd.random() < 0.6:
        params["name"] = rnd.choice(["mtn", "momo"])
    if case.headers and "Idempotency-Key" in case.headers and rnd.random() < 0.9:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    choices = VALID_PARTIES.get(case.path)
    if case.method == "POST" and choices and isinstance(case.body, dict) and rnd.random() < 0.6:
        case.body.update(rnd.choice(choices))
        case.body.pop("currency", None)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_match_the_schema(case: Any, stock: Stock) -> None:
    steer(case, stock)
    case.call_and_validate(headers=AUTH, checks=CHECKS)
