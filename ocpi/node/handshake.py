"""The credentials handshake as this node plays it: `register(node, versions_url, token_a)` initiates it with a
partner (spec: credentials chapter, the initiator's steps), and the pieces both halves share (our Credentials
object, the parties a partner claims, reading the partner's versions). The responder half is the credentials
module's endpoints (`ocpi.server.credentials`)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from ocpi.client import OcpiClient
from ocpi.client.policy import RefusedUrl
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import (
    InvalidParameters,
    NoMatchingEndpoints,
    OcpiError,
    ServerError,
    UnableToUseClientApi,
)
from ocpi.core.versions import NEWEST_FIRST
from ocpi.node.config import NodeConfig
from ocpi.node.node import Node
from ocpi.storage.base import Party, PartyClaimed, PartyRole, TokenKind
from ocpi.storage.push import PushLedger
from ocpi.storage.secrets import SecretKeyError

log = logging.getLogger("ocpi.server")

COUNTERPART = {RoleEnum.CPO: RoleEnum.EMSP, RoleEnum.EMSP: RoleEnum.CPO}
UNUSABLE_VERSIONS = "no OCPI versions and version details could be read from it (why is in this node's log)"


def credentials_model(version: str) -> type[BaseModel]:
    module = importlib.import_module(f"ocpi.modules.credentials.v_{version.replace('.', '_')}.schemas")
    model = module.Credentials
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def versions_url(config: NodeConfig, version: str, role: RoleEnum, root: str) -> str:
    """2.1.1 has one versions endpoint per role; 2.2.1+ one per platform."""
    if version == "2.1.1":
        return f"{root}{config.prefix}/{role.value.lower()}/versions"
    return f"{root}{config.prefix}/versions"


def our_credentials(
    config: NodeConfig,
    version: str,
    role: RoleEnum,
    token: str,
    root: str,
    reachable: Sequence[tuple[PartyRole, str]] = (),
) -> dict[str, Any]:
    """This node's Credentials object in `version`: 2.1.1 carries the one party of this role's connection,
    2.2.1+ every party of the platform. A hub (`NodeConfig.hub`) reports in 2.2.1 only itself, as role HUB (the
    parties it connects are reported through Hub Client Info); in 2.3.0, which has no HUB role, its own party
    as OTHER named by `hub_party_id`, and the parties `reachable` through it (party role, name)."""
    url = versions_url(config, version, role, root)
    if version == "2.1.1":
        party = config.party_for(role)
        return {
            "token": token,
            "url": url,
            "business_details": party.business_details(),
            "party_id": party.party_id,
            "country_code": party.country_code,
        }
    hub = config.hub
    if hub is not None:
        own = {
            "role": RoleEnum.HUB.value if version == "2.2.1" else RoleEnum.OTHER.value,
            "business_details": hub.business_details(),
            "party_id": hub.party_id,
            "country_code": hub.country_code,
        }
        if version == "2.2.1":
            return {"token": token, "url": url, "roles": [own]}
        behind = [
            {"role": r.role, "business_details": {"name": name}, "party_id": r.party_id, "country_code": r.country_code}
            for r, name in reachable
            if r.role != RoleEnum.HUB.value
        ]
        return {"token": token, "url": url, "hub_party_id": hub.country_code + hub.party_id, "roles": [own, *behind]}
    return {
        "token": token,
        "url": url,
        "roles": [
            {
                "role": p.role.value,
                "business_details": p.business_details(),
                "party_id": p.party_id,
                "country_code": p.country_code,
            }
            for p in config.parties
        ],
    }


async def credentials_of(
    node: Node, version: str, role: RoleEnum, token: str, root: str, partner: Party | None = None
) -> dict[str, Any]:
    """`our_credentials` for `partner`, with the parties reachable through this node when it is a hub (but the
    partner's own)."""
    reachable = await node.hub.reachable() if node.hub is not None else []
    if partner is not None:
        reachable = [(r, name) for r, name in reachable if not partner.owns(r.country_code, r.party_id)]
    return our_credentials(node.config, version, role, token, root, reachable)


def partner_roles(credentials: BaseModel, version: str, our_role: RoleEnum) -> list[PartyRole]:
    """The (role, country_code, party_id) the partner acts as. 2.1.1 carries one party without a role: it
    is the counterpart of the role whose endpoint it called (a CPO talks to an eMSP and back)."""
    data = credentials.model_dump(mode="json")
    if version == "2.1.1":
        role = COUNTERPART.get(our_role, RoleEnum.OTHER)
        return [PartyRole(role.value, str(data["country_code"]).upper(), str(data["party_id"]).upper())]
    roles = [
        PartyRole(str(r["role"]), str(r["country_code"]).upper(), str(r["party_id"]).upper()) for r in data["roles"]
    ]
    hub_party_id = str(data.get("hub_party_id") or "").upper()
    if not hub_party_id:
        return roles
    # 2.3.0 has no HUB role: the party named by hub_party_id is the hub, kept as role HUB like a 2.2.1 hub's. The
    # parties it lists besides are those reachable through it: not its own (a party may be a direct partner too),
    # known from its ClientInfo like a 2.2.1 hub's (`Node.through_hub`).
    return [PartyRole(RoleEnum.HUB.value, hub_party_id[:2], hub_party_id[2:])]


def partner_name(credentials: BaseModel, version: str) -> str:
    data = credentials.model_dump(mode="json")
    details = (
        data.get("business_details") if version == "2.1.1" else (data.get("roles") or [{}])[0].get("business_details")
    )
    return str((details or {}).get("name") or "partner")[:100]


async def fetch_partner(node: Node, url: str, token: str, version: str) -> OcpiClient:
    """Step 4 of the handshake: read the partner's versions and the details of `version` with its token."""
    client = node.client(token=token, version=version)
    try:
        await client.discover(url, prefer=(version,))
    except OcpiError as error:
        await client.aclose()
        # The caller may hold no more than a token A: were it told whether a port refused, timed out or answered
        # (and what), the node would be its scanner of our network. The URL's own faults it may hear.
        log.warning("cannot use the versions URL %s given in a credentials request: %s", url, error.message)
        reason = error.message if isinstance(error, RefusedUrl) else UNUSABLE_VERSIONS
        raise UnableToUseClientApi(f"cannot use your API at {url}: {reason}") from error
    if not [e for e in client.endpoints if e.identifier != "credentials"]:
        await client.aclose()
        raise NoMatchingEndpoints(f"your version {version} details list no module endpoints")
    return client


def endpoints_of(client: OcpiClient) -> list[dict[str, str]]:
    return [
        {"identifier": e.identifier, "url": e.url, **({"role": e.role} if e.role else {})} for e in client.endpoints
    ]


def claim_path(version: str, index: int) -> str:
    """Where a claimed party sits in a Credentials object, for error messages."""
    return "country_code/party_id" if version == "2.1.1" else f"roles.{index}"


def check_claims(
    config: NodeConfig, version: str, roles: Sequence[PartyRole], allowed: Sequence[tuple[str, str]] | None
) -> None:
    """The parties a partner claims: never one of this node's own (whatever the role: objects are filed under
    country_code/party_id), and only those its token A allows when it was bound to parties. Another partner's
    are refused by the store (`PartyClaimed`). A refusal is a client error on the credentials' `roles`: 2001
    (spec, status_codes: 2xxx "the data sent by the client can not be processed"; credentials: "The combination
    of country_code and party_id should always be unique")."""
    for index, role in enumerate(roles):
        party = f"{role.country_code}/{role.party_id}"
        if config.is_own(role.country_code, role.party_id):
            raise _refused(version, index, f"{party} is a party of this node, not yours")
        if allowed is not None and (role.country_code.upper(), role.party_id.upper()) not in allowed:
            permitted = ", ".join(f"{cc}/{pid}" for cc, pid in allowed) or "none"
            raise _refused(version, index, f"{party} is not a party your token may register (it may: {permitted})")


def claimed_error(version: str, roles: Sequence[PartyRole], claimed: PartyClaimed) -> InvalidParameters:
    party = f"{claimed.claimed.country_code}/{claimed.claimed.party_id}"
    return _refused(version, roles.index(claimed.claimed), f"{party} is registered by another partner")


def _refused(version: str, index: int, reason: str) -> InvalidParameters:
    return InvalidParameters(f"invalid Credentials: {claim_path(version, index)}: {reason}")


@contextmanager
def keeping_tokens() -> Iterator[None]:
    """A node without a key for partner tokens (`ocpi.storage.secrets`) says so in its log and answers 3000."""
    try:
        yield
    except SecretKeyError as error:
        log.error("credentials handshake: %s", error)
        raise ServerError("this node cannot store your credentials token now (its log says why)") from error


async def register(node: Node, versions_url_of_partner: str, token_a: str, *, role: RoleEnum | None = None) -> Party:
    """This node initiates the handshake with a partner that gave us `token_a` and its versions URL out of
    band. Returns the stored, registered partner."""
    config = node.config
    if not config.base_url:
        raise UnableToUseClientApi("set the node's base_url: the partner must be able to reach our versions URL")
    role = role or config.roles[0]
    client = node.client(token=token_a, version="2.2.1")
    try:
        await client.discover(versions_url_of_partner, prefer=tuple(v for v in NEWEST_FIRST if v in config.versions))
        version = client.version
        credentials_url = client.endpoint("credentials")
        party = await node.store.create_party(versions_url_of_partner[:100], [], state="invited")
        client.on_deviation = lambda where, deviations: node.quirks.note(party.pk, deviations, where)
        await PushLedger(node.store).cursor(party.pk)  # before it counts as registered (see the responder)
        token_b = await node.store.issue_token(TokenKind.C, party.pk)
        body = await credentials_of(node, version, role, token_b, config.base_url.rstrip("/"))
        try:
            answer = await client.post(credentials_url, body, configuration=True)
            credentials = client.read_object(credentials_model(version), answer, f"POST {credentials_url}")
            roles = partner_roles(credentials, version, role)
            check_claims(config, version, roles, None)
            data = credentials.model_dump(mode="json")
            registered = await node.store.update_party(
                party.pk,
                name=partner_name(credentials, version),
                state="registered",
                roles=roles,
                version=version,
                versions_url=versions_url_of_partner,
                endpoints=endpoints_of(client),
                outbound_token=data["token"],
            )
        except (OcpiError, PartyClaimed, SecretKeyError) as error:
            await node.store.revoke_tokens(party_pk=party.pk)
            await node.store.update_party(party.pk, state="unregistered")
            if isinstance(error, PartyClaimed):
                raise claimed_error(version, roles, error) from None
            raise
        node.events.registered(registered, version, initiator=True)
        if node.hub is not None:
            await node.hub.connected(registered)
        return registered
    finally:
        await client.aclose()
