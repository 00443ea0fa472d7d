"""OCPI 2.2.1 hubclientinfo over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestHubClientInfo(http_suites.HubClientInfoSuite):
    version = "2.2.1"
