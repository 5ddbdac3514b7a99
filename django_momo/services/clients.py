"""Provider clients built from ``momo_settings`` accounts, cached per (account, product).

Caching shares token caches and connection pools between calls; the cache is dropped when
``DJANGO_MOMO`` (or ``CACHES``) change. Each adapter says how its client is built
(``services/adapters/``); this module only looks accounts up, builds the HTTP transport every
provider shares and keeps the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.signals import setting_changed
from django.dispatch import receiver

from django_momo.conf import Account, AccountNotFound, momo_settings
from django_momo.providers.http import HttpTransport
from django_momo.services.errors import InvalidRequest

C = TypeVar("C")

_lock = threading.Lock()
_clients: dict[tuple[str, str], Any] = {}


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("DJANGO_MOMO", "CACHES"):
        clear_clients()


def clear_clients() -> None:
    """Forget every cached client (their pools are closed)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.transport.close()


def get_account(name: str) -> Account:
    """The configured account ``name``; ``InvalidRequest("account")`` if there is none."""
    if not isinstance(name, str) or not name:
        raise InvalidRequest("account", "must be the name of a configured account")
    try:
        return momo_settings.account(name)
    except AccountNotFound as exc:
        raise InvalidRequest("account", str(exc)) from None


def transport(provider: str) -> HttpTransport:
    """A new HTTP transport with the configured timeouts and ``HTTP_MAX_RETRIES``."""
    timeout = tuple(momo_settings.HTTP_TIMEOUT)
    return HttpTransport(
        provider=provider,
        timeout=(float(timeout[0]), float(timeout[1])),
        max_retries=int(momo_settings.HTTP_MAX_RETRIES),
    )


def cached(account: str, product: str, build: Callable[[], C]) -> C:
    """The cached client of ``(account, product)``, built by ``build()`` the first time."""
    key = (account, product)
    with _lock:
        client = _clients.get(key)
    if client is not None:
        return client  # type: ignore[no-any-return]
    client = build()
    with _lock:
        return _clients.setdefault(key, client)  # type: ignore[no-any-return]
