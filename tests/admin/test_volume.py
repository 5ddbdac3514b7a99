"""The changelists stay cheap as tables grow: the number of queries does not grow with rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from django_momo.admin.payments import CollectionAdmin, RefundAdmin, TransferAdmin
from django_momo.models import Collection, PaymentStatus, Refund, StatusChange, Transfer

from .conftest import make_user

pytestmark = pytest.mark.django_db


def add_payments(count: int, start: int) -> None:
    """``count`` payouts, collections and refunds, each with a creator and an audit row."""
    user = make_user(f"maker{start}")
    base = {
        "account": "mtn",
        "provider": "mtn",
        "party_type": "MSISDN",
        "currency": "EUR",
        "amount": Decimal("3.00"),
        "created_by": user,
    }
    transfers = Transfer.objects.bulk_create(
        Transfer(
            **base,
            operation="mtn.disbursement.transfer",
            party_id=f"2567{start + i:08d}",
            external_id=f"t-{start + i}",
            reference=f"t-ref-{start + i}",
        )
        for i in range(count)
    )
    collections = Collection.objects.bulk_create(
        Collection(
            **base,
            operation="mtn.collection.request_to_pay",
            status="successful",
            party_id=f"2568{start + i:08d}",
            external_id=f"c-{start + i}",
            reference=f"c-ref-{start + i}",
        )
        for i in range(count)
    )
    Refund.objects.bulk_create(
        Refund(
            **base,
            collection=c,
            party_id=c.party_id,
            external_id=f"r-{start + i}",
            reference=f"r-ref-{start + i}",
        )
        for i, c in enumerate(collections)
    )
    StatusChange.objects.bulk_create(
        StatusChange(transfer=t, to_status=PaymentStatus.CREATED, actor="test") for t in transfers
    )


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/django_momo/transfer/",
        "/admin/django_momo/collection/",
        "/admin/django_momo/refund/",
        "/admin/django_momo/statuschange/",
    ],
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client: Client, settings: Any, url: str
) -> None:
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "ACCOUNTS": {}}  # no balance calls
    add_payments(10, 0)
    few = queries_for(admin_client, url)
    add_payments(190, 10)
    many = queries_for(admin_client, url)
    assert many <= few, (few, many)
    assert few <= 12


def test_volume_settings() -> None:
    for admin_class in (TransferAdmin, CollectionAdmin, RefundAdmin):
        assert admin_class.show_full_result_count is False
        assert admin_class.date_hierarchy is None
        assert admin_class.list_select_related
