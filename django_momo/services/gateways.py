"""Provider clients built from ``momo_settings`` accounts, and each operation mapped to its calls.

Clients are cached per (account, product) so that token caches and connection pools are shared,
and dropped when ``DJANGO_MOMO`` (or the caches) change. MTN caps status queries at
``STATUS_QUERIES_PER_SECOND``; a process-wide limiter per account keeps us under it.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

from django_momo.conf import AccountNotFound, MomoVnAccount, MtnAccount, momo_settings
from django_momo.models import Payment, Provider, Refund
from django_momo.providers.base import Submission
from django_momo.providers.http import HttpTransport
from django_momo.providers.momo_vn import (
    MomoCredentials,
    MomoDisbursementClient,
    PayoutLimits,
    PreparedRequest,
)
from django_momo.providers.momo_vn.results import DisbursementResult
from django_momo.providers.mtn import PRODUCT_CLIENTS, MtnProductClient, TransactionResult
from django_momo.services.errors import InvalidRequest
from django_momo.token_cache import DjangoCacheTokenStore


@dataclass(frozen=True)
class MtnOperation:
    """How one MTN operation is sent and queried."""

    product: str
    submit: str
    status: str
    role: str  # "payee", "payer", or "" for a refund


MTN_OPERATIONS: dict[str, MtnOperation] = {
    "mtn.disbursement.transfer": MtnOperation(
        "disbursement", "transfer", "get_transfer_status", "payee"
    ),
    "mtn.disbursement.deposit": MtnOperation(
        "disbursement", "deposit", "get_deposit_status", "payee"
    ),
    "mtn.remittance.transfer": MtnOperation(
        "remittance", "transfer", "get_transfer_status", "payee"
    ),
    "mtn.collection.request_to_pay": MtnOperation(
        "collection", "request_to_pay", "get_request_to_pay_status", "payer"
    ),
    "mtn.collection.withdraw": MtnOperation(
        "collection", "withdraw", "get_withdraw_status", "payer"
    ),
    "mtn.disbursement.refund": MtnOperation("disbursement", "refund", "get_refund_status", ""),
}
MOMO_OPERATIONS = ("momo_vn.pay_wallet", "momo_vn.pay_bank")

_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}
_limiters: dict[str, SharedRateLimiter] = {}


class RateLimiter:
    """At most ``rate`` acquisitions per second, spread evenly, shared by the process's threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait for this caller's slot (never while holding the lock)."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("DJANGO_MOMO", "CACHES"):
        clear_clients()


