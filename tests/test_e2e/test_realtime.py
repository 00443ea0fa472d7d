"""Commands and real-time authorization between two real nodes, in every version."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ocpi.core.errors import UnknownToken
from ocpi.modules.commands.v_2_3_0.schemas import CommandResult, StartSession
from ocpi.modules.tokens.v_2_3_0.schemas import Token
from ocpi.node.hooks import Command, CommandAnswer, KeepResults, Requester
from ocpi.node.outbound import authorize_token, send_command
from tests.nodes import OWN_DATA, eventually
from tests.test_e2e.test_sync import VERSIONS, example, registered_pair


class RecordingCommands:
    def __init__(self) -> None:
        self.received: list[tuple[str, Command, Requester]] = []

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        self.received.append((command, request, requester))
        return CommandAnswer(result="ACCEPTED", timeout=15, final_result="ACCEPTED")


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", VERSIONS)
async def test_start_session_reaches_the_cpo_hook_and_the_result_comes_back(
    tmp_path: Path, version: str, data: str
) -> None:
    async with registered_pair(tmp_path, version, data) as (cpo, emsp, emsp_as_partner):
        commands = RecordingCommands()
        cpo.node.hooks.commands = commands
        await cpo.node.locations.put(example("location_example.json"), version="2.2.1")
        token = {**example("token_example_2_full_rfid.json")}
        if version == "2.1.1":
            token = {
                "uid": token["uid"],
                "type": "RFID",
                "auth_id": token["contract_id"],
                "issuer": token["issuer"],
                "valid": True,
                "whitelist": "ALLOWED",
                "last_updated": token["last_updated"],
            }
        request = {"token": token, "location_id": "LOC1", "evse_uid": "3256"}
        [cpo_as_partner] = await emsp.store.list_parties()

        answer, reference = await send_command(emsp.node, cpo_as_partner, "START_SESSION", request)

        assert answer.result == "ACCEPTED"  # the partner's CommandResponse, of its version
        assert type(answer).__module__ == f"ocpi.modules.commands.v_{version.replace('.', '_')}.schemas"
        assert (getattr(answer, "timeout", None) is not None) == (version != "2.1.1")
        [(command, received, requester)] = commands.received
        # The canonical StartSession whatever the version the eMSP speaks, its token canonical too (a 2.1.1
        # token's auth_id is the contract_id, under the eMSP's own party); the version only as information.
        assert isinstance(received, StartSession) and isinstance(received.token, Token)
        assert command == "START_SESSION" and received.location_id == "LOC1"
        assert str(received.response_url).endswith(reference)
        assert received.token.contract_id == token.get("contract_id", token.get("auth_id"))
        assert (received.token.country_code, received.token.party_id) == (
            emsp_as_partner.roles[0].country_code,
            emsp_as_partner.roles[0].party_id,
        )
        assert requester.version == version and requester.party.pk == emsp_as_partner.pk
        results = emsp.node.hooks.results
        assert isinstance(results, KeepResults)

        async def result_arrived() -> bool:
            return any(ref == reference for _, ref, _ in results.results)

        await eventually(result_arrived, "the CommandResult at the eMSP")
        [(_, _, result)] = [r for r in results.results if r[1] == reference]
        assert isinstance(result, CommandResult) and result.result == "ACCEPTED"  # 2.1.1's CommandResponse, read up

        unknown, _ = await send_command(emsp.node, cpo_as_partner, "START_SESSION", {**request, "location_id": "NOPE"})
        assert unknown.result == "REJECTED"
        await asyncio.sleep(0)


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", VERSIONS)
async def test_cpo_authorizes_a_token_in_real_time(tmp_path: Path, version: str, data: str) -> None:
    async with registered_pair(tmp_path, version, data) as (cpo, emsp, emsp_as_partner):
        token = example("token_example_2_full_rfid.json")
        await emsp.node.tokens.put(token, version="2.2.1")
        info = await authorize_token(
            cpo.node, emsp_as_partner, token["uid"], location={"location_id": "LOC1", "evse_uids": ["3256"]}
        )
        assert info.allowed == "ALLOWED"
        assert info.location.location_id == "LOC1"
        if version != "2.1.1":
            assert info.token.uid == token["uid"]
        with pytest.raises(Exception) as caught:
            await authorize_token(cpo.node, emsp_as_partner, "UNKNOWN-UID")
        if version != "2.1.1":
            assert isinstance(caught.value, UnknownToken)
