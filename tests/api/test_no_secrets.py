"""No API answer ever carries a credential, a MoMo request body or a callback token."""

from __future__ import annotations

from typing import Any

import pytest

from django_momo.models import Collection, PaymentStatus, Refund, Transfer

from .conftest import SECRETS, collection_request, momo_payout, payout, post, url


@pytest.mark.django_db(transaction=True)
def test_no_answer_contains_a_secret(api: Any, sandbox_accounts: Any) -> None:
    answers: list[Any] = []
    answers.append(post(api, "transfer-list", payout(hold=False)))
    answers.append(post(api, "transfer-list", momo_payout(hold=False)))
    answers.append(post(api, "transfer-list", momo_payout(hold=True)))
    answers.append(post(api, "transfer-list", payout(amount="bad")))
    col = post(api, "collection-list", collection_request(hold=False))
    answers.append(col)
    Collection.objects.filter(pk=col.json()["id"]).update(status=PaymentStatus.SUCCESSFUL)
    answers.append(post(api, "collection-refunds", {"amount": "1.00"}, pk=col.json()["id"]))
    replay_body = payout()
    answers.append(post(api, "transfer-list", replay_body, key="same"))
    answers.append(post(api, "transfer-list", replay_body, key="same"))
    for name in ("transfer-list", "collection-list", "refund-list", "account-list", "schema"):
        answers.append(api.get(url(name)))
    for model, name in ((Transfer, "transfer"), (Collection, "collection"), (Refund, "refund")):
        for pk in model.objects.values_list("pk", flat=True):
            answers.append(api.get(url(f"{name}-detail", pk=pk)))
    answers.append(api.get(url("collection-refunds", pk=col.json()["id"])))
    for account in ("mtn", "momo"):
        answers.append(api.get(url("account-balance", name=account)))
    sandbox_accounts.control.set_faults(latency_ms=50)

    momo_bodies = [t.request_body for t in Transfer.objects.exclude(request_body="")]
    assert momo_bodies, "a MoMo payout was sent, so a request body is stored"
    tokens = [
        token
        for model in (Transfer, Collection, Refund)
        for token in model.objects.values_list("callback_token", flat=True)
    ]
    forbidden = [*SECRETS, *tokens, *momo_bodies]
    assert len(answers) > 20
    for answer in answers:
        assert answer.status_code < 500, answer.content
        text = answer.content.decode()
        for secret in forbidden:
            assert secret not in text, (answer.request["PATH_INFO"], secret[:8])
        assert "request_body" not in text
        assert "callback_token" not in text
