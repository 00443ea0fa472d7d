"""Write-side checks (`--write --token-a A`): we play a minimal CPO, a real node served in-process, register
with the peer from scratch, push one of our Locations to its receiver endpoint, then rotate our credentials
and unregister. Use a sandbox: the peer keeps the Location we pushed."""

from __future__ import annotations

import tempfile
import uuid
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from pydantic import ValidationError

from ocpi.conformance.checks import Result, SpecRef, Stage, check, failed, passed, skipped, verdict
from ocpi.conformance.context import Context, UserError, now_utc
from ocpi.conformance.peer import RunningNode, serve_node
from ocpi.conformance.probe import Exchange
from ocpi.conformance.read import deviation_detail
from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.core.validation import deviations
from ocpi.node.config import OwnParty
from ocpi.node.handshake import credentials_model, our_credentials, partner_name, partner_roles
from ocpi.storage.base import TokenKind

AUTHORIZATION = SpecRef("transport_and_format", "Authorization header", "Request format")
REGISTRATION = SpecRef("credentials", "Registration")
PUSH = SpecRef("transport_and_format", "Client Owned Object Push", "Client owned object push")
RECEIVER = SpecRef("mod_locations", "Interfaces and endpoints")
CLIENT_ERRORS = SpecRef("status_codes", "2xxx: Client errors")
ROUTING = SpecRef("transport_and_format", "Message Routing Headers")
CREDENTIALS_PUT = SpecRef("credentials", "PUT Method")
CREDENTIALS_DELETE = SpecRef("credentials", "DELETE Method")
NEEDS_HANDSHAKE = "needs the handshake to have succeeded"


@dataclass
class WriteSession:
    """Our side of the write checks: the in-process node and what the handshake gave us."""

    running: RunningNode
    party: OwnParty
    location_id: str = field(default_factory=lambda: f"CHK{uuid.uuid4().hex[:8].upper()}")
    partner_pk: int | None = None
    token_b: str | None = None
    token_c: str | None = None
    credentials_url: str | None = None
    peer_parties: list[tuple[str, str]] = field(default_factory=list)
    pushed: list[Exchange] = field(default_factory=list)

    @property
    def owner(self) -> tuple[str, str]:
        return self.party.country_code, self.party.party_id


async def start_session(ctx: Context, stack: AsyncExitStack) -> WriteSession:
    """Serve our node (a CPO of the version under check) until `stack` closes."""
    options = ctx.options
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ocpi-check-")))
    party = OwnParty(RoleEnum.CPO, *options.party, name="ocpi check")
    try:
        running = await stack.enter_async_context(_serve(ctx, folder, party))
    except OSError as error:
        raise UserError(f"cannot listen on {options.listen[0]}:{options.listen[1]}: {error.strerror}") from error
    return WriteSession(running, party)


def _serve(ctx: Context, folder: Path, party: OwnParty) -> AbstractAsyncContextManager[RunningNode]:
    options = ctx.options
    return serve_node(
        f"sqlite:///{folder / 'check.db'}",
        [party],
        host=options.listen[0],
        port=options.listen[1],
        public_url=options.public_url,
        versions=(ctx.version,),
        push=False,
        allow_private_urls=True,
    )


def _session(ctx: Context) -> WriteSession:
    assert ctx.write_session is not None
    return ctx.write_session


def _authorization(ctx: Context, token: str) -> dict[str, str]:
    return {"Authorization": ctx.probe.authorization(token)}


def _functional_headers(ctx: Context, session: WriteSession) -> dict[str, str]:
    """Our token C and, from 2.2.1, the routing headers: from us to the peer's receiving party."""
    assert session.token_c is not None
    headers = _authorization(ctx, session.token_c)
    if ctx.version != "2.1.1":
        headers["OCPI-from-country-code"], headers["OCPI-from-party-id"] = session.owner
        if session.peer_parties:
            headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = session.peer_parties[0]
    return headers


def _receiver_url(ctx: Context) -> str | None:
    if ctx.version == "2.1.1":  # no roles: the peer's `locations` is its receiver unless it sent us a list
        return None if any(s.module == "locations" for s in ctx.subjects) else ctx.endpoint("locations")
    return ctx.endpoint("locations", "RECEIVER")


