"""An eMSP application written for the seed system's API, ported by changing its import lines only: it
receives Locations, Sessions and CDRs into a dict, keeps its Tokens there and authorizes them in `do`."""

from typing import Any

from ocpi.compat import Action, Authenticator, Crud, ModuleID, RoleEnum, VersionNumber, get_application

storage: dict[str, dict] = {}
authorizations: list[dict] = []


class EmspAuthenticator(Authenticator):
    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return ["emsp-internal-token"]

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return ["cpo-registration-token"]


class EmspCrud(Crud):
    @classmethod
    async def get(cls, module: ModuleID, role: RoleEnum, id: Any, *args, **kwargs) -> dict | None:
        return storage.get(f"{module.value}:{id}")

    @classmethod
    async def list(cls, module: ModuleID, role: RoleEnum, filters: dict, *args, **kwargs) -> tuple[list, int, bool]:
        items = [v for k, v in storage.items() if k.startswith(f"{module.value}:")]
        page = items[filters["offset"] : filters["offset"] + filters["limit"]]
        return page, len(items), filters["offset"] + filters["limit"] >= len(items)

    @classmethod
    async def create(cls, module: ModuleID, role: RoleEnum, data: dict, *args, **kwargs) -> dict:
        object_id = data.get("id") or data.get("uid")
        storage[f"{module.value}:{object_id}"] = data
        return data

    @classmethod
    async def update(cls, module: ModuleID, role: RoleEnum, data: dict, id: Any, *args, **kwargs) -> dict:
        storage[f"{module.value}:{id}"] = data
        return data

    @classmethod
    async def delete(cls, module: ModuleID, role: RoleEnum, id: Any, *args, **kwargs) -> None:
        storage.pop(f"{module.value}:{id}", None)

    @classmethod
    async def do(
        cls, module: ModuleID, role: RoleEnum | None, action: Action, *args, data: dict | None = None, **kwargs
    ) -> Any:
        if module == ModuleID.tokens and action == Action.authorize_token:
            authorizations.append(data)
            token = storage.get(f"tokens:{data['token_uid']}")
            return {"allowed": "ALLOWED" if token and token["valid"] else "BLOCKED", "authorization_reference": "AUTH1"}
        return None


def create_app(version: VersionNumber = VersionNumber.v_2_2_1, **node_settings: Any) -> Any:
    return get_application(
        version_numbers=[version],
        roles=[RoleEnum.emsp],
        modules=[ModuleID.locations, ModuleID.sessions, ModuleID.cdrs, ModuleID.tokens, ModuleID.commands],
        authenticator=EmspAuthenticator,
        crud=EmspCrud,
        **node_settings,
    )
