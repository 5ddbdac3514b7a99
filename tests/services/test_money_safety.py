"""Money safety over real HTTP against the sandbox, with the client's default retries on.

Never pay twice: an answer after a lost attempt is ambiguous and never ends in FAILED; a retry
chain has at most one live or successful payout; one shop reference is one obligation. Never
lose a status: a callback landing while the payment is `sending` is acted on at once, and a
status answer that contradicts the record is never applied.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import requests
from django.db import IntegrityError, connection, transaction
from django.test import Client

from django_momo import services
from django_momo.models import Attention, Collection, PaymentStatus, Refund, Transfer
from django_momo.providers.mtn.errors import is_already_booked
from django_momo.services.crash import SimulatedCrash, crashing_at

from .conftest import MTN_OK, WALLET_OK, assert_valid_path, entries, later, momo_payout

pytestmark = pytest.mark.django_db

S = PaymentStatus
REFUSALS = ["quota", "rate_limit", "bad_request", "unauthorized"]


@pytest.fixture
def retrying(momo_accounts, settings):
    """The sandbox accounts with the client's default retries (HTTP_MAX_RETRIES=2)."""
    conf = dict(settings.DJANGO_MOMO)
    conf.pop("HTTP_MAX_RETRIES", None)
    conf["STATUS_QUERIES_PER_SECOND"] = 1000
    settings.DJANGO_MOMO = conf
    return momo_accounts


def mtn_transfer(external_id: str = "t-1", party: str = MTN_OK, amount: str = "25") -> Transfer:
    transfer, _ = services.create_transfer(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id=party,
        amount=amount,
        external_id=external_id,
        actor="user:alice",
    )
    return transfer


def lose_then_refuse(sandbox, answer: str) -> None:
    """The first attempt is booked and its answer lost; every retry of it is refused."""
    sandbox.control.set_faults(
        lost_after_booking={"next": 1, "provider": "mtn"},
        refuse_retry={"next": 5, "answer": answer},
    )


# --- 1. a retried creating POST is ambiguous ---------------------------------------------------


@pytest.mark.parametrize("answer", REFUSALS)
def test_refusal_after_a_lost_attempt_is_unknown_not_failed(retrying, answer):
    lose_then_refuse(retrying, answer)
    transfer = mtn_transfer()
    sent = services.send_transfer(transfer.pk, actor="task:send")
    assert sent.status == S.UNKNOWN, sent.status_changes.last().reason
    assert retrying.control.faults()["refuse_retry"]["fired"] >= 1
    [booked] = entries(retrying, "mtn", transfer.reference)  # the lost attempt did book it
    # An unknown payout can never be retried under a new reference.
    with pytest.raises(services.InvalidTransition):
        services.retry_transfer(transfer.pk, actor="user:bob")
    retrying.control.clear_faults()
    done = services.refresh_transfer(transfer.pk, actor="task:refresh")
    assert done.status == S.SUCCESSFUL
    assert done.provider_transaction_id == booked["financial_transaction_id"]
    assert len(entries(retrying, "mtn", transfer.reference)) == 1
    assert retrying.control.ledger()["violations"] == []
    assert_valid_path(done)


def test_a_first_attempt_refusal_still_fails(retrying):
    """With no earlier lost attempt, a gateway refusal proves nothing was booked."""
    retrying.control.set_faults(quota_exceeded={"next": 1, "provider": "mtn"})
    transfer = mtn_transfer()
    failed = services.send_transfer(transfer.pk, actor="task:send")
    assert failed.status == S.FAILED
    assert entries(retrying, "mtn", transfer.reference) == []


def test_request_to_pay_refused_after_a_lost_attempt_is_unknown(retrying):
    lose_then_refuse(retrying, "quota")
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="40",
        external_id="c-1",
        actor="user:alice",
    )
    sent = services.send_collection(collection.pk, actor="task:send")
    assert sent.status == S.UNKNOWN
    retrying.control.clear_faults()
    assert services.refresh_collection(collection.pk, actor="t").status == S.SUCCESSFUL
    assert len(entries(retrying, "mtn", collection.reference)) == 1


def test_refund_refused_after_a_lost_attempt_keeps_holding_its_amount(retrying):
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="40",
        external_id="c-2",
        actor="user:alice",
    )
    services.send_collection(collection.pk, actor="t")
    assert services.refresh_collection(collection.pk, actor="t").status == S.SUCCESSFUL
    collection.refresh_from_db()
    refund = services.create_refund(
        collection.pk, amount="40", external_id="rf-amb", actor="user:alice"
    )
    lose_then_refuse(retrying, "unauthorized")
    sent = services.send_refund(refund.pk, actor="task:send")
    assert sent.status == S.UNKNOWN
    # A failed refund would free its amount; an unknown one must not.
    assert services.refundable_amount(collection) == 0
    with pytest.raises(services.RefundExceedsCollected):
        services.create_refund(collection.pk, amount="1", external_id="rf-2", actor="a")
    retrying.control.clear_faults()
    assert services.refresh_refund(refund.pk, actor="t").status == S.SUCCESSFUL
    assert len(entries(retrying, "mtn", refund.reference)) == 1