def clear_clients() -> None:
    """Forget every cached client and limiter (their pools are closed)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
        _limiters.clear()
    for client in clients:
        client.transport.close()


def get_account(name: str) -> MtnAccount | MomoVnAccount:
    """The configured account ``name``; ``InvalidRequest("account")`` if there is none."""
    if not isinstance(name, str) or not name:
        raise InvalidRequest("account", "must be the name of a configured account")
    try:
        return momo_settings.account(name)
    except AccountNotFound as exc:
        raise InvalidRequest("account", str(exc)) from None


def _transport(provider: str) -> HttpTransport:
    timeout = tuple(momo_settings.HTTP_TIMEOUT)
    return HttpTransport(
        provider=provider,
        timeout=(float(timeout[0]), float(timeout[1])),
        max_retries=int(momo_settings.HTTP_MAX_RETRIES),
    )


def mtn_client(account: MtnAccount, product: str) -> MtnProductClient:
    """The cached MTN client of ``account`` for ``product`` (collection, disbursement, ...)."""
    key = (account.name, product)
    with _lock:
        client = _clients.get(key)
    if client is not None:
        return client  # type: ignore[no-any-return]
    creds = account.credentials(product)
    client = PRODUCT_CLIENTS[product](
        base_url=account.base_url,
        target_environment=account.target_environment,
        subscription_key=creds.subscription_key,
        api_user=creds.api_user,
        api_key=creds.api_key,
        currency=account.currency or None,
        token_store=DjangoCacheTokenStore(str(momo_settings.TOKEN_CACHE)),
        transport=_transport("mtn"),
        token_refresh_margin=float(momo_settings.TOKEN_REFRESH_MARGIN),
    )
    with _lock:
        return _clients.setdefault(key, client)  # type: ignore[no-any-return]


def momo_client(account: MomoVnAccount) -> MomoDisbursementClient:
    """The cached MoMo Vietnam disbursement client of ``account``."""
    key = (account.name, "disbursement")
    with _lock:
        client = _clients.get(key)
    if client is not None:
        return client  # type: ignore[no-any-return]
    limits = account.limits
    client = MomoDisbursementClient(
        MomoCredentials(
            base_url=account.base_url,
            partner_code=account.partner_code,
            access_key=account.access_key,
            secret_key=account.secret_key,
            public_key=account.public_key,
        ),
        transport=_transport("momo_vn"),
        limits=PayoutLimits(
            wallet_min=_dec(limits["WALLET_MIN"]),
            wallet_max=_dec(limits["WALLET_MAX"]),
            bank_min=_dec(limits["BANK_MIN"]),
            bank_max=_dec(limits["BANK_MAX"]),
        ),
    )
    with _lock:
        return _clients.setdefault(key, client)  # type: ignore[no-any-return]


def _dec(value: int) -> Any:
    from decimal import Decimal

    return Decimal(int(value))


class SharedRateLimiter:
    """At most ``rate`` acquisitions per calendar second across every process sharing a cache.

    MTN's cap (10 status queries per second) is per subscription, not per worker: the count of
    each second lives in Django's cache (the token cache), so workers on several machines share
    it when the cache is shared (database, Redis, memcached). A process-local ``RateLimiter``
    spreads each process's own calls evenly in front of it.
    """

    def __init__(self, name: str, rate: int, cache_alias: str) -> None:
        self.name = name
        self.rate = rate
        self.cache_alias = cache_alias
        self.local = RateLimiter(float(rate))

    def acquire(self) -> None:
        """Wait until this second (or a later one) has a free slot, then take it."""
        if self.rate <= 0:
            return
        self.local.acquire()
        cache = caches[self.cache_alias]
        while True:
            now = time.time()
            second = int(now)
            key = f"django-momo:status-rate:{self.name}:{second}"
            cache.add(key, 0, timeout=5)
            try:
                taken = cache.incr(key)
            except ValueError:  # evicted between add and incr: count this second again
                continue
            if taken <= self.rate:
                return
            time.sleep(second + 1 - now)


def status_limiter(account_name: str) -> SharedRateLimiter:
    """The status-query limiter of one MTN account, shared by every process using the cache."""
    with _lock:
        limiter = _limiters.get(account_name)
        if limiter is None:
            limiter = SharedRateLimiter(
                account_name,
                int(momo_settings.STATUS_QUERIES_PER_SECOND),
                str(momo_settings.TOKEN_CACHE),
            )
            _limiters[account_name] = limiter
        return limiter


def callback_url(payment: Payment) -> str:
    """Where the provider reports on ``payment`` ("" when no CALLBACK_BASE_URL is set)."""
    base = str(momo_settings.CALLBACK_BASE_URL or "")
    if not base:
        return ""
    base = base if base.endswith("/") else base + "/"
    if payment.provider == Provider.MOMO_VN:
        return f"{base}callbacks/momo-vn/ipn/"
    return f"{base}callbacks/mtn/{payment.callback_token}/"


# --- MTN -----------------------------------------------------------------------------------------


def _mtn(payment: Payment) -> tuple[MtnAccount, MtnOperation]:
    account = get_account(payment.account)
    if not isinstance(account, MtnAccount):
        raise InvalidRequest("account", f"{payment.account!r} is not an MTN account")
    try:
        return account, MTN_OPERATIONS[payment.operation]
    except KeyError:
        raise InvalidRequest("operation", f"unsupported operation {payment.operation!r}") from None


def submit_mtn(payment: Payment) -> Submission:
    """POST ``payment`` to MTN under its stored reference (the body is the same every time)."""
    account, op = _mtn(payment)
    client: Any = mtn_client(account, op.product)
    common: dict[str, Any] = {
        "amount": payment.amount,
        "external_id": payment.external_id,
        "payer_message": payment.message,
        "payee_note": payment.note,
        "currency": payment.currency,
        "callback_url": callback_url(payment) or None,
    }
    if isinstance(payment, Refund):
        return client.refund(  # type: ignore[no-any-return]
            payment.reference, reference_id_to_refund=payment.collection.reference, **common
        )
    party = {op.role: payment.party_id, f"{op.role}_id_type": payment.party_type}
    return getattr(client, op.submit)(payment.reference, **party, **common)  # type: ignore[no-any-return]


def query_mtn(payment: Payment) -> TransactionResult:
    """Ask MTN for the status of ``payment``'s reference (rate-limited per account)."""
    account, op = _mtn(payment)
    client: Any = mtn_client(account, op.product)
    status_limiter(account.name).acquire()
    return getattr(client, op.status)(payment.reference)  # type: ignore[no-any-return]


# --- MoMo Vietnam --------------------------------------------------------------------------------


def _momo(payment: Payment) -> tuple[MomoVnAccount, MomoDisbursementClient]:
    account = get_account(payment.account)
    if not isinstance(account, MomoVnAccount):
        raise InvalidRequest("account", f"{payment.account!r} is not a MoMo Vietnam account")
    return account, momo_client(account)


def prepare_momo(payment: Payment) -> PreparedRequest:
    """Encrypt and sign ``payment``'s payout request (its exact bytes are stored before sending)."""
    account, client = _momo(payment)
    ipn = callback_url(payment)
    if not ipn:
        raise InvalidRequest("CALLBACK_BASE_URL", "must be set: MoMo requires an ipnUrl")
    if payment.operation == "momo_vn.pay_wallet":
        return client.prepare_pay_to_wallet(
            request_id=payment.reference,
            order_id=payment.order_id,
            amount=payment.amount,
            wallet_id=payment.party_id,
            wallet_name=payment.party_name,
            order_info=payment.message,
            ipn_url=ipn,
            lang=account.lang,
        )
    if payment.operation == "momo_vn.pay_bank":
        card = payment.party_type == "BANK_CARD"
        return client.prepare_pay_to_bank(
            request_id=payment.reference,
            order_id=payment.order_id,
            amount=payment.amount,
            holder_name=payment.party_name,
            bank_code=payment.bank_code,
            order_info=payment.message,
            bank_account_no=None if card else payment.party_id,
            bank_card_no=payment.party_id if card else None,
            ipn_url=ipn,
            lang=account.lang,
        )
    raise InvalidRequest("operation", f"unsupported operation {payment.operation!r}")


def send_momo(payment: Payment, prepared: PreparedRequest) -> DisbursementResult:
    """Send a prepared payout."""
    return _momo(payment)[1].send(prepared)


def resend_momo(payment: Payment) -> DisbursementResult:
    """Re-send the stored body byte for byte (same requestId, ciphertext and signature)."""
    return _momo(payment)[1].resend(payment.request_body)


def new_mtn_reference() -> str:
    """A fresh X-Reference-Id (UUID version 4)."""
    return str(uuid.uuid4())


def new_momo_ids() -> tuple[str, str]:
    """A fresh (requestId, orderId) pair for a MoMo payout."""
    return str(uuid.uuid4()), uuid.uuid4().hex