async def _our_location(session: WriteSession, version: str, location_id: str) -> dict[str, Any]:
    """A Location of ours in `version`: stored in our node as canonical 2.3.0, rendered by the repository."""
    now = format_datetime(now_utc().replace(microsecond=0))
    country_code, party_id = session.owner
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "last_updated": now,
    }
    evse = {"uid": f"{location_id}-1", "status": "AVAILABLE", "connectors": [connector], "last_updated": now}
    location = {
        "country_code": country_code,
        "party_id": party_id,
        "id": location_id,
        "publish": True,
        "name": "ocpi check",
        "address": "Checkstraat 1",
        "city": "Utrecht",
        "postal_code": "3511AA",
        "country": "NLD",
        "coordinates": {"latitude": "52.090737", "longitude": "5.121420"},
        "parking_type": "ON_STREET",
        "evses": [evse],
        "time_zone": "Europe/Amsterdam",
        "last_updated": now,
    }
    locations = session.running.node.locations
    await locations.put(location, owner=session.owner)
    rendered = await locations.get(location_id, version=version, owner=session.owner)
    assert isinstance(rendered, dict)
    return rendered


def _failure(answer: Exchange, what: str) -> str:
    message = (answer.envelope or {}).get("status_message")
    return f"{what}: HTTP {answer.status}, status_code {answer.status_code}" + (f" ({message})" if message else "")


# --- the checks, in the order they run ------------------------------------------------------------------


@check(
    "write.token_a_scope",
    "Token A is refused on functional modules",
    AUTHORIZATION,
    Stage.write,
    versions=("2.2.1", "2.3.0"),
)
async def token_a_scope(ctx: Context) -> Result:
    url = _receiver_url(ctx) or (ctx.subjects[0].url if ctx.subjects else None)
    if url is None:
        return skipped("the peer lists no functional module")
    assert ctx.options.token_a is not None
    country_code, party_id = _session(ctx).owner
    answer = await ctx.probe.get(
        f"{url.rstrip('/')}/{country_code}/{party_id}/CHK0", headers=_authorization(ctx, ctx.options.token_a)
    )
    if answer.status != 401:
        return failed(f"{answer.label} with token A: HTTP {answer.status}, expected 401")
    return passed("HTTP 401")


@check("write.handshake", "Registration from scratch with token A", REGISTRATION, Stage.write)
async def handshake(ctx: Context) -> Result:
    session = _session(ctx)
    token_a = ctx.options.token_a
    assert token_a is not None
    probe, version = ctx.probe, ctx.version
    versions = await probe.get(
        ctx.options.versions_url, headers=_authorization(ctx, token_a), expect="list", valid=True
    )
    if versions.status == 401:
        raise UserError(f"{versions.url} refuses token A (HTTP 401): is it an unused registration token?")
    offered = {v.get("version"): v.get("url") for v in versions.data or [] if isinstance(v, dict)}
    if not versions.succeeded or not isinstance(offered.get(version), str):
        return failed(_failure(versions, f"versions with token A do not offer {version}"))
    details = await probe.get(
        urljoin(versions.url, offered[version]), headers=_authorization(ctx, token_a), expect="object", valid=True
    )
    endpoints = (details.data or {}).get("endpoints") if isinstance(details.data, dict) else None
    credentials_url = next(
        (e.get("url") for e in endpoints or [] if isinstance(e, dict) and e.get("identifier") == "credentials"), None
    )
    if not details.succeeded or not isinstance(credentials_url, str):
        return failed(_failure(details, "version details with token A list no credentials endpoint"))
    session.credentials_url = urljoin(details.url, credentials_url)

    store, config = session.running.store, session.running.node.config
    party = await store.create_party(ctx.options.versions_url[:100], [], state="invited")
    session.partner_pk, session.token_b = party.pk, await store.issue_token(TokenKind.C, party.pk)
    ours = our_credentials(config, version, RoleEnum.CPO, session.token_b, session.running.base_url)
    answer = await probe.request(
        "POST", session.credentials_url, body=ours, headers=_authorization(ctx, token_a), expect="object", valid=True
    )
    if not answer.succeeded:
        return failed(_failure(answer, "POST of our credentials"))
    found = deviations(credentials_model(version), answer.data, version=version)
    try:
        credentials = credentials_model(version).model_validate(answer.data)
    except ValidationError:
        return failed(
            "the peer answered invalid Credentials", [deviation_detail(answer.label, ("data",), d) for d in found]
        )
    token_c = str(credentials.model_dump()["token"])
    if token_c == token_a:
        return failed("the peer answered token A as our token C")
    roles = partner_roles(credentials, version, RoleEnum.CPO)
    session.peer_parties = [(r.country_code, r.party_id) for r in roles if r.role != RoleEnum.CPO.value]
    await store.update_party(
        party.pk,
        name=partner_name(credentials, version),
        state="registered",
        roles=roles,
        version=version,
        versions_url=ctx.options.versions_url,
        outbound_token=token_c,
    )
    check_c = await probe.get(
        session.credentials_url, headers=_authorization(ctx, token_c), expect="object", valid=True
    )
    if not check_c.succeeded:
        return failed(_failure(check_c, "GET credentials with the token C the peer issued"))
    session.token_c = token_c
    if found:  # read all the same, and registered: the write checks go on
        listed = [deviation_detail(answer.label, ("data",), d) for d in found]
        return failed("registered, but the peer answered Credentials that deviate from the spec", listed)
    return passed(f"registered in {version}; the peer fetched our versions with token B and issued token C")


