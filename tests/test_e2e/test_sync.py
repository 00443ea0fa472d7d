"""Two real nodes that registered with each other keep each other in sync: push of every module the CPO
owns, pull with pagination, commands, real-time authorization, and an outage of the eMSP."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.modules.locations.v_2_3_0.schemas import Location, Status
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.push.pull import pull
from ocpi.storage.base import ObjectKey, Party, TokenKind
from tests.nodes import OWN_DATA, RunningNode, eventually, own_data, serve_node
from tests.spec import SPEC_DIR

CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="CPO node")
EMSP = OwnParty(RoleEnum.EMSP, "DE", "TNM", name="eMSP node")
VERSIONS = ["2.1.1", "2.2.1", "2.3.0"]


def example(name: str) -> dict[str, Any]:
    document = orjson.loads((SPEC_DIR / "2.2.1" / "examples" / name).read_bytes())
    assert isinstance(document, dict)
    return document


@asynccontextmanager
async def registered_pair(
    tmp_path: Path, version: str, data: str = "sql"
) -> AsyncIterator[tuple[RunningNode, RunningNode, Party]]:
    """A CPO node and an eMSP node, each with its objects kept as `data` says (`OWN_DATA`); the eMSP registered
    with the CPO. Yields (cpo, emsp, the eMSP as the CPO's partner)."""
    async with (
        serve_node(tmp_path / "cpo.db", [CPO], versions=(version,), push_interval=0.1, **own_data(data)) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP], versions=(version,), push_interval=0.1, **own_data(data)) as emsp,
    ):
        token_a = await cpo.store.issue_token(TokenKind.A)
        await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
        [partner] = await cpo.store.list_parties()
        yield cpo, emsp, partner


async def stored(running: RunningNode, module: str, object_id: str, version: str, variant: str = "") -> Any:
    key = ObjectKey.of(module, "BE", "BEC", object_id, variant)
    found = await running.objects.get(key)
    if found is None or found.rendered.get(version) is None:
        return None
    return orjson.loads(found.rendered[version])  # type: ignore[arg-type]


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", VERSIONS)
async def test_cpo_pushes_every_module_it_owns(tmp_path: Path, version: str, data: str) -> None:
    async with registered_pair(tmp_path, version, data) as (cpo, emsp, _):
        location = example("location_example.json")
        await cpo.node.locations.put(location, version="2.2.1")
        later = format_datetime(datetime.now(UTC))
        await cpo.node.locations.patch("LOC1", {"status": "CHARGING", "last_updated": later}, path=("3256",))
        session = example("session_example_2_short_finished.json")
        session["cdr_token"] |= {"country_code": "DE", "party_id": "TNM"}  # the eMSP's customer (the CDR's too)
        await cpo.node.sessions.put(session, version="2.2.1")
        await cpo.node.sessions.patch(
            "101", {"kwh": 42, "last_updated": format_datetime(datetime.now(UTC))}, version="2.2.1"
        )
        tariff = {**example("tariff_8_simple_025kwh.json"), "country_code": "BE", "party_id": "BEC"}
        await cpo.node.tariffs.put(tariff, version="2.2.1")
        await cpo.node.cdrs.put(example("cdr_example.json"), version="2.2.1")

        for module, object_id in [("locations", "LOC1"), ("sessions", "101"), ("tariffs", "16"), ("cdrs", "12345")]:

            async def arrived(module: str = module, object_id: str = object_id) -> bool:
                sent = await stored(cpo, module, object_id, version)
                return sent is not None and await stored(emsp, module, object_id, version) == sent

            await eventually(arrived, f"{module} {object_id} at the eMSP in {version}")
        evse = (await stored(emsp, "locations", "LOC1", version))["evses"][0]
        assert evse["uid"] == "3256" and evse["status"] == "CHARGING"
        assert (await stored(emsp, "sessions", "101", version))["kwh"] == 42
        for running in (cpo, emsp):  # kept where `data` says: in the SQL store only when it is the objects' store
            in_sql = await running.store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
            assert (in_sql is not None) is (data == "sql")


