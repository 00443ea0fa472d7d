"""`ocpi check` of a Roaming Hub and of a party reached through it: our hub as a real node on 127.0.0.1 (with a
CPO, an eMSP that is the checker's party, and an eMSP gone OFFLINE) passes every hub rule; a wrong hub (a small
real server on 127.0.0.1 in front of ours, breaking one rule each) fails that rule's check, with its message."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ocpi.conformance import Options, Outcome, Report, run
from ocpi.conformance.hub import HUB_RULES
from tests.nodes import RunningNode, serve_app, serve_node
from tests.test_cli.nodes import OCPI, cli_env
from tests.test_e2e.test_hub import CPO1, EMSP1, EMSP2, HUB, QUIET, join, location

ME = ("DE", "EM1")

Answer = dict[str, Any]
"""What the wrong hub may change of an answer: `status`, `headers` (lower-case names), `body` (parsed JSON)."""


@dataclass
class Hubbed:
    hub: RunningNode
    token: str
    """The checker's token at the hub: the one eMSP one calls it with."""


@asynccontextmanager
async def hub_topology(tmp_path: Path, version: str) -> AsyncIterator[Hubbed]:
    async with AsyncExitStack() as stack:
        hub = await stack.enter_async_context(serve_node(tmp_path / "hub.db", [HUB], push=False, **QUIET))
        cpo = await stack.enter_async_context(serve_node(tmp_path / "cpo.db", [CPO1], versions=(version,), push=False))
        emsp = await stack.enter_async_context(
            serve_node(tmp_path / "emsp.db", [EMSP1], versions=(version,), push=False)
        )
        for location_id in ("LOC1", "LOC2"):
            await cpo.node.locations.put(location(location_id), version="2.2.1")
        await join(hub, cpo)
        me = await join(hub, emsp)
        await hub.node.push.run_once()  # the hub's ClientInfo: the CPO and the eMSP hear of each other
        async with serve_node(tmp_path / "gone.db", [EMSP2], versions=(version,), push=False) as gone:
            await join(hub, gone)
        assert hub.node.hub is not None
        await hub.node.hub.check_still_alive()  # eMSP two stopped answering: OFFLINE
        assert await hub.node.hub.status(EMSP2.country_code, EMSP2.party_id) == "OFFLINE"
        yield Hubbed(hub, me.hub_partner.outbound_token or "")