def _response(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    return response


def test_resource_already_exist_means_booked_whatever_the_status():
    assert is_already_booked(_response(409, b""))
    assert is_already_booked(_response(400, b'{"code":"RESOURCE_ALREADY_EXIST","message":"x"}'))
    assert is_already_booked(_response(500, b'{"code":"resource_already_exist"}'))
    assert not is_already_booked(_response(400, b'{"code":"PAYEE_NOT_FOUND"}'))
    assert not is_already_booked(_response(403, b'{"statusCode":403,"message":"quota"}'))


def lost_momo_payout(sandbox, external_id: str) -> Transfer:
    """A MoMo payout booked by its first request, whose answer was lost: unknown.

    The send itself does not re-send (``HTTP_MAX_RETRIES=0``), so that the payout is left
    unknown for the status checks under test.
    """
    from django.conf import settings
    from django.test import override_settings

    sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    payout = momo_payout(external_id, wallet=WALLET_OK)
    with override_settings(DJANGO_MOMO={**settings.DJANGO_MOMO, "HTTP_MAX_RETRIES": 0}):
        unknown = services.send_transfer(payout.pk, actor="t")
    assert unknown.status == S.UNKNOWN
    return unknown


def test_momo_refused_code_on_a_resend_is_unknown(retrying):
    payout = lost_momo_payout(retrying, "m-amb")
    # The stored body no longer verifies (its signature is broken): MoMo refuses the re-send
    # with a "bad request" code, which says nothing of the first request, which did pay.
    stored = Transfer.objects.get(pk=payout.pk).request_body
    broken = stored.replace('"signature":"', '"signature":"0', 1)
    Transfer.objects.filter(pk=payout.pk).update(request_body=broken)
    after = services.refresh_transfer(payout.pk, actor="t", now=later())
    assert after.status == S.UNKNOWN
    assert "proves nothing" in after.status_changes.order_by("id").last().reason or (
        after.status_changes.count() == 3
    )
    Transfer.objects.filter(pk=payout.pk).update(request_body=stored)
    assert services.refresh_transfer(payout.pk, actor="t").status == S.SUCCESSFUL
    assert len(entries(retrying, "momo_vn", payout.reference)) == 1


# --- 2. retry chains -----------------------------------------------------------------------------


STUCK = "46733123454"  # the sandbox keeps it pending until told otherwise


def settle(sandbox, transfer: Transfer, status: str) -> Transfer:
    """Send ``transfer`` (if created), have MTN settle it as ``status``, and read it back."""
    if transfer.status == S.CREATED:
        assert services.send_transfer(transfer.pk, actor="t").status == S.PENDING
    sandbox.control.post(
        "/_sandbox/mtn/settle", {"reference": transfer.reference, "status": status}
    )
    done = services.refresh_transfer(transfer.pk, actor="t")
    assert done.status == status.lower()
    return done


def failed_transfer(sandbox, external_id: str = "chain") -> Transfer:
    return settle(sandbox, mtn_transfer(external_id, party=STUCK), "FAILED")


def test_retry_of_a_retry_is_guarded_on_the_chain(retrying):
    a = failed_transfer(retrying)
    b = services.retry_transfer(a.pk, actor="user:bob")
    assert b.chain_root_id == a.pk
    assert b.retry_of_id == a.pk
    assert b.external_id == "chain-r1"
    # A double click returns the same retry.
    assert services.retry_transfer(a.pk, actor="user:bob").pk == b.pk
    b = settle(retrying, b, "FAILED")
    c = services.retry_transfer(b.pk, actor="user:bob")
    assert c.chain_root_id == a.pk
    assert c.retry_of_id == b.pk
    assert c.external_id == "chain-r2"
    # While c is live, neither the original nor the first retry can be paid again.
    with pytest.raises(services.InvalidTransition, match="same retry chain"):
        services.retry_transfer(a.pk, actor="user:carol")
    assert services.retry_transfer(b.pk, actor="user:carol").pk == c.pk
    settle(retrying, c, "SUCCESSFUL")
    for pk in (a.pk, b.pk):
        with pytest.raises(services.InvalidTransition):
            services.retry_transfer(pk, actor="user:carol")
    assert Transfer.objects.filter(chain_root=a).count() == 2
    # One payout of the chain was paid, once.
    paid = [e for e in retrying.control.ledger("mtn")["entries"] if e["status"] == "SUCCESSFUL"]
    assert [e["reference"] for e in paid] == [c.reference]


def test_the_database_refuses_a_second_live_payout_in_a_chain(retrying):
    a = failed_transfer(retrying, "db-chain")
    b = services.retry_transfer(a.pk, actor="user:bob")
    clone = Transfer.objects.values().get(pk=b.pk)
    for key in ("id", "reference", "callback_token", "external_id"):
        clone.pop(key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            **clone,
            reference="11111111-1111-4111-8111-111111111111",
            external_id="db-chain-x",
            callback_token="tok-x",
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_retries_of_one_chain_create_one_payout(retrying):
    a = failed_transfer(retrying, "race")
    b = settle(retrying, services.retry_transfer(a.pk, actor="user:bob"), "FAILED")
    created: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def retry(pk: int) -> None:
        try:
            barrier.wait()
            created.append(services.retry_transfer(pk, actor="user:x").pk)
        except services.InvalidTransition as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry, args=(pk,)) for pk in (a.pk, b.pk, a.pk, b.pk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    live = Transfer.objects.filter(chain_root=a).exclude(status__in=[S.FAILED, S.CANCELLED])
    assert live.count() == 1
    assert set(created) == {live.get().pk}
    assert len(created) + len(errors) == 4


# --- 4. a callback while `sending` ---------------------------------------------------------------


def test_a_callback_while_sending_triggers_a_status_query_at_once(
    retrying, django_capture_on_commit_callbacks
):
    transfer = mtn_transfer("cb-sending")
    # The worker dies right after the POST was answered, before it stored the answer.
    with crashing_at("send.after_http"), pytest.raises(SimulatedCrash):
        services.send_transfer(transfer.pk, actor="task:send")
    transfer.refresh_from_db()
    assert transfer.status == S.SENDING
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/momo/callbacks/mtn/{transfer.callback_token}/",
            data=b'{"status": "SUCCESSFUL"}',
            content_type="application/json",
        )
    assert response.status_code == 200
    # The immediate task backend ran the refresh: no five-minute wait for the grace period.
    transfer.refresh_from_db()
    assert transfer.status == S.SUCCESSFUL
    assert_valid_path(transfer)


# --- 5. cross-checked status answers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("amount", Decimal("26"), "amount"),
        ("external_id", "someone-else", "externalId"),
        ("party_id", "256700000999", "party"),
    ],
)
def test_a_status_answer_that_contradicts_the_record_is_never_applied(
    retrying, field, value, named
):
    transfer = mtn_transfer(f"mm-{field}")
    assert services.send_transfer(transfer.pk, actor="t").status == S.PENDING
    # The record no longer matches what MTN booked under its reference.
    Transfer.objects.filter(pk=transfer.pk).update(**{field: value})
    after = services.refresh_transfer(transfer.pk, actor="task:refresh")
    assert after.status == S.PENDING  # MTN said SUCCESSFUL: not applied
    assert after.attention == Attention.MISMATCH
    assert named in after.attention_note
    assert after.next_check_at is None
    assert not services.due_for_check(Transfer, later(60)).filter(pk=after.pk).exists()
    flagged = after.status_changes.order_by("id").last()
    assert flagged.from_status == flagged.to_status == S.PENDING
    assert "needs attention (mismatch)" in flagged.reason


