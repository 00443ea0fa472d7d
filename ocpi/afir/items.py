"""The AFIR data items (EU 2023/1804, Tables A, B and F of the NAP-EU mapping onto OCPI 2.3.0), as data.

Numbers are the table letter and the row: A5 is Table A row 5 (helpdesk telephone). Choices where the
table is silent:

- Mandatory: every item AFIR asks each public station or point to report, except those it asks for only
  "where relevant" (A8, A13, A17) and the list of accepted mobility service providers (B7), which a
  station may not have. An optional item that is absent is reported, not held against the operator.
- Yes/no items (facilities, payment terminals, capabilities) are carried in OCPI as lists and flags: an
  omitted list or flag says neither yes nor no, so it counts as missing; an empty list says "no".
- Carriage: how OCPI 2.3.0 carries the item. `converted` means the table's "data format is not the same",
  but the NAP can convert it without loss (W to kW, alpha-3 to alpha-2, IANA zone to ISO 8601 offset);
  `partial` and `none` are where the table notes OCPI cannot carry (all of) it: the check says so in an
  informational finding instead of flagging the operator.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ocpi.afir import rules
from ocpi.afir.rules import Rule


class Carriage(enum.StrEnum):
    DIRECT = "direct"
    CONVERTED = "converted"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True)
class AfirItem:
    number: str
    name: str
    level: str
    """`station` (the OCPI Location) or `point` (the OCPI EVSE)."""
    mandatory: bool
    paths: tuple[str, ...]
    """Where OCPI 2.3.0 carries it; `*` stands for every index."""
    data_format: str
    """The table's "Data format" column, in short."""
    carriage: Carriage
    rule: Rule | None
    limitation: str = ""
    """What OCPI 2.3.0 cannot carry (from the table's remarks); for `partial` and `none` items."""


_D, _C, _P, _N = Carriage.DIRECT, Carriage.CONVERTED, Carriage.PARTIAL, Carriage.NONE
_CAPABILITIES = ("/evses/*/capabilities",)