@check("write.put", "PUT of our Location is stored and read back", RECEIVER, Stage.write)
async def put_location(ctx: Context) -> Result:
    session, url = _session(ctx), _receiver_url(ctx)
    if session.token_c is None:
        return skipped(NEEDS_HANDSHAKE)
    if url is None:
        return skipped("the peer lists no Locations receiver endpoint")
    location = await _our_location(session, ctx.version, session.location_id)
    target = "/".join((url.rstrip("/"), *session.owner, session.location_id))
    headers = _functional_headers(ctx, session)
    answer = await ctx.probe.request("PUT", target, body=location, headers=headers, valid=True)
    session.pushed.append(answer)
    if not answer.succeeded:
        return failed(_failure(answer, "PUT of a valid Location"))
    back = await ctx.probe.get(target, headers=headers, expect="object", valid=True)
    session.pushed.append(back)
    if not back.succeeded or not isinstance(back.data, dict) or back.data.get("id") != session.location_id:
        return failed(_failure(back, "GET of the Location we PUT"))
    return passed(f"stored (HTTP {answer.status}) and read back")


@check("write.patch", "PATCH of our Location is applied", RECEIVER, Stage.write)
async def patch_location(ctx: Context) -> Result:
    session, url = _session(ctx), _receiver_url(ctx)
    if session.token_c is None or url is None or not session.pushed:
        return skipped("needs the PUT to have run")
    target = "/".join((url.rstrip("/"), *session.owner, session.location_id))
    headers = _functional_headers(ctx, session)
    name = f"ocpi check {uuid.uuid4().hex[:6]}"
    body = {"name": name, "last_updated": format_datetime(now_utc().replace(microsecond=0))}
    answer = await ctx.probe.request("PATCH", target, body=body, headers=headers, valid=True)
    session.pushed.append(answer)
    if not answer.succeeded:
        return failed(_failure(answer, "PATCH of the Location's name"))
    back = await ctx.probe.get(target, headers=headers, expect="object", valid=True)
    session.pushed.append(back)
    if not isinstance(back.data, dict) or back.data.get("name") != name:
        return failed(f"{back.label}: name is {(back.data or {}).get('name')!r} after the PATCH, expected {name!r}")
    return passed("applied")


@check("write.foreign_owner", "A Location under another party's id is refused", PUSH, Stage.write)
async def foreign_owner(ctx: Context) -> Result:
    session, url = _session(ctx), _receiver_url(ctx)
    if session.token_c is None or url is None:
        return skipped(NEEDS_HANDSHAKE + " and a Locations receiver")
    country_code, party_id = session.owner
    stranger = "ZZZ" if party_id.upper() != "ZZZ" else "ZZY"
    location_id = session.location_id + "F"
    location = await _our_location(session, ctx.version, location_id)
    if "party_id" in location:
        location["party_id"] = stranger
    target = "/".join((url.rstrip("/"), country_code, stranger, location_id))
    answer = await ctx.probe.request("PUT", target, body=location, headers=_functional_headers(ctx, session))
    if answer.succeeded:
        return failed(f"{answer.label}: accepted (HTTP {answer.status}) though {country_code}/{stranger} is not ours")
    return passed(f"refused (HTTP {answer.status}, status_code {answer.status_code})")


@check("write.invalid_object", "An invalid Location answers 2001 naming the field", CLIENT_ERRORS, Stage.write)
async def invalid_object(ctx: Context) -> Result:
    session, url = _session(ctx), _receiver_url(ctx)
    if session.token_c is None or url is None:
        return skipped(NEEDS_HANDSHAKE + " and a Locations receiver")
    location_id = session.location_id + "X"
    location = await _our_location(session, ctx.version, location_id)
    del location["coordinates"]
    target = "/".join((url.rstrip("/"), *session.owner, location_id))
    answer = await ctx.probe.request(
        "PUT", target, body=location, headers=_functional_headers(ctx, session), valid=True
    )
    session.pushed.append(answer)
    message = str((answer.envelope or {}).get("status_message") or "")
    if answer.status_code != 2001:
        return failed(_failure(answer, "a Location without `coordinates`"))
    if "coordinates" not in message:
        return failed(f"{answer.label}: 2001, but the message does not name the field: {message!r}")
    return passed(f"2001: {message}")


