"""Every web and API request runs inside an audit origin: source, client address, browser.

The client address is the peer's (``REMOTE_ADDR``). Behind a reverse proxy that peer is the
proxy; list the proxy's address (or network) in ``RELATA_TRUSTED_PROXIES`` and the address
the proxy reports in ``X-Forwarded-For`` is used instead — only then, because any client can
send that header. Hops are read from the right; the first address that is not a trusted
proxy is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from relata.audit.origin import API, WEB, origin

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # a typo in the setting must not take the site down; it trusts less
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Iterable[Network]
) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer, or the forwarded client when the peer is trusted."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    proxies = _networks(tuple(getattr(settings, "RELATA_TRUSTED_PROXIES", ())))
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: trust nothing further left of it
        if not _trusted(address, proxies):
            return str(address)
    return str(peer)


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = API if request.path.startswith("/api/") else WEB
        with origin(
            source,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            request=request,
        ):
            return self.get_response(request)
