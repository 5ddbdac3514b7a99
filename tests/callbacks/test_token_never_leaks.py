"""A payment's callback token is never shown, logged or answered; nor is any account secret.

Whoever knows an MTN payment's callback token can make us query its status at will, so the
token (its URL is ``callbacks/mtn/<token>/``) may appear only masked (``mask_token``): in model
``str``/``repr``, on every admin page, in every log line of a callback's processing and in the
REST API. The same pages are scanned for every preset secret of the sandbox accounts.
"""

from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from django_momo import services
from django_momo.models import (
    Callback,
    CallbackVerdict,
    Collection,
    PaymentStatus,
    Refund,
    StatusChange,
    Transfer,
)
from django_momo.models.payments import mask_token
from django_momo.sandbox import presets
from django_momo.sandbox.momo_vn.crypto import sign
from tests import factories

pytestmark = pytest.mark.django_db

V = CallbackVerdict
IPN_URL = "/momo/callbacks/momo-vn/ipn/"
ADMIN = "/admin/django_momo"


def account_secrets() -> list[str]:
    """Every credential of the test accounts, read from the settings, and the sandbox's key."""
    found: list[str] = []
    for account in django_settings.DJANGO_MOMO["ACCOUNTS"].values():
        for product in ("COLLECTION", "DISBURSEMENT", "REMITTANCE"):
            creds = account.get(product) or {}
            found += [creds[key] for key in ("SUBSCRIPTION_KEY", "API_KEY") if key in creds]
        found += [account[key] for key in ("ACCESS_KEY", "SECRET_KEY") if key in account]
    private = presets.MOMO_PRIVATE_KEY_PEM_PATH.read_text().splitlines()
    found += [line for line in private if line and "-----" not in line]
    presets_known = [
        *presets.MTN_SUBSCRIPTION_KEYS.values(),
        presets.MTN_API_KEY,
        presets.MOMO_ACCESS_KEY,
        presets.MOMO_SECRET_KEY,
    ]
    assert set(presets_known) <= set(found), "the test settings use the sandbox presets"
    return sorted(set(found))


def all_tokens() -> list[str]:
    return [
        token
        for model in (Transfer, Collection, Refund)
        for token in model.objects.values_list("callback_token", flat=True)
    ]


def assert_nowhere(text: str, forbidden: list[str], where: str) -> None:
    for secret in forbidden:
        assert secret not in text, (where, secret[:4])


def mtn_url(token: str) -> str:
    return reverse("django_momo:mtn-callback", args=[token])


def mtn_post(client: Client, token: str, body: Any = None, **extra: Any) -> Any:
    data = json.dumps(body if body is not None else {"status": "SUCCESSFUL"})
    content_type = extra.pop("content_type", "application/json")
    return client.post(mtn_url(token), data, content_type=content_type, **extra)


def momo_ipn(transfer: Transfer, **overrides: Any) -> str:
    body: dict[str, Any] = {
        "partnerCode": presets.MOMO_PARTNER_CODE,
        "orderId": transfer.order_id,
        "requestId": transfer.reference,
        "amount": int(transfer.amount),
        "orderInfo": transfer.message,
        "partnerUserId": "",
        "orderType": "momo_disbursement",
        "transId": 4_100_000_000 + transfer.pk,
        "resultCode": 0,
        "message": "Thành công.",
        "responseTime": 1_700_000_000_000,
        "extraData": "",
    }
    body["signature"] = sign("ipn", body, presets.MOMO_ACCESS_KEY, presets.MOMO_SECRET_KEY)
    body.update(overrides)  # after signing: an override is a forgery
    return json.dumps(body, ensure_ascii=False)


@pytest.fixture
def payments(momo_accounts: Any) -> dict[str, Any]:
    """One payment of each kind, sent through the services to the sandbox."""
    caches[django_settings.DJANGO_MOMO.get("TOKEN_CACHE", "default")].clear()
    mtn_payout = factories.make_transfer("mtn", prefix="leak")
    services.send_transfer(mtn_payout.pk, actor="test")
    momo_payout = factories.make_transfer("momo", prefix="leak")
    services.send_transfer(momo_payout.pk, actor="test")
    collection, _ = services.request_payment(
        account="mtn",
        operation="mtn.collection.request_to_pay",
        party_id="256771234567",
        amount=Decimal("40.00"),
        external_id="leak-col",
        actor="test",
        message="order",
    )
    services.send_collection(collection.pk, actor="test")
    collection = services.refresh_collection(collection.pk, actor="test")
    assert collection.status == PaymentStatus.SUCCESSFUL, collection.status
    refund = services.create_refund(
        collection.pk, amount=Decimal("10.00"), external_id="leak-refund", actor="test"
    )
    refund = refund[0] if isinstance(refund, tuple) else refund
    services.send_refund(refund.pk, actor="test")
    return {
        "mtn_payout": Transfer.objects.get(pk=mtn_payout.pk),
        "momo_payout": Transfer.objects.get(pk=momo_payout.pk),
        "collection": Collection.objects.get(pk=collection.pk),
        "refund": Refund.objects.get(pk=refund.pk),
    }


