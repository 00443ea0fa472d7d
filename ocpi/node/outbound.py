"""What a node asks of a partner in real time: commands (eMSP -> CPO, the result arriving later at our
`response_url`) and real-time token authorization (CPO -> eMSP). Each returns the partner's answer as the model of
the version it speaks (`OcpiClient.read_object`: a one-element list is read as its object, what the answer gets
wrong is noted as the partner's quirk)."""

from __future__ import annotations

import importlib
import logging
import uuid
from typing import Any

from pydantic import BaseModel

from ocpi.client import join_url
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import ClientError, OcpiError, UnableToUseClientApi
from ocpi.core.utils import from_to_headers
from ocpi.node.node import Node
from ocpi.storage.base import Party

log = logging.getLogger("ocpi.server")


def _receiver(version: str) -> str | None:
    return None if version == "2.1.1" else "RECEIVER"


def _model(module: str, version: str, name: str) -> type[BaseModel]:
    model = getattr(importlib.import_module(f"ocpi.modules.{module}.v_{version.replace('.', '_')}.schemas"), name)
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def _routed(node: Node, role: RoleEnum, to: tuple[str, str] | None) -> dict[str, str] | None:
    """The routing headers of a request through a hub partner to the party `to`, from our party of `role`."""
    if to is None:
        return None
    party = node.config.party_for(role)
    return from_to_headers((party.country_code, party.party_id), to)


async def send_command(
    node: Node,
    party: Party,
    command: str,
    request: dict[str, Any],
    *,
    role: RoleEnum = RoleEnum.EMSP,
    to: tuple[str, str] | None = None,
) -> tuple[Any, str]:
    """POST `command` to the partner's commands endpoint with a fresh `response_url` of ours. Returns the
    partner's CommandResponse (the model of its version: `answer.result`, `answer.timeout` from 2.2.1) and the
    reference under which the result will reach `node.hooks.results`. `to`: the CPO (country_code, party_id)
    when `party` is a hub the command goes through."""
    if not node.config.base_url:
        raise UnableToUseClientApi("set the node's base_url: the partner posts the result to our response_url")
    version = party.version or "2.2.1"
    reference = uuid.uuid4().hex
    response_url = (
        f"{node.config.base_url.rstrip('/')}{node.config.prefix}/{role.value.lower()}/{version}"
        f"/commands/results/{reference}"
    )
    async with node.partner_client(party) as client:
        url = join_url(client.endpoint("commands", _receiver(version)), command)
        try:
            data = await client.post(url, {**request, "response_url": response_url}, headers=_routed(node, role, to))
        except ClientError as error:
            if not isinstance(error.data, dict | list) or not error.data:
                raise
            data = error.data  # e.g. 2003 with a REJECTED CommandResponse: the CPO's answer all the same
        answer = client.read_object(_model("commands", version, "CommandResponse"), data, f"POST {url}")
    return answer, reference


async def authorize_token(
    node: Node,
    party: Party,
    uid: str,
    *,
    token_type: str = "RFID",
    location: dict[str, Any] | None = None,
    to: tuple[str, str] | None = None,
) -> Any:
    """Real-time authorization of a Token at its eMSP: the partner's AuthorizationInfo (the model of its
    version: `info.allowed`, `info.authorization_reference`...). `to`: the eMSP (country_code, party_id) when
    `party` is a hub the request goes through."""
    version = party.version or "2.2.1"
    async with node.partner_client(party) as client:
        url = join_url(client.endpoint("tokens", None if version == "2.1.1" else "SENDER"), uid, "authorize")
        data = await client.post(url, location, params={"type": token_type}, headers=_routed(node, RoleEnum.CPO, to))
        return client.read_object(_model("tokens", version, "AuthorizationInfo"), data, f"POST {url}")


async def create_terminal(node: Node, partner: Party, terminal: dict[str, Any]) -> None:
    """The PTP creates an activated Terminal on the CPO's side (POST to its payments `terminals`); a failure is
    logged, not raised (it runs after the activation was answered)."""
    try:
        async with node.partner_client(partner) as client:
            url = join_url(client.endpoint("payments", "RECEIVER"), "terminals")
            await client.post(url, terminal)
    except OcpiError as error:
        log.warning("creating terminal %s at %s failed: %s", terminal.get("terminal_id"), partner.name, error.message)
