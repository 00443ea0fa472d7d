"""OCPI 2.1.1 sessions over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestSessions(http_suites.SessionsSuite):
    version = "2.1.1"
