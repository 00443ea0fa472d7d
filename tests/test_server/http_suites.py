"""HTTP behaviour every version shares, as test classes the per-version files subclass with their `version`
(tests/test_modules/test_v_*/test_http_<module>.py). Each test goes through the real ASGI app (the `client`
fixture) and the real store (the `store` fixture: SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.modules.commands.v_2_3_0.schemas import CommandResult, ReserveNow
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.modules.sessions.interfaces import SESSION
from ocpi.modules.sessions.v_2_3_0.schemas import ChargingPreferences, Session
from ocpi.modules.tokens.interfaces import TOKEN
from ocpi.modules.tokens.v_2_3_0.schemas import LocationReferences, Token
from ocpi.node.hooks import AuthorizationDecision, Command, CommandAnswer, Requester
from ocpi.storage.base import TokenKind
from ocpi.storage.sql import SqlStore
from tests.conftest import Partner, PartnerFactory
from tests.test_server import samples
from tests.test_server.samples import stamp
from tests.test_server.support import OWN, envelope, refused, seed, url

THEM = ("BE", "BEC")


class VersionSuite:
    version: ClassVar[str]

    @pytest.fixture
    async def partner(self, make_partner: PartnerFactory) -> Partner:
        """A partner playing CPO and eMSP under BE/BEC."""
        return await make_partner("CPO", *THEM, ("EMSP", *THEM))

    @property
    def routed(self) -> bool:
        """Whether this version has the routing and correlation headers (2.2+)."""
        return self.version != "2.1.1"

    def sample(self, kind: str, object_id: str, **options: Any) -> dict[str, Any]:
        return samples.sample(kind, self.version, object_id, THEM, **options)


class LocationsSuite(VersionSuite):
    def at(self, *parts: str) -> str:
        return url(RoleEnum.EMSP, self.version, "locations", *THEM, *parts)

    async def test_put_creates_then_updates(self, client: httpx.AsyncClient, partner: Partner) -> None:
        location = self.sample("location", "LOC1")
        envelope(await client.put(self.at("LOC1"), json=location, headers=partner.headers(self.version)), 201)
        location["name"] = "Renamed"
        envelope(await client.put(self.at("LOC1"), json=location, headers=partner.headers(self.version)), 200)
        data = envelope(await client.get(self.at("LOC1"), headers=partner.headers(self.version)))["data"]
        assert data["id"] == "LOC1"
        assert data["name"] == "Renamed"

    async def test_get_unknown_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        response = await client.get(self.at("NOPE"), headers=partner.headers(self.version))
        assert response.status_code == 404
        assert "not found" in response.json()["status_message"]

    async def test_invalid_object_is_2001_with_the_field_path(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        location = self.sample("location", "LOC1")
        del location["evses"][0]["connectors"][0]["standard"]
        response = await client.put(self.at("LOC1"), json=location, headers=partner.headers(self.version))
        refused(response, 200, 2001, "evses.0.connectors.0.standard")
        assert (await client.get(self.at("LOC1"), headers=partner.headers(self.version))).status_code == 404

    async def test_malformed_json_is_400_in_the_envelope(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = {**partner.headers(self.version), "Content-Type": "application/json"}
        response = await client.put(self.at("LOC1"), content=b'{"id": "LOC1",', headers=headers)
        refused(response, 400, 2000, "JSON")

    async def test_missing_or_wrong_token_is_401_in_the_envelope(self, client: httpx.AsyncClient) -> None:
        location = self.sample("location", "LOC1")
        refused(await client.put(self.at("LOC1"), json=location), 401, 2000, "Authorization")
        wrong = {"Authorization": "Token not-a-known-token"}
        refused(await client.put(self.at("LOC1"), json=location, headers=wrong), 401, 2000, "unknown")
        refused(await client.get(self.at("LOC1"), headers=wrong), 401, 2000)

    async def test_token_a_is_refused_on_a_functional_module(self, client: httpx.AsyncClient, store: SqlStore) -> None:
        token_a = await store.issue_token(TokenKind.A)
        headers = Partner(None, token_a).headers(self.version)  # type: ignore[arg-type]
        response = await client.put(self.at("LOC1"), json=self.sample("location", "LOC1"), headers=headers)
        refused(response, 401, 2000, "versions and credentials")
        # The same token does open the versions endpoint.
        envelope(await client.get("/ocpi/versions", headers=headers))

    async def test_writing_under_another_party_is_refused(self, client: httpx.AsyncClient, partner: Partner) -> None:
        location = samples.sample("location", self.version, "LOC1", ("DE", "OTH"))
        target = url(RoleEnum.EMSP, self.version, "locations", "DE", "OTH", "LOC1")
        refused(await client.put(target, json=location, headers=partner.headers(self.version)), 404, 2001, "DE/OTH")
        refused(await client.get(target, headers=partner.headers(self.version)), 404, 2001)

    async def test_url_id_differing_from_body_id_is_2001(self, client: httpx.AsyncClient, partner: Partner) -> None:
        location = self.sample("location", "LOC2")
        response = await client.put(self.at("LOC1"), json=location, headers=partner.headers(self.version))
        refused(response, 200, 2001, "LOC2", "LOC1")

    async def test_correlation_ids_are_echoed_or_generated(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = {**partner.headers(self.version), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
        answered = await client.get(self.at("NOPE"), headers=headers)
        assert answered.headers["X-Request-ID"] == "req-1"
        assert answered.headers["X-Correlation-ID"] == "corr-1"
        generated = [await client.get(self.at("NOPE"), headers=partner.headers(self.version)) for _ in range(2)]
        ids = {r.headers["X-Request-ID"] for r in generated} | {r.headers["X-Correlation-ID"] for r in generated}
        assert len(ids) == 4 and all(ids)

    async def test_older_last_updated_is_ignored_with_a_message(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        newer = self.sample("location", "LOC1", last_updated=stamp(60))
        newer["name"] = "Newer"
        envelope(await client.put(self.at("LOC1"), json=newer, headers=partner.headers(self.version)), 201)
        older = self.sample("location", "LOC1", last_updated=stamp(0))
        older["name"] = "Older"
        answer = envelope(await client.put(self.at("LOC1"), json=older, headers=partner.headers(self.version)))
        assert "ignored" in answer["status_message"]
        data = envelope(await client.get(self.at("LOC1"), headers=partner.headers(self.version)))["data"]
        assert (data["name"], data["last_updated"]) == ("Newer", stamp(60))

    async def test_evse_put_bumps_the_location(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        envelope(
            await client.put(
                self.at("LOC1"), json=self.sample("location", "LOC1", last_updated=stamp(0)), headers=headers
            ),
            201,
        )
        evse = samples.evse(self.version, "NEW-EVSE")
        evse["last_updated"] = stamp(120)
        envelope(await client.put(self.at("LOC1", "NEW-EVSE"), json=evse, headers=headers), 201)
        envelope(await client.put(self.at("LOC1", "NEW-EVSE"), json=evse, headers=headers), 200)
        location = envelope(await client.get(self.at("LOC1"), headers=headers))["data"]
        assert location["last_updated"] == stamp(120)
        assert [e["uid"] for e in location["evses"]][-1] == "NEW-EVSE"
        got = envelope(await client.get(self.at("LOC1", "NEW-EVSE"), headers=headers))["data"]
        assert got["uid"] == "NEW-EVSE"

    async def test_connector_put_and_patch_bump_the_evse_and_location(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = partner.headers(self.version)
        location = self.sample("location", "LOC1", last_updated=stamp(0))
        envelope(await client.put(self.at("LOC1"), json=location, headers=headers), 201)
        evse_uid = location["evses"][0]["uid"]
        connector = samples.connector(self.version, "9", last_updated=stamp(100))
        envelope(await client.put(self.at("LOC1", evse_uid, "9"), json=connector, headers=headers), 201)
        patch = {"tariff_id" if self.version == "2.1.1" else "tariff_ids": "T9" if self.version == "2.1.1" else ["T9"]}
        patch["last_updated"] = stamp(200)
        envelope(await client.patch(self.at("LOC1", evse_uid, "9"), json=patch, headers=headers))
        stored = envelope(await client.get(self.at("LOC1"), headers=headers))["data"]
        assert stored["last_updated"] == stamp(200)
        evse = stored["evses"][0]
        assert evse["last_updated"] == stamp(200)
        assert evse["connectors"][-1]["id"] == "9"
        assert evse["connectors"][-1]["last_updated"] == stamp(200)
        assert patch.keys() <= evse["connectors"][-1].keys()

    async def test_evse_patch_changes_its_status_and_bumps_the_location(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = partner.headers(self.version)
        location = self.sample("location", "LOC1", last_updated=stamp(0))
        envelope(await client.put(self.at("LOC1"), json=location, headers=headers), 201)
        evse_uid = location["evses"][0]["uid"]
        patch = {"status": "CHARGING", "last_updated": stamp(300)}
        envelope(await client.patch(self.at("LOC1", evse_uid), json=patch, headers=headers))
        evse = envelope(await client.get(self.at("LOC1", evse_uid), headers=headers))["data"]
        assert (evse["status"], evse["last_updated"]) == ("CHARGING", stamp(300))
        stored = envelope(await client.get(self.at("LOC1"), headers=headers))["data"]
        assert stored["last_updated"] == stamp(300)

    async def test_patch_of_unknown_location_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        response = await client.patch(
            self.at("NOPE"), json={"name": "x", "last_updated": stamp()}, headers=partner.headers(self.version)
        )
        refused(response, 404, 2003)

    async def test_sender_get_of_unknown_location_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        await seed(
            client,
            LOCATION,
            self.version,
            samples.sample("location", self.version, "MINE", OWN[RoleEnum.CPO]),
            RoleEnum.CPO,
        )
        sender = url(RoleEnum.CPO, self.version, "locations")
        envelope(await client.get(f"{sender}/MINE", headers=partner.headers(self.version)))
        assert (await client.get(f"{sender}/NOPE", headers=partner.headers(self.version))).status_code == 404
        assert (await client.get(f"{sender}/MINE/NOPE", headers=partner.headers(self.version))).status_code == 404


class SessionsSuite(VersionSuite):
    def at(self, *parts: str) -> str:
        return url(RoleEnum.EMSP, self.version, "sessions", *THEM, *parts)

    async def test_put_creates_then_updates_and_get_reads_back(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        session = self.sample("session", "S1")
        envelope(await client.put(self.at("S1"), json=session, headers=partner.headers(self.version)), 201)
        session["kwh"] = 50
        envelope(await client.put(self.at("S1"), json=session, headers=partner.headers(self.version)), 200)
        data = envelope(await client.get(self.at("S1"), headers=partner.headers(self.version)))["data"]
        assert (data["id"], data["kwh"]) == ("S1", 50)

    async def test_patch_changes_named_fields_only(self, client: httpx.AsyncClient, partner: Partner) -> None:
        session = self.sample("session", "S1", last_updated=stamp(0))
        envelope(await client.put(self.at("S1"), json=session, headers=partner.headers(self.version)), 201)
        patch = {"kwh": 60, "last_updated": stamp(10)}
        envelope(await client.patch(self.at("S1"), json=patch, headers=partner.headers(self.version)))
        data = envelope(await client.get(self.at("S1"), headers=partner.headers(self.version)))["data"]
        assert (data["kwh"], data["last_updated"], data["status"]) == (60, stamp(10), session["status"])

    async def test_invalid_session_is_2001_with_the_field_path(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        session = self.sample("session", "S1")
        session["kwh"] = "lots"
        refused(await client.put(self.at("S1"), json=session, headers=partner.headers(self.version)), 200, 2001, "kwh")

    async def test_list_requires_date_from(self, client: httpx.AsyncClient, partner: Partner) -> None:
        sender = url(RoleEnum.CPO, self.version, "sessions")
        refused(await client.get(sender, headers=partner.headers(self.version)), 200, 2001, "date_from")
        refused(
            await client.get(sender, params={"date_from": "yesterday"}, headers=partner.headers(self.version)),
            200,
            2001,
            "date_from",
        )


class CdrsSuite(VersionSuite):
    @property
    def receiver(self) -> str:
        return url(RoleEnum.EMSP, self.version, "cdrs")

    async def test_post_creates_with_location_and_reads_back(self, client: httpx.AsyncClient, partner: Partner) -> None:
        cdr = self.sample("cdr", "CDR1")
        created = await client.post(self.receiver, json=cdr, headers=partner.headers(self.version))
        envelope(created, 201)
        assert created.headers["Location"] == f"http://testserver{self.receiver}/BE/BEC/CDR1"
        data = envelope(await client.get(created.headers["Location"], headers=partner.headers(self.version)))["data"]
        assert (data["id"], data["total_cost"]) == ("CDR1", cdr["total_cost"])

    async def test_a_second_post_is_acknowledged_not_stored_twice(
        self, client: httpx.AsyncClient, partner: Partner, store: SqlStore
    ) -> None:
        cdr = self.sample("cdr", "CDR1")
        envelope(await client.post(self.receiver, json=cdr, headers=partner.headers(self.version)), 201)
        again = envelope(await client.post(self.receiver, json=cdr, headers=partner.headers(self.version)), 200)
        assert "already" in again["status_message"]
        from ocpi.storage.base import ListQuery

        assert (await store.page(ListQuery("cdrs", self.version))).total == 1

    async def test_invalid_cdr_is_2001_with_the_field_path(self, client: httpx.AsyncClient, partner: Partner) -> None:
        cdr = self.sample("cdr", "CDR1")
        del cdr["charging_periods"][0]["dimensions"][0]["type"]
        response = await client.post(self.receiver, json=cdr, headers=partner.headers(self.version))
        refused(response, 200, 2001, "charging_periods.0.dimensions.0.type")

    async def test_unknown_cdr_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        response = await client.get(f"{self.receiver}/BE/BEC/NOPE", headers=partner.headers(self.version))
        refused(response, 404, 2003)

    async def test_cdrs_are_immutable(self, client: httpx.AsyncClient, partner: Partner) -> None:
        cdr = self.sample("cdr", "CDR1")
        response = await client.put(f"{self.receiver}/BE/BEC/CDR1", json=cdr, headers=partner.headers(self.version))
        refused(response, 405, 2000, "method not allowed")


class TariffsSuite(VersionSuite):
    def at(self, *parts: str) -> str:
        return url(RoleEnum.EMSP, self.version, "tariffs", *THEM, *parts)

    async def test_put_get_delete(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        tariff = self.sample("tariff", "T1")
        envelope(await client.put(self.at("T1"), json=tariff, headers=headers), 201)
        envelope(await client.put(self.at("T1"), json=tariff, headers=headers), 200)
        assert envelope(await client.get(self.at("T1"), headers=headers))["data"]["id"] == "T1"
        envelope(await client.delete(self.at("T1"), headers=headers))
        refused(await client.get(self.at("T1"), headers=headers), 404, 2003)
        refused(await client.delete(self.at("T1"), headers=headers), 404, 2003)

    async def test_invalid_tariff_is_2001_with_the_field_path(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        tariff = self.sample("tariff", "T1")
        tariff["elements"][0]["price_components"][0]["type"] = "BANANAS"
        response = await client.put(self.at("T1"), json=tariff, headers=partner.headers(self.version))
        refused(response, 200, 2001, "elements.0.price_components.0.type")

    async def test_deleting_another_partys_tariff_is_refused(self, client: httpx.AsyncClient, partner: Partner) -> None:
        target = url(RoleEnum.EMSP, self.version, "tariffs", "DE", "OTH", "T1")
        refused(await client.delete(target, headers=partner.headers(self.version)), 404, 2001)


class TokensSuite(VersionSuite):
    @pytest.fixture
    async def partner(self, make_partner: PartnerFactory) -> Partner:
        return await make_partner("EMSP", *THEM, ("CPO", *THEM))

    def at(self, *parts: str) -> str:
        return url(RoleEnum.CPO, self.version, "tokens", *THEM, *parts)

    async def test_put_creates_then_updates_and_patch_invalidates(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = partner.headers(self.version)
        token = self.sample("token", "TOK1", last_updated=stamp(0))
        envelope(await client.put(self.at("TOK1"), json=token, headers=headers), 201)
        envelope(await client.put(self.at("TOK1"), json=token, headers=headers), 200)
        envelope(await client.patch(self.at("TOK1"), json={"valid": False, "last_updated": stamp(5)}, headers=headers))
        data = envelope(await client.get(self.at("TOK1"), headers=headers))["data"]
        assert (data["uid"], data["valid"], data["last_updated"]) == ("TOK1", False, stamp(5))

    async def test_unknown_token_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        refused(await client.get(self.at("NOPE"), headers=partner.headers(self.version)), 404, 2003)

    async def authorize(
        self, client: httpx.AsyncClient, partner: Partner, uid: str, body: Any = None, **params: str
    ) -> httpx.Response:
        target = url(RoleEnum.EMSP, self.version, "tokens", uid, "authorize")
        return await client.post(target, json=body, params=params, headers=partner.headers(self.version))

    async def test_authorize_answers_from_the_token(self, client: httpx.AsyncClient, partner: Partner) -> None:
        valid = samples.sample("token", self.version, "GOOD", OWN[RoleEnum.EMSP])
        blocked = samples.sample("token", self.version, "BLOCKED", OWN[RoleEnum.EMSP])
        blocked["valid"] = False
        for token in (valid, blocked):
            await seed(client, TOKEN, self.version, token, RoleEnum.EMSP)
        references = {"location_id": "LOC1"}
        allowed = envelope(await self.authorize(client, partner, "GOOD", references))["data"]
        assert (allowed["allowed"], allowed["location"]) == ("ALLOWED", references)
        assert envelope(await self.authorize(client, partner, "BLOCKED"))["data"]["allowed"] == "NOT_ALLOWED"

    async def test_the_authorization_hook_gets_the_canonical_token_and_location(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        token = samples.sample("token", self.version, "GOOD", OWN[RoleEnum.EMSP])
        await seed(client, TOKEN, self.version, token, RoleEnum.EMSP)
        recording = _RecordingAuthorizer()
        client.app.state.node.hooks.authorization = recording  # type: ignore[attr-defined]
        references: dict[str, Any] = {"location_id": "LOC1", "evse_uids": ["EVSE1"]}
        if self.version == "2.1.1":
            references["connector_ids"] = ["1"]  # 2.1.1 only: not in the canonical LocationReferences
        answer = envelope(await self.authorize(client, partner, "GOOD", references))["data"]
        assert answer["allowed"] == "ALLOWED" and answer["location"] == references  # answered in the caller's version
        [(heard, location, requester)] = recording.received
        assert isinstance(heard, Token) and isinstance(location, LocationReferences)
        assert (heard.uid, heard.country_code, heard.party_id) == ("GOOD", *OWN[RoleEnum.EMSP])
        assert location.model_dump(exclude_none=True) == {"location_id": "LOC1", "evse_uids": ["EVSE1"]}
        assert requester.version == self.version

    async def test_authorize_with_invalid_location_references_is_2001(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        await seed(
            client,
            TOKEN,
            self.version,
            samples.sample("token", self.version, "GOOD", OWN[RoleEnum.EMSP]),
            RoleEnum.EMSP,
        )
        response = await self.authorize(client, partner, "GOOD", {"evse_uids": ["3256"]})
        refused(response, 200, 2001, "location_id")


class CommandsSuite(VersionSuite):
    def command(self, name: str) -> str:
        return url(RoleEnum.CPO, self.version, "commands", name)

    async def test_command_on_unknown_location_is_2003_rejected(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        body = samples.command_body("START_SESSION", self.version, location_id="NOWHERE")
        answer = envelope(
            await client.post(self.command("START_SESSION"), json=body, headers=partner.headers(self.version)),
            200,
            2003,
        )
        assert answer["data"]["result"] == "REJECTED"

    async def test_invalid_command_is_2001_with_the_field_path(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        body = samples.command_body("UNLOCK_CONNECTOR", self.version)
        del body["connector_id"]
        response = await client.post(self.command("UNLOCK_CONNECTOR"), json=body, headers=partner.headers(self.version))
        refused(response, 200, 2001, "connector_id")

    async def test_unknown_command_is_404_in_the_envelope(self, client: httpx.AsyncClient, partner: Partner) -> None:
        response = await client.post(self.command("SELF_DESTRUCT"), json={}, headers=partner.headers(self.version))
        refused(response, 404, 2000, "no such endpoint")

    async def test_the_command_hook_gets_the_canonical_request(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        """Whatever the version the partner speaks, the hook gets the 2.3.0 (canonical) model, its version only as
        information: a 2.1.1 ReserveNow's integer reservation_id is the canonical string, its token's owner the
        partner's party."""
        await seed(
            client,
            LOCATION,
            self.version,
            samples.sample("location", self.version, "LOC1", OWN[RoleEnum.CPO]),
            RoleEnum.CPO,
        )
        recording = _RecordingCommands()
        client.app.state.node.hooks.commands = recording  # type: ignore[attr-defined]
        body = samples.command_body("RESERVE_NOW", self.version)
        envelope(await client.post(self.command("RESERVE_NOW"), json=body, headers=partner.headers(self.version)))
        [(command, request, requester)] = recording.received
        assert command == "RESERVE_NOW" and isinstance(request, ReserveNow)
        assert request.reservation_id == ("7" if self.version == "2.1.1" else "RES7")
        assert isinstance(request.token, Token) and request.token.uid == "CMDTOKEN"
        assert (request.token.country_code, request.token.party_id) == ("BE", "BEC")
        assert (requester.version, requester.party.pk) == (self.version, partner.party.pk)

    async def test_command_result_lands_at_the_emsp(self, client: httpx.AsyncClient, partner: Partner) -> None:
        result = {"result": "ACCEPTED"}
        target = url(RoleEnum.EMSP, self.version, "commands", "results", "ref-42")
        envelope(await client.post(target, json=result, headers=partner.headers(self.version)))
        [(kind, reference, kept)] = client.app.state.node.hooks.results.results  # type: ignore[attr-defined]
        # Whatever the version (2.1.1 reports with a CommandResponse), the hook hears a canonical CommandResult.
        assert (kind, reference, type(kept), kept.result) == ("commands/results", "ref-42", CommandResult, "ACCEPTED")


