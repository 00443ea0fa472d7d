"""Small helpers for HTTP tests over the node of tests/conftest.py (CPO NL/CPO, eMSP NL/EMS, PTP NL/PTP)."""

from __future__ import annotations

from typing import Any

import httpx

from ocpi.core.enums import RoleEnum
from ocpi.core.interfaces import ObjectType
from ocpi.storage.repository import WriteResult
from tests.conftest import NODE_PARTIES

OWN = {party.role: (party.country_code, party.party_id) for party in NODE_PARTIES}


def url(role: RoleEnum | str, version: str, module: str, *parts: str) -> str:
    role_segment = role.value if isinstance(role, RoleEnum) else role
    return "/".join([f"/ocpi/{role_segment.lower()}/{version}/{module}", *parts])


def envelope(response: httpx.Response, http_status: int = 200, status_code: int = 1000) -> dict[str, Any]:
    """The response's OCPI envelope, after checking both statuses and the envelope's shape."""
    assert response.status_code == http_status, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body, dict), body
    assert body["status_code"] == status_code, body
    assert isinstance(body["timestamp"], str) and body["timestamp"].endswith("Z"), body
    return body


def refused(response: httpx.Response, http_status: int, status_code: int, *words: str) -> str:
    """An error answer in the envelope: the statuses and, in `status_message`, each of `words`."""
    body = envelope(response, http_status, status_code)
    message = body.get("status_message") or ""
    for word in words:
        assert word in message, (word, message)
    return str(message)


async def seed(
    client: httpx.AsyncClient, object_type: ObjectType, version: str, payload: dict[str, Any], role: RoleEnum
) -> WriteResult:
    """Write one of the node's own objects (the sender side), filed under the node's party of `role`."""
    repository = client.app.state.node.repository  # type: ignore[attr-defined]
    result: WriteResult = await repository.put(object_type, version, payload, owner=OWN[role])
    return result
