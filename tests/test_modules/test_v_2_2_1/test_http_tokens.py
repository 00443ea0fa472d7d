"""OCPI 2.2.1 tokens over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestTokens(http_suites.TokensSuite22):
    version = "2.2.1"
