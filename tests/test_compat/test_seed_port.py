"""Seed-system applications (tests/test_compat/seed_cpo.py, seed_emsp.py: written from its public docs, ported by
changing their import lines) run as real nodes through `ocpi.compat`, against plain ocpi-python nodes:
registration with the application's token A, pull, push, a command, a real-time authorization; and the node's
rules stay on where the seed system had none."""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ocpi.compat import VersionNumber
from ocpi.compat.credentials import UNBOUND_TOKEN_C, USED_TOKEN_A
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import OcpiError
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.node.hooks import KeepResults
from ocpi.node.outbound import authorize_token, send_command
from ocpi.push.pull import pull
from ocpi.storage.base import ObjectKey
from ocpi.testing import LocalNode, listening, serving
from tests.nodes import eventually, serve_node
from tests.spec import SPEC_DIR
from tests.test_compat import seed_cpo, seed_emsp

PLAIN_EMSP = OwnParty(RoleEnum.EMSP, "DE", "TNM", name="plain eMSP")
PLAIN_CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="plain CPO")
PLAIN_SCSP = OwnParty(RoleEnum.SCSP, "NL", "SCS", name="plain SCSP")


def example(version: str, name: str) -> dict[str, Any]:
    document = orjson.loads((SPEC_DIR / version / "examples" / name).read_bytes())
    assert isinstance(document, dict)
    return document


@asynccontextmanager
async def seed_node(create_app: Callable[..., Any], database: Path) -> AsyncIterator[LocalNode]:
    """The seed application's `get_application(...)` served on 127.0.0.1; the node's own state in `database`."""
    async with listening() as sock:
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = create_app(base_url=base_url, store=f"sqlite:///{database}", allow_private_urls=True, push_interval=0.1)
        async with serving(app, sock):
            yield LocalNode(app, base_url)


@pytest.fixture(autouse=True)
def fresh_applications() -> None:
    kept_lists = (seed_cpo.storage, seed_cpo.commands_sent, seed_cpo.profile_requests, seed_emsp.storage)
    for kept in (*kept_lists, seed_emsp.authorizations):
        kept.clear()


async def test_seed_cpo_registers_serves_pushes_and_takes_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTRY_CODE", "BE")  # the seed system's settings, read as it read them
    monkeypatch.setenv("PARTY_ID", "BEC")
    location = example("2.3.0", "location_example.json")
    seed_cpo.storage["locations:LOC1"] = copy.deepcopy(location)
    async with (
        seed_node(seed_cpo.create_app, tmp_path / "cpo.db") as cpo,
        serve_node(tmp_path / "emsp.db", [PLAIN_EMSP], push_interval=0.1) as emsp,
    ):
        # registration, with the application's token A; the node's token C replaces it
        partner = await register(emsp.node, f"{cpo.base_url}/ocpi/versions", "my-emsp-token-456")
        assert partner.state == "registered" and partner.version == "2.3.0"
        async with httpx.AsyncClient() as http:
            again = await http.get(
                f"{cpo.base_url}/ocpi/versions",
                headers={"Authorization": authorization_header("my-emsp-token-456", "2.3.0")},
            )
            assert again.status_code == 401 and again.json()["status_message"] == USED_TOKEN_A

        # pull: the Crud's list, paged, converted
        report = await pull(emsp.node, partner, "locations")
        assert report.stored == 1, report
        pulled = await emsp.store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
        assert pulled is not None and orjson.loads(pulled.canonical)["name"] == "Gent Zuid"

        # push: the application changes its object and asks for a push, as it did with the seed system
        seed_cpo.storage["locations:LOC1"] = {
            **location,
            "name": "Gent Zuid (renamed)",
            "last_updated": "2025-01-01T00:00:00Z",
        }
        async with httpx.AsyncClient() as http:
            pushed = await http.post(
                f"{cpo.base_url}/push/2.3.0",
                json={"module_id": "locations", "object_id": "LOC1", "receivers": []},
                headers={"Authorization": "Token my-cpo-token-123"},
            )
            assert pushed.status_code == 200, pushed.text

        async def renamed() -> bool:
            found = await emsp.store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
            return found is not None and orjson.loads(found.canonical)["name"] == "Gent Zuid (renamed)"

        await eventually(renamed, "the renamed location at the eMSP")

        # the eMSP's Tokens reach the application's Crud.create, in its version's format
        token = example("2.2.1", "token_example_2_full_rfid.json")
        await emsp.node.tokens.put(token, version="2.2.1")

        async def token_received() -> bool:
            return "tokens:12345678905880" in seed_cpo.storage

        await eventually(token_received, "the eMSP's token in the CPO application")
        assert seed_cpo.storage["tokens:12345678905880"]["contract_id"] == token["contract_id"]

        # a command: Crud.do(commands, CPO, SendCommand, <dict>), its result from Crud.get, posted to the eMSP
        [cpo_as_partner] = await emsp.store.list_parties()
        request = {"token": token, "location_id": "LOC1", "evse_uid": "3256"}
        answer, reference = await send_command(emsp.node, cpo_as_partner, "START_SESSION", request)
        assert answer.result == "ACCEPTED"
        [(command, data)] = seed_cpo.commands_sent
        assert command == "START_SESSION" and data["location_id"] == "LOC1" and data["token"]["uid"] == token["uid"]
        results = emsp.node.hooks.results
        assert isinstance(results, KeepResults)

        async def result_arrived() -> bool:
            return any(ref == reference for _, ref, _ in results.results)

        await eventually(result_arrived, "the command's result at the eMSP")


