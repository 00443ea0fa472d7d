"""OCPI 2.2.1 tariffs over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestTariffs(http_suites.TariffsSuite22):
    version = "2.2.1"
