"""Which URLs a node may call. Every URL a partner hands us (its versions URL, endpoints, `response_url`) is
attacker-influenced: by default only public HTTPS hosts, checked after DNS resolution."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ocpi.core.errors import UnableToUseClientApi


@dataclass(frozen=True)
class UrlPolicy:
    allow_private: bool = False
    """Allow plain HTTP and loopback, link-local and private addresses: development, tests, `--demo`."""

    async def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnableToUseClientApi(f"refusing to call {url!r}: not an http(s) URL")
        if self.allow_private:
            return
        if parts.scheme != "https":
            raise UnableToUseClientApi(f"refusing to call {url!r}: plain HTTP (allow private URLs for development)")
        for address in await _addresses(parts.hostname, parts.port or 443):
            if not address.is_global:
                raise UnableToUseClientApi(f"refusing to call {url!r}: {address} is not a public address")


async def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UnableToUseClientApi(f"cannot resolve {host}: {error}") from error
    return [ipaddress.ip_address(info[4][0]) for info in infos]