async def test_a_token_c_of_the_authenticator_alone_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTRY_CODE", "BE")
    monkeypatch.setenv("PARTY_ID", "BEC")
    seed_cpo.storage["locations:LOC1"] = example("2.3.0", "location_example.json")
    async with seed_node(seed_cpo.create_app, tmp_path / "cpo.db") as cpo, httpx.AsyncClient() as http:
        answer = await http.get(
            f"{cpo.base_url}/ocpi/cpo/2.3.0/locations",
            headers={"Authorization": authorization_header("my-cpo-token-123", "2.3.0")},
        )
        assert answer.status_code == 401
        assert answer.json()["status_message"] == UNBOUND_TOKEN_C
        unknown = await http.get(
            f"{cpo.base_url}/ocpi/cpo/2.3.0/locations",
            headers={"Authorization": authorization_header("nobody", "2.3.0")},
        )
        assert unknown.status_code == 401 and "unknown" in unknown.json()["status_message"]


async def test_seed_emsp_receives_authorizes_and_keeps_owner_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTRY_CODE", "DE")
    monkeypatch.setenv("PARTY_ID", "TNM")
    token = example("2.2.1", "token_example_2_full_rfid.json")
    seed_emsp.storage[f"tokens:{token['uid']}"] = copy.deepcopy(token)
    async with (
        seed_node(seed_emsp.create_app, tmp_path / "emsp.db") as emsp,
        serve_node(tmp_path / "cpo.db", [PLAIN_CPO], push_interval=0.1) as cpo,
    ):
        partner = await register(cpo.node, f"{emsp.base_url}/ocpi/versions", "cpo-registration-token")
        assert partner.version == "2.2.1"

        # push: the CPO's Location reaches Crud.create(locations, EMSP, <a 2.2.1 dict>)
        await cpo.node.locations.put(example("2.2.1", "location_example.json"), version="2.2.1")

        async def location_received() -> bool:
            return "locations:LOC1" in seed_emsp.storage

        await eventually(location_received, "the CPO's location in the eMSP application")
        received = seed_emsp.storage["locations:LOC1"]
        assert (received["country_code"], received["party_id"], received["evses"][0]["uid"]) == ("BE", "BEC", "3256")

        # a Session (then a PATCH: Crud.update gets the whole object) and a CDR of one of the eMSP's tokens
        session = example("2.2.1", "session_example_2_short_finished.json")
        session["cdr_token"] |= {"country_code": "DE", "party_id": "TNM"}
        await cpo.node.sessions.put(session, version="2.2.1")
        await cpo.node.sessions.patch("101", {"kwh": 42, "last_updated": "2030-01-01T00:00:00Z"}, version="2.2.1")
        await cpo.node.cdrs.put(example("2.2.1", "cdr_example.json"), version="2.2.1")

        async def session_and_cdr_received() -> bool:
            session = seed_emsp.storage.get("sessions:101")
            return session is not None and session["kwh"] == 42 and "cdrs:12345" in seed_emsp.storage

        await eventually(session_and_cdr_received, "the patched session and the CDR in the eMSP application")
        assert seed_emsp.storage["sessions:101"]["cdr_token"]["uid"] == session["cdr_token"]["uid"]

        # pull of the application's own Tokens (the Crud's list)
        report = await pull(cpo.node, partner, "tokens")
        assert report.stored == 1, report

        # real-time authorization: Crud.get(tokens), then Crud.do(tokens, EMSP, AuthorizeToken, data=...)
        info = await authorize_token(cpo.node, partner, token["uid"], location={"location_id": "LOC1"})
        assert (info.allowed, info.authorization_reference) == ("ALLOWED", "AUTH1")
        [asked] = seed_emsp.authorizations
        assert asked["token_uid"] == token["uid"] and asked["location_reference"] == {"location_id": "LOC1"}

        # the node's owner checks stay on: the CPO may not write under another party's id
        async with httpx.AsyncClient() as http:
            elsewhere = {**example("2.2.1", "location_example.json"), "party_id": "OTH", "id": "LOC2"}
            refused = await http.put(
                f"{emsp.base_url}/ocpi/emsp/2.2.1/locations/BE/OTH/LOC2",
                json=elsewhere,
                headers={"Authorization": authorization_header(partner.outbound_token or "", "2.2.1")},
            )
        assert refused.json()["status_code"] == 2001 and "not one of your parties" in refused.json()["status_message"]
        assert "locations:LOC2" not in seed_emsp.storage


