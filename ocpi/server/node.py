"""The running node: configuration, store, repository, hooks, and the few services every route needs."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
from fastapi import Request

from ocpi.client import OcpiClient, UrlPolicy
from ocpi.client.client import Endpoint
from ocpi.core.errors import UnableToUseClientApi
from ocpi.core.utils import authorization_header
from ocpi.server.auth import Caller, identify, require_registered
from ocpi.server.config import NodeConfig
from ocpi.server.hooks import Hooks
from ocpi.storage.base import Party
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore

log = logging.getLogger("ocpi.server")


class Node:
    def __init__(self, config: NodeConfig, store: SqlStore | None, hooks: Hooks | None = None):
        self.config = config
        self.hooks = hooks or Hooks()
        self._http: httpx.AsyncClient | None = None
        if store is not None:
            self.attach(store)

    def attach(self, store: SqlStore) -> None:
        """Use `store` (opened at startup when the app was given a database URL)."""
        self.store = store
        self.repository = Repository(store)

    async def caller(self, request: Request) -> Caller:
        """Any valid token, token A included (versions and credentials)."""
        return await identify(request, self.store)

    async def partner(self, request: Request) -> Party:
        """A registered partner (functional modules)."""
        return require_registered(await identify(request, self.store))

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        return self._http

    def client(self, *, token: str, version: str, party: Party | None = None) -> OcpiClient:
        """A client for a partner (or, before registration, for its versions URL), under our URL policy."""
        client = OcpiClient(token=token, version=version, policy=UrlPolicy(self.config.allow_private_urls))
        if party is not None:
            client.endpoints = [Endpoint(e["identifier"], e["url"], e.get("role")) for e in party.endpoints]
        return client

    def partner_client(self, party: Party) -> OcpiClient:
        if not party.outbound_token or not party.version:
            raise UnableToUseClientApi(f"partner {party.name} is not registered")
        return self.client(token=party.outbound_token, version=party.version, party=party)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def post_result(self, url: str, body: Any, partner: Party, version: str) -> None:
        """POST an asynchronous result to a partner's `response_url`. Not retried: the spec says such
        messages are not queued (the partner asks again)."""
        headers = {"Content-Type": "application/json"}
        if partner.outbound_token:
            headers["Authorization"] = authorization_header(partner.outbound_token, version)
        try:
            response = await self.http.post(url, content=orjson.dumps(body), headers=headers)
            if response.status_code >= 300:
                log.warning("result POST to %s answered HTTP %s", url, response.status_code)
        except httpx.HTTPError as error:
            log.warning("result POST to %s failed: %s", url, type(error).__name__)
