"""Demo data for `ocpi serve --demo`: the official 2.3.0 examples (locations, tariffs, sessions, CDRs, tokens),
made consistent with each other and owned by the node's own parties.

What changed from the examples, so that the objects refer to one another: every owner is the node's CPO (or,
for tokens, eMSP) party; tariff ids are those the example Location's connectors name (11, 12, 13); sessions
and the CDR charge at existing EVSEs and connectors of LOC1 with a demo token; the CDR's embedded tariff
gains `tax_included`, which the example lacks (an erratum, see tests/examples_map/cdrs.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ocpi.core.enums import RoleEnum
from ocpi.node.node import Node

Owner = tuple[str, str]
Data = dict[str, Any]


def _owned(owner: Owner, **fields: Any) -> Data:
    return {"country_code": owner[0], "party_id": owner[1], **fields}


def _tariff(owner: Owner, tariff_id: str, components: list[Data], updated: str) -> Data:
    """One of the examples' simple tariffs (mod_tariffs examples 1, 8 and 13)."""
    return _owned(
        owner,
        id=tariff_id,
        currency="EUR",
        elements=[{"price_components": components}],
        tax_included="NO",
        last_updated=updated,
    )


def tariffs(cpo: Owner) -> list[Data]:
    per_kwh = [{"type": "ENERGY", "price": Decimal("0.25"), "vat": Decimal("10.0"), "step_size": 1}]
    per_hour = [{"type": "TIME", "price": Decimal("2.00"), "vat": Decimal("10.0"), "step_size": 60}]
    per_hour_and_parking = [
        {"type": "TIME", "price": Decimal("3.00"), "vat": Decimal("10.0"), "step_size": 60},
        {"type": "PARKING_TIME", "price": Decimal("5.00"), "vat": Decimal("20.0"), "step_size": 300},
    ]
    return [
        _tariff(cpo, "11", per_kwh, "2018-12-17T11:16:55Z"),
        _tariff(cpo, "12", per_hour, "2015-06-29T20:39:09Z"),
        _tariff(cpo, "13", per_hour_and_parking, "2018-12-17T17:00:43Z"),
    ]


def _connector(connector_id: str, connector_format: str, tariff_id: str | None, updated: str) -> Data:
    connector: Data = {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": connector_format,
        "power_type": "AC_3_PHASE",
        "max_voltage": 220,
        "max_amperage": 16,
        "last_updated": updated,
    }
    if tariff_id is not None:
        connector["tariff_ids"] = [tariff_id]
    return connector


def _parking(left: str, right: str) -> list[Data]:
    return [{"parking_id": left, "evse_position": "LEFT"}, {"parking_id": right, "evse_position": "RIGHT"}]


