"""Who a token belongs to, for a seed-system application: the node's own credentials first, then the
application's `Authenticator`.

The seed system's tokens carry no party: any token C opened every module for every party, and a token A could
register again and again. The node keeps its rules: a token A of `get_valid_token_a()` opens versions and
credentials, once (it is taken into the node's store the first time it is seen, and used up by the
registration); the token C a partner gets from the handshake is the node's, bound to that partner. A token of
`get_valid_token_c()` the node does not know is refused with what to do, since the node cannot tell whose it is:
owner checks (a partner writes only its own objects, sees only its own customers' sessions) need the party."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from ocpi.compat.base import Authenticator
from ocpi.core.errors import AuthenticationError
from ocpi.storage.base import Credential, TokenKind
from ocpi.storage.sql import SqlStore

UNBOUND_TOKEN_C = (
    "this token is in the application's Authenticator.get_valid_token_c() but belongs to no partner of this node, "
    "and the node needs to know whose it is: register the partner with a token A (get_valid_token_a()), or bind "
    "the token to it: store.create_party(...) then store.issue_token(TokenKind.C, party.pk, token=...) "
    "(docs/guides/migrating.md, 'Moving the data')"
)
USED_TOKEN_A = (
    "this token A has already served a registration (a token A is single use here): put a new one in "
    "Authenticator.get_valid_token_a() for the partner"
)


class AuthenticatorCredentials:
    """A `CredentialLookup` over the node's store and the application's `Authenticator`."""

    def __init__(self, authenticator: type[Authenticator] | Authenticator, store: Callable[[], SqlStore]):
        """`store`: the node's SQL store, once it is open."""
        self.authenticator = authenticator
        self.store = store

    async def find_credential(self, token: str) -> Credential | None:
        store = self.store()
        found = await store.find_credential(token)
        if found is not None:
            return found
        if token in await self.authenticator.get_valid_token_a():
            try:
                await store.issue_token(TokenKind.A, token=token)
            except IntegrityError:
                # Known to the store, yet not live: used (or revoked) since; or just taken by a concurrent request.
                found = await store.find_credential(token)
                if found is None:
                    raise AuthenticationError(USED_TOKEN_A) from None
                return found
            return await store.find_credential(token)
        if token in await self.authenticator.get_valid_token_c():
            raise AuthenticationError(UNBOUND_TOKEN_C)
        return None
