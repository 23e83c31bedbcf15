"""The client's address for rate limits: the peer, or what a trusted proxy says it is.

``X-Forwarded-For`` is believed only when the peer is one of TRANSDRAFT_TRUSTED_PROXIES
(addresses or CIDRs; default none): anyone else could rotate the header to escape the
per-address login limit. Walking the header from the right, the first address that is not a
trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """The proxies' networks; ValueError names an entry that is neither address nor CIDR."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an address or CIDR in TRANSDRAFT_TRUSTED_PROXIES: {entry!r}") from None
    return tuple(networks)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request, networks: tuple[Network, ...]) -> str:
    """Who is asking, as far as we can trust it."""
    peer = request.client.host if request.client else "unknown"
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in ",".join(request.headers.getlist("x-forwarded-for"))
            .split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:64]
    return peer