class ChargingProfilesSuite(VersionSuite):
    def at(self, *parts: str) -> str:
        return url(RoleEnum.CPO, self.version, "chargingprofiles", *parts)

    async def test_unknown_session_is_answered_unknown_session(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        body = {"charging_profile": samples.charging_profile(), "response_url": "http://127.0.0.1:9/r"}
        data = envelope(await client.put(self.at("NOPE"), json=body, headers=partner.headers(self.version)))["data"]
        assert data == {"result": "UNKNOWN_SESSION", "timeout": 0}

    async def test_invalid_profile_is_2001_with_the_field_path(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        await seed(
            client,
            SESSION,
            self.version,
            samples.sample("session", self.version, "S1", OWN[RoleEnum.CPO]),
            RoleEnum.CPO,
        )
        profile = samples.charging_profile()
        profile["charging_rate_unit"] = "HORSEPOWER"
        body = {"charging_profile": profile, "response_url": "http://127.0.0.1:9/r"}
        response = await client.put(self.at("S1"), json=body, headers=partner.headers(self.version))
        refused(response, 200, 2001, "charging_profile.charging_rate_unit")

    async def test_get_without_duration_is_2001(self, client: httpx.AsyncClient, partner: Partner) -> None:
        response = await client.get(
            self.at("S1"), params={"response_url": "http://127.0.0.1:9/r"}, headers=partner.headers(self.version)
        )
        refused(response, 200, 2001, "duration")


class HubClientInfoSuite(VersionSuite):
    def at(self, country_code: str = "BE", party_id: str = "BEC") -> str:
        return url(RoleEnum.CPO, self.version, "hubclientinfo", country_code, party_id)

    async def test_put_creates_then_updates_and_get_reads_back(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = partner.headers(self.version)
        envelope(
            await client.put(self.at(), json=samples.client_info(THEM, last_updated=stamp(0)), headers=headers), 201
        )
        updated = samples.client_info(THEM, "SUSPENDED", last_updated=stamp(10))
        answer = await client.put(self.at(), json=updated, headers=headers)
        envelope(answer, 200)
        assert "OCPI-from-country-code" not in answer.headers  # a configuration module is never routed
        data = envelope(await client.get(self.at(), headers=headers))["data"]
        assert (data["status"], data["last_updated"]) == ("SUSPENDED", stamp(10))

    async def test_unknown_client_info_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        refused(await client.get(self.at(), headers=partner.headers(self.version)), 404, 2003)

    async def test_invalid_client_info_is_2001(self, client: httpx.AsyncClient, partner: Partner) -> None:
        info = samples.client_info(THEM, "SLEEPING")
        refused(await client.put(self.at(), json=info, headers=partner.headers(self.version)), 200, 2001, "status")

    async def test_token_a_is_refused(self, client: httpx.AsyncClient, store: SqlStore) -> None:
        token_a = await store.issue_token(TokenKind.A)
        headers = Partner(None, token_a).headers(self.version)  # type: ignore[arg-type]
        refused(await client.put(self.at(), json=samples.client_info(THEM), headers=headers), 401, 2000)

    async def test_another_partys_client_info_is_refused(self, client: httpx.AsyncClient, partner: Partner) -> None:
        info = samples.client_info(("DE", "OTH"))
        refused(await client.put(self.at("DE", "OTH"), json=info, headers=partner.headers(self.version)), 404, 2001)


class RoutedSuite(VersionSuite):
    """2.2+: the routing headers (transport_and_format, message routing), checked on the Locations receiver."""

    def at(self, *parts: str) -> str:
        return url(RoleEnum.EMSP, self.version, "locations", *THEM, *parts)

    async def test_routing_headers_are_answered(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = {**partner.headers(self.version), "OCPI-from-country-code": "BE", "OCPI-from-party-id": "BEC"}
        headers |= {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "EMS"}
        answer = await client.put(self.at("LOC1"), json=self.sample("location", "LOC1"), headers=headers)
        envelope(answer, 201)
        routed = {name: answer.headers[name] for name in headers if name.startswith("OCPI-")}
        assert routed == {
            "OCPI-from-country-code": "NL",
            "OCPI-from-party-id": "EMS",
            "OCPI-to-country-code": "BE",
            "OCPI-to-party-id": "BEC",
        }

    async def test_from_headers_naming_someone_else_are_refused(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = {**partner.headers(self.version), "OCPI-from-country-code": "DE", "OCPI-from-party-id": "OTH"}
        response = await client.put(self.at("LOC1"), json=self.sample("location", "LOC1"), headers=headers)
        refused(response, 200, 2001, "DE/OTH")
        listing = await client.get(url(RoleEnum.CPO, self.version, "locations"), headers=headers)
        refused(listing, 200, 2001, "DE/OTH")

    async def test_to_headers_naming_another_platform_are_refused(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = {**partner.headers(self.version), "OCPI-to-country-code": "FR", "OCPI-to-party-id": "XYZ"}
        response = await client.put(self.at("LOC1"), json=self.sample("location", "LOC1"), headers=headers)
        refused(response, 200, 2001, "FR/XYZ")

    async def test_body_owner_differing_from_the_url_is_2001(self, client: httpx.AsyncClient, partner: Partner) -> None:
        location = samples.sample("location", self.version, "LOC1", ("DE", "OTH"))
        response = await client.put(self.at("LOC1"), json=location, headers=partner.headers(self.version))
        refused(response, 200, 2001, "country_code", "DE")

    async def test_patch_without_last_updated_is_2001(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        envelope(await client.put(self.at("LOC1"), json=self.sample("location", "LOC1"), headers=headers), 201)
        refused(await client.patch(self.at("LOC1"), json={"name": "x"}, headers=headers), 200, 2001, "last_updated")


# --- what 2.2.1 and 2.3.0 add ------------------------------------------------------------------------------


class SessionsSuite22(SessionsSuite):
    async def test_patch_appends_charging_periods(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        session = self.sample("session", "S1", last_updated=stamp(0))
        envelope(await client.put(self.at("S1"), json=session, headers=headers), 201)
        period = {"start_date_time": stamp(1), "dimensions": [{"type": "ENERGY", "volume": 2.2}]}
        envelope(
            await client.patch(
                self.at("S1"), json={"charging_periods": [period], "last_updated": stamp(2)}, headers=headers
            )
        )
        periods = envelope(await client.get(self.at("S1"), headers=headers))["data"]["charging_periods"]
        assert len(periods) == len(session["charging_periods"]) + 1
        assert periods[-1]["start_date_time"] == stamp(1)
        # A PUT replaces them (mod_sessions, PUT: the charging periods of the stored Session are replaced).
        session["charging_periods"], session["last_updated"] = [], stamp(3)
        envelope(await client.put(self.at("S1"), json=session, headers=headers), 200)
        assert not envelope(await client.get(self.at("S1"), headers=headers))["data"].get("charging_periods")

    async def charging_preferences(
        self, client: httpx.AsyncClient, partner: Partner, capabilities: list[str]
    ) -> httpx.Response:
        location = samples.sample("location", self.version, "LOC1", OWN[RoleEnum.CPO])
        location["evses"][0]["capabilities"] = capabilities
        await seed(client, LOCATION, self.version, location, RoleEnum.CPO)
        session = samples.sample("session", self.version, "S1", OWN[RoleEnum.CPO])
        session["location_id"], session["evse_uid"] = "LOC1", location["evses"][0]["uid"]
        await seed(client, SESSION, self.version, session, RoleEnum.CPO)
        target = url(RoleEnum.CPO, self.version, "sessions", "S1", "charging_preferences")
        return await client.put(target, json={"profile_type": "GREEN"}, headers=partner.headers(self.version))

    async def test_charging_preferences_need_a_capable_evse(self, client: httpx.AsyncClient, partner: Partner) -> None:
        refused(await self.charging_preferences(client, partner, ["RESERVABLE"]), 404, 2001, "charging preferences")

    async def test_charging_preferences_accepted_at_a_capable_evse(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        answer = envelope(await self.charging_preferences(client, partner, ["CHARGING_PREFERENCES_CAPABLE"]))
        assert answer["data"] == "ACCEPTED"

    async def test_the_preferences_hook_gets_the_canonical_session_and_preferences(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        recording = _RecordingPreferences()
        client.app.state.node.hooks.charging_preferences = recording  # type: ignore[attr-defined]
        answer = envelope(await self.charging_preferences(client, partner, ["CHARGING_PREFERENCES_CAPABLE"]))
        assert answer["data"] == "DEPARTURE_REQUIRED"
        [(session, preferences, requester)] = recording.received
        assert isinstance(session, Session) and (session.id, session.location_id) == ("S1", "LOC1")
        assert isinstance(preferences, ChargingPreferences) and preferences.profile_type == "GREEN"
        assert requester.version == self.version

    async def test_charging_preferences_of_an_unknown_session_are_404(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        target = url(RoleEnum.CPO, self.version, "sessions", "NOPE", "charging_preferences")
        response = await client.put(target, json={"profile_type": "GREEN"}, headers=partner.headers(self.version))
        refused(response, 404, 2001, "NOPE")


class CdrsSuite22(CdrsSuite):
    async def test_cdr_of_another_party_is_refused(self, client: httpx.AsyncClient, partner: Partner) -> None:
        cdr = samples.sample("cdr", self.version, "CDR1", ("DE", "OTH"))
        refused(await client.post(self.receiver, json=cdr, headers=partner.headers(self.version)), 404, 2001, "DE/OTH")


class TariffsSuite22(TariffsSuite):
    async def test_patch_is_gone(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        envelope(await client.put(self.at("T1"), json=self.sample("tariff", "T1"), headers=headers), 201)
        response = await client.patch(self.at("T1"), json={"currency": "USD", "last_updated": stamp()}, headers=headers)
        refused(response, 405, 2000, "method not allowed")


class TokensSuite22(TokensSuite):
    async def test_type_separates_tokens_with_one_uid(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        rfid = self.sample("token", "SAME")
        app_user = {**self.sample("token", "SAME"), "type": "APP_USER", "contract_id": "APP-CONTRACT"}
        envelope(await client.put(self.at("SAME"), json=rfid, headers=headers), 201)
        envelope(await client.put(self.at("SAME"), params={"type": "APP_USER"}, json=app_user, headers=headers), 201)
        default = envelope(await client.get(self.at("SAME"), headers=headers))["data"]
        by_type = envelope(await client.get(self.at("SAME"), params={"type": "APP_USER"}, headers=headers))["data"]
        assert (default["type"], default["contract_id"]) == ("RFID", rfid["contract_id"])
        assert (by_type["type"], by_type["contract_id"]) == ("APP_USER", "APP-CONTRACT")

    async def test_type_in_the_body_must_match_the_query(self, client: httpx.AsyncClient, partner: Partner) -> None:
        token = self.sample("token", "TOK1")
        response = await client.put(
            self.at("TOK1"), params={"type": "APP_USER"}, json=token, headers=partner.headers(self.version)
        )
        refused(response, 200, 2001, "type")

    async def test_authorize_unknown_token_is_404_2004_without_data(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        body = envelope(await self.authorize(client, partner, "NOPE", {"location_id": "LOC1"}), 404, 2004)
        assert "data" not in body

    async def test_authorize_finds_the_token_of_the_type_asked(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        app_user = {**samples.sample("token", self.version, "APP1", OWN[RoleEnum.EMSP]), "type": "APP_USER"}
        await seed(client, TOKEN, self.version, app_user, RoleEnum.EMSP)
        envelope(await self.authorize(client, partner, "APP1"), 404, 2004)
        data = envelope(await self.authorize(client, partner, "APP1", type="APP_USER"))["data"]
        assert (data["allowed"], data["token"]["type"]) == ("ALLOWED", "APP_USER")


class CommandsSuite22(CommandsSuite):
    async def test_cancel_reservation_is_accepted(self, client: httpx.AsyncClient, partner: Partner) -> None:
        body = samples.command_body("CANCEL_RESERVATION", self.version, response_url="http://127.0.0.1:9/r")
        client.app.state.node.hooks.commands = _AcceptWithoutResult()  # type: ignore[attr-defined]
        data = envelope(
            await client.post(self.command("CANCEL_RESERVATION"), json=body, headers=partner.headers(self.version))
        )["data"]
        assert (data["result"], data["timeout"]) == ("ACCEPTED", 30)


class _RecordingCommands:
    """Accepts every command, keeps what it was given, and leaves the result for later."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Command, Requester]] = []

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        self.received.append((command, request, requester))
        return CommandAnswer(final_result=None)


class _RecordingAuthorizer:
    def __init__(self) -> None:
        self.received: list[tuple[Token, LocationReferences | None, Requester]] = []

    async def authorize(
        self, token: Token, location: LocationReferences | None, requester: Requester
    ) -> AuthorizationDecision:
        self.received.append((token, location, requester))
        return AuthorizationDecision("ALLOWED")


class _RecordingPreferences:
    def __init__(self) -> None:
        self.received: list[tuple[Session, ChargingPreferences, Requester]] = []

    async def apply(self, session: Session, preferences: ChargingPreferences, requester: Requester) -> str:
        self.received.append((session, preferences, requester))
        return "DEPARTURE_REQUIRED"


class _AcceptWithoutResult:
    """Accepts every command and leaves the result for later (so no callback is posted)."""

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        return CommandAnswer(final_result=None)
