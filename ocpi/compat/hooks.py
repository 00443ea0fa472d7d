"""The node's hooks over a seed-system `Crud.do`: a command a partner sends (CPO), a real-time authorization
(eMSP), a command's result coming back (eMSP). Requests reach `do` as dicts in the application's version, as
the seed system passed them."""

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
from ocpi.modules.commands import convert as commands_convert
from ocpi.modules.commands.interfaces import RESULTS
from ocpi.modules.tokens.v_2_3_0.schemas import LocationReferences, Token
from ocpi.node.hooks import AuthorizationDecision, Command, CommandAnswer, KeepResults, Requester
from ocpi.node.node import Node

log = logging.getLogger("ocpi.compat")
ALLOWED_TYPES = ("ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED")


class CrudCommands:
    """A command (CPO): `Crud.do(commands, CPO, SendCommand, <the command as a dict>, command=<its type>)` answers
    now (`{"result": ..., "timeout": ...}`); then, as the seed system did, the result is asked of
    `Crud.get(commands, CPO, 0, command_data=..., command=...)` until it gives one (every `poll_interval` seconds,
    at most `polls` times; FAILED after that) and posted to the eMSP's `response_url` by the node. The seed
    system's `Crud.do(commands, CPO, GetClientToken)` is not asked: the node knows its partners' tokens."""

    def __init__(
        self, crud: type[Crud] | Crud, version: str, node: Callable[[], Node], *, polls: int, poll_interval: float
    ):
        self.crud = crud
        self.version = version
        self.node = node
        self.polls = polls
        self.poll_interval = poll_interval
        self.pending: set[asyncio.Task[None]] = set()

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
            task = asyncio.create_task(self._report(command, data, str(request.response_url), requester))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
        return CommandAnswer(result=result, timeout=int(answer.get("timeout") or 30), final_result=None)

    async def _report(self, command: str, data: dict[str, Any], response_url: str, requester: Requester) -> None:
        found: Any = None
        for attempt in range(self.polls):
            if attempt:
                await asyncio.sleep(self.poll_interval)
            try:
                found = await self.crud.get(
                    ModuleID.commands,
                    RoleEnum.cpo,
                    0,
                    command_data=data,
                    command=command,
                    auth_token=None,
                    version=VersionNumber(self.version),
                )
            except Exception:
                log.exception("the application's Crud.get(commands, CPO) failed")
                found = None
            if found:
                break
        result = dict(found) if isinstance(found, dict) and "result" in found else {"result": "FAILED"}
        try:
            body = RESULTS[requester.version].model_validate(result).to_dict()  # type: ignore[attr-defined]
        except ValidationError as error:
            log.error("the application's command result is no %s CommandResult: %s", requester.version, invalid(error))
            body = {"result": "FAILED"}
        await self.node().post_result(response_url, body, requester.party, requester.version)


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
