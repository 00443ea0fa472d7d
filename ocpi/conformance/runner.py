"""`run(options)`: discover the peer, run every check in order, and return the report."""

from __future__ import annotations

from contextlib import AsyncExitStack
from urllib.parse import urljoin

from ocpi.client import join_url
from ocpi.client.client import CONFIGURATION_MODULES as CONFIGURATION
from ocpi.conformance.checks import Check, Result, Stage, catalogue, failed, skipped
from ocpi.conformance.context import Context, Endpoint, HubPeer, Options, Subject, UserError
from ocpi.conformance.formats import is_absolute
from ocpi.conformance.probe import Exchange, Probe, Shape, Unreachable
from ocpi.conformance.report import Finding, Report
from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import SenderList
from ocpi.core.versions import NEWEST_FIRST
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces

OUR_VERSIONS = NEWEST_FIRST


def sender_lists(module: str, version: str) -> list[SenderList]:
    if module not in FUNCTIONAL_MODULES:
        return []
    sender = module_interfaces(module).sender
    if sender is None or version not in sender.versions:
        return []
    return [p for p in sender.patterns if isinstance(p, SenderList) and version in p.object_type.models]


LIST_MODULES = tuple(m for m in FUNCTIONAL_MODULES if any(sender_lists(m, v) for v in OUR_VERSIONS))


async def run(options: Options) -> Report:
    if not is_absolute(options.versions_url):
        raise UserError(f"not an http(s) URL: {options.versions_url!r}")
    unknown = [m for m in options.modules if m not in LIST_MODULES]
    if unknown:
        raise UserError(f"unknown module {unknown[0]!r}: choose among {', '.join(LIST_MODULES)}")
    if options.write and not options.token_a:
        raise UserError("--write needs --token-a (a registration token of a sandbox)")
    probe = Probe(options.token, base64_token=options.version != "2.1.1", settings=options.outbound)
    try:
        try:
            context = await discover(options, probe)
        except Unreachable as error:
            raise UserError(f"cannot reach the peer: {error}") from error
        async with AsyncExitStack() as stack:
            if options.write:
                from ocpi.conformance.write import start_session

                context.write_session = await start_session(context, stack)
            findings = [finding for c in catalogue() for finding in await _run_check(c, context)]
        return Report(options.versions_url, context.version, findings)
    finally:
        await probe.aclose()


async def _authorized_get(probe: Probe, url: str, expect: Shape) -> Exchange:
    """GET with our token, trying the other spelling (raw / Base64) when the first is refused."""
    answer = await probe.get(url, expect=expect, valid=True)
    if answer.status == 401:
        answer.valid = False  # the spelling was wrong, not the request: auth.token_encoding judges that
        probe.base64_token = not probe.base64_token
        answer = await probe.get(url, expect=expect, valid=True)
    if answer.status == 401:
        raise UserError(f"{url} refuses the token (HTTP 401, raw and Base64): is it a registered partner's token?")
    return answer


async def discover(options: Options, probe: Probe) -> Context:
    versions = await _authorized_get(probe, options.versions_url, "list")
    if versions.envelope is None or not isinstance(versions.data, list):
        raise UserError(f"{options.versions_url} is not an OCPI versions endpoint (HTTP {versions.status})")
    offered = {
        str(v.get("version")): urljoin(options.versions_url, str(v.get("url")))
        for v in versions.data
        if isinstance(v, dict)
    }
    if options.version is not None and options.version not in offered:
        raise UserError(f"the peer offers {', '.join(offered) or 'no version'}, not {options.version}")
    version = options.version or next((v for v in OUR_VERSIONS if v in offered), None)
    if version is None:
        raise UserError(f"the peer offers {', '.join(offered) or 'no version'}: none of {', '.join(OUR_VERSIONS)}")
    probe.base64_token = version != "2.1.1"
    details = await _authorized_get(probe, offered[version], "object")
    if not isinstance(details.data, dict):
        raise UserError(f"{offered[version]} does not answer version details (HTTP {details.status})")
    endpoints = [
        Endpoint(str(e.get("identifier")), urljoin(details.url, str(e.get("url"))), e.get("role"))
        for e in details.data.get("endpoints") or []
        if isinstance(e, dict)
    ]
    context = Context(options, probe, version, versions, details, endpoints, [])
    context.hub = await _hub_peer(context)
    _route(context)
    context.subjects = await _subjects(context)
    return context