@asynccontextmanager
async def wrong_hub(target: str, defect: Callable[[Answer, dict[str, str]], None]) -> AsyncIterator[str]:
    """A server on 127.0.0.1 that relays every request to the hub at `target` and changes its answer by `defect`
    (given the answer and the request's headers); the hub's URLs in answers become its own."""
    own: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.decode() != "host"}
        query = scope["query_string"].decode()
        url = target + scope["path"] + (f"?{query}" if query else "")
        async with httpx.AsyncClient() as http:
            relayed = await http.request(scope["method"], url, content=body, headers=headers)
        answer: Answer = {
            "status": relayed.status_code,
            "headers": {k: v.replace(target, own[0]) for k, v in relayed.headers.items()},
            "body": orjson.loads(relayed.content.replace(target.encode(), own[0].encode()))
            if relayed.content
            else None,
        }
        defect(answer, {k.lower(): v for k, v in headers.items()})
        content = orjson.dumps(answer["body"]) if answer["body"] is not None else b""
        dropped = ("content-length", "content-encoding", "transfer-encoding")
        kept = [(k.encode(), v.encode()) for k, v in answer["headers"].items() if k not in dropped]
        await send({"type": "http.response.start", "status": answer["status"], "headers": [
            *kept, (b"content-length", str(len(content)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": content})

    async with serve_app(app) as url:
        own.append(url)
        yield url


def _credentials(answer: Answer, request: dict[str, str]) -> bool:
    return (
        isinstance(answer["body"], dict)
        and isinstance(answer["body"].get("data"), dict)
        and "token" in (answer["body"]["data"])
    )


def _to(request: dict[str, str]) -> tuple[str, str] | None:
    cc, pid = request.get("ocpi-to-country-code"), request.get("ocpi-to-party-id")
    return (cc.upper(), pid.upper()) if cc and pid else None


def _code(answer: Answer) -> Any:
    return answer["body"].get("status_code") if isinstance(answer["body"], dict) else None


def no_hub_role(answer: Answer, request: dict[str, str]) -> None:
    if _credentials(answer, request):
        answer["body"]["data"]["roles"][0]["role"] = "CPO"


def no_hub_party_id(answer: Answer, request: dict[str, str]) -> None:
    if _credentials(answer, request):
        del answer["body"]["data"]["hub_party_id"]


def routed_credentials(answer: Answer, request: dict[str, str]) -> None:
    if _credentials(answer, request):
        answer["headers"] |= {"ocpi-from-country-code": "NL", "ocpi-from-party-id": "HUB"}


def unswapped(answer: Answer, request: dict[str, str]) -> None:
    if _to(request) == ("NL", "CP1"):
        answer["headers"] |= {"ocpi-from-country-code": "DE", "ocpi-from-party-id": "EM1"}


def new_request_id(answer: Answer, request: dict[str, str]) -> None:
    if _to(request) == ("NL", "CP1"):
        answer["headers"]["x-request-id"] = str(uuid.uuid4())


def recode(found: int, given: int) -> Callable[[Answer, dict[str, str]], None]:
    def defect(answer: Answer, request: dict[str, str]) -> None:
        if _code(answer) == found:
            answer["body"]["status_code"] = given

    return defect


def broadcasts_cdrs(answer: Answer, request: dict[str, str]) -> None:
    if _to(request) == ("NL", "HUB") and _code(answer) == 2001 and "cdrs" in answer["body"].get("status_message", ""):
        answer["body"] = {**answer["body"], "status_code": 1000, "status_message": "broadcast"}


def unsigned_get_all(answer: Answer, request: dict[str, str]) -> None:
    if _to(request) == ("NL", "HUB"):
        answer["headers"].pop("ocpi-from-country-code", None)
        answer["headers"].pop("ocpi-from-party-id", None)


# (defect, the versions it applies to, the check that fails, what its message says)
DEFECTS = [
    (no_hub_role, ("2.2.1",), "hub.R2.credentials", "$.data.roles: CPO NL/HUB, expected one role HUB (the hub alone)"),
    (no_hub_party_id, ("2.3.0",), "hub.R3.credentials", "$.data.hub_party_id: None, expected the hub's CCPID"),
    (routed_credentials, ("2.2.1", "2.3.0"), "hub.R4.unrouted", "ocpi-from-party-id 'HUB' on a configuration"),
    (unswapped, ("2.2.1",), "hub.R6.routed_answer", "OCPI-from DE/EM1, expected NL/CP1 (the answer's sender)"),
    (new_request_id, ("2.3.0",), "hub.R15.request_ids", "X-Request-ID '"),
    (recode(4001, 2003), ("2.2.1",), "hub.R17.unknown_receiver", "(in no ClientInfo): status_code 2003, expected 4001"),
    (recode(4003, 4001), ("2.3.0",), "hub.R17.offline_receiver", "(OFFLINE in its ClientInfo): status_code 4001"),
    (broadcasts_cdrs, ("2.2.1",), "hub.R10.no_broadcast", "OCPI-to NL/HUB (the hub): status_code 1000, expected 2001"),
    (unsigned_get_all, ("2.3.0",), "hub.R13.get_all", "OCPI-from ?, expected NL/HUB (the answer's sender)"),
]


def failures(report: Report) -> dict[str, str]:
    return {f.check.id: " | ".join([f.result.message, *f.result.details]) for f in report.failed}


def hub_outcomes(report: Report) -> dict[str, Outcome]:
    return {f.check.id: f.result.outcome for f in report.findings if f.check.id.startswith(("hub.", "routed."))}


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
async def test_our_hub_passes_and_each_wrong_hub_fails_its_rule(tmp_path: Path, version: str) -> None:
    async with hub_topology(tmp_path, version) as topology:
        options = Options(versions_url=topology.hub.versions_url, token=topology.token, version=version, from_party=ME)
        report = await run(options)
        assert failures(report) == {}
        rule = "R2" if version == "2.2.1" else "R3"
        expected = {f"hub.{rule}.credentials", "hub.R4.unrouted", "hub.R19.client_info", "hub.R6.routed_answer",
                    "hub.R15.request_ids", "hub.R17.unknown_receiver", "hub.R17.offline_receiver",
                    "hub.R10.no_broadcast", "hub.R13.get_all"}  # fmt: skip
        assert {k for k, v in hub_outcomes(report).items() if v is Outcome.passed} == expected
        # GET All via the hub: the hub's Locations list (what was broadcast to it: none here) and its directory.
        assert {s.name for s in (await _subjects(options))} >= {"hubclientinfo"}

        for defect, versions, check_id, message in DEFECTS:
            if version not in versions:
                continue
            async with wrong_hub(topology.hub.versions_url.split("/ocpi/")[0], defect) as wrong:
                url = wrong + "/ocpi/" + topology.hub.versions_url.split("/ocpi/")[1]
                wrong_report = await run(
                    Options(versions_url=url, token=topology.token, version=version, from_party=ME)
                )
            found = failures(wrong_report)
            assert check_id in found, (defect.__name__, found)
            assert message in found[check_id], (defect.__name__, found[check_id])
            assert set(found) <= {check_id, "headers.correlation"}, (defect.__name__, found)


async def _subjects(options: Options) -> list[Any]:
    from ocpi.conformance.probe import Probe
    from ocpi.conformance.runner import discover

    probe = Probe(options.token, base64_token=True)
    try:
        return (await discover(options, probe)).subjects
    finally:
        await probe.aclose()


async def test_a_party_is_checked_through_the_hub(tmp_path: Path) -> None:
    """`ocpi check HUB_URL --token T --to NL/CP1 --from DE/EM1`, the CLI as users run it: every request to a
    functional module names the CPO in OCPI-to; its Locations are read and judged through the hub, and the answers'
    routing headers too (routed.answers). A hub that does not swap them fails that check."""
    async with hub_topology(tmp_path, "2.2.1") as topology:
        versions_url = topology.hub.versions_url
        args = [versions_url, "--token", topology.token, "--to", "NL/CP1", "--from", "DE/EM1"]
        report_file = tmp_path / "through.json"
        done = await asyncio.create_subprocess_exec(
            OCPI, "check", *args, "--report", str(report_file), "--db", str(tmp_path / "none.db"), env=cli_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await done.communicate()
        assert done.returncode == 0, (out.decode(), err.decode())
        findings = orjson.loads(report_file.read_bytes())["results"]
        passed = {(f["id"], f.get("subject")) for f in findings if f["outcome"] == "passed"}
        assert ("routed.answers", None) in passed
        assert ("objects.schema", "locations") in passed and ("pagination.link", "locations") in passed
        assert not any(f.get("subject") == "tokens" for f in findings)  # the CPO sends no Tokens list

        through = Options(versions_url=versions_url, token=topology.token, to=("NL", "CP1"), from_party=ME)
        async with wrong_hub(versions_url.split("/ocpi/")[0], unswapped) as wrong:
            url = wrong + "/ocpi/" + versions_url.split("/ocpi/")[1]
            found = failures(await run(Options(**{**through.__dict__, "versions_url": url})))
        assert "routed.answers" in found
        assert "OCPI-from DE/EM1, expected NL/CP1 (the answer's sender)" in found["routed.answers"]

        # A party the hub reports OFFLINE, or does not know, cannot be checked through it: a one-line error, exit 2.
        gone = await asyncio.create_subprocess_exec(
            OCPI, "check", versions_url, "--token", topology.token, "--to", "FR/EM2", env=cli_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, gone_err = await gone.communicate()
        assert gone.returncode == 2
        assert (
            gone_err.decode().strip()
            == "error: --to FR/EM2: the hub reports it OFFLINE; nothing can be checked through it"
        )


def test_every_hub_rule_is_listed_once_and_the_checks_name_theirs() -> None:
    from ocpi.conformance import catalogue

    assert [r.id for r in HUB_RULES] == [f"R{n}" for n in range(1, 23)]
    for found in catalogue():
        if found.id.startswith("hub."):
            rule = found.id.split(".")[1]
            assert found.title.startswith(f"{rule}: "), found.id
            assert any(r.id == rule for r in HUB_RULES)