def send_callbacks(payments: dict[str, Any], settings: Any) -> list[Any]:
    """Valid and refused callbacks for every payment, as a provider and a forger would send."""
    client = Client()
    mtn_payout, momo_payout = payments["mtn_payout"], payments["momo_payout"]
    answers = [
        # Valid: each MTN payment's own callback URL (PUT and POST), and a repeat.
        mtn_post(client, mtn_payout.callback_token),
        mtn_post(client, mtn_payout.callback_token),
        mtn_post(client, payments["collection"].callback_token),
        mtn_post(client, payments["refund"].callback_token),
        client.put(mtn_url(payments["refund"].callback_token), "{}", "application/json"),
        # Refused although the token is known: wrong content type, malformed body, wrong method.
        mtn_post(client, mtn_payout.callback_token, "x", content_type="text/plain"),
        client.post(mtn_url(mtn_payout.callback_token), "{not json", "application/json"),
        client.get(mtn_url(mtn_payout.callback_token)),
        # Refused: a near miss that begins with a real token, an unknown token.
        mtn_post(client, mtn_payout.callback_token + "x"),
        mtn_post(client, "not-a-token-of-ours"),
        # MoMo: a valid IPN, its forged twin, one for a payout we do not have.
        client.post(IPN_URL, momo_ipn(momo_payout), "application/json"),
        client.post(IPN_URL, momo_ipn(momo_payout, amount=1), "application/json"),
        client.post(IPN_URL, momo_ipn(momo_payout, requestId="no-such"), "application/json"),
    ]
    # A source outside the allow-list, with a known token.
    settings.DJANGO_MOMO = {
        **settings.DJANGO_MOMO,
        "CALLBACK_ALLOWED_NETWORKS": {"mtn": ["198.51.100.0/24"]},
    }
    answers.append(mtn_post(client, payments["collection"].callback_token))
    return answers


def test_no_page_log_line_or_answer_shows_a_token_or_a_secret(
    payments: dict[str, Any],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tokens = all_tokens()
    assert len(tokens) == 4
    momo_bodies = [t.request_body for t in Transfer.objects.exclude(request_body="")]
    assert momo_bodies, "the MoMo payout was sent, so its request body is stored"
    forbidden = [*tokens, *account_secrets(), *momo_bodies]

    # Every log record of the callbacks' processing, the status queries they enqueue included
    # (run now, inline). Only this thread's: the simulator runs in its own threads, playing the
    # provider that is given the callback URL.
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        answers = send_callbacks(payments, settings)
    assert enqueued, "valid MTN callbacks enqueue a status query"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    here = threading.get_ident()
    records = [r for r in caplog.records if r.thread == here]
    assert any(r.name.startswith("django_momo") for r in records)
    for record in records:
        assert_nowhere(formatter.format(record), forbidden, f"log {record.name}")

    verdicts = set(Callback.objects.values_list("verdict", flat=True))
    assert {V.VALID, V.DUPLICATE, V.MALFORMED, V.UNKNOWN_TOKEN, V.FORBIDDEN_SOURCE} <= verdicts
    assert V.INVALID_SIGNATURE in verdicts
    for answer in answers:
        assert answer.status_code < 500, answer.content
        assert_nowhere(answer.content.decode(), forbidden, "callback answer")
        assert_nowhere(json.dumps(dict(answer.headers)), forbidden, "callback answer headers")

    # Models: str and repr.
    rows: list[Any] = [
        *Transfer.objects.all(),
        *Collection.objects.all(),
        *Refund.objects.all(),
        *Callback.objects.all(),
        *StatusChange.objects.all(),
    ]
    for row in rows:
        assert_nowhere(f"{row} {row!r}", forbidden, f"str of {type(row).__name__} {row.pk}")
    masked = Callback.objects.filter(token=payments["mtn_payout"].callback_token).first()
    assert masked is not None
    assert mask_token(payments["mtn_payout"].callback_token) in str(masked)

    # The admin, as a superuser: every changelist, change page and history page.
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    pages = []
    for name, model in (
        ("transfer", Transfer),
        ("collection", Collection),
        ("refund", Refund),
        ("statuschange", StatusChange),
        ("callback", Callback),
    ):
        pages.append(f"{ADMIN}/{name}/")
        pages.append(f"{ADMIN}/{name}/?q=leak")
        for pk in model.objects.values_list("pk", flat=True):
            pages += [f"{ADMIN}/{name}/{pk}/change/", f"{ADMIN}/{name}/{pk}/history/"]
    pages += [f"{ADMIN}/transfer/add/", f"{ADMIN}/callback/?verdict=unknown_token"]
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_nowhere(response.content.decode(), forbidden, url)
    assert len(pages) > 40

    # The REST API: list and detail of each kind.
    api = APIClient()
    api.force_authenticate(User.objects.get(username="root"))
    api_urls = []
    for kind, model in (("transfer", Transfer), ("collection", Collection), ("refund", Refund)):
        api_urls.append(reverse(f"django_momo:api-{kind}-list"))
        for pk in model.objects.values_list("pk", flat=True):
            api_urls.append(reverse(f"django_momo:api-{kind}-detail", args=[pk]))
    refunds_of = reverse("django_momo:api-collection-refunds", args=[payments["collection"].pk])
    api_urls.append(refunds_of)
    for url in api_urls:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        text = response.content.decode()
        assert_nowhere(text, forbidden, url)
        assert "callback_token" not in text


def test_a_processing_error_logs_no_token(
    momo_accounts: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # An MTN payout whose account is no longer configured: the status query cannot run.
    transfer = factories.make_transfer("mtn", prefix="leak-err")
    Transfer.objects.filter(pk=transfer.pk).update(status=PaymentStatus.PENDING)
    caplog.set_level(logging.DEBUG)
    response = mtn_post(Client(), transfer.callback_token, content_type="text/html")
    assert response.status_code == 415
    here = threading.get_ident()
    lines = [r.getMessage() for r in caplog.records if r.thread == here]
    assert any(mask_token(transfer.callback_token) in line for line in lines), lines
    for line in lines:
        assert transfer.callback_token not in line
    # Django's own "Unsupported Media Type: <path>" line would name the token: it is replaced.
    assert not [r for r in caplog.records if r.name == "django.request"]