def test_a_momo_answer_about_another_amount_is_flagged(retrying):
    payout = lost_momo_payout(retrying, "m-mm")
    Transfer.objects.filter(pk=payout.pk).update(amount=Decimal(60_000))
    after = services.refresh_transfer(payout.pk, actor="t", now=later())
    assert after.status == S.UNKNOWN
    assert after.attention == Attention.MISMATCH


# --- 6. one shop reference, one obligation --------------------------------------------------------


def test_a_refund_may_not_reuse_a_transfer_external_id(retrying):
    mtn_transfer("shared-ref")
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="40",
        external_id="col-shared",
        actor="user:alice",
    )
    services.send_collection(collection.pk, actor="t")
    services.refresh_collection(collection.pk, actor="t")
    with pytest.raises(services.ConflictingRequest, match="transfer"):
        services.create_refund(collection.pk, amount="1", external_id="shared-ref", actor="a")
    assert not Refund.objects.exists()
    # A collection books under another product: the same id is its own obligation there.
    other, created = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="5",
        external_id="shared-ref",
        actor="user:alice",
    )
    assert created
    assert isinstance(other, Collection)
    # And a transfer may not take a refund's id.
    services.create_refund(collection.pk, amount="1", external_id="refund-ref", actor="a")
    with pytest.raises(services.ConflictingRequest, match="refund"):
        mtn_transfer("refund-ref")


def test_a_refund_requires_an_external_id(retrying):
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id=MTN_OK,
        amount="40",
        external_id="col-x",
        actor="user:alice",
    )
    services.send_collection(collection.pk, actor="t")
    services.refresh_collection(collection.pk, actor="t")
    for bad in (None, ""):
        with pytest.raises(services.InvalidRequest) as info:
            services.create_refund(collection.pk, amount="1", external_id=bad, actor="a")
        assert info.value.field == "external_id"
    assert not Refund.objects.exists()
