"""Who is calling: the token in `Authorization`, in either spelling, looked up by its hash; and the two doors of a
node's routes built on it (`caller_of`: any valid token; `partner_of`: a registered partner)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from ocpi.core.errors import AuthenticationError
from ocpi.core.rules import TOKEN_ENCODING, Deviation
from ocpi.core.utils import token_candidates
from ocpi.node.node import Node
from ocpi.storage.base import Credential, CredentialLookup, Party, TokenKind

CALLER = "ocpi.caller"
"""Where the identified caller is kept in the request's scope (the log of a refused request names it)."""
_BASE64_VERSION = re.compile(r"/2\.(2\.1|3\.0)/")


@dataclass(slots=True)
class Caller:
    token: str
    credential: Credential
    base64: bool = False
    """Whether the header carried the token Base64 encoded (else raw)."""

    @property
    def party(self) -> Party | None:
        return self.credential.party

    @property
    def is_registration_token(self) -> bool:
        return self.credential.kind is TokenKind.A


async def identify(request: Request, lookup: CredentialLookup) -> Caller:
    """The caller behind the request's token; 401 when there is none or it is unknown, revoked or expired."""
    candidates = token_candidates(request.headers.get("authorization"))
    if not candidates:
        raise AuthenticationError("missing or malformed Authorization header (expected 'Token <token>')")
    for token in reversed(candidates):  # the decoded form first: most partners speak 2.2+
        credential = await lookup.find_credential(token)
        if credential is not None:
            caller = request.scope[CALLER] = Caller(token, credential, base64=token is not candidates[0])
            return caller
    raise AuthenticationError("unknown, revoked or expired token")


def require_registered(caller: Caller) -> Party:
    """Functional modules: a registered partner's token, never token A (spec: 401 for token A)."""
    if caller.is_registration_token or caller.party is None:
        raise AuthenticationError("this token may only be used for versions and credentials")
    return caller.party


async def _once_registered(node: Node, party: Party) -> Party:
    """`party` once the handshake this node started with it ended. The token we gave it in our POST is valid before
    its answer is stored: a hub pushes its directory to a party the moment it registered it, so that push can come
    while the party (roles, hub) is still unknown here. Waited for within the handshake's own deadline (another
    process, `ocpi register`, may be the one running it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + node.config.outbound.timeout
    while party.state == "invited" and loop.time() < deadline:
        await asyncio.sleep(0.02)
        party = await node.store.get_party(party.pk) or party
    if party.state != "registered":
        raise AuthenticationError(f"the registration of this token's partner did not complete ({party.state})")
    return party


def caller_of(node: Node) -> Callable[[Request], Awaitable[Caller]]:
    """The dependency of versions and credentials: any valid token of `node`, token A included."""

    async def caller(request: Request) -> Caller:
        return await identify(request, node.credentials)

    return caller


def partner_of(node: Node) -> Callable[[Request], Awaitable[Party]]:
    """The dependency of functional modules: a registered partner of `node`; a token spelt as its version does not
    say (raw in 2.2.1+, Base64 in 2.1.1) is read all the same and noted as the partner's quirk."""

    async def partner(request: Request) -> Party:
        caller = await identify(request, node.credentials)
        party = require_registered(caller)
        if party.state == "invited":
            party = await _once_registered(node, party)
        path = request.scope["path"]
        if caller.base64 == ("/2.1.1/" in path) and (caller.base64 or _BASE64_VERSION.search(path)):
            spelt, expected = ("Base64", "raw") if caller.base64 else ("raw", "Base64")
            detail = f"a {spelt} token where this version's requests carry it {expected}"
            node.quirks.note(party.pk, [Deviation(TOKEN_ENCODING, "Authorization", detail)], f"{request.method} {path}")
        return await node.through_hub(party) if party.hub is not None else party

    return partner
