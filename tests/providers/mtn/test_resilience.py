"""Never pay twice: 409s, lost responses, 5xx retries, token caching and the 401 refresh."""

from __future__ import annotations

import threading

import pytest

from django_momo.providers.base import (
    AuthenticationError,
    InMemoryTokenStore,
    NotFoundError,
    SubmissionState,
    TransientError,
)
from django_momo.providers.mtn import CollectionClient, DisbursementClient, TransactionStatus
from django_momo.providers.mtn.tokens import AccessToken
from django_momo.sandbox.control import SandboxControl, SandboxHandle

from .conftest import MakeClient, new_ref

NOTE = {"payer_message": "Payout 7", "payee_note": "Payout 7"}


def tokens_issued(control: SandboxControl) -> int:
    return int(control.get("/_sandbox/mtn/stats")["token_issuances_total"])


def transfer(client: DisbursementClient, ref: str, payee: str = "46733000201") -> SubmissionState:
    sub = client.transfer(ref, amount="7", payee=payee, external_id=f"x-{ref[:8]}", **NOTE)
    return sub.state


def test_resubmitting_a_reference_is_already_booked_not_an_error(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    ref = new_ref()
    assert transfer(disbursement, ref) is SubmissionState.ACCEPTED
    assert transfer(disbursement, ref) is SubmissionState.ALREADY_BOOKED
    ledger = momo_sandbox.control.ledger()
    assert len(ledger["entries"]) == 1
    assert ledger["violations"] == []


def test_lost_response_after_booking_is_retried_under_the_same_reference(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "mtn"})
    ref = new_ref()
    assert transfer(disbursement, ref) is SubmissionState.ALREADY_BOOKED
    ledger = momo_sandbox.control.ledger()
    assert [e["reference"] for e in ledger["entries"]] == [ref]
    assert ledger["violations"] == []
    assert disbursement.get_transfer_status(ref).status is TransactionStatus.SUCCESSFUL


def test_error_before_booking_is_retried_and_books_once(
    collection: CollectionClient, momo_sandbox: SandboxHandle
) -> None:
    momo_sandbox.control.set_faults(error_before_booking={"next": 2, "provider": "mtn"})
    ref = new_ref()
    sub = collection.request_to_pay(ref, amount="2", payer="46733000202", external_id="e", **NOTE)
    assert sub.state is SubmissionState.ACCEPTED
    ledger = momo_sandbox.control.ledger()
    assert [e["reference"] for e in ledger["entries"]] == [ref]
    assert ledger["violations"] == []