async def _hub_peer(context: Context) -> HubPeer | None:
    """The peer as a Roaming Hub: its Credentials name it HUB (2.2.1) or give `hub_party_id` (2.3.0), or it offers
    a Hub Client Info Sender; None: it is no hub."""
    url = context.endpoint("credentials")
    listing = context.endpoint("hubclientinfo", "SENDER") if context.version != "2.1.1" else None
    if url is None or context.version == "2.1.1":
        return None
    credentials = await context.probe.get(url, expect="object", valid=True)
    data = credentials.data if isinstance(credentials.data, dict) else {}
    roles = [r for r in data.get("roles") or [] if isinstance(r, dict)]
    named = next((r for r in roles if r.get("role") == "HUB"), None)
    party = (str(named.get("country_code")).upper(), str(named.get("party_id")).upper()) if named else None
    hub_party_id = data.get("hub_party_id")
    if party is None and isinstance(hub_party_id, str) and len(hub_party_id) == 5:
        party = (hub_party_id[:2].upper(), hub_party_id[2:].upper())
    if party is None and listing is None:
        return None
    listed = await context.probe.get(listing, params={"limit": 1000}, expect="list", valid=True) if listing else None
    return HubPeer(credentials, party, listed)


def _route(context: Context) -> None:
    """Through a hub, requests to functional modules name their receiver: `--to` the party checked, else the hub
    itself (GET All via the hub); configuration modules carry no routing headers."""
    options, hub = context.options, context.hub
    if options.to is not None:
        if hub is None:
            raise UserError(f"--to {options.to[0]}/{options.to[1]}: {options.versions_url} is no hub")
        info = hub.client(options.to)
        if info is None or info.get("status") != "CONNECTED":
            state = "lists no ClientInfo of it" if info is None else f"reports it {info.get('status')}"
            raise UserError(f"--to {options.to[0]}/{options.to[1]}: the hub {state}; nothing can be checked through it")
    to = options.to or (hub.party if hub is not None else None)
    if to is None:
        return
    routing = {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    if options.from_party is not None:
        routing |= {"OCPI-from-country-code": options.from_party[0], "OCPI-from-party-id": options.from_party[1]}
    context.probe.routing = routing
    context.probe.routed = tuple(e.url.rstrip("/") for e in context.endpoints if e.identifier not in CONFIGURATION)


async def _subjects(context: Context) -> list[Subject]:
    """The peer's sender lists: 2.2.1+ say so by role; 2.1.1 has no roles, so a module is taken for a sender
    list when a GET of its URL answers a list."""
    found = []
    for endpoint in context.endpoints:
        if context.options.modules and endpoint.identifier not in context.options.modules:
            continue
        if context.version != "2.1.1" and endpoint.role != "SENDER":
            continue
        for pattern in sender_lists(endpoint.identifier, context.version):
            url = join_url(endpoint.url, *((pattern.segment,) if pattern.segment else ()))
            found.append(Subject(endpoint.identifier, url, pattern))
    if context.options.to is not None and context.hub is not None:  # the party's own Sender lists
        info = context.hub.client(context.options.to) or {}
        sends = {m for m in LIST_MODULES if _sends(m, str(info.get("role")))}
        found = [s for s in found if s.module in sends]
    if context.version == "2.1.1" or (context.hub is not None and context.options.to is None):
        # 2.1.1 has no roles; a hub lists itself only some modules (GET All via the hub)
        kept = []
        for subject in found:
            answer = await context.probe.get(subject.url, params={**subject.base_params, "limit": 1})
            if answer.succeeded and isinstance(answer.data, list):
                kept.append(subject)
        found = kept
    return found


def _sends(module: str, role: str) -> bool:
    try:
        return module_interfaces(module).sides.get(RoleEnum(role)) is InterfaceRole.SENDER
    except ValueError:
        return False


async def _run_check(check: Check, context: Context) -> list[Finding]:
    if check.stage is Stage.write and context.write_session is None:
        return []
    subjects: list[Subject | None] = list(context.subjects) if check.per_list else [None]
    if check.per_list and not subjects:
        return [Finding(check, context.version, skipped("the peer lists no sender list to read"))]
    findings = []
    for subject in subjects:
        if context.version not in check.versions:
            result: Result = skipped(f"not a rule of OCPI {context.version}")
        else:
            try:
                result = await (check.run(context, subject) if subject else check.run(context))
            except Unreachable as error:
                result = failed(f"the peer stopped answering: {error}")
        findings.append(Finding(check, context.version, result, subject))
    return findings
