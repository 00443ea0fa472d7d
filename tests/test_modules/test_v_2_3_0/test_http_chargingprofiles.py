"""OCPI 2.3.0 chargingprofiles over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

from tests.test_server import http_suites


class TestChargingProfiles(http_suites.ChargingProfilesSuite):
    version = "2.3.0"
