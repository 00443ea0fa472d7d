"""Authorization token codec: Base64 in 2.2.1 and 2.3.0, raw in 2.1.1; both spellings accepted on input."""

from __future__ import annotations

import base64
import binascii
import functools
import hmac

_PREFIX = "token "
_BASE64_VERSIONS = frozenset({"2.2", "2.2.1", "2.3.0"})


def encode_string_base64(value: str) -> str:
    """Base64 (RFC 4648 §4) of the UTF-8 bytes of `value`, exactly those bytes (no trailing newline)."""
    return base64.b64encode(value.encode()).decode("ascii")


def decode_string_base64(value: str) -> str:
    """Inverse of `encode_string_base64`; raises ValueError when `value` is not Base64 of UTF-8 text."""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True).decode()
    except (binascii.Error, UnicodeError) as error:
        raise ValueError("not a Base64 encoded string") from error


def uses_base64(version: str) -> bool:
    return str(version) in _BASE64_VERSIONS


def from_to_headers(sender: tuple[str, str], receiver: tuple[str, str]) -> dict[str, str]:
    """The routing headers (2.2+) of a message from `sender` to `receiver`, each a (country_code, party_id)."""
    return {
        "OCPI-from-country-code": sender[0],
        "OCPI-from-party-id": sender[1],
        "OCPI-to-country-code": receiver[0],
        "OCPI-to-party-id": receiver[1],
    }


def authorization_header(token: str, version: str, *, base64_token: bool | None = None) -> str:
    """The header value we send: `Token <base64>` for 2.2+ peers, `Token <raw>` for 2.1.1, unless overridden."""
    encode = uses_base64(version) if base64_token is None else base64_token
    return "Token " + (encode_string_base64(token) if encode else token)


def _credential(authorization: str | None) -> str | None:
    if not authorization or authorization[: len(_PREFIX)].lower() != _PREFIX:
        return None
    credential = authorization[len(_PREFIX) :].strip()
    return credential or None


@functools.lru_cache(maxsize=1024)  # every request asks, with one of a few header values
def token_candidates(authorization: str | None) -> tuple[str, ...]:
    """Every token the header may mean: the raw value, and its Base64 decoding when it decodes to printable
    ASCII (one trailing newline dropped, as the spec's own examples encode one)."""
    credential = _credential(authorization)
    if credential is None:
        return ()
    try:
        decoded = decode_string_base64(credential)
    except ValueError:
        return (credential,)
    if decoded.endswith("\n"):
        decoded = decoded[:-1]
    if decoded and decoded != credential and decoded.isascii() and decoded.isprintable() and " " not in decoded:
        return (credential, decoded)
    return (credential,)


def get_auth_token(authorization: str | None, version: str = "2.2.1") -> str | None:
    """The token in an `Authorization` header, read as `version` sends it: Base64-decoded for 2.2.1 and
    2.3.0 (falling back to the raw value when it does not decode), raw for 2.1.1."""
    candidates = token_candidates(authorization)
    if not candidates:
        return None
    if uses_base64(version) and len(candidates) == 2:
        return candidates[1]
    return candidates[0]


def tokens_equal(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
