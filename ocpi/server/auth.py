"""Who is calling: the token in `Authorization`, in either spelling, looked up by its hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from ocpi.core.errors import AuthenticationError
from ocpi.core.utils import token_candidates
from ocpi.storage.base import Credential, Party, TokenKind

CALLER = "ocpi.caller"
"""Where the identified caller is kept in the request's scope (the log of a refused request names it)."""


class CredentialLookup(Protocol):
    async def find_credential(self, token: str) -> Credential | None: ...


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
