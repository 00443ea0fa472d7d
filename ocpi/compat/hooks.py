"""The node's hooks over a seed-system `Crud.do`: a command a partner sends (CPO), a charging profile request
(CPO), a real-time authorization (eMSP), a command's result coming back (eMSP). Requests reach `do` as dicts in
the application's version, as the seed system passed them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from ocpi.compat.base import Crud
from ocpi.compat.enums import Action, ModuleID, RoleEnum, VersionNumber
from ocpi.compat.sources import invalid
from ocpi.core.errors import NotEnoughInformation, ServerError
from ocpi.modules.chargingprofiles.v_2_3_0.schemas import (
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ClearProfileResult,
    SetChargingProfile,
)
from ocpi.modules.commands import convert as commands_convert
from ocpi.modules.commands.interfaces import RESULTS
from ocpi.modules.tokens.v_2_3_0.schemas import LocationReferences, Token
from ocpi.node.hooks import AuthorizationDecision, Command, CommandAnswer, KeepResults, ProfileAnswer, Requester
from ocpi.node.node import Node

log = logging.getLogger("ocpi.compat")
ALLOWED_TYPES = ("ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED")
PROFILE_RESPONSES = tuple(ChargingProfileResponseType)


class CrudResultsLater:
    """How the seed system got an asynchronous result: asked of `Crud.get(<module>, CPO, 0, <what it is about>)`
    every `poll_interval` seconds, at most `polls` times, until it gives one (a dict with "result"); the node then
    posts it to the partner's `response_url` (`missing` when nothing came, or nothing valid)."""

    def __init__(
        self, crud: type[Crud] | Crud, version: str, node: Callable[[], Node], *, polls: int, poll_interval: float
    ):
        self.crud = crud
        self.version = version
        self.node = node
        self.polls = polls
        self.poll_interval = poll_interval
        self.pending: set[asyncio.Task[None]] = set()

    def report_later(
        self,
        module: ModuleID,
        about: dict[str, Any],
        model: type[BaseModel],
        missing: str,
        response_url: str,
        requester: Requester,
    ) -> None:
        task = asyncio.create_task(self._report(module, about, model, missing, response_url, requester))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _report(
        self,
        module: ModuleID,
        about: dict[str, Any],
        model: type[BaseModel],
        missing: str,
        response_url: str,
        requester: Requester,
    ) -> None:
        found: Any = None
        for attempt in range(self.polls):
            if attempt:
                await asyncio.sleep(self.poll_interval)
            try:
                found = await self.crud.get(
                    module, RoleEnum.cpo, 0, **about, auth_token=None, version=VersionNumber(self.version)
                )
            except Exception:
                log.exception("the application's Crud.get(%s, CPO, 0) failed", module.value)
                found = None
            if found:
                break
        given = found if isinstance(found, dict) and "result" in found else {"result": missing}
        try:
            result = model.model_validate(given)
        except ValidationError as error:
            log.error("the application's result is no %s %s: %s", requester.version, model.__name__, invalid(error))
            result = model.model_validate({"result": missing})
        await self.node().post_result(response_url, result, requester.party, requester.version)


class CrudCommands(CrudResultsLater):
    """A command (CPO): `Crud.do(commands, CPO, SendCommand, <the command as a dict>, command=<its type>)` answers
    now (`{"result": ..., "timeout": ...}`); then, as the seed system did, the result is asked of
    `Crud.get(commands, CPO, 0, command_data=..., command=...)` until it gives one (FAILED when none comes) and
    posted to the eMSP's `response_url` by the node. The seed system's `Crud.do(commands, CPO, GetClientToken)` is
    not asked: the node knows its partners' tokens."""

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        data = orjson.loads(commands_convert.from_canonical(request, self.version).value.to_json())  # type: ignore[attr-defined]
        version = VersionNumber(self.version)
        answer = await self.crud.do(
            ModuleID.commands,
            RoleEnum.cpo,
            Action.send_command,
            data,
            command=command,
            auth_token=None,
            version=version,
        )
        if not answer:
            return CommandAnswer(result="REJECTED", timeout=0, final_result=None)
        if not isinstance(answer, dict) or "result" not in answer:
            raise ServerError(
                "the application's Crud.do(commands, CPO, SendCommand) answered no CommandResponse "
                '(a dict with "result": ACCEPTED, REJECTED, UNKNOWN_SESSION or NOT_SUPPORTED)'
            )
        result = str(answer["result"])
        if result == "ACCEPTED" and request.response_url:
            about = {"command_data": data, "command": command}
            model = RESULTS[requester.version]
            self.report_later(ModuleID.commands, about, model, "FAILED", str(request.response_url), requester)
        return CommandAnswer(result=result, timeout=int(answer.get("timeout") or 30), final_result=None)