async def test_seed_emsp_answers_it_cannot_give_and_results_it_receives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTRY_CODE", "DE")
    monkeypatch.setenv("PARTY_ID", "TNM")
    token = example("2.2.1", "token_example_2_full_rfid.json")
    seed_emsp.storage[f"tokens:{token['uid']}"] = copy.deepcopy(token)
    answers: list[Any] = []

    async def answering(cls: Any, module: Any, role: Any, action: Any, *args: Any, **kwargs: Any) -> Any:
        return answers.pop(0)

    monkeypatch.setattr(seed_emsp.EmspCrud, "do", classmethod(answering))
    async with (
        seed_node(seed_emsp.create_app, tmp_path / "emsp.db") as emsp,
        serve_node(tmp_path / "cpo.db", [PLAIN_CPO], push_interval=0.1) as cpo,
    ):
        partner = await register(cpo.node, f"{emsp.base_url}/ocpi/versions", "cpo-registration-token")
        # nothing from `do`: not enough information (2002), as in the seed system
        answers.append({})
        with pytest.raises(OcpiError) as nothing:
            await authorize_token(cpo.node, partner, token["uid"])
        assert nothing.value.status_code == 2002
        # the seed system's own eMSP example answers {"status": "ACCEPTED"}: no AuthorizationInfo, said so
        answers.append({"status": "ACCEPTED"})
        with pytest.raises(OcpiError) as unusable:
            await authorize_token(cpo.node, partner, token["uid"])
        assert unusable.value.status_code == 3000
        assert 'answered no AuthorizationInfo (a dict with "allowed": one of ALLOWED' in unusable.value.message

        # a command the eMSP sends (through its node): the CPO's result reaches Crud.update(commands, EMSP, ...)
        await cpo.node.locations.put(example("2.2.1", "location_example.json"), version="2.2.1")
        [cpo_as_partner] = await emsp.store.list_parties()
        request = {"token": token, "location_id": "LOC1", "evse_uid": "3256"}
        answer, reference = await send_command(emsp.node, cpo_as_partner, "START_SESSION", request)
        assert answer.result == "ACCEPTED"

        async def result_kept() -> bool:
            return f"commands:{reference}" in seed_emsp.storage

        await eventually(result_kept, "the command's result in the eMSP application")
        assert seed_emsp.storage[f"commands:{reference}"]["result"] == "ACCEPTED"


