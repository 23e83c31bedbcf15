"""SSRF guard: a fetch may only reach public addresses, unless an operator allows a host.

Article URLs come from users and from feeds, so a URL must not be a way to reach the
machine's own services, the cloud metadata endpoint or the office network. The guard
resolves the host once and refuses when any of its addresses is not public. Its answer, the
list of vetted addresses, is what the connection uses (see ``transport.py``), so a DNS
server that answers differently a second time (DNS rebinding) has no say.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

from pipeline.errors import FetchFailed, FetchRefused, FetchUnavailable
from pipeline.fetch.urls import parse_ipv4
from pipeline.reasons import unreachable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

# Checked in order; the first that matches names the refusal.
_KINDS: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("unspecified", lambda ip: ip.is_unspecified),
    ("loopback", lambda ip: ip.is_loopback),
    ("link-local", lambda ip: ip.is_link_local),
    ("multicast", lambda ip: ip.is_multicast),
    ("shared address space", lambda ip: ip.version == 4 and ip in _SHARED),
    ("reserved", lambda ip: ip.is_reserved),
    ("private network", lambda ip: ip.is_private),
    ("not globally routable", lambda ip: not ip.is_global),
)

_NOT_FOUND = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def resolve_and_check(host: str, port: int, allow_hosts: Iterable[str]) -> list[str]:
    """Resolve ``host`` and return its addresses if every one of them may be fetched.

    ``host`` is a name or an address in any spelling (``[::1]``, ``0x7f000001``, ``127.1``).
    An address is allowed when it is public, or when it or ``host`` is in ``allow_hosts``
    (host names, addresses or CIDRs; an entry with a port, ``127.0.0.1:8080`` or
    ``[::1]:8080``, allows that port only). Raises :class:`FetchRefused` ("fetch refused: private
    address ..."), :class:`FetchFailed` for a name that does not exist, and
    :class:`FetchUnavailable` when DNS fails for the time being.
    """
    name = _normalize_host(host)
    names_and_ports, networks_and_ports = _parse_allow_list(allow_hosts)
    allowed_names = {n for n, only in names_and_ports if only in (None, port)}
    allowed_networks = [net for net, only in networks_and_ports if only in (None, port)]
    if name in allowed_names:
        return _resolve(name, port)
    if name == "localhost" or name.endswith(".localhost"):
        raise FetchRefused(f"fetch refused: private address ({name})")
    addresses = _resolve(name, port)
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if any(candidate in network for candidate in (ip, *_embedded_ipv4(ip))
               for network in allowed_networks if candidate.version == network.version):
            continue
        kind = why_not_public(ip)
        if kind:
            behind = "" if address == name else f" for host {name}"
            raise FetchRefused(f"fetch refused: private address {address} ({kind}){behind}")
    return addresses


def why_not_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address ("loopback", "private network", ...), or None.

    IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
    IPv4-compatible ``::a.b.c.d``, 6to4 ``2002:AABB:CCDD::``, NAT64 ``64:ff9b::a.b.c.d``) are
    judged by the IPv4 address too, since that is where the packets may end up.
    """
    for candidate in (*_embedded_ipv4(ip), ip):
        for kind, test in _KINDS:
            if test(candidate):
                return kind
    return None


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    if ip.version == 4:
        return []
    found = [ip.ipv4_mapped, ip.sixtofour]
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def _normalize_host(host: str) -> str:
    """Lowercase, no brackets or trailing dot, IPv4 in dotted decimal, IPv6 compressed."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    name = name.rstrip(".")
    try:
        return ipaddress.IPv6Address(name).compressed
    except ValueError:
        pass
    address = parse_ipv4(name)  # InvalidURL for "1.2.3.999"
    return str(address) if address else name


def _parse_allow_list(entries: Iterable[str]) -> tuple[set[tuple[str, int | None]],
                                                       list[tuple[IPNetwork, int | None]]]:
    """(name, port) and (network, port) pairs; port None means every port."""
    names: set[tuple[str, int | None]] = set()
    networks: list[tuple[IPNetwork, int | None]] = []
    for entry in entries:
        entry, port = _split_port(entry.strip())
        if not entry:
            continue
        try:
            networks.append((ipaddress.ip_network(entry.strip("[]"), strict=False), port))
        except ValueError:
            names.add((_normalize_host(entry), port))
    return names, networks


def _not_found(name: str) -> str:
    return unreachable(name, "host not found", "check the URL and the network")
def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port`` or ``[v6]:port`` into its parts; a bare IPv6 address has no port."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        return entry, None
    if not port:
        return host, None
    # A port that is no port ("host:http") allows nothing rather than every port.
    return host, int(port) if port.isdigit() and 0 < int(port) < 65536 else -1


def _resolve(name: str, port: int) -> list[str]:
    """The addresses of ``name`` (itself when it is an address), without duplicates."""
    try:
        ipaddress.ip_address(name)
        return [name]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in _NOT_FOUND:
            raise FetchFailed(_not_found(name)) from None
        raise FetchUnavailable(f"fetch unavailable: DNS lookup failed for {name}: "
                               f"{exc.strerror}") from None
    except UnicodeError:  # a label longer than 63 characters
        raise FetchFailed(_not_found(name)) from None
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id ("fe80::1%eth0")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchFailed(_not_found(name))
    return addresses