def locations(cpo: Owner) -> list[Data]:
    """location_example.json (a parking garage in Gent) and the destination charger of use case 2."""
    prefix = f"{cpo[0]}*{cpo[1]}"
    gent = _owned(
        cpo,
        id="LOC1",
        publish=True,
        name="Gent Zuid",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        postal_code="9000",
        country="BEL",
        coordinates={"latitude": "51.047599", "longitude": "3.729944"},
        parking_type="PARKING_GARAGE",
        evses=[
            {
                "uid": "3256",
                "evse_id": f"{prefix}*E041503001",
                "status": "AVAILABLE",
                "capabilities": ["RESERVABLE"],
                "connectors": [
                    _connector("1", "CABLE", "11", "2015-03-16T10:10:02Z"),
                    _connector("2", "SOCKET", "13", "2015-03-18T08:12:01Z"),
                ],
                "parking": [
                    {"parking_id": "1", "evse_position": "LEFT"},
                    {"parking_id": "2", "evse_position": "RIGHT"},
                ],
                "physical_reference": "1",
                "floor_level": "-1",
                "last_updated": "2015-06-28T08:12:01Z",
            },
            {
                "uid": "3257",
                "evse_id": f"{prefix}*E041503002",
                "status": "RESERVED",
                "capabilities": ["RESERVABLE"],
                "connectors": [_connector("1", "SOCKET", "12", "2015-06-29T20:39:09Z")],
                "parking": [
                    {"parking_id": "2", "evse_position": "LEFT"},
                    {"parking_id": "3", "evse_position": "RIGHT"},
                ],
                "physical_reference": "2",
                "floor_level": "-2",
                "last_updated": "2015-06-29T20:39:09Z",
            },
        ],
        parking_places=[
            {
                "id": place,
                "physical_reference": f"B{place}",
                "vehicle_types": ["PERSONAL_VEHICLE"],
                "reservation_required": False,
                "restricted_to_type": True,
            }
            for place in ("1", "2", "3")
        ],
        operator={"name": "BeCharged"},
        time_zone="Europe/Brussels",
        last_updated="2015-06-29T20:39:09Z",
    )
    ihomer = _owned(
        cpo,
        id="3e7b39c2-10d0-4138-a8b3-8509a25f9920",
        publish=True,
        name="ihomer",
        address="Tamboerijn 7",
        city="Etten-Leur",
        postal_code="4876 BS",
        country="NLD",
        coordinates={"latitude": "51.562787", "longitude": "4.638975"},
        parking_type="PARKING_LOT",
        evses=[
            {
                "uid": "fd855359-bc81-47bb-bb89-849ae3dac89e",
                "evse_id": f"{prefix}*E000000001",
                "status": "AVAILABLE",
                "connectors": [_connector("1", "SOCKET", "12", "2019-07-01T12:12:11Z")],
                "parking_restrictions": ["CUSTOMERS"],
                "last_updated": "2019-07-01T12:12:11Z",
            }
        ],
        time_zone="Europe/Amsterdam",
        last_updated="2019-07-01T12:12:11Z",
    )
    return [gent, ihomer]


def tokens(emsp: Owner) -> list[Data]:
    """token_example_1_app_user.json and token_example_2_full_rfid.json."""
    return [
        _owned(
            emsp,
            uid="bdf21bce-fc97-11e8-8eb2-f2801f1b9fd1",
            type="APP_USER",
            contract_id="DE8ACC12E46L89",
            issuer="TheNewMotion",
            valid=True,
            whitelist="ALLOWED",
            last_updated="2018-12-10T17:16:15Z",
        ),
        _owned(
            emsp,
            uid="12345678905880",
            type="RFID",
            contract_id="DE8ACC12E46L89",
            visual_number="DF000-2001-8999-1",
            issuer="TheNewMotion",
            group_id="DF000-2001-8999",
            valid=True,
            whitelist="ALLOWED",
            language="it",
            default_profile_type="GREEN",
            energy_contract={"supplier_name": "Greenpeace Energy eG", "contract_id": "0123456789"},
            last_updated="2018-12-10T17:25:10Z",
        ),
    ]


def _cdr_token(emsp: Owner) -> Data:
    return _owned(emsp, uid="12345678905880", type="RFID", contract_id="DE8ACC12E46L89")


def _dimensions(**volumes: str) -> list[Data]:
    return [{"type": kind, "volume": Decimal(volume)} for kind, volume in volumes.items()]


def sessions(cpo: Owner, emsp: Owner) -> list[Data]:
    """session_example_2_short_finished.json and session_example_1_simple_start.json."""
    finished = _owned(
        cpo,
        id="101",
        start_date_time="2015-06-29T22:39:09Z",
        end_date_time="2015-06-29T23:50:16Z",
        kwh=Decimal("41.12"),
        cdr_token=_cdr_token(emsp),
        auth_method="WHITELIST",
        location_id="LOC1",
        evse_uid="3256",
        connector_id="1",
        currency="EUR",
        charging_periods=[
            {
                "start_date_time": "2015-06-29T22:39:09Z",
                "dimensions": [
                    {"type": "ENERGY", "volume": Decimal("120")},
                    {"type": "MAX_CURRENT", "volume": Decimal("30")},
                ],
            },
            {
                "start_date_time": "2015-06-29T22:40:54Z",
                "dimensions": [
                    {"type": "ENERGY", "volume": Decimal("41000")},
                    {"type": "MIN_CURRENT", "volume": Decimal("34")},
                ],
            },
            {
                "start_date_time": "2015-06-29T23:07:09Z",
                "dimensions": _dimensions(PARKING_TIME="0.718"),
                "tariff_id": "11",
            },
        ],
        total_cost={"before_taxes": Decimal("8.50"), "taxes": [{"name": "VAT", "amount": Decimal("0.85")}]},
        status="COMPLETED",
        last_updated="2015-06-29T23:50:17Z",
    )
    pending = _owned(
        cpo,
        id="102",
        start_date_time="2020-03-09T10:17:09Z",
        kwh=Decimal("0.0"),
        cdr_token=_cdr_token(emsp),
        auth_method="WHITELIST",
        location_id="LOC1",
        evse_uid="3257",
        connector_id="1",
        currency="EUR",
        total_cost={"before_taxes": Decimal("2.5")},
        status="PENDING",
        last_updated="2020-03-09T10:17:09Z",
    )
    return [finished, pending]