async def test_seed_emsp_in_2_1_1_receives_sessions_and_cdrs_with_their_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2.1.1 Sessions and CDRs embed their Location; the node keeps only its ids, so the application's dict must
    get the Location back (the one it keeps), not placeholders."""
    monkeypatch.setenv("COUNTRY_CODE", "DE")
    monkeypatch.setenv("PARTY_ID", "TNM")
    async with (
        seed_node(functools.partial(seed_emsp.create_app, VersionNumber.v_2_1_1), tmp_path / "emsp.db") as emsp,
        serve_node(tmp_path / "cpo.db", [PLAIN_CPO], push_interval=0.1) as cpo,
    ):
        partner = await register(cpo.node, f"{emsp.base_url}/ocpi/versions", "cpo-registration-token")
        assert partner.version == "2.1.1"
        location = example("2.2.1", "location_example.json")
        await cpo.node.locations.put(location, version="2.2.1")
        session = example("2.2.1", "session_example_2_short_finished.json")
        session["cdr_token"] |= {"country_code": "DE", "party_id": "TNM"}
        await cpo.node.sessions.put(session, version="2.2.1")
        await cpo.node.sessions.patch("101", {"kwh": 42, "last_updated": "2030-01-01T00:00:00Z"}, version="2.2.1")
        cdr = example("2.2.1", "cdr_example.json")
        cdr["cdr_token"] |= {"country_code": "DE", "party_id": "TNM"}
        await cpo.node.cdrs.put(cdr, version="2.2.1")

        async def received() -> bool:
            kept = seed_emsp.storage.get("sessions:101")
            return kept is not None and kept["kwh"] == 42 and "cdrs:12345" in seed_emsp.storage

        await eventually(received, "the patched session and the CDR in the 2.1.1 eMSP application")
        for kept in (seed_emsp.storage["sessions:101"], seed_emsp.storage["cdrs:12345"]):
            embedded = kept["location"]
            assert (embedded["id"], embedded["address"], embedded["city"], embedded["type"]) == (
                "LOC1",
                location["address"],
                location["city"],
                "ON_STREET",
            ), embedded
            [evse] = embedded["evses"]
            assert (evse["uid"], evse["status"]) == ("3256", location["evses"][0]["status"])


async def test_seed_cpo_answers_charging_profiles_in_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The seed system's charging profile actions: `Crud.do(chargingprofiles, CPO, <action>, session=...)` answers
    now, the result comes from `Crud.get(hubclientinfo, CPO, 0, session_id=...)` and reaches the SCSP."""
    monkeypatch.setenv("COUNTRY_CODE", "BE")
    monkeypatch.setenv("PARTY_ID", "BEC")
    seed_cpo.storage["sessions:S1"] = {
        **example("2.3.0", "session_example_1_simple_start.json"),
        "id": "S1",
        "country_code": "BE",
        "party_id": "BEC",
    }
    async with (
        seed_node(seed_cpo.create_app, tmp_path / "cpo.db") as cpo,
        serve_node(tmp_path / "scsp.db", [PLAIN_SCSP], push_interval=0.1) as scsp,
        httpx.AsyncClient() as http,
    ):
        partner = await register(scsp.node, f"{cpo.base_url}/ocpi/versions", "my-emsp-token-456")
        receiver = next(e["url"] for e in partner.endpoints if e["identifier"] == "chargingprofiles")
        [scsp_as_partner] = await cpo.store.list_parties()
        results_url = next(e["url"] for e in scsp_as_partner.endpoints if e["identifier"] == "chargingprofiles")
        headers = {"Authorization": authorization_header(partner.outbound_token or "", partner.version or "")}
        profile = {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 11000.0}]}
        body = {"charging_profile": profile, "response_url": f"{results_url}/set/REF1"}
        put = await http.put(f"{receiver}/S1", json=body, headers=headers)
        assert put.json()["data"] == {"result": "ACCEPTED", "timeout": 30}, put.text
        assert seed_cpo.storage["chargingprofiles:S1"] == body
        query = {"duration": "900", "response_url": f"{results_url}/active/REF2"}
        got = await http.get(f"{receiver}/S1", params=query, headers=headers)
        assert got.json()["data"]["result"] == "ACCEPTED", got.text
        results = scsp.node.hooks.results
        assert isinstance(results, KeepResults)

        async def arrived(reference: str) -> bool:
            return any(ref == reference for _, ref, _ in results.results)

        await eventually(lambda: arrived("REF1"), "the ChargingProfileResult at the SCSP")
        await eventually(lambda: arrived("REF2"), "the ActiveChargingProfileResult at the SCSP")
        deleted = await http.delete(
            f"{receiver}/S1", params={"response_url": f"{results_url}/clear/REF3"}, headers=headers
        )
        assert deleted.json()["data"]["result"] == "ACCEPTED", deleted.text
        await eventually(lambda: arrived("REF3"), "the ClearProfileResult at the SCSP")
        found = {ref: (kind, result) for kind, ref, result in results.results}
        assert found["REF1"][0] == "chargingprofiles/set" and found["REF1"][1].result == "ACCEPTED"
        kind, active = found["REF2"]
        assert kind == "chargingprofiles/active" and active.result == "ACCEPTED"
        assert active.profile.charging_profile.charging_profile_period[0].limit == 11000.0
        assert found["REF3"][0] == "chargingprofiles/clear" and found["REF3"][1].result == "ACCEPTED"
        assert seed_cpo.profile_requests == [
            ("SendUpdateChargingProfile", "S1"),
            ("SendGetChargingProfile", "S1"),
            ("SendDeleteChargingProfile", "S1"),
        ]
        assert "chargingprofiles:S1" not in seed_cpo.storage

        # a result that is none (the profile the Crud kept is no ChargingProfile): REJECTED, the log says where
        seed_cpo.storage["chargingprofiles:S1"] = {"charging_profile": {**profile, "charging_rate_unit": "kW"}}
        query = {"duration": "900", "response_url": f"{results_url}/active/REF4"}
        with caplog.at_level(logging.ERROR, logger="ocpi.compat"):
            got = await http.get(f"{receiver}/S1", params=query, headers=headers)
            assert got.json()["data"]["result"] == "ACCEPTED", got.text
            await eventually(lambda: arrived("REF4"), "the REJECTED result at the SCSP")
        assert [result.result for _, ref, result in results.results if ref == "REF4"] == ["REJECTED"]
        assert "no 2.3.0 ActiveChargingProfileResult: profile.charging_profile.charging_rate_unit" in caplog.text

        # a session the Crud does not have: UNKNOWN_SESSION, and `do` is not asked
        unknown = await http.get(f"{receiver}/S9", params=query, headers=headers)
        assert unknown.json()["data"]["result"] == "UNKNOWN_SESSION" and len(seed_cpo.profile_requests) == 4

        # nothing from `do`: REJECTED, as the seed system answered
        async def nothing(cls: Any, module: Any, role: Any, action: Any, *args: Any, **kwargs: Any) -> Any:
            return None

        monkeypatch.setattr(seed_cpo.CpoCrud, "do", classmethod(nothing))
        rejected = await http.get(f"{receiver}/S1", params=query, headers=headers)
        assert rejected.json()["data"] == {"result": "REJECTED", "timeout": 0}, rejected.text

        # the seed system's own example answered the stored profile, no ChargingProfileResponse: said so
        async def stored_profile(cls: Any, module: Any, role: Any, action: Any, *args: Any, **kwargs: Any) -> Any:
            return body

        monkeypatch.setattr(seed_cpo.CpoCrud, "do", classmethod(stored_profile))
        refused = await http.get(f"{receiver}/S1", params=query, headers=headers)
        assert refused.json()["status_code"] == 3000, refused.text
        assert refused.json()["status_message"] == (
            "the application's Crud.do(chargingprofiles, CPO, SendGetChargingProfile) answered no "
            'ChargingProfileResponse (a dict with "result": one of ACCEPTED, NOT_SUPPORTED, REJECTED, TOO_OFTEN, '
            "UNKNOWN_SESSION)"
        )