@check(
    "headers.routing",
    "Answers to our pushes carry the routing headers swapped",
    ROUTING,
    Stage.write,
    versions=("2.2.1", "2.3.0"),
)
async def routing_headers(ctx: Context) -> Result:
    session = _session(ctx)
    if not session.pushed:
        return skipped("no push was answered")
    ours = tuple(p.upper() for p in session.owner)
    peers = {(c.upper(), p.upper()) for c, p in session.peer_parties}
    problems = []
    present = 0
    for answer in session.pushed:
        to = (answer.headers.get("ocpi-to-country-code"), answer.headers.get("ocpi-to-party-id"))
        sender = (answer.headers.get("ocpi-from-country-code"), answer.headers.get("ocpi-from-party-id"))
        if all(to):
            present += 1
            if tuple(str(v).upper() for v in to) != ours:
                problems.append(f"{answer.label}: OCPI-to {to[0]}/{to[1]}, expected us {ours[0]}/{ours[1]}")
        if all(sender) and peers and (str(sender[0]).upper(), str(sender[1]).upper()) not in peers:
            problems.append(f"{answer.label}: OCPI-from {sender[0]}/{sender[1]} is none of the peer's parties")
    if not problems and not present:
        return passed("no routing headers in the answers (allowed between two platforms without a Hub)")
    return verdict(problems, f"swapped on {present} answers", "wrong routing headers")


@check("write.rotate", "PUT credentials rotates the tokens", CREDENTIALS_PUT, Stage.write)
async def rotate(ctx: Context) -> Result:
    session = _session(ctx)
    if session.token_c is None or session.credentials_url is None or session.partner_pk is None:
        return skipped(NEEDS_HANDSHAKE)
    store = session.running.store
    new_b = await store.issue_token(TokenKind.C, session.partner_pk)
    config = session.running.node.config
    body = our_credentials(config, ctx.version, RoleEnum.CPO, new_b, session.running.base_url)
    old_c = session.token_c
    answer = await ctx.probe.request(
        "PUT", session.credentials_url, body=body, headers=_authorization(ctx, old_c), expect="object", valid=True
    )
    if not answer.succeeded or not isinstance(answer.data, dict) or not isinstance(answer.data.get("token"), str):
        return failed(_failure(answer, "PUT of our credentials with a new token B"))
    new_c = answer.data["token"]
    if session.token_b:
        await store.revoke_tokens(token=session.token_b)
    session.token_b = new_b
    await store.update_party(session.partner_pk, outbound_token=new_c)
    problems = []
    if new_c == old_c:
        problems.append("the peer answered the same token C")
    else:
        session.token_c = new_c
        stale = await ctx.probe.get(session.credentials_url, headers=_authorization(ctx, old_c))
        if stale.status != 401:
            problems.append(f"the old token C still works: HTTP {stale.status}")
    fresh = await ctx.probe.get(session.credentials_url, headers=_authorization(ctx, new_c), valid=True)
    if not fresh.succeeded:
        problems.append(_failure(fresh, "the new token C"))
    return verdict(problems, "new token C works, the old one is refused", "rotation problems")


@check("write.unregister", "DELETE credentials unregisters", CREDENTIALS_DELETE, Stage.write)
async def unregister(ctx: Context) -> Result:
    session = _session(ctx)
    if session.token_c is None or session.credentials_url is None or session.partner_pk is None:
        return skipped(NEEDS_HANDSHAKE)
    headers = _authorization(ctx, session.token_c)
    answer = await ctx.probe.request("DELETE", session.credentials_url, headers=headers, valid=True)
    await session.running.store.revoke_tokens(party_pk=session.partner_pk)
    await session.running.store.update_party(session.partner_pk, state="unregistered")
    if not answer.succeeded:
        return failed(_failure(answer, "DELETE of our credentials"))
    after = await ctx.probe.get(session.credentials_url, headers=headers)
    if after.status != 401:
        return failed(f"token C still works after DELETE: HTTP {after.status}")
    session.token_c = None
    return passed("unregistered; token C is refused")
