"""The address guard's decision, on a table (no traffic: nothing here opens a connection)."""

from __future__ import annotations

import ipaddress

import pytest

from bot.ingest.addresses import embedded_ipv4, is_public_address
from bot.ingest.fetch import FetchError, check_address

REFUSED = [
    # IPv4 ranges that are not globally routable
    "0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.100.100.200", "100.127.255.254", "127.0.0.1",
    "127.255.255.255", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.0.170",
    "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1",
    "239.255.255.250", "240.0.0.1", "255.255.255.255",
    # IPv6 ranges that are not globally routable
    "::", "::1", "fe80::1", "fe80::1%eth0", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1",
    "2001:db8::1", "3fff::1", "5f00::1", "100::1", "64:ff9b:1::a00:1", "2001:2::1", "200::1",
    # IPv6 forms that carry a non-global IPv4 address
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:100.64.0.1", "::127.0.0.1", "::10.0.0.1",
    "2002:a00:1::1", "2002:7f00:1::1", "2002:c0a8:101::1", "2002:6440:1::1",
    "64:ff9b::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::169.254.169.254",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo whose client is 10.0.0.1
    "2001:0:a00:1:8000:63bf:a2b8:29dd",  # Teredo through server 10.0.0.1 (client 93.71.214.34 is global)
    # not addresses at all
    "", "example.org", "300.1.1.1", "::g",
]  # fmt: skip
ALLOWED = [
    "1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.1", "192.0.0.9", "172.32.0.1",
    "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
    "::ffff:93.184.216.34", "64:ff9b::93.184.216.34", "2002:5db8:d822::1",
    "2001:0:5db8:d822:8000:63bf:a2b8:29dd",  # Teredo: server 93.184.216.34, client 93.71.214.34
]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED)
def test_non_global_addresses_are_refused(address):
    assert not is_public_address(address)
    with pytest.raises(FetchError, match="refused"):
        check_address(address, allow_private=False)


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_are_allowed(address):
    assert is_public_address(address)
    check_address(address, allow_private=False)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "100.64.0.1", "::1", "fe80::1%eth0", "2002:a00:1::1"])
def test_allow_private_lets_every_address_through(address):
    check_address(address, allow_private=True)  # NEWSBOT_FETCH_ALLOW_PRIVATE=true: tests and home networks


@pytest.mark.parametrize("text", ["", "example.org", "300.1.1.1", "::g"])
def test_something_that_is_not_an_address_is_refused_under_any_policy(text):
    with pytest.raises(FetchError, match="not an IP address"):
        check_address(text, allow_private=True)


@pytest.mark.parametrize(
    ("address", "inner"),
    [
        ("::ffff:10.0.0.1", ["10.0.0.1"]),
        ("::10.0.0.1", ["10.0.0.1"]),
        ("64:ff9b::10.0.0.1", ["10.0.0.1"]),
        ("2002:a00:1::1", ["10.0.0.1"]),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", ["65.54.227.120", "10.0.0.1"]),
        ("2606:4700:4700::1111", []),
    ],
)
def test_embedded_ipv4_addresses_are_unpacked(address, inner):
    assert [str(v4) for v4 in embedded_ipv4(ipaddress.IPv6Address(address))] == inner
