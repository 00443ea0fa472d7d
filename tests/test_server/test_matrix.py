"""The module x version x role x interface matrix of the node (CPO, eMSP and PTP): every interface the
modules declare is routed, answers a correct request correctly, and is listed in the version details."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import ROLES_BY_VERSION, InterfaceRole, RoleEnum
from ocpi.core.interfaces import (
    BookingRequests,
    CallbackReceiver,
    ChargingPreferencesReceiver,
    ChargingProfilesReceiver,
    CommandReceiver,
    ObjectType,
    OwnerKeyedReceiver,
    Pattern,
    PostReceiver,
    SenderList,
    TerminalActions,
    TokenAuthorization,
)
from ocpi.core.validation import parse
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces
from tests.conftest import NODE_PARTIES, Partner, PartnerFactory
from tests.nodes import serve_app
from tests.spec import SPEC_DIR
from tests.test_hostile.support import FakePartner
from tests.test_server import samples
from tests.test_server.support import OWN, envelope, seed, url

ROLES = [party.role for party in NODE_PARTIES]
PARTNER_OWNER = ("BE", "BEC")


# --- the matrix, from the modules' own descriptors ------------------------------------------------------


def _versions_of(pattern: Pattern) -> set[str]:
    """The versions a pattern exists in, read from the models it carries."""
    if isinstance(pattern, SenderList | OwnerKeyedReceiver | PostReceiver):
        return set(pattern.object_type.models)
    if isinstance(pattern, TokenAuthorization):
        return set(pattern.token_type.models)
    if isinstance(pattern, CommandReceiver):
        return set(pattern.response_models)
    if isinstance(pattern, ChargingProfilesReceiver):
        return set(pattern.set_models)
    if isinstance(pattern, TerminalActions):
        return set(pattern.activation_models)
    if isinstance(pattern, BookingRequests):
        return set(pattern.request_models)
    return set(pattern.models)


@dataclass(frozen=True)
class Case:
    role: RoleEnum
    version: str
    module: str
    side: InterfaceRole
    pattern: Pattern

    @property
    def id(self) -> str:
        segment = getattr(self.pattern, "segment", "")
        name = type(self.pattern).__name__ + (f"[{segment}]" if segment else "")
        return f"{self.role.value}-{self.version}-{self.module}-{name}"


def matrix() -> Iterator[Case]:
    for role in ROLES:
        for version in samples.VERSIONS:
            if role not in ROLES_BY_VERSION[version]:  # PTP exists only in 2.3.0, 2.1.1 knows CPO and eMSP
                continue
            for module in FUNCTIONAL_MODULES:
                if module == "bookings":  # an extension the node enables only with bookings=True
                    continue
                interface = module_interfaces(module).for_role(role)
                if interface is None or version not in interface.versions:
                    continue
                for pattern in interface.patterns:
                    if version in _versions_of(pattern):
                        yield Case(role, version, module, interface.side, pattern)


CASES = list(matrix())


def typical_sides() -> dict[str, dict[RoleEnum, str]]:
    """DIGEST.md section E, "Typical module sides per role": module -> role -> S, R, Both or -."""
    text = (SPEC_DIR / "DIGEST.md").read_text(encoding="utf-8")
    paragraph = text[text.index("Typical module sides per role") :].split("\n\n")[0].replace("\n", " ")
    columns = [RoleEnum.CPO, RoleEnum.EMSP, None, RoleEnum.NSP, RoleEnum.NAP, RoleEnum.SCSP, RoleEnum.PTP]
    sides: dict[str, dict[RoleEnum, str]] = {}
    for name, cells in re.findall(r"(\w+) ((?:S|R|Both|-)(?:/(?:S|R|Both|-)){6})", paragraph):
        sides[name.lower()] = {role: cell for role, cell in zip(columns, cells.split("/"), strict=True) if role}
    return sides


def test_module_sides_follow_the_digest_table() -> None:
    table = typical_sides()
    assert {"cdrs", "chargingprofiles", "commands", "hubclientinfo", "locations", "payments"} <= set(table)
    expected = {"S": InterfaceRole.SENDER, "R": InterfaceRole.RECEIVER, "-": None}
    for module in FUNCTIONAL_MODULES:
        if module == "bookings":
            continue
        for role in ROLES:
            assert module_interfaces(module).sides.get(role) == expected[table[module][role]], (module, role)


def test_the_matrix_covers_every_side_of_every_role() -> None:
    covered = {(c.role, c.module) for c in CASES}
    table = typical_sides()
    for module in FUNCTIONAL_MODULES:
        for role in ROLES:
            if module in table and table[module][role] in ("S", "R"):
                assert (role, module) in covered, (role, module)
    versions_of_payments = {c.version for c in CASES if c.module == "payments"}
    assert versions_of_payments == {"2.3.0"}
    assert {c.version for c in CASES if c.module in ("chargingprofiles", "hubclientinfo")} == {"2.2.1", "2.3.0"}


# --- which routes each pattern needs ---------------------------------------------------------------------


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def expected_routes(case: Case) -> set[tuple[str, str]]:
    base = url(case.role, case.version, case.module)
    pattern = case.pattern
    segment = "/" + getattr(pattern, "segment", "") if getattr(pattern, "segment", "") else ""
    routes: set[tuple[str, str]] = set()
    if isinstance(pattern, SenderList):
        routes.add(("GET", base + segment))
        if pattern.get_one:
            depth = 1 + _depth(pattern.object_type)
            routes |= {("GET", base + segment + "/{}" * n) for n in range(1, depth + 1)}
    elif isinstance(pattern, OwnerKeyedReceiver):
        owner = base + "/{}/{}" + segment
        if pattern.by_owner_only:
            routes |= {(m, owner) for m in pattern.methods}
        for n in range(1, 0 if pattern.by_owner_only else 2 + _depth(pattern.object_type)):
            methods = set(pattern.methods)
            if case.version not in pattern.object_type.patch_versions:
                methods.discard("PATCH")
            if n > 1:
                methods.discard("DELETE")
            routes |= {(m, owner + "/{}" * n) for m in methods}
    elif isinstance(pattern, PostReceiver):
        # mod_payments, Receiver Interface: GET by the object's id alone; a CDR's URL is the receiver's choice.
        routes |= {("POST", base + segment), ("GET", base + segment + ("/{}" if pattern.get_by_id else "/{}/{}/{}"))}
    elif isinstance(pattern, CommandReceiver):
        routes |= {("POST", f"{base}/{c}") for c, models in pattern.commands.items() if case.version in models}
    elif isinstance(pattern, CallbackReceiver):
        routes.add(("POST", f"{base}/{pattern.segment}/{{}}"))
    elif isinstance(pattern, TokenAuthorization):
        routes.add(("POST", base + "/{}/authorize"))
    elif isinstance(pattern, ChargingPreferencesReceiver):
        routes.add(("PUT", base + "/{}/charging_preferences"))
    elif isinstance(pattern, ChargingProfilesReceiver):
        routes |= {(m, base + "/{}") for m in ("GET", "PUT", "DELETE")}
    elif isinstance(pattern, TerminalActions):
        terminals = base + "/terminals"
        routes |= {("POST", terminals + "/activate"), ("POST", terminals + "/{}/deactivate")}
        routes |= {("PUT", terminals + "/{}"), ("PATCH", terminals + "/{}")}
    else:
        raise AssertionError(f"no expectation for {type(pattern).__name__}: add one")
    return routes


def _depth(object_type: ObjectType) -> int:
    depth, children = 0, object_type.children
    while children:
        depth, children = depth + 1, children[0].children
    return depth


def app_routes(client: httpx.AsyncClient) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        for method in getattr(route, "methods", ()) or ():
            found.add((method, _shape(route.path)))
    return found


# --- a correct request per pattern -------------------------------------------------------------------


SAMPLE_KIND = {"locations": "location", "sessions": "session", "cdrs": "cdr", "tariffs": "tariff", "tokens": "token"}


def own_object(object_type: ObjectType, version: str, object_id: str, owner: tuple[str, str]) -> dict[str, Any]:
    if object_type.module == "payments.terminals":
        return samples.terminal(object_id)
    if object_type.module == "payments.confirmations":
        return samples.confirmation(object_id)
    return samples.sample(SAMPLE_KIND[object_type.module], version, object_id, owner)


def check_model(model: Any, data: Any) -> None:
    parse(model, data)


async def exercise_sender_list(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, SenderList)
    object_type, v = case.pattern.object_type, case.version
    payload = own_object(object_type, v, "OWN1", OWN[case.role])
    await seed(client, object_type, v, payload, case.role)
    base = url(case.role, v, case.module) + (f"/{case.pattern.segment}" if case.pattern.segment else "")
    query = {"date_from": "2000-01-01T00:00:00Z"} if case.pattern.date_from_required else {}
    response = await client.get(base, params=query, headers=partner.headers(v))
    data = envelope(response)["data"]
    assert [item[object_type.id_field] for item in data] == ["OWN1"]
    assert response.headers["X-Total-Count"] == "1"
    assert int(response.headers["X-Limit"]) >= 1
    assert "Link" not in response.headers
    check_model(object_type.models[v], data[0])
    if case.pattern.get_one:
        one = envelope(await client.get(f"{base}/OWN1", headers=partner.headers(v)))["data"]
        assert one == data[0]
        if object_type.children:
            evse_uid = payload["evses"][0]["uid"]
            connector_id = payload["evses"][0]["connectors"][0]["id"]
            deep = await client.get(f"{base}/OWN1/{evse_uid}/{connector_id}", headers=partner.headers(v))
            assert envelope(deep)["data"]["id"] == connector_id


async def exercise_owner_keyed_receiver(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, OwnerKeyedReceiver)
    object_type, v = case.pattern.object_type, case.version
    base = url(case.role, v, case.module, *PARTNER_OWNER)
    if case.pattern.by_owner_only:
        payload = samples.client_info(PARTNER_OWNER)
        target = base
    else:
        payload = samples.sample(SAMPLE_KIND[object_type.module], v, "THEIRS1", PARTNER_OWNER)
        target = f"{base}/THEIRS1"
    headers = partner.headers(v)
    envelope(await client.put(target, json=payload, headers=headers), 201)
    envelope(await client.put(target, json=payload, headers=headers), 200)
    data = envelope(await client.get(target, headers=headers))["data"]
    check_model(object_type.models[v], data)
    assert (
        data[object_type.id_field if not case.pattern.by_owner_only else "party_id"]
        == payload[object_type.id_field if not case.pattern.by_owner_only else "party_id"]
    )


async def exercise_post_receiver(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, PostReceiver)
    object_type, v = case.pattern.object_type, case.version
    base = url(case.role, v, case.module) + (f"/{case.pattern.segment}" if case.pattern.segment else "")
    payload = own_object(object_type, v, "POSTED1", PARTNER_OWNER)
    created = await client.post(base, json=payload, headers=partner.headers(v))
    envelope(created, 201)
    location = created.headers["Location"]
    assert location.startswith("http://testserver" + base + "/")
    data = envelope(await client.get(location, headers=partner.headers(v)))["data"]
    assert data[object_type.id_field] == "POSTED1"
    check_model(object_type.models[v], data)
    again = await client.post(base, json=payload, headers=partner.headers(v))
    envelope(again, 200)
    assert again.headers["Location"] == location


async def exercise_command_receiver(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, CommandReceiver)
    from ocpi.modules.locations.interfaces import LOCATION

    v = case.version
    await seed(client, LOCATION, v, samples.sample("location", v, "LOC1", OWN[case.role]), case.role)
    for command, models in case.pattern.commands.items():
        if v not in models:
            continue
        listener = FakePartner("ok")  # the eMSP's response_url, on loopback
        async with serve_app(listener) as base:
            body = samples.command_body(command, v, response_url=f"{base}/callbacks/{command}")
            response = await client.post(url(case.role, v, case.module, command), json=body, headers=partner.headers(v))
            data = envelope(response)["data"]
            answer = parse(case.pattern.response_models[v], data)
            assert str(answer.result) == "ACCEPTED"  # type: ignore[attr-defined]
        assert listener.requests == 1, command
        parse(case.pattern.result_models[v], orjson.loads(listener.received[f"/callbacks/{command}"]))


async def exercise_callback_receiver(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, CallbackReceiver)
    v = case.version
    result = {"result": "ACCEPTED"}
    target = url(case.role, v, case.module, case.pattern.segment, "REF-1")
    body = envelope(await client.post(target, json=result, headers=partner.headers(v)))
    assert "data" not in body or body["data"] is None
    kept = client.app.state.node.hooks.results.results  # type: ignore[attr-defined]
    kind, reference, heard = kept[-1]
    assert (kind, reference, heard.result) == (f"{case.module}/{case.pattern.segment}", "REF-1", "ACCEPTED")
    assert type(heard).__module__.endswith("v_2_3_0.schemas") or type(heard).__module__.endswith("v_2_2_1.schemas")
    envelope(await client.post(target, json={"result": "NOT-A-RESULT"}, headers=partner.headers(v)), 200, 2001)


async def exercise_token_authorization(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, TokenAuthorization)
    v = case.version
    await seed(client, case.pattern.token_type, v, samples.sample("token", v, "TOK1", OWN[case.role]), case.role)
    references = {"location_id": "LOC1", "evse_uids": ["3256"]}
    response = await client.post(
        url(case.role, v, case.module, "TOK1", "authorize"), json=references, headers=partner.headers(v)
    )
    data = envelope(response)["data"]
    info = parse(case.pattern.authorization_info[v], data)
    assert str(info.allowed) == "ALLOWED"  # type: ignore[attr-defined]
    assert data["location"]["location_id"] == "LOC1"
    if v != "2.1.1":
        assert data["token"]["uid"] == "TOK1"


async def seed_session_at_capable_evse(client: httpx.AsyncClient, case: Case, capabilities: list[str]) -> None:
    from ocpi.modules.locations.interfaces import LOCATION
    from ocpi.modules.sessions.interfaces import SESSION

    v = case.version
    location = samples.sample("location", v, "LOC1", OWN[case.role])
    location["evses"][0]["capabilities"] = capabilities
    await seed(client, LOCATION, v, location, case.role)
    session = samples.sample("session", v, "SESSION1", OWN[case.role])
    session["location_id"], session["evse_uid"] = "LOC1", location["evses"][0]["uid"]
    await seed(client, SESSION, v, session, case.role)


async def exercise_charging_preferences(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, ChargingPreferencesReceiver)
    v = case.version
    await seed_session_at_capable_evse(client, case, ["CHARGING_PREFERENCES_CAPABLE"])
    preferences = {"profile_type": "FAST", "energy_need": 20}
    target = url(case.role, v, case.module, "SESSION1", "charging_preferences")
    assert envelope(await client.put(target, json=preferences, headers=partner.headers(v)))["data"] == "ACCEPTED"


async def exercise_charging_profiles(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, ChargingProfilesReceiver)
    pattern, v = case.pattern, case.version
    await seed_session_at_capable_evse(client, case, ["CHARGING_PROFILE_CAPABLE"])
    target = url(case.role, v, case.module, "SESSION1")
    headers = partner.headers(v)
    calls: list[tuple[str, Callable[[str], Awaitable[httpx.Response]], Any]] = [
        (
            "set",
            lambda cb: client.put(
                target, json={"charging_profile": samples.charging_profile(), "response_url": cb}, headers=headers
            ),
            pattern.set_result_models[v],
        ),
        (
            "active",
            lambda cb: client.get(target, params={"duration": 900, "response_url": cb}, headers=headers),
            pattern.active_result_models[v],
        ),
        (
            "clear",
            lambda cb: client.delete(target, params={"response_url": cb}, headers=headers),
            pattern.clear_result_models[v],
        ),
    ]
    for name, call, result_model in calls:
        listener = FakePartner("ok")  # the eMSP's response_url, on loopback
        async with serve_app(listener) as base:
            data = envelope(await call(f"{base}/callbacks/{name}"))["data"]
            assert parse(pattern.response_models[v], data).result == "ACCEPTED"  # type: ignore[attr-defined]
        assert listener.requests == 1, name
        result = parse(result_model, orjson.loads(listener.received[f"/callbacks/{name}"]))
        assert result.result == "ACCEPTED"
        if name == "active":
            assert result.profile.charging_profile.charging_rate_unit == "W"


async def exercise_terminal_actions(client: httpx.AsyncClient, case: Case, partner: Partner) -> None:
    assert isinstance(case.pattern, TerminalActions)
    v, terminals = case.version, url(case.role, case.version, case.module, "terminals")
    # The CPO asking is registered with a payments receiver: the PTP creates the new Terminal there (on
    # loopback, so the node must allow private URLs).
    node = client.app.state.node  # type: ignore[attr-defined]
    node.config = dataclasses.replace(node.config, allow_private_urls=True)
    store = node.store
    cpo_receiver = FakePartner("ok")
    wanted = {k: val for k, val in samples.terminal("unused").items() if k != "terminal_id"}
    async with serve_app(cpo_receiver) as base:
        await store.update_party(
            partner.party.pk,
            outbound_token="token-for-the-cpo",
            version=v,
            endpoints=[{"identifier": "payments", "role": "RECEIVER", "url": f"{base}/cpo/payments"}],
        )
        activated = envelope(await client.post(f"{terminals}/activate", json=wanted, headers=partner.headers(v)))
    terminal = parse(case.pattern.terminal_type.models[v], activated["data"])
    assert cpo_receiver.requests == 1
    posted = orjson.loads(cpo_receiver.received["/cpo/payments/terminals"])
    assert posted["terminal_id"] == terminal.terminal_id  # type: ignore[attr-defined]
    one = f"{terminals}/{terminal.terminal_id}"  # type: ignore[attr-defined]
    updated = {**activated["data"], "customer_reference": "Updated", "last_updated": format_datetime(datetime.now(UTC))}
    assert "status_message" not in envelope(await client.put(one, json=updated, headers=partner.headers(v)))
    assigned = await client.patch(one, json={"location_ids": ["LOC9"]}, headers=partner.headers(v))
    assert "status_message" not in envelope(assigned)
    stored = envelope(await client.get(one, headers=partner.headers(v)))["data"]
    assert (stored["customer_reference"], stored["location_ids"]) == ("Updated", ["LOC9"])
    envelope(await client.post(f"{one}/deactivate", headers=partner.headers(v)))
    envelope(await client.post(f"{terminals}/NOPE/deactivate", headers=partner.headers(v)), 404, 2003)


EXERCISES: dict[type, Callable[[httpx.AsyncClient, Case, Partner], Awaitable[None]]] = {
    SenderList: exercise_sender_list,
    OwnerKeyedReceiver: exercise_owner_keyed_receiver,
    PostReceiver: exercise_post_receiver,
    CommandReceiver: exercise_command_receiver,
    CallbackReceiver: exercise_callback_receiver,
    TokenAuthorization: exercise_token_authorization,
    ChargingPreferencesReceiver: exercise_charging_preferences,
    ChargingProfilesReceiver: exercise_charging_profiles,
    TerminalActions: exercise_terminal_actions,
}


async def a_partner(make_partner: PartnerFactory) -> Partner:
    """A partner that plays CPO, eMSP and PTP under BE/BEC, so it may call every side of the node."""
    return await make_partner("CPO", *PARTNER_OWNER, ("EMSP", *PARTNER_OWNER), ("PTP", *PARTNER_OWNER))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_interface_is_routed_and_answers(
    case: Case, client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    missing = expected_routes(case) - app_routes(client)
    assert not missing, missing
    await EXERCISES[type(case.pattern)](client, case, await a_partner(make_partner))


# --- version details -------------------------------------------------------------------------------------


def expected_endpoints(roles: list[RoleEnum], version: str) -> list[tuple[str, str | None, str]]:
    """(identifier, role, url) of every module endpoint `roles` mount in `version`, credentials first."""
    with_role = version != "2.1.1"
    listed = [("credentials", "SENDER" if with_role else None, url(roles[0], version, "credentials"))]
    for role in roles:
        seen = []
        for case in CASES:
            if case.role == role and case.version == version and case.module not in seen:
                seen.append(case.module)
                listed.append((case.module, case.side.value if with_role else None, url(role, version, case.module)))
    return listed


def listed_endpoints(body: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(e["identifier"], e.get("role"), e["url"].removeprefix("http://testserver")) for e in body["endpoints"]]


@pytest.mark.parametrize("version", samples.VERSIONS)
async def test_version_details_list_exactly_the_mounted_endpoints(
    version: str, client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await a_partner(make_partner)
    routes = app_routes(client)
    for role in ROLES:
        if role not in ROLES_BY_VERSION[version]:
            missing = await client.get(f"/ocpi/{role.value.lower()}/{version}", headers=partner.headers(version))
            assert missing.status_code == 404
            continue
        body = envelope(await client.get(f"/ocpi/{role.value.lower()}/{version}", headers=partner.headers(version)))
        assert body["data"]["version"] == version
        endpoints = listed_endpoints(body["data"])
        assert sorted(endpoints, key=str) == sorted(expected_endpoints([role], version), key=str), role
        for entry in body["data"]["endpoints"]:
            assert ("role" in entry) is (version != "2.1.1")
            assert entry.get("role", "SENDER") in ("SENDER", "RECEIVER")
        for _, _, path in endpoints:
            assert any(route_path.startswith(path) for _, route_path in routes), path
    platform = envelope(await client.get(f"/ocpi/{version}", headers=partner.headers(version)))["data"]
    if version != "2.1.1":
        # One platform-wide version details for every role; credentials once.
        expected = expected_endpoints([r for r in ROLES if r in ROLES_BY_VERSION[version]], version)
        assert sorted(listed_endpoints(platform), key=str) == sorted(expected, key=str)
