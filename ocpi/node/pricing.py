"""Opt-in (`NodeConfig.fill_total_cost`): a CPO's own Sessions and CDRs get their `total_cost` from the
tariff that applies, priced by `ocpi.tariffs` before they are stored and pushed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.core.validation import parse
from ocpi.modules.locations.v_2_3_0.schemas import Location
from ocpi.modules.tariffs.v_2_3_0.schemas import Tariff
from ocpi.storage.base import ObjectKey
from ocpi.tariffs import PricingError, choose_tariff, fill_total_cost

if TYPE_CHECKING:
    from ocpi.core.interfaces import ObjectType
    from ocpi.node.node import Node

log = logging.getLogger("ocpi.server")
PRICED_MODULES = frozenset({"sessions", "cdrs"})


async def with_total_cost(
    node: Node, object_type: ObjectType, payload: Any, version: str, owner: tuple[str, str]
) -> Any:
    """The payload as a canonical object with `total_cost` filled in, or the payload unchanged when no
    tariff applies (the reason is logged)."""
    model = parse(object_type.models[version], payload)
    context = ConversionContext(country_code=owner[0], party_id=owner[1])
    canonical: BaseModel = object_type.converter.to_canonical(model, version, context).value
    location = await _location(node, owner, canonical)
    tariff = await _tariff(node, owner, canonical, location)
    if tariff is None:
        log.info("no tariff applies to %s %s: total_cost left as given", object_type.name, _id(canonical))
        return payload
    try:
        priced = fill_total_cost(
            canonical, tariff, version="2.3.0", time_zone=None if location is None else location.time_zone
        )
    except PricingError as error:
        log.info("cannot price %s %s: %s", object_type.name, _id(canonical), error)
        return payload
    return priced


def _id(obj: BaseModel) -> str:
    return str(getattr(obj, "id", "?"))


async def _location(node: Node, owner: tuple[str, str], obj: BaseModel) -> Location | None:
    location_id = getattr(obj, "location_id", None)
    if location_id is None and getattr(obj, "cdr_location", None) is not None:
        location_id = obj.cdr_location.id  # type: ignore[attr-defined]
    if location_id is None:
        return None
    stored = await node.objects.get(ObjectKey.of("locations", owner[0], owner[1], str(location_id)))
    return None if stored is None else Location.model_validate_json(stored.canonical)


async def _tariff(node: Node, owner: tuple[str, str], obj: BaseModel, location: Location | None) -> Tariff | None:
    embedded = getattr(obj, "tariffs", None)
    candidates: list[Tariff] = list(embedded or [])
    if not candidates and location is not None:
        for tariff_id in _connector_tariff_ids(obj, location):
            stored = await node.objects.get(ObjectKey.of("tariffs", owner[0], owner[1], tariff_id))
            if stored is not None:
                candidates.append(Tariff.model_validate(orjson.loads(stored.canonical)))
    if not candidates:
        return None
    chosen = choose_tariff(candidates, at=obj.start_date_time)  # type: ignore[attr-defined]
    return chosen if isinstance(chosen, Tariff) else None


def _connector_tariff_ids(obj: BaseModel, location: Location) -> list[str]:
    cdr_location = getattr(obj, "cdr_location", None)
    evse_uid = getattr(obj, "evse_uid", None) or getattr(cdr_location, "evse_uid", None)
    connector_id = getattr(obj, "connector_id", None) or getattr(cdr_location, "connector_id", None)
    for evse in location.evses or []:
        if str(evse.uid).casefold() != str(evse_uid).casefold():
            continue
        for connector in evse.connectors:
            if str(connector.id).casefold() == str(connector_id).casefold():
                return [str(t) for t in connector.tariff_ids or []]
    return []
