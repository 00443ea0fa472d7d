"""The seed system's API (elumobility/ocpi-python, itself from extrawest-ocpi) on an ocpi-python node: an
application written for it runs here once its imports read

    from ocpi.compat import Action, Authenticator, Crud, ModuleID, RoleEnum, VersionNumber, get_application

Its `Crud` becomes the node's sources of Locations, Sessions, CDRs, Tariffs and Tokens and its `do` the node's
hooks (commands, real-time authorization); its `Authenticator` is asked about tokens the node does not know.
The node keeps its own rules and work: the credentials handshake, owner checks, single-use tokens A, push with
retries, pull. docs/guides/migrating.md tells what changes for such an application."""

from ocpi.compat.app import get_application
from ocpi.compat.base import Authenticator, Crud
from ocpi.compat.enums import Action, ModuleID, RoleEnum, VersionNumber

__all__ = ["Action", "Authenticator", "Crud", "ModuleID", "RoleEnum", "VersionNumber", "get_application"]
