"""A CPO application written for the seed system's API (from its README, quick start and examples), ported to
ocpi-python by changing its import lines only: the objects in a dict, commands and charging profiles answered by
`do`, as the seed system's code called it."""

from typing import Any

from ocpi.compat import Action, Authenticator, Crud, ModuleID, RoleEnum, VersionNumber, get_application

# was: from ocpi import get_application
#      from ocpi.core.authentication.authenticator import Authenticator
#      from ocpi.core.crud import Crud
#      from ocpi.core.enums import Action, ModuleID, RoleEnum
#      from ocpi.modules.versions.enums import VersionNumber

storage: dict[str, dict] = {}
commands_sent: list[tuple[str, dict]] = []
profile_requests: list[tuple[str, str]] = []  # (action, session id)


class CpoAuthenticator(Authenticator):
    VALID_TOKENS = {
        "token_c": ["my-cpo-token-123"],
        "token_a": ["my-emsp-token-456"],
    }

    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return cls.VALID_TOKENS["token_c"]

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return cls.VALID_TOKENS["token_a"]


class CpoCrud(Crud):
    @classmethod
    async def get(cls, module: ModuleID, role: RoleEnum, id: Any, *args, **kwargs) -> dict | None:
        if module == ModuleID.commands:
            # The charge point's answer to the command last sent, once it has one.
            return {"result": "ACCEPTED"} if commands_sent else None
        if module == ModuleID.hub_client_info and "session_id" in kwargs:
            # The charge point's answer to a charging profile request (the seed system asked under this module).
            if "duration" not in kwargs:
                return {"result": "ACCEPTED"}
            profile = storage.get(f"{ModuleID.charging_profile.value}:{kwargs['session_id']}")
            if profile is None:
                return {"result": "UNKNOWN"}
            active = {"start_date_time": "2025-01-01T00:00:00Z", "charging_profile": profile["charging_profile"]}
            return {"result": "ACCEPTED", "profile": active}
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
        if module == ModuleID.commands and action == Action.send_command:
            commands_sent.append((kwargs["command"], args[0]))
            return {"result": "ACCEPTED", "timeout": 30}
        if module == ModuleID.charging_profile:
            session_id = kwargs["session"]["id"]
            profile_requests.append((action, session_id))
            key = f"{ModuleID.charging_profile.value}:{session_id}"
            if action == Action.send_update_charging_profile:
                storage[key] = args[0]
            elif action == Action.send_delete_chargingprofile:
                storage.pop(key, None)
            return {"result": "ACCEPTED", "timeout": 30}
        return None


def create_app(**node_settings: Any) -> Any:
    return get_application(
        version_numbers=[VersionNumber.v_2_2_1, VersionNumber.v_2_3_0],
        roles=[RoleEnum.cpo],
        modules=[ModuleID.locations, ModuleID.sessions, ModuleID.tokens, ModuleID.commands, ModuleID.charging_profile],
        authenticator=CpoAuthenticator,
        crud=CpoCrud,
        http_push=True,
        **node_settings,
    )
