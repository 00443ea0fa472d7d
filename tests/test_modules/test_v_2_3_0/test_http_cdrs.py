"""OCPI 2.3.0 cdrs over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestCdrs(http_suites.CdrsSuite22):
    version = "2.3.0"
