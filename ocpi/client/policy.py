"""Which URLs a node may call. Every URL a partner hands us (its versions URL, endpoints, `response_url`) is
attacker-influenced: by default only HTTPS hosts whose every address is public, in every reading of it.

A name is resolved once, by `addresses`, and the connection goes to the very addresses that were judged (the
transport never resolves again), so a name that answers a public address to the check and a private one to
the connection (DNS rebinding) reaches nothing."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from ocpi.core.errors import UnableToUseClientApi

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Global unicast IPv6 is 2000::/3 (RFC 4291); outside it nothing is routable on the internet (loopback, the
# IPv4-compatible ::/96, NAT64's local-use 64:ff9b:1::/48, discard 100::/64, unique-local fc00::/7, link- and
# site-local, multicast). Inside it, the IETF's special-purpose blocks that are not (IANA special-purpose
# address registry): protocol assignments (Teredo 2001::/32, benchmarking, ORCHID), documentation, the
# returned 6bone.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NOT_GLOBAL_V6 = tuple(ipaddress.IPv6Network(n) for n in ("2001::/23", "2001:db8::/32", "3fff::/20", "3ffe::/16"))
# Python's `is_global` leaves out multicast and these IPv4 blocks (IETF protocol assignments, the deprecated
# 6to4 relay anycast).
_NOT_GLOBAL_V4 = tuple(ipaddress.IPv4Network(n) for n in ("192.0.0.0/24", "192.88.99.0/24"))
# NAT64's well-known prefix (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public(address: IPAddress) -> bool:
    """Whether `address` is globally routable unicast in every reading: an IPv6 address that carries an IPv4
    address (IPv4-mapped, NAT64, 6to4) is public only if that IPv4 address is."""
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_global and not address.is_multicast and not any(address in n for n in _NOT_GLOBAL_V4)
    embedded = address.ipv4_mapped or address.sixtofour
    if embedded is None and address in _NAT64:
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if embedded is not None:
        return is_public(embedded)
    return address in _GLOBAL_UNICAST_V6 and not any(address in n for n in _NOT_GLOBAL_V6)


class RefusedUrl(UnableToUseClientApi):
    """The URL itself is refused (its scheme, or a private address written in it): saying so tells whoever gave
    it nothing they did not know. Refusals that depend on what a name resolves to are plain
    UnableToUseClientApi."""


@dataclass(frozen=True)
class UrlPolicy:
    """Which partner URLs a client may call: HTTPS to public addresses, unless `allow_private`."""

    allow_private: bool = False
    """Allow plain HTTP and loopback, link-local and private addresses: development, tests, `--demo`."""

    def parse(self, url: str) -> SplitResult:
        """`url` split, if its text is acceptable: http(s), a host, no credentials; by default HTTPS and, when
        the host is an address, a public one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RefusedUrl(f"refusing to call {url!r}: not an http(s) URL")
        try:
            parts.port  # noqa: B018 (raises on a port that is not a number from 0 to 65535)
        except ValueError:
            raise RefusedUrl(f"refusing to call {url!r}: invalid port") from None
        if "@" in parts.netloc:
            raise RefusedUrl(f"refusing to call {url!r}: credentials in a URL are not sent")
        if self.allow_private:
            return parts
        if parts.scheme != "https":
            raise RefusedUrl(f"refusing to call {url!r}: plain HTTP (allow private URLs for development)")
        literal = _literal(parts.hostname)
        if literal is not None and not is_public(literal):
            raise RefusedUrl(f"refusing to call {url!r}: {literal} is not a public address")
        return parts

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for `host`: resolved once; by default every one must be public (a name
        that also resolves to a private address is refused whole)."""
        found = await _addresses(host, port)
        if not self.allow_private:
            for address in found:
                if not is_public(address):
                    raise UnableToUseClientApi(f"refusing to call {host}: {address} is not a public address")
        return found

    async def check(self, url: str) -> list[IPAddress]:
        """`parse` and `addresses` in one: the addresses `url` may be called at."""
        parts = self.parse(url)
        assert parts.hostname is not None
        return await self.addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def _addresses(host: str, port: int) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UnableToUseClientApi(f"cannot resolve {host}: {error}") from error
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address not in found:
            found.append(address)
    return found