def cdrs(cpo: Owner, emsp: Owner) -> list[Data]:
    """cdr_example.json, at EVSE 3257 of LOC1 (whose tariff 12 it embeds)."""
    [tariff_12] = [t for t in tariffs(cpo) if t["id"] == "12"]
    return [
        _owned(
            cpo,
            id="12345",
            start_date_time="2024-12-05T17:39:09Z",
            end_date_time="2024-12-05T19:37:32Z",
            cdr_token=_cdr_token(emsp),
            auth_method="WHITELIST",
            cdr_location={
                "id": "LOC1",
                "name": "Gent Zuid",
                "address": "F.Rooseveltlaan 3A",
                "city": "Gent",
                "postal_code": "9000",
                "country": "BEL",
                "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
                "evse_uid": "3257",
                "evse_id": f"{cpo[0]}*{cpo[1]}*E041503002",
                "connector_id": "1",
                "connector_standard": "IEC_62196_T2",
                "connector_format": "SOCKET",
                "connector_power_type": "AC_3_PHASE",
            },
            currency="EUR",
            tariffs=[tariff_12],
            charging_periods=[
                {
                    "start_date_time": "2024-12-05T17:39:09Z",
                    "dimensions": _dimensions(TIME="1.973"),
                    "tariff_id": "12",
                }
            ],
            total_cost={"before_taxes": Decimal("4.00"), "taxes": [{"name": "VAT", "amount": Decimal("0.40")}]},
            total_energy=Decimal("15.342"),
            total_time=Decimal("1.973"),
            total_time_cost={"before_taxes": Decimal("4.00"), "taxes": [{"name": "VAT", "amount": Decimal("0.40")}]},
            last_updated="2024-12-05T20:02:13Z",
        )
    ]


def demo_objects(cpo: Owner | None, emsp: Owner | None) -> dict[str, list[Data]]:
    """The demo objects per module, in 2.3.0, for the parties the node has (a CPO's objects need a CPO)."""
    objects: dict[str, list[Data]] = {}
    if cpo is not None:
        # Tariffs before the locations naming them, locations before the sessions at them.
        objects["tariffs"] = tariffs(cpo)
        objects["locations"] = locations(cpo)
        token_owner = emsp or (cpo[0], "EMS")
        objects["sessions"] = sessions(cpo, token_owner)
        objects["cdrs"] = cdrs(cpo, token_owner)
    if emsp is not None:
        objects["tokens"] = tokens(emsp)
    return objects


@dataclass
class DemoLoad:
    created: dict[str, int] = field(default_factory=dict)
    kept: int = 0


async def load_demo(node: Node) -> DemoLoad:
    """Store the demo objects as the node's own (so they are pushed), leaving those already there untouched:
    running the demo twice changes nothing."""
    config = node.config
    cpo = config.owners(RoleEnum.CPO)[0] if RoleEnum.CPO in config.roles else None
    emsp = config.owners(RoleEnum.EMSP)[0] if RoleEnum.EMSP in config.roles else None
    result = DemoLoad()
    for module, payloads in demo_objects(cpo, emsp).items():
        own = node.own(module)
        owner = cpo if module != "tokens" else emsp
        for payload in payloads:
            object_id = payload.get("id") or payload["uid"]
            if await own.get(object_id, owner=owner, variant=payload.get("type", "") if module == "tokens" else ""):
                result.kept += 1
                continue
            await own.put(payload, owner=owner)
            result.created[module] = result.created.get(module, 0) + 1
    return result
