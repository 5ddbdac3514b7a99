"""Idempotency-Key: required, replayed, refused for another body, never two payments."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from django_momo.api.idempotency import LOCK_TIMEOUT, delete_expired_keys, fingerprint
from django_momo.models import IdempotencyKey, Transfer

from .conftest import assert_error, make_user, payout, post

pytestmark = pytest.mark.django_db


def test_missing_key_is_400(api: Any, sandbox_accounts: Any) -> None:
    error = assert_error(
        post(api, "transfer-list", payout(), key=None), 400, "Idempotency-Key", "required"
    )
    assert "Idempotency-Key" in error["message"]
    blank = post(api, "transfer-list", payout(), key="   ")
    assert_error(blank, 400, "Idempotency-Key", "required")
    assert Transfer.objects.count() == 0


def test_key_longer_than_255_is_400(api: Any, sandbox_accounts: Any) -> None:
    assert post(api, "transfer-list", payout(), key="k" * 255).status_code == 201
    response = post(api, "transfer-list", payout(), key="k" * 256)
    assert_error(response, 400, "Idempotency-Key", "max_length")
    assert Transfer.objects.count() == 1


def test_same_key_and_body_replays_the_first_answer(api: Any, sandbox_accounts: Any) -> None:
    body = payout()
    first = post(api, "transfer-list", body, key="replay-1")
    again = post(api, "transfer-list", dict(reversed(list(body.items()))), key="replay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Transfer.objects.count() == 1


def test_refusals_are_replayed_too(api: Any, sandbox_accounts: Any) -> None:
    body = payout(amount="1.234")
    first = post(api, "transfer-list", body, key="bad-1")
    again = post(api, "transfer-list", body, key="bad-1")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_other_body_is_422(api: Any, sandbox_accounts: Any) -> None:
    body = payout()
    assert post(api, "transfer-list", body, key="reuse-1").status_code == 201
    response = post(api, "transfer-list", {**body, "amount": "13.00"}, key="reuse-1")
    error = assert_error(response, 422, "Idempotency-Key", "idempotency_key_reused")
    assert "different body" in error["message"]
    assert Transfer.objects.count() == 1


def test_same_key_on_another_endpoint_is_422(api: Any, sandbox_accounts: Any) -> None:
    assert post(api, "transfer-list", payout(), key="ep-1").status_code == 201
    response = post(api, "collection-list", payout(), key="ep-1")
    assert_error(response, 422, "Idempotency-Key", "idempotency_key_reused")


def test_keys_belong_to_their_user(api: Any, sandbox_accounts: Any) -> None:
    other = APIClient()
    other.force_authenticate(make_user("other", perms=("add_transfer",)))
    assert post(api, "transfer-list", payout(), key="shared").status_code == 201
    response = post(other, "transfer-list", payout(), key="shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Transfer.objects.count() == 2


def test_request_in_progress_is_409(api: Any, operator: Any, sandbox_accounts: Any) -> None:
    body = payout()
    IdempotencyKey.objects.create(
        user=operator,
        key="busy",
        method="POST",
        path="/momo/api/transfers/",
        fingerprint=fingerprint(body),
        locked_at=timezone.now(),
    )
    response = post(api, "transfer-list", body, key="busy")
    assert_error(response, 409, "Idempotency-Key", "request_in_progress")
    assert Transfer.objects.count() == 0


def test_a_dead_request_is_taken_over_after_the_lock_timeout(
    api: Any, operator: Any, sandbox_accounts: Any
) -> None:
    body = payout()
    IdempotencyKey.objects.create(
        user=operator,
        key="dead",
        method="POST",
        path="/momo/api/transfers/",
        fingerprint=fingerprint(body),
        locked_at=timezone.now() - LOCK_TIMEOUT * 2,
    )
    response = post(api, "transfer-list", body, key="dead")
    assert response.status_code == 201
    record = IdempotencyKey.objects.get(key="dead")
    assert not record.in_progress
    assert record.response_status == 201


def test_expired_keys_are_deleted_after_24_hours(api: Any, sandbox_accounts: Any) -> None:
    post(api, "transfer-list", payout(), key="old")
    post(api, "transfer-list", payout(), key="young")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert delete_expired_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["young"]
    with pytest.raises(ValueError, match="at least"):
        delete_expired_keys(older_than=timedelta(hours=1))


requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
)


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_payment(sandbox_accounts: Any) -> None:
    user = make_user("racer", perms=("add_transfer", "send_transfer"))
    body = payout(hold=False)
    # Slow the provider down so that the first request is still running when the others come.
    sandbox_accounts.control.set_faults(latency_ms=300)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def call() -> None:
        api = APIClient()
        api.force_authenticate(user)
        barrier.wait()
        try:
            statuses.append(post(api, "transfer-list", body, key="race-1").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 8, statuses
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert Transfer.objects.count() == 1
    entries = sandbox_accounts.control.ledger()["entries"]
    assert len(entries) == 1
    assert sandbox_accounts.control.ledger()["violations"] == []
