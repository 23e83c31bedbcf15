"""The SSRF guard refuses every non-public address in every spelling, unless allowed."""

from __future__ import annotations

import socket

import pytest

from pipeline.errors import FetchFailed, FetchRefused, FetchUnavailable
from pipeline.fetch.guard import resolve_and_check


class _Records(dict):
    def __init__(self) -> None:
        super().__init__()
        self.lookups: list[str] = []


@pytest.fixture
def dns(monkeypatch):
    """A fake DNS: name -> list of addresses; unknown names do not exist. Counts lookups."""
    records = _Records()
    lookups = records.lookups

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        lookups.append(host)
        if host not in records:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in records[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return records


@pytest.mark.parametrize("host, shown, kind", [
    ("127.0.0.1", "127.0.0.1", "loopback"),
    ("127.0.0.2", "127.0.0.2", "loopback"),
    ("2130706433", "127.0.0.1", "loopback"),         # decimal
    ("0x7f000001", "127.0.0.1", "loopback"),         # hex
    ("0x7f.0.0.1", "127.0.0.1", "loopback"),         # hex part
    ("0177.0.0.1", "127.0.0.1", "loopback"),         # octal
    ("0177.1", "127.0.0.1", "loopback"),             # octal, short
    ("127.1", "127.0.0.1", "loopback"),              # short form
    ("127.0.1", "127.0.0.1", "loopback"),
    ("[::1]", "::1", "loopback"),
    ("::1", "::1", "loopback"),
    ("0:0:0:0:0:0:0:1", "::1", "loopback"),
    ("::ffff:127.0.0.1", "::ffff:7f00:1", "loopback"),   # IPv4-mapped
    ("[::ffff:7f00:1]", "::ffff:7f00:1", "loopback"),
    ("::ffff:10.0.0.1", "::ffff:a00:1", "private network"),
    ("::127.0.0.1", "::7f00:1", "loopback"),             # IPv4-compatible
    ("2002:7f00:1::", "2002:7f00:1::", "loopback"),      # 6to4
    ("2002:a9fe:a9fe::", "2002:a9fe:a9fe::", "link-local"),
    ("64:ff9b::10.0.0.1", "64:ff9b::a00:1", "private network"),  # NAT64
    ("10.0.0.1", "10.0.0.1", "private network"),
    ("172.16.5.4", "172.16.5.4", "private network"),
    ("192.168.1.1", "192.168.1.1", "private network"),
    ("169.254.169.254", "169.254.169.254", "link-local"),  # cloud metadata
    ("fe80::1", "fe80::1", "link-local"),
    ("fd00::1", "fd00::1", "private network"),
    ("224.0.0.1", "224.0.0.1", "multicast"),
    ("ff02::1", "ff02::1", "multicast"),
    ("0.0.0.0", "0.0.0.0", "unspecified"),
    ("0", "0.0.0.0", "unspecified"),
    ("::", "::", "unspecified"),
    ("100.64.0.1", "100.64.0.1", "shared address space"),
    ("240.0.0.1", "240.0.0.1", "reserved"),
    ("255.255.255.255", "255.255.255.255", "reserved"),
    ("192.0.2.1", "192.0.2.1", "private network"),      # documentation
    ("2001:db8::1", "2001:db8::1", "private network"),
])
def test_private_addresses_are_refused_in_every_spelling(host, shown, kind, dns):
    with pytest.raises(FetchRefused) as caught:
        resolve_and_check(host, 80, [])
    assert caught.value.reason == f"fetch refused: private address {shown} ({kind})"
    assert dns.lookups == []  # an address is never sent to DNS


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "api.localhost"])
def test_localhost_names_are_refused_without_a_lookup(host, dns):
    dns["localhost"] = ["127.0.0.1"]
    with pytest.raises(FetchRefused, match=r"^fetch refused: private address \(.*localhost\)$"):
        resolve_and_check(host, 80, [])
    assert dns.lookups == []


def test_name_resolving_to_a_private_address_is_refused(dns):
    dns["intranet.example"] = ["10.1.2.3"]
    with pytest.raises(FetchRefused) as caught:
        resolve_and_check("intranet.example", 443, [])
    assert caught.value.reason == (
        "fetch refused: private address 10.1.2.3 (private network) for host intranet.example")


def test_any_private_address_among_public_ones_is_refused(dns):
    dns["mixed.example"] = ["93.184.216.34", "2606:2800:220:1::1", "::ffff:127.0.0.1"]
    with pytest.raises(FetchRefused, match="loopback"):
        resolve_and_check("mixed.example", 80, [])


def test_public_addresses_pass_and_are_returned(dns):
    dns["news.example"] = ["93.184.216.34", "2606:2800:220:1::1", "93.184.216.34"]
    assert resolve_and_check("news.example", 80, []) == ["93.184.216.34", "2606:2800:220:1::1"]
    assert resolve_and_check("8.8.8.8", 80, []) == ["8.8.8.8"]
    assert resolve_and_check("[2606:4700::1111]", 443, []) == ["2606:4700::1111"]


@pytest.mark.parametrize("host, allow", [
    ("127.0.0.1", ["127.0.0.1"]),
    ("0x7f000001", ["127.0.0.1"]),
    ("127.0.0.1", ["127.0.0.0/8"]),
    ("::ffff:127.0.0.1", ["127.0.0.1"]),
    ("10.20.30.40", ["10.0.0.0/8"]),
    ("[::1]", ["::1"]),
    ("::1", ["[::1]"]),
    ("fd12::5", ["fd00::/8"]),
    ("localhost", ["localhost"]),
    ("example.internal", ["Example.Internal"]),
    ("example.internal", ["10.0.0.0/8"]),
])
def test_allow_list_lets_operators_fetch_private_hosts(host, allow, dns):
    dns["localhost"] = ["127.0.0.1", "::1"]
    dns["example.internal"] = ["10.9.8.7"]
    assert resolve_and_check(host, 80, allow)


def test_allow_list_does_not_open_other_private_addresses(dns):
    dns["example.internal"] = ["10.9.8.7"]
    with pytest.raises(FetchRefused, match="10.9.8.7"):
        resolve_and_check("example.internal", 80, ["127.0.0.1", "other.internal", "10.0.0.0/16"])
    with pytest.raises(FetchRefused, match="::1"):
        resolve_and_check("::1", 80, ["127.0.0.1"])


def test_unknown_host_is_a_permanent_failure(dns):
    with pytest.raises(FetchFailed) as caught:
        resolve_and_check("no-such-host.example", 80, [])
    assert caught.value.reason == ("cannot reach no-such-host.example (host not found): "
                                   "check the URL and the network")


def test_temporary_dns_failure_is_transient(monkeypatch):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FetchUnavailable, match="DNS lookup failed for news.example"):
        resolve_and_check("news.example", 80, [])

