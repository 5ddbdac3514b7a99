"""Client address behind proxies and the per-provider source allow-list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from django_momo.callbacks.network import client_ip, parse_ip, source_allowed


def request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/momo/callbacks/momo-vn/ipn/", **extra)


@pytest.fixture
def proxies(settings: Any) -> None:
    settings.DJANGO_MOMO = {"TRUSTED_PROXIES": ["10.0.0.0/8", "192.0.2.7"]}


def test_without_trusted_proxies_forwarded_header_is_ignored(settings: Any) -> None:
    settings.DJANGO_MOMO = {}
    assert client_ip(request("203.0.113.5", "118.69.210.244")) == "203.0.113.5"


def test_untrusted_peer_cannot_claim_an_address(proxies: None) -> None:
    assert client_ip(request("203.0.113.5", "118.69.210.244")) == "203.0.113.5"


def test_right_most_untrusted_hop_is_the_client(proxies: None) -> None:
    # A forger put 118.69.210.244 first; our proxies appended the real peer 198.51.100.9.
    req = request("10.1.2.3", "118.69.210.244, 198.51.100.9, 192.0.2.7")
    assert client_ip(req) == "198.51.100.9"


def test_all_hops_trusted_gives_the_left_most(proxies: None) -> None:
    assert client_ip(request("10.1.2.3", "10.9.9.9, 192.0.2.7")) == "10.9.9.9"


def test_trusted_proxy_without_forwarded_header(proxies: None) -> None:
    assert client_ip(request("10.1.2.3")) == "10.1.2.3"


def test_garbage_in_the_chain_gives_unknown(proxies: None) -> None:
    assert client_ip(request("10.1.2.3", "198.51.100.9, not-an-ip")) is None


def test_ipv6_and_mapped_addresses(proxies: None) -> None:
    assert parse_ip("::ffff:10.1.2.3") is not None
    assert str(parse_ip("::ffff:10.1.2.3")) == "10.1.2.3"
    assert str(parse_ip("[2001:db8::1]")) == "2001:db8::1"
    assert client_ip(request("::ffff:10.1.2.3", "2001:db8::5")) == "2001:db8::5"
    assert parse_ip("") is None
    assert parse_ip("1.2.3.4.5") is None


def test_allow_list_per_provider(settings: Any) -> None:
    settings.DJANGO_MOMO = {"CALLBACK_ALLOWED_NETWORKS": {"momo_vn": ["118.69.210.244/32"]}}
    assert source_allowed("momo_vn", "118.69.210.244")
    assert not source_allowed("momo_vn", "118.69.210.245")
    assert not source_allowed("momo_vn", None)
    assert source_allowed("mtn", "203.0.113.1")  # no list for MTN: anyone


def test_malformed_allow_list_entry_matches_nothing(settings: Any) -> None:
    settings.DJANGO_MOMO = {"CALLBACK_ALLOWED_NETWORKS": {"mtn": ["not/a/net", "10.0.0.0/8"]}}
    assert source_allowed("mtn", "10.2.3.4")
    assert not source_allowed("mtn", "11.2.3.4")
