"""The credentials module and the registration handshake, in both directions (spec: credentials chapter).

As responder: a partner holding token A reads our versions, POSTs its credentials with its token B; we
fetch its versions and details with B, keep its endpoints, issue token C and answer with our credentials.
PUT refreshes endpoints and rotates C; DELETE unregisters (every token of the partner stops at once).
As initiator, `ocpi.node.handshake.register(node, versions_url, token_a)` plays the other side.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from ocpi.core.errors import (
    AuthenticationError,
    MethodNotAllowed,
)
from ocpi.core.validation import parse
from ocpi.node.handshake import (
    check_claims,
    claimed_error,
    credentials_model,
    credentials_of,
    endpoints_of,
    fetch_partner,
    keeping_tokens,
    partner_name,
    partner_roles,
)
from ocpi.server.auth import Caller
from ocpi.server.http import absolute_url, ocpi_data, ocpi_response, read_json
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import Party, PartyClaimed, PartyRole, TokenKind
from ocpi.storage.push import PushLedger

log = logging.getLogger("ocpi.server")


def mount(table: RouteTable, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} credentials"]
    model = credentials_model(b.version)

    def root(request: Request) -> str:
        return absolute_url(request, node.config.base_url, "")

    async def get(*, request: Request, partner: Caller) -> Response:
        return ocpi_data(await credentials_of(node, b.version, b.role, partner.token, root(request), partner.party))

    async def receive(request: Request) -> BaseModel:
        return parse(model, await read_json(request, node.config.max_body_bytes), what="Credentials")

    async def post(*, request: Request, partner: Caller) -> Response:
        if partner.party is not None and partner.party.state == "registered":
            raise MethodNotAllowed("already registered: use PUT to update, DELETE to unregister")
        credentials = await receive(request)
        roles = partner_roles(credentials, b.version, b.role)
        # Token A serves one registration: taken before anything else happens, so of concurrent POSTs with it one
        # goes on and the others are refused; given back if this registration fails (the spec: it may no longer
        # be used once the exchange has finished).
        claim = await node.store.claim_token_a(partner.token) if partner.is_registration_token else None
        if partner.is_registration_token and claim is None:
            raise AuthenticationError("this token A has been used by another registration")
        try:
            allowed = claim.parties if claim is not None else partner.party.allowed_parties if partner.party else None
            check_claims(node.config, b.version, roles, allowed)
            party = await register_partner(credentials, roles, partner.party, allowed)
        except BaseException:
            if claim is not None:
                await node.store.release_token_a(claim)
            raise
        token_c = await node.store.issue_token(TokenKind.C, party.pk)
        node.events.registered(party, b.version, initiator=False, scope=request.scope)
        if node.hub is not None:
            await node.hub.connected(party)
        return ocpi_data(await credentials_of(node, b.version, b.role, token_c, root(request), party))

    async def register_partner(
        credentials: BaseModel, roles: list[PartyRole], invited: Party | None, allowed: list[tuple[str, str]] | None
    ) -> Party:
        data = credentials.model_dump(mode="json")
        client = await fetch_partner(node, data["url"], data["token"], b.version)
        await client.aclose()
        fields = dict(
            roles=roles,
            version=b.version,
            versions_url=data["url"],
            endpoints=endpoints_of(client),
            outbound_token=data["token"],
        )
        try:
            with keeping_tokens():
                if invited is not None:
                    party = invited
                else:
                    name = partner_name(credentials, b.version)
                    party = await node.store.create_party(name, state="invited", allowed_parties=allowed, **fields)
                try:
                    # Push starts with what changes from now on: the cursor is placed before the partner counts as
                    # registered, or a change made in between would be neither pushed nor (being after
                    # registration) pulled.
                    await PushLedger(node.store).cursor(party.pk)
                    return await node.store.update_party(party.pk, state="registered", **fields)
                except BaseException:
                    if invited is None:
                        await node.store.update_party(party.pk, state="unregistered")  # its claims lapse
                    raise
        except PartyClaimed as claimed:
            raise claimed_error(b.version, roles, claimed) from None

    async def put(*, request: Request, partner: Caller) -> Response:
        party = _registered(partner)
        credentials = await receive(request)
        data = credentials.model_dump(mode="json")
        roles = partner_roles(credentials, b.version, b.role)
        check_claims(node.config, b.version, roles, party.allowed_parties)
        await node.store.update_party(party.pk, state="updating")
        try:
            client = await fetch_partner(node, data["url"], data["token"], b.version)
            await client.aclose()
            with keeping_tokens():
                await node.store.update_party(
                    party.pk,
                    state="registered",
                    roles=roles,
                    version=b.version,
                    versions_url=data["url"],
                    endpoints=endpoints_of(client),
                    outbound_token=data["token"],
                )
        except BaseException as error:
            await node.store.update_party(party.pk, state="registered")  # as it was: nothing else changed
            if isinstance(error, PartyClaimed):
                raise claimed_error(b.version, roles, error) from None
            raise
        await node.store.revoke_tokens(party_pk=party.pk)
        token_c = await node.store.issue_token(TokenKind.C, party.pk)
        node.events.credentials_changed(party, "rotated", scope=request.scope)
        if node.hub is not None:
            await node.hub.connected(await node.store.get_party(party.pk) or party)
        return ocpi_data(await credentials_of(node, b.version, b.role, token_c, root(request), party))

    async def delete(*, request: Request, partner: Caller) -> Response:
        party = _registered(partner)
        await node.store.revoke_tokens(party_pk=party.pk)
        await node.store.update_party(party.pk, state="unregistered")
        node.events.credentials_changed(party, "unregistered", scope=request.scope)
        if node.hub is not None:
            await node.hub.suspended(party)
        return ocpi_response()

    table.add(b.path, "GET", get, dependency=b.caller, tags=tags)
    table.add(b.path, "POST", post, dependency=b.caller, tags=tags, body=model)
    table.add(b.path, "PUT", put, dependency=b.caller, tags=tags, body=model)
    table.add(b.path, "DELETE", delete, dependency=b.caller, tags=tags)


def _registered(caller: Caller) -> Party:
    if caller.is_registration_token or caller.party is None or caller.party.state != "registered":
        raise MethodNotAllowed("not registered: POST your credentials first")
    return caller.party
