from __future__ import annotations

import pytest

from ocpi.core.utils import (
    authorization_header,
    decode_string_base64,
    encode_string_base64,
    get_auth_token,
    token_candidates,
    tokens_equal,
)


def test_base64_codec_encodes_exact_bytes() -> None:
    assert encode_string_base64("example-token") == "ZXhhbXBsZS10b2tlbg=="
    assert decode_string_base64("ZXhhbXBsZS10b2tlbg==") == "example-token"
    with pytest.raises(ValueError):
        decode_string_base64("not base64!")


@pytest.mark.parametrize(
    ("version", "header", "expected"),
    [
        ("2.2.1", "Token ZXhhbXBsZS10b2tlbg==", "example-token"),
        ("2.3.0", "Token ZXhhbXBsZS10b2tlbg==", "example-token"),
        ("2.1.1", "Token ZXhhbXBsZS10b2tlbg==", "ZXhhbXBsZS10b2tlbg=="),
        ("2.1.1", "Token raw-token", "raw-token"),
        ("2.2.1", "Token raw-token", "raw-token"),  # many 2.2 peers never encode: fall back to raw
        ("2.2.1", "Token ZXhhbXBsZS10b2tlbgo=", "example-token"),  # the spec's own example encodes a newline
        ("2.2.1", "token ZXhhbXBsZS10b2tlbg==", "example-token"),
        ("2.2.1", "Bearer ZXhhbXBsZS10b2tlbg==", None),
        ("2.2.1", None, None),
        ("2.2.1", "Token ", None),
    ],
)
def test_get_auth_token_per_version(version: str, header: str | None, expected: str | None) -> None:
    assert get_auth_token(header, version) == expected


def test_server_accepts_both_spellings() -> None:
    assert set(token_candidates("Token ZXhhbXBsZS10b2tlbg==")) == {"ZXhhbXBsZS10b2tlbg==", "example-token"}
    assert token_candidates("Token abc") == ("abc",)


def test_authorization_header_per_version() -> None:
    assert authorization_header("example-token", "2.2.1") == "Token ZXhhbXBsZS10b2tlbg=="
    assert authorization_header("example-token", "2.1.1") == "Token example-token"
    assert authorization_header("example-token", "2.2.1", base64_token=False) == "Token example-token"


def test_tokens_equal() -> None:
    assert tokens_equal("a", "a") and not tokens_equal("a", "b")
