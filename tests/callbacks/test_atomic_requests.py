"""Under ATOMIC_REQUESTS a processing error must not take the stored callback down with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from django_momo.callbacks.processing import reprocess
from django_momo.models import Callback, CallbackVerdict, PaymentStatus, StatusChange, Transfer

from .conftest import momo_config

V = CallbackVerdict


@pytest.fixture
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connections["default"].settings_dict, "ATOMIC_REQUESTS", True)


@pytest.fixture
def removed_account_payout(settings: Any, make_transfer: Callable[..., Transfer]) -> Transfer:
    # The payout was made with an account that has since been removed from the settings; the
    # partner code still belongs to a configured account, so the IPN verifies.
    settings.DJANGO_MOMO = momo_config("http://127.0.0.1:9", "http://127.0.0.1:8000/momo/")
    return make_transfer(provider="momo_vn", account="momo-retired")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("atomic_requests")
def test_processing_error_keeps_the_record_and_changes_nothing(
    client: Client, removed_account_payout: Transfer, signed_ipn: Callable[..., dict[str, Any]]
) -> None:
    transfer = removed_account_payout
    resp = client.post(
        "/momo/callbacks/momo-vn/ipn/",
        json.dumps(signed_ipn(transfer)),
        content_type="application/json",
    )
    assert resp.status_code == 503
    cb = Callback.objects.get()
    assert cb.verdict == V.ERROR
    assert cb.response_status == 503
    assert "momo-retired" in cb.error
    assert cb.transfer == transfer
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.PENDING
    assert not StatusChange.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("atomic_requests")
def test_stored_error_can_be_reprocessed_once_settings_are_fixed(
    client: Client,
    removed_account_payout: Transfer,
    signed_ipn: Callable[..., dict[str, Any]],
    settings: Any,
) -> None:
    transfer = removed_account_payout
    client.post(
        "/momo/callbacks/momo-vn/ipn/",
        json.dumps(signed_ipn(transfer)),
        content_type="application/json",
    )
    cb = Callback.objects.get()
    assert cb.verdict == V.ERROR
    config = momo_config("http://127.0.0.1:9", "http://127.0.0.1:8000/momo/")
    config["ACCOUNTS"]["momo-retired"] = config["ACCOUNTS"]["momo"]
    settings.DJANGO_MOMO = config
    decision = reprocess(cb, actor="user:ops")
    assert (decision.verdict, decision.status) == (V.VALID, 204)
    transfer.refresh_from_db()
    assert transfer.status == PaymentStatus.SUCCESSFUL
    assert StatusChange.objects.get(transfer=transfer).actor == "user:ops"
    cb.refresh_from_db()
    assert cb.verdict == V.VALID
    assert cb.error == ""
    assert cb.result.startswith("reprocessed by user:ops")
    assert cb.response_status == 503  # what the provider was told stays on record


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("atomic_requests", "no_provider_settings")
def test_mtn_callback_under_atomic_requests(
    client: Client, make_transfer: Callable[..., Transfer]
) -> None:
    transfer = make_transfer()
    resp = client.post(
        f"/momo/callbacks/mtn/{transfer.callback_token}/", "{}", content_type="application/json"
    )
    assert resp.status_code == 200
    assert Callback.objects.get().verdict == V.VALID