def test_every_attempt_failing_raises_transient_with_the_reference(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    client = make_client("disbursement")
    momo_sandbox.control.set_faults(error_before_booking={"next": 10, "provider": "mtn"})
    ref = new_ref()
    with pytest.raises(TransientError) as info:
        transfer(client, ref)
    assert info.value.reference == ref
    assert info.value.http_status in (500, 503)
    assert momo_sandbox.control.ledger()["entries"] == []
    momo_sandbox.control.clear_faults()
    # The outcome was unknown: resolved under the same reference, it is booked exactly once.
    with pytest.raises(NotFoundError):
        client.get_transfer_status(ref)
    assert transfer(client, ref) is SubmissionState.ACCEPTED
    assert transfer(client, ref) is SubmissionState.ALREADY_BOOKED
    assert client.get_transfer_status(ref).status is TransactionStatus.SUCCESSFUL
    ledger = momo_sandbox.control.ledger()
    assert len(ledger["entries"]) == 1
    assert ledger["violations"] == []


def test_lost_connections_on_every_attempt_raise_transient(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    client = make_client("disbursement")
    client.get_access_token()
    # Answers that never come: here a gateway page on every attempt, nothing booked.
    momo_sandbox.control.post("/_sandbox/mtn/garbage", {"next": 10, "kind": "empty", "status": 504})
    ref = new_ref()
    with pytest.raises(TransientError) as info:
        transfer(client, ref)
    assert info.value.reference == ref
    assert momo_sandbox.control.ledger()["entries"] == []


def test_status_query_retries_server_errors(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    ref = new_ref()
    transfer(disbursement, ref)
    momo_sandbox.control.set_faults(status_error={"next": 2, "provider": "mtn"})
    assert disbursement.get_transfer_status(ref).status is TransactionStatus.SUCCESSFUL


def test_unknown_reference_is_not_found(disbursement: DisbursementClient) -> None:
    ref = new_ref()
    with pytest.raises(NotFoundError) as info:
        disbursement.get_transfer_status(ref)
    assert info.value.http_status == 404
    assert info.value.reference == ref


def test_one_token_for_many_calls_and_threads(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    store = InMemoryTokenStore()
    # Several client instances (as in several requests of one process) share the store.
    clients = [make_client("disbursement", token_store=store) for _ in range(4)]
    errors: list[BaseException] = []

    def work(client: DisbursementClient) -> None:
        try:
            for _ in range(5):
                ref = new_ref()
                transfer(client, ref)
                client.get_transfer_status(ref)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(clients[i % 4],)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert tokens_issued(momo_sandbox.control) == 1
    assert sum(c.tokens.fetch_count for c in clients) == 1
    assert len(momo_sandbox.control.ledger()["entries"]) == 60


def test_token_is_refreshed_once_after_revocation_mid_run(
    disbursement: DisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    first = new_ref()
    transfer(disbursement, first)
    momo_sandbox.control.post("/_sandbox/mtn/revoke-tokens")
    second = new_ref()
    assert transfer(disbursement, second) is SubmissionState.ACCEPTED
    assert disbursement.get_transfer_status(second).status is TransactionStatus.SUCCESSFUL
    assert tokens_issued(momo_sandbox.control) == 2
    ledger = momo_sandbox.control.ledger()
    assert len(ledger["entries"]) == 2
    assert ledger["violations"] == []


def test_bogus_cached_token_is_replaced_once(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    store = InMemoryTokenStore()
    client = make_client("disbursement", token_store=store)
    bogus = AccessToken.issued("not-a-real-token", "access_token", 3600, 600)
    store.set(client.tokens.key, bogus.to_cache(), 3600)
    assert client.get_account_balance().currency == "EUR"
    assert tokens_issued(momo_sandbox.control) == 1
    assert client.tokens.cached().access_token != "not-a-real-token"


def test_expired_tokens_are_refreshed_ahead_of_time(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    momo_sandbox.control.post("/_sandbox/mtn/config", {"token_ttl": 2})
    client = make_client("disbursement", token_refresh_margin=600)
    token = client.get_access_token()
    assert token.expires_in == 2
    # A 2-second token is refreshed after half its life, so no call ever carries a dead one.
    assert token.refresh_at - token.expires_at == pytest.approx(-1, abs=0.1)


def test_subscription_key_refusal_does_not_refresh_tokens(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    good = make_client("disbursement")
    good.get_access_token()
    bad = make_client(
        "disbursement", subscription_key="wrong-key-123456", token_store=good.tokens.store
    )
    with pytest.raises(AuthenticationError) as info:
        bad.get_account_balance()
    assert info.value.http_status == 401
    assert "wrong-key-123456" not in str(info.value) + (info.value.body or "")
    assert tokens_issued(momo_sandbox.control) == 1


def test_django_cache_store_shares_one_token_between_clients(
    make_client: MakeClient, momo_sandbox: SandboxHandle
) -> None:
    from django.core.cache import cache

    from django_momo.token_cache import DjangoCacheTokenStore

    cache.clear()
    first = make_client("collection", token_store=DjangoCacheTokenStore())
    second = make_client("collection", token_store=DjangoCacheTokenStore())
    assert first.get_account_balance().currency == "EUR"
    assert second.get_account_balance().currency == "EUR"
    assert tokens_issued(momo_sandbox.control) == 1
    assert first.tokens.fetch_count + second.tokens.fetch_count == 1
