"""AFIR (EU 2023/1804) data completeness of Locations and Tariffs published to a National Access Point.

`check(location, tariffs)` lists what a NAP taking OCPI 2.3.0 would miss or reject, item by item of the
NAP-EU mapping table (`ITEMS`); `completeness(findings)` scores it.
"""

from ocpi.afir.checks import Finding, Severity, check, completeness, missing_mandatory
from ocpi.afir.items import ITEMS, ITEMS_BY_NUMBER, AfirItem, Carriage

__all__ = [
    "ITEMS",
    "ITEMS_BY_NUMBER",
    "AfirItem",
    "Carriage",
    "Finding",
    "Severity",
    "check",
    "completeness",
    "missing_mandatory",
]
