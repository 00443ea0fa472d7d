"""Pagination header helpers: reading `Link: <...>; rel="next"` (RFC 8288) as partners really send it."""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
_PARAM = re.compile(r";\s*([A-Za-z*]+)\s*=\s*(\"[^\"]*\"|[^;,\s]+)")


def next_link(header: str | None) -> str | None:
    """The URL with `rel="next"` in a Link header value, tolerating quoting, other params and other links."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        for name, value in _PARAM.findall(match.group(2)):
            if name.lower() == "rel" and "next" in value.strip('"').lower().split():
                return match.group(1).strip()
    return None
