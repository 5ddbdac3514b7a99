"""A payout whose enqueue was lost (broker down) is sent when the shop repeats its request."""

from __future__ import annotations

from typing import Any

import pytest

from django_momo.models import Transfer
from tests.settings import _IMMEDIATE

from .conftest import payout, post

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_repeated_request_re_enqueues_a_payout_whose_enqueue_was_lost(
    api: Any, sandbox_accounts: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "tests.broker.BrokerDown"}}
    body = payout(hold=False)
    first = post(api, "transfer-list", body, key="lost-1")
    assert first.status_code == 201, first.content
    transfer = Transfer.objects.get(pk=first.json()["id"])
    assert transfer.status == "created"
    assert transfer.held is False  # meant to be sent: the sweep would find it too
    settings.TASKS = {"default": {"BACKEND": _IMMEDIATE}}
    again = post(api, "transfer-list", body, key="lost-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    transfer.refresh_from_db()
    assert transfer.status in ("pending", "successful")
    ledger = sandbox_accounts.control.ledger("mtn")["entries"]
    assert [e["reference"] for e in ledger] == [transfer.reference]


def test_a_held_payout_is_not_sent_by_a_repeated_request(api: Any, sandbox_accounts: Any) -> None:
    body = payout(hold=True)
    first = post(api, "transfer-list", body, key="held-1")
    assert first.status_code == 201
    post(api, "transfer-list", body, key="held-1")
    transfer = Transfer.objects.get(pk=first.json()["id"])
    assert transfer.status == "created"
    assert transfer.held is True
    assert sandbox_accounts.control.ledger("mtn")["entries"] == []


def test_a_refund_without_external_id_takes_one_from_the_idempotency_key(
    api: Any, sandbox_accounts: Any
) -> None:
    from django_momo import services
    from django_momo.models import Refund

    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id="46733123459",
        amount="40",
        external_id="col-idem",
        actor="test",
    )
    services.send_collection(collection.pk, actor="t")
    services.refresh_collection(collection.pk, actor="t")
    body = {"amount": "10", "hold": True}
    first = post(api, "collection-refunds", body, key="rf-key-1", pk=collection.pk)
    assert first.status_code == 201, first.content
    # The stored answer is lost (e.g. purged); the same key still finds the same refund.
    from django_momo.models import IdempotencyKey

    IdempotencyKey.objects.all().delete()
    again = post(api, "collection-refunds", body, key="rf-key-1", pk=collection.pk)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Refund.objects.count() == 1
    assert Refund.objects.get().external_id.startswith("refund-")
