"""Where a callback came from: the client address behind trusted proxies, and the allow-list.

``X-Forwarded-For`` is written by whoever sends the request, so only the hops appended by our
own proxies can be believed. The chain is read from the right: every hop added by a trusted
proxy is skipped and the first untrusted one is the client. The left-most value is exactly what
a forger controls, so it is never taken on its own.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.http import HttpRequest

from django_momo.conf import momo_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: str | None) -> IPAddress | None:
    """The address in ``value`` (IPv4-mapped IPv6 becomes IPv4), or ``None`` when it is not one."""
    if not value:
        return None
    text = value.strip()
    # "[2001:db8::1]" and "2001:db8::1%eth0" forms appear in some proxies' headers.
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=64)
def _networks(specs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for spec in specs:
        try:
            networks.append(ipaddress.ip_network(spec.strip(), strict=False))
        except ValueError:
            # A malformed entry matches nothing; the system checks report it.
            continue
    return tuple(networks)


def networks(specs: Iterable[str] | str | None) -> tuple[IPNetwork, ...]:
    """Parse IPs and CIDR networks (cached per distinct setting value)."""
    if not specs:
        return ()
    if isinstance(specs, str):
        specs = [specs]
    return _networks(tuple(str(spec) for spec in specs))


def in_networks(address: IPAddress | None, nets: Iterable[IPNetwork]) -> bool:
    """Whether ``address`` lies in one of ``nets``."""
    if address is None:
        return False
    return any(address.version == net.version and address in net for net in nets)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or the right-most untrusted forwarded hop."""
    peer = parse_ip(request.META.get("REMOTE_ADDR"))
    trusted = networks(momo_settings.TRUSTED_PROXIES)
    if peer is None or not in_networks(peer, trusted):
        return str(peer) if peer is not None else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in str(forwarded).split(",") if hop.strip()]
    client: IPAddress = peer
    for hop in reversed(hops):
        address = parse_ip(hop)
        if address is None:
            # Our proxy appended garbage or a forger broke the chain: nothing further left is
            # trustworthy, so the client is unknown.
            return None
        client = address
        if not in_networks(address, trusted):
            break
    return str(client)


def source_allowed(provider: str, address: str | None) -> bool:
    """Whether ``provider``'s callbacks may come from ``address`` (no allow-list: always)."""
    allowed = momo_settings.CALLBACK_ALLOWED_NETWORKS
    specs = allowed.get(provider) if isinstance(allowed, dict) else None
    if not specs:
        return True
    return in_networks(parse_ip(address), networks(specs))
