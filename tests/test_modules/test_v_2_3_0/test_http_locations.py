"""OCPI 2.3.0 locations over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestLocations(http_suites.LocationsSuite):
    version = "2.3.0"


class TestRouting(http_suites.RoutedSuite):
    version = "2.3.0"
