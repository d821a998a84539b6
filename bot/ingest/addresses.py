"""Which IP addresses a page may be fetched from: globally routable unicast ones only.

``ipaddress``'s ``is_global`` is the base, but it is not enough on its own: its tables change
between Python releases (3.11.7 calls 3fff::/20 and 192.0.0.8 global), it calls multicast and
the deprecated site-local range fec0::/10 global, and an IPv6 address that carries an IPv4 one
(IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, 6to4 ``2002::/16``, Teredo
``2001::/32``, NAT64 ``64:ff9b::/96``) reaches that IPv4 address, so it is judged by it.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not globally reachable per the IANA special-purpose registries, listed here as well so that the
# decision does not depend on the Python release's copy of them.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23", "2001:db8::/32",
        "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip
# 192.0.0.0/24 is not global except these two anycast services.
_GLOBAL_EXCEPTIONS = (ipaddress.ip_network("192.0.0.9/32"), ipaddress.ip_network("192.0.0.10/32"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_address(address: str) -> IPAddress | None:
    """The address in ``address`` (an IPv6 zone such as ``%eth0`` dropped), or ``None`` if it is not one."""
    try:
        return ipaddress.ip_address(address.split("%", 1)[0].strip())
    except ValueError:
        return None


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address stands for (empty for a plain IPv6 address)."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip in _IPV4_COMPATIBLE or ip in _NAT64:
        return (ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF),)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:
        return ip.teredo  # (server, client): a packet goes through both
    return ()


def is_public_address(address: str) -> bool:
    """Whether ``address`` is a globally routable unicast address (the only kind a fetch may reach)."""
    ip = parse_address(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner:
            return all(_is_global(v4) for v4 in inner)
    return _is_global(ip)


def _is_global(ip: IPAddress) -> bool:
    if any(ip in net for net in _GLOBAL_EXCEPTIONS):
        return True
    return (
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not any(ip in net for net in _NOT_GLOBAL)
    )
