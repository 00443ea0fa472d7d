"""ocpi-python: OCPI 2.1.1, 2.2.1 and 2.3.0 for Python.

What an application needs is importable from here: `get_application` builds a node's FastAPI app
(`app.node` is the `Node`), `OwnParty`/`NodeConfig` say what the node is, `Hooks` decide what only the
application can, `register`/`send_command`/`authorize_token` call partners, `SqlStore` (or your own `Store`, or
the `Sources` of your own data that the node calls) keeps the data, `OcpiClient` talks to any OCPI party. Each is
imported on first use, so `import ocpi` stays cheap (the CLI starts without FastAPI, SQLAlchemy or Pydantic)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ocpi.core.versions import LIBRARY_VERSION, SUPPORTED_VERSIONS

if TYPE_CHECKING:
    from ocpi.client import OcpiClient, PartnerSettings, UrlPolicy
    from ocpi.core.enums import InterfaceRole, ModuleID, RoleEnum, VersionNumber
    from ocpi.core.errors import OcpiError
    from ocpi.node import Node, NodeConfig, NodeOptions, OwnObjects, OwnParty, authorize_token, register, send_command
    from ocpi.node.hooks import (
        AuthorizationDecision,
        BookingHandler,
        ChargingPreferencesHandler,
        ChargingProfileHandler,
        CommandAnswer,
        CommandHandler,
        Hooks,
        PaymentTerminalHandler,
        ProfileAnswer,
        Requester,
        ResultListener,
        TokenAuthorizer,
    )
    from ocpi.push import PushWorker
    from ocpi.push.pull import pull, resync
    from ocpi.server.app import OcpiApplication, get_application
    from ocpi.storage.base import Credential, CredentialLookup, ObjectKey, Party, PartyRole, Store, StoredObject
    from ocpi.storage.sources import Source, SourcePage, SourceQuery, Sources, WritableSource
    from ocpi.storage.sql import SqlStore

__version__ = LIBRARY_VERSION

_HOMES = {
    "get_application": "ocpi.server.app",
    "OcpiApplication": "ocpi.server.app",
    "Node": "ocpi.node",
    "NodeConfig": "ocpi.node",
    "NodeOptions": "ocpi.node",
    "OwnParty": "ocpi.node",
    "OwnObjects": "ocpi.node",
    "register": "ocpi.node",
    "send_command": "ocpi.node",
    "authorize_token": "ocpi.node",
    "Hooks": "ocpi.node.hooks",
    "CommandAnswer": "ocpi.node.hooks",
    "CommandHandler": "ocpi.node.hooks",
    "AuthorizationDecision": "ocpi.node.hooks",
    "TokenAuthorizer": "ocpi.node.hooks",
    "ProfileAnswer": "ocpi.node.hooks",
    "Requester": "ocpi.node.hooks",
    "ChargingProfileHandler": "ocpi.node.hooks",
    "ChargingPreferencesHandler": "ocpi.node.hooks",
    "ResultListener": "ocpi.node.hooks",
    "PaymentTerminalHandler": "ocpi.node.hooks",
    "BookingHandler": "ocpi.node.hooks",
    "Store": "ocpi.storage.base",
    "ObjectKey": "ocpi.storage.base",
    "StoredObject": "ocpi.storage.base",
    "Party": "ocpi.storage.base",
    "PartyRole": "ocpi.storage.base",
    "Credential": "ocpi.storage.base",
    "CredentialLookup": "ocpi.storage.base",
    "SqlStore": "ocpi.storage.sql",
    "Source": "ocpi.storage.sources",
    "WritableSource": "ocpi.storage.sources",
    "Sources": "ocpi.storage.sources",
    "SourceQuery": "ocpi.storage.sources",
    "SourcePage": "ocpi.storage.sources",
    "OcpiClient": "ocpi.client",
    "PartnerSettings": "ocpi.client",
    "UrlPolicy": "ocpi.client",
    "PushWorker": "ocpi.push",
    "pull": "ocpi.push.pull",
    "resync": "ocpi.push.pull",
    "RoleEnum": "ocpi.core.enums",
    "ModuleID": "ocpi.core.enums",
    "VersionNumber": "ocpi.core.enums",
    "InterfaceRole": "ocpi.core.enums",
    "OcpiError": "ocpi.core.errors",
}
"""Where each public name lives; `from ocpi import Node` imports that module then (PEP 562)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ocpi' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "SUPPORTED_VERSIONS",
    "AuthorizationDecision",
    "BookingHandler",
    "ChargingPreferencesHandler",
    "ChargingProfileHandler",
    "CommandAnswer",
    "CommandHandler",
    "Credential",
    "CredentialLookup",
    "Hooks",
    "InterfaceRole",
    "ModuleID",
    "Node",
    "NodeConfig",
    "NodeOptions",
    "ObjectKey",
    "OcpiApplication",
    "OcpiClient",
    "OcpiError",
    "OwnObjects",
    "OwnParty",
    "PartnerSettings",
    "Party",
    "PartyRole",
    "PaymentTerminalHandler",
    "ProfileAnswer",
    "PushWorker",
    "Requester",
    "ResultListener",
    "RoleEnum",
    "Source",
    "SourcePage",
    "SourceQuery",
    "Sources",
    "SqlStore",
    "Store",
    "StoredObject",
    "TokenAuthorizer",
    "UrlPolicy",
    "VersionNumber",
    "WritableSource",
    "__version__",
    "authorize_token",
    "get_application",
    "pull",
    "register",
    "resync",
    "send_command",
]