async def test_an_object_the_application_changed_in_its_source_is_pushed(tmp_path: Path) -> None:
    cpo_data = own_data("sources")
    charge_points = cpo_data["sources"].locations  # the application's own data
    async with (
        serve_node(tmp_path / "cpo.db", [CPO], versions=("2.2.1",), push_interval=0.1, **cpo_data) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP], versions=("2.2.1",), push_interval=0.1) as emsp,
    ):
        await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", await cpo.store.issue_token(TokenKind.A))
        location = Location.model_validate(example("location_example.json") | {"country_code": "BE", "party_id": "BEC"})
        await charge_points.put(location)
        await cpo.node.locations.changed(location)
        await eventually(lambda: _status_at(emsp, "AVAILABLE"), "the Location at the eMSP")
        location.evses[0].status = Status.CHARGING  # type: ignore[index]
        location.last_updated = datetime.now(UTC)
        await charge_points.put(location)
        assert await _status_at(emsp, "AVAILABLE"), "pushed before the node was told"
        await cpo.node.locations.changed("LOC1")
        await eventually(lambda: _status_at(emsp, "CHARGING"), "the changed Location at the eMSP")


async def _status_at(emsp: RunningNode, status: str) -> bool:
    found = await stored(emsp, "locations", "LOC1", "2.2.1")
    return found is not None and found["evses"][0]["status"] == status


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", VERSIONS)
async def test_emsp_pulls_250_locations_through_pagination(tmp_path: Path, version: str, data: str) -> None:
    async with registered_pair(tmp_path, version, data) as (cpo, emsp, _):
        template = example("location_example.json")
        for index in range(250):
            location = copy.deepcopy(template)
            location["id"] = f"LOC{index:03d}"
            await cpo.node.repository.put(cpo.node.locations.object_type, "2.2.1", location, owner=("BE", "BEC"))
        [cpo_as_partner] = await emsp.store.list_parties()
        report = await pull(emsp.node, cpo_as_partner, "locations")
        assert report.received == 250 and report.stored == 250 and not report.rejected
        page = await emsp.node.repository.page(_everything("locations", version))
        ids = sorted(orjson.loads(item)["id"] for item in page.items)
        assert ids == [f"LOC{i:03d}" for i in range(250)]


def _everything(module: str, version: str) -> Any:
    from ocpi.storage.base import ListQuery

    return ListQuery(module, version, None, None, None, 0, 1000)


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", VERSIONS)
async def test_outage_converges_to_latest_state_without_replays(tmp_path: Path, version: str, data: str) -> None:
    emsp_db, emsp_data = tmp_path / "emsp.db", own_data(data)
    async with serve_node(tmp_path / "cpo.db", [CPO], versions=(version,), push_interval=0.1, **own_data(data)) as cpo:
        async with serve_node(emsp_db, [EMSP], versions=(version,), push_interval=0.1, **emsp_data) as emsp:
            token_a = await cpo.store.issue_token(TokenKind.A)
            await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
            port = int(emsp.base_url.rsplit(":", 1)[1])
            received: list[str] = []
        # the eMSP is down: 100 updates to 10 objects, and a CDR
        template = example("location_example.json")
        stamp = datetime.now(UTC)
        for round_ in range(10):
            for index in range(10):
                location = copy.deepcopy(template)
                location["id"] = f"LOC{index}"
                location["name"] = f"round {round_}"
                location["last_updated"] = format_datetime(stamp + timedelta(seconds=round_))
                await cpo.node.locations.put(location, version="2.2.1")
        await cpo.node.cdrs.put(example("cdr_example.json"), version="2.2.1")
        [partner] = await cpo.store.list_parties()

        async def all_failing() -> bool:
            state = await cpo.node.push.ledger.state(partner.pk)
            return len(state.failing) == 11 and state.lag == 0

        await eventually(all_failing, "the 10 locations and the CDR in the eMSP's retry set, collapsed")
        assert "Connection refused" in str((await cpo.node.push.ledger.state(partner.pk)).last_error)
        # back up, at the same address
        async with serve_node(emsp_db, [EMSP], versions=(version,), port=port, **emsp_data) as emsp:
            original_put = emsp.node.repository.put

            async def counting_put(object_type: Any, *args: Any, **kwargs: Any) -> Any:
                received.append(object_type.module)
                return await original_put(object_type, *args, **kwargs)

            emsp.node.repository.put = counting_put  # type: ignore[method-assign]
            await cpo.node.push.retry_now(partner.pk)
            cpo.node.nudge_push()

            async def converged() -> bool:
                for index in range(10):
                    found = await stored(emsp, "locations", f"LOC{index}", version)
                    if found is None or found["name"] != "round 9":
                        return False
                return await stored(emsp, "cdrs", "12345", version) is not None

            await eventually(converged, "all 10 locations at their latest state and the CDR")
            assert received.count("locations") == 10, "superseded updates were replayed"
            assert received.count("cdrs") == 1

            async def nothing_failing() -> bool:
                return (await cpo.node.push.ledger.state(partner.pk)).failing == []

            await eventually(nothing_failing, "the retry set emptied")