# fmt: off
ITEMS: tuple[AfirItem, ...] = (
    # Table A: static data of recharging and refuelling stations
    AfirItem("A1", "Legal name of the operator or owner", "station", True, ("/operator/name", "/owner/name"),
             "text", _D, rules.text("/operator/name", "/owner/name")),
    AfirItem("A2", "Commercial name of the operator or owner", "station", True, ("/operator/name", "/owner/name"),
             "text", _P, rules.text("/operator/name", "/owner/name"),
             "BusinessDetails has one name: operator.name goes to the NAP as both legal and commercial name"),
    AfirItem("A3", "Number of recharging points", "station", True, ("/evses",),
             "number", _C, rules.recharging_points),
    AfirItem("A4", "Service support (attended station)", "station", False, ("/facilities",),
             "text", _N, None,
             "no Facility value says a station is attended (the table proposes adding one to the OpenEnum)"),
    AfirItem("A5", "Helpdesk telephone", "station", True, ("/help_phone",),
             "+<country code> <number with starting zero>[-<extension>]", _D, rules.helpdesk_phone),
    AfirItem("A6", "Facilities offering associated services", "station", True,
             ("/facilities", "/parking_places/*/roofed", "/parking_places/*/lighting"),
             "yes/no list", _P, rules.facilities,
             "Facility has no value for bathrooms or resting facilities"),
    AfirItem("A7", "GNSS geographic location", "station", True, ("/coordinates", "/evses/*/coordinates"),
             "WGS84 decimal latitude and longitude", _D, rules.coordinates),
    AfirItem("A8", "Additional geographic location information", "station", False,
             ("/evses/*/floor_level", "/evses/*/physical_reference", "/evses/*/directions", "/directions"),
             "text and numbers", _D, rules.evse_whereabouts),
    AfirItem("A9", "Country", "station", True, ("/country",),
             "ISO 3166-1 alpha-2", _C, rules.country),
    AfirItem("A10", "Region", "station", True, ("/state",),
             "NUTS-1 code", _C, rules.nuts_region),
    AfirItem("A11", "City or town", "station", True, ("/city",),
             "text", _D, rules.text("/city")),
    AfirItem("A12", "Postal code", "station", True, ("/postal_code",),
             "text and numbers", _D, rules.text("/postal_code")),
    AfirItem("A13", "Address name", "station", False, ("/address",),
             "street name followed by number", _D, rules.street_address),
    AfirItem("A14", "Opening time", "station", True, ("/opening_times",),
             "week days followed by time ranges", _C, rules.opening_times),
    AfirItem("A15", "Time zone", "station", True, ("/time_zone",),
             "ISO 8601", _C, rules.time_zone),
    AfirItem("A16", "Vehicle-type compatibility", "station", True, ("/parking_places/*/vehicle_types",),
             "UNECE vehicle categories, yes/no list", _C, rules.vehicle_types),
    AfirItem("A17", "Vehicle specifications permitted", "station", False,
             tuple(f"/parking_places/*/{field}" for field in rules.VEHICLE_LIMITS),
             "tonnes and metres", _C, rules.vehicle_limits),
    AfirItem("A18", "Number of parking spaces", "station", True, ("/parking_places",),
             "integer", _C, rules.parking_spaces),
    AfirItem("A19", "Number of parking spaces for people with disabilities", "station", True,
             ("/parking_places/*/vehicle_types", "/evses/*/parking_restrictions"),
             "integer", _C, rules.disabled_parking),
    AfirItem("A20", "Payment device with bank card reader", "station", True, _CAPABILITIES,
             "yes/no (CHIP_CARD_SUPPORT)", _C, rules.capabilities),
    AfirItem("A21", "Payment device with contactless functionality", "station", True, _CAPABILITIES,
             "yes/no (CONTACTLESS_CARD_SUPPORT)", _C, rules.capabilities),
    AfirItem("A22", "Other ad-hoc payment option", "station", False, (),
             "yes/no per option", _N, None,
             "no OCPI 2.3.0 field for QR-code, website or cash payment"),
    AfirItem("A23", "Payment providers accepted for ad-hoc payment", "station", False, (),
             "text list", _N, None,
             "no OCPI 2.3.0 field for the accepted card networks (card_payment_options comes with OCPI 3.0)"),
    AfirItem("A24", "Contract-based (subscription) payment option", "station", True, _CAPABILITIES,
             "yes/no", _C, rules.capabilities),
    # Table B: static data of electric recharging infrastructure
    AfirItem("B1", "Recharging point ID code", "point", True, ("/evses/*/evse_id",),
             "eMI3 EVSE ID", _D, rules.evse_ids),
    AfirItem("B2", "Number of connectors", "point", True, ("/evses/*/connectors",),
             "integer", _C, rules.connector_count),
    AfirItem("B3", "Type of connector", "point", True, ("/evses/*/connectors/*/standard",),
             "Type 2, CCS, MCS, CHAdeMO or other", _C, rules.connector_standards),
    AfirItem("B4", "Type of current", "point", True, ("/evses/*/connectors/*/power_type",),
             "AC or DC", _C, rules.power_types),
    AfirItem("B5", "Recharging station maximum power", "station", True,
             ("/evses/*/connectors/*/max_electric_power",),
             "kW", _P, rules.station_power,
             "power is given per connector only: the NAP can sum the connectors' maxima, not the station's limit"),
    AfirItem("B6", "Recharging point maximum power", "point", True, ("/evses/*/connectors/*/max_electric_power",),
             "kW", _C, rules.connector_power),
    AfirItem("B7", "Mobility service providers offering contract-based recharging", "station", False,
             ("/evses/*/accepted_service_providers",),
             "text list", _D, rules.service_providers),
    AfirItem("B8", "Plug-and-charge", "point", True, ("/evses/*/capabilities", "/evses/*/connectors/*/capabilities"),
             "yes/no", _C, rules.plug_and_charge),
    AfirItem("B9", "Smart recharging services", "point", True, _CAPABILITIES,
             "yes/no per service", _P, rules.capabilities,
             "Capability has remote control and charging preferences but no value for bidirectional charging"),
    AfirItem("B10", "Electricity supplied is 100% renewable", "station", True, ("/energy_mix/is_green_energy",),
             "yes/no", _C, rules.green_energy),
    # Table F: dynamic data
    AfirItem("F1", "Operational status", "point", True, ("/evses/*/status",),
             "operational or non-operational", _C, rules.status("operational status")),
    AfirItem("F2", "Availability", "point", True, ("/evses/*/status",),
             "in use, reserved or not in use", _C, rules.status("availability")),
    AfirItem("F3", "Ad hoc price", "station", True, ("/evses/*/connectors/*/tariff_ids", "Tariff"),
             "ISO 4217 national currency per kWh, per minute or per session", _C, rules.ad_hoc_price),
)
# fmt: on

ITEMS_BY_NUMBER: dict[str, AfirItem] = {item.number: item for item in ITEMS}
