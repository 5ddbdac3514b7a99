"""Token single-flight, the Django cache store, and the HTTP transport's own behaviour."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from django_momo import __version__
from django_momo.providers.base import InMemoryTokenStore, TransientError
from django_momo.providers.http import HttpTransport, redact_text, user_agent
from django_momo.providers.mtn.tokens import AccessToken, TokenManager, token_cache_key
from django_momo.token_cache import DjangoCacheTokenStore


class CountingFetch:
    def __init__(self, expires_in: int = 3600, delay: float = 0.05) -> None:
        self.calls = 0
        self.expires_in = expires_in
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, margin: float) -> AccessToken:
        with self.lock:
            self.calls += 1
            n = self.calls
        time.sleep(self.delay)
        return AccessToken.issued(f"token-{n}", "access_token", self.expires_in, margin)


def manager(fetch: CountingFetch, store: object | None = None, key: str = "k") -> TokenManager:
    return TokenManager(
        fetch=fetch,
        store=store or InMemoryTokenStore(),
        key=f"test:{key}:{time.time_ns()}",
        margin=600,
    )  # type: ignore[arg-type]


def test_many_threads_share_one_token() -> None:
    fetch = CountingFetch()
    tokens = manager(fetch)
    seen: list[str] = []
    threads = [
        threading.Thread(target=lambda: seen.append(tokens.get().access_token)) for _ in range(32)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fetch.calls == 1
    assert set(seen) == {"token-1"}


def test_refresh_is_due_margin_before_expiry_and_short_tokens_use_half_life() -> None:
    token = AccessToken.issued("t", "access_token", 3600, 600)
    assert token.refresh_at == pytest.approx(token.expires_at - 600)
    short = AccessToken.issued("t", "access_token", 60, 600)
    assert short.refresh_at == pytest.approx(short.expires_at - 30)
    assert "t'" not in repr(token)
    assert "***" in repr(token)


def test_token_due_for_refresh_is_replaced() -> None:
    fetch = CountingFetch()
    store = InMemoryTokenStore()
    tokens = manager(fetch, store)
    stale = AccessToken("old", "access_token", 3600, time.time() + 100, time.time() - 1)
    store.set(tokens.key, stale.to_cache(), 100)
    assert tokens.get().access_token == "token-1"
    assert tokens.get().access_token == "token-1"
    assert fetch.calls == 1


def test_invalidate_only_forgets_the_refused_token() -> None:
    fetch = CountingFetch()
    tokens = manager(fetch)
    first = tokens.get()
    tokens.invalidate("some-other-token")
    assert tokens.get() == first
    tokens.invalidate(first.access_token)
    assert tokens.get().access_token == "token-2"


def test_other_process_refreshing_uses_the_still_valid_token() -> None:
    fetch = CountingFetch()
    store = DictStoreWithAdd()
    tokens = manager(fetch, store)
    stale = AccessToken("old", "access_token", 3600, time.time() + 100, time.time() - 1)
    store.set(tokens.key, stale.to_cache(), 100)
    assert store.add(tokens.key + ":lock", "1", 60)  # another process holds the refresh lock
    assert tokens.get().access_token == "old"
    assert fetch.calls == 0


def test_other_process_refreshing_is_waited_for_when_no_token_is_usable() -> None:
    fetch = CountingFetch()
    store = DictStoreWithAdd()
    tokens = manager(fetch, store)
    assert store.add(tokens.key + ":lock", "1", 60)
    winner = AccessToken.issued("from-other-process", "access_token", 3600, 600)
    timer = threading.Timer(0.2, lambda: store.set(tokens.key, winner.to_cache(), 3600))
    timer.start()
    assert tokens.get().access_token == "from-other-process"
    assert fetch.calls == 0


class DictStoreWithAdd(InMemoryTokenStore):
    def add(self, key: str, value: object, timeout: float) -> bool:
        if self.get(key) is not None:
            return False
        self.set(key, value, timeout)
        return True

    def delete(self, key: str) -> None:
        self._data.pop(key, None)


def test_django_cache_store_round_trip_and_add_lock() -> None:
    store = DjangoCacheTokenStore()
    key = token_cache_key("http://x", "collection", "user", "sandbox") + str(time.time_ns())
    assert store.get(key) is None
    store.set(key, {"a": 1}, 60)
    assert store.get(key) == {"a": 1}
    assert store.add(key + ":lock", "1", 60) is True
    assert store.add(key + ":lock", "1", 60) is False
    store.delete(key + ":lock")
    assert store.add(key + ":lock", "1", 60) is True


def test_cache_key_differs_per_product_user_and_environment() -> None:
    keys = {
        token_cache_key("http://x/", "collection", "u", "sandbox"),
        token_cache_key("http://x", "disbursement", "u", "sandbox"),
        token_cache_key("http://x", "collection", "v", "sandbox"),
        token_cache_key("http://x", "collection", "u", "mtnuganda"),
        token_cache_key("http://y", "collection", "u", "sandbox"),
    }
    assert len(keys) == 5
    assert token_cache_key("http://x/", "c", "u", "s") == token_cache_key("http://x", "c", "u", "s")


def test_backoff_is_capped_full_jitter() -> None:
    transport = HttpTransport(provider="mtn", max_retries=6, backoff_base=0.5, backoff_cap=2.0)
    for _ in range(50):
        delays = list(transport.backoff_delays())
        assert len(delays) == 6
        assert all(0 <= d <= min(2.0, 0.5 * 2**i) for i, d in enumerate(delays))


def test_redact_text_replaces_every_secret() -> None:
    assert redact_text("a KEY b KEYLONG", ["KEY", "KEYLONG", ""]) == "a *** b ***"


def test_user_agent_names_the_package() -> None:
    assert user_agent() == f"django-momo/{__version__}"


def test_session_per_thread_with_verification_on() -> None:
    transport = HttpTransport(provider="mtn")
    sessions = [transport.session]
    t = threading.Thread(target=lambda: sessions.append(transport.session))
    t.start()
    t.join()
    assert sessions[0] is transport.session
    assert sessions[0] is not sessions[1]
    assert all(s.verify is True for s in sessions)
    transport.close()


def test_refused_connection_is_transient_and_keeps_the_reference() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = HttpTransport(provider="mtn", timeout=(1.0, 1.0))
    with pytest.raises(TransientError) as info:
        transport.send(
            "POST",
            f"http://127.0.0.1:{port}/x?subscription-key=SECRET",
            headers={"Ocp-Apim-Subscription-Key": "SECRET"},
            reference="ref-9",
        )
    assert info.value.reference == "ref-9"
    assert info.value.provider == "mtn"
    assert "SECRET" not in str(info.value)
