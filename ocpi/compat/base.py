"""The two classes a seed-system application subclasses: `Crud` (its data and decisions) and `Authenticator` (the
tokens it accepts). Same methods, same call shapes as the seed system's; what the node asks of each is in
`ocpi.compat.app`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ocpi.compat.enums import Action, ModuleID, RoleEnum
from ocpi.core.errors import AuthenticationError


class Crud(ABC):
    """The application's objects and decisions, called with the module and the role it plays for them. Objects
    are dicts in the OCPI format of the application's version (the newest of `version_numbers`). Every call
    also gets the keywords `version` and `auth_token` (None: the node calls, not a partner)."""

    @classmethod
    @abstractmethod
    async def get(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> Any:
        """One object by id, or None. As receiver (role EMSP for Locations, CPO for Tokens) also `country_code`
        and `party_id` (its owner); Tokens also `token_type`."""

    @classmethod
    @abstractmethod
    async def list(
        cls, module: ModuleID, role: RoleEnum, filters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> tuple[list[Any], int, bool]:
        """A page: `filters` has `offset`, `limit`, `date_from`, `date_to` (datetimes or None). Returns the
        objects, the total of the list and whether this page is the last."""

    @classmethod
    @abstractmethod
    async def create(cls, module: ModuleID, role: RoleEnum, data: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        """Keep a new object (one a partner sent)."""

    @classmethod
    @abstractmethod
    async def update(
        cls, module: ModuleID, role: RoleEnum, data: dict[str, Any], id: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Replace an object: `data` is the whole object (a partner's PATCH already applied)."""

    @classmethod
    @abstractmethod
    async def delete(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> Any:
        """Remove an object."""

    @classmethod
    @abstractmethod
    async def do(
        cls,
        module: ModuleID,
        role: RoleEnum | None,
        action: Action,
        *args: Any,
        data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """What is not storage: a command (CPO), a charging profile request (CPO), a real-time authorization (eMSP)."""


class Authenticator(ABC):
    """The tokens the application accepts: `get_valid_token_a()` for registration, `get_valid_token_c()` for
    everything else. The node keeps its rules on top (see `ocpi.compat.credentials`)."""

    @classmethod
    @abstractmethod
    async def get_valid_token_c(cls) -> list[str]:
        """Tokens partners may call every module with."""

    @classmethod
    @abstractmethod
    async def get_valid_token_a(cls) -> list[str]:
        """Tokens that open versions and credentials only, to register."""

    @classmethod
    async def authenticate(cls, auth_token: str) -> None:
        """Raise `AuthenticationError` unless `auth_token` is a token C of the application."""
        if auth_token not in await cls.get_valid_token_c():
            raise AuthenticationError("unknown token")

    @classmethod
    async def authenticate_credentials(cls, auth_token: str) -> str | dict[str, Any] | None:
        """`{}` for a token A, the token for a token C, None for any other."""
        if auth_token and auth_token in await cls.get_valid_token_a():
            return {}
        if auth_token and auth_token in await cls.get_valid_token_c():
            return auth_token
        return None
