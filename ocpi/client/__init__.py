"""An async client for another OCPI party: discovery, typed calls, paginated iteration, retries."""

from ocpi.client.client import OcpiClient, PartnerSettings, Skipped, join_url
from ocpi.client.policy import UrlPolicy

__all__ = ["OcpiClient", "PartnerSettings", "Skipped", "UrlPolicy", "join_url"]