class CrudChargingProfiles(CrudResultsLater):
    """Charging profiles (CPO), as the seed system asked for them: `Crud.do(chargingprofiles, CPO, <action>,
    session=<the Session, from Crud.get(sessions, CPO, id)>, response_url=...)`, with `duration=` for
    `SendGetChargingProfile` and the SetChargingProfile dict first for `SendUpdateChargingProfile`
    (`SendDeleteChargingProfile`: nothing more); it answers now (`{"result": ..., "timeout": ...}`, a
    ChargingProfileResponse). The result is then asked of `Crud.get(hubclientinfo, CPO, 0, session_id=...,
    response_url=..., duration= | charging_profile=...)` (the module the seed system asked with) until it gives
    one (an ActiveChargingProfileResult, ChargingProfileResult or ClearProfileResult dict; REJECTED when none
    comes) and posted by the node."""

    async def active(self, session_id: str, duration: int, requester: Requester) -> ProfileAnswer:
        return await self._ask(
            Action.send_get_chargingprofile, session_id, requester, ActiveChargingProfileResult, duration=duration
        )

    async def set(self, session_id: str, profile: ChargingProfile, requester: Requester) -> ProfileAnswer:
        request = SetChargingProfile(charging_profile=profile, response_url=requester.response_url)
        data = orjson.loads(request.to_json())
        return await self._ask(
            Action.send_update_charging_profile, session_id, requester, ChargingProfileResult, profile=data
        )

    async def clear(self, session_id: str, requester: Requester) -> ProfileAnswer:
        return await self._ask(Action.send_delete_chargingprofile, session_id, requester, ClearProfileResult)

    async def _ask(
        self,
        action: Action,
        session_id: str,
        requester: Requester,
        model: type[BaseModel],
        *,
        duration: int | None = None,
        profile: dict[str, Any] | None = None,
    ) -> ProfileAnswer:
        version = VersionNumber(self.version)
        session = await self.crud.get(ModuleID.sessions, RoleEnum.cpo, session_id, auth_token=None, version=version)
        now: dict[str, Any] = {"session": session, "response_url": requester.response_url}
        about: dict[str, Any] = {"session_id": session_id, "response_url": requester.response_url}
        if duration is not None:
            now["duration"] = about["duration"] = duration
        if profile is not None:
            about["charging_profile"] = profile
        given = () if profile is None else (profile,)
        answer = await self.crud.do(
            ModuleID.charging_profile, RoleEnum.cpo, action, *given, **now, auth_token=None, version=version
        )
        if not answer:
            return ProfileAnswer(result="REJECTED", timeout=0, final_result=None)
        result = str(answer.get("result")) if isinstance(answer, dict) else None
        if result not in PROFILE_RESPONSES:
            raise ServerError(
                f"the application's Crud.do(chargingprofiles, CPO, {action.value}) answered no "
                f'ChargingProfileResponse (a dict with "result": one of {", ".join(PROFILE_RESPONSES)})'
            )
        if result == "ACCEPTED" and requester.response_url:
            self.report_later(ModuleID.hub_client_info, about, model, "REJECTED", requester.response_url, requester)
        return ProfileAnswer(result=result, timeout=int(answer.get("timeout") or 30), final_result=None)


class CrudAuthorizer:
    """A real-time authorization (eMSP): `Crud.do(tokens, EMSP, AuthorizeToken, data={"token_uid", "token_type",
    "location_reference"})` answers an AuthorizationInfo dict (`allowed`, `authorization_reference`, `info`);
    nothing (None, {}): 2002, not enough information. The node has already found the token (`Crud.get`)."""

    def __init__(self, crud: type[Crud] | Crud, version: str):
        self.crud = crud
        self.version = version

    async def authorize(
        self, token: Token, location: LocationReferences | None, requester: Requester
    ) -> AuthorizationDecision:
        data = {
            "token_uid": token.uid,
            "token_type": str(token.type),
            "location_reference": None if location is None else location.model_dump(mode="json", exclude_none=True),
        }
        answer = await self.crud.do(
            ModuleID.tokens,
            RoleEnum.emsp,
            Action.authorize_token,
            data=data,
            auth_token=None,
            version=VersionNumber(self.version),
        )
        if not answer:
            raise NotEnoughInformation("the token's authorization needs more information (a location)")
        if not isinstance(answer, dict) or str(answer.get("allowed")) not in ALLOWED_TYPES:
            raise ServerError(
                "the application's Crud.do(tokens, EMSP, AuthorizeToken) answered no AuthorizationInfo "
                f'(a dict with "allowed": one of {", ".join(ALLOWED_TYPES)})'
            )
        return AuthorizationDecision(
            allowed=str(answer["allowed"]),
            authorization_reference=answer.get("authorization_reference"),
            info=answer.get("info"),
        )


class CrudResults(KeepResults):
    """A command's result reaching the eMSP: `Crud.update(commands, EMSP, <the result as a dict>, <its uid>)`, as
    the seed system did (and kept, as by default)."""

    def __init__(self, crud: type[Crud] | Crud, version: str):
        super().__init__()
        self.crud = crud
        self.version = version

    async def received(self, kind: str, reference: str, result: BaseModel, requester: Requester) -> None:
        await super().received(kind, reference, result, requester)
        if kind == "commands/results":
            data = orjson.loads(result.to_json())  # type: ignore[attr-defined]
            await self.crud.update(
                ModuleID.commands, RoleEnum.emsp, data, reference, auth_token=None, version=VersionNumber(self.version)
            )
