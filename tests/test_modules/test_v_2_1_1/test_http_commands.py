"""OCPI 2.1.1 commands over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestCommands(http_suites.CommandsSuite):
    version = "2.1.1"
