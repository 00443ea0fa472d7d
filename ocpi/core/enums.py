"""Enumerations used across modules: versions, roles, module ids, interface roles."""

from enum import StrEnum

from ocpi.core import versions


class VersionNumber(StrEnum):
    """An OCPI version number as the Versions module lists it (`ocpi.SUPPORTED_VERSIONS`: those spoken here)."""

    V_2_0 = "2.0"
    V_2_1 = "2.1"
    V_2_1_1 = "2.1.1"
    V_2_2 = "2.2"
    V_2_2_1 = "2.2.1"
    V_2_3_0 = "2.3.0"


SUPPORTED_VERSIONS: tuple[VersionNumber, ...] = tuple(VersionNumber(v) for v in versions.SUPPORTED_VERSIONS)
CANONICAL_VERSION = VersionNumber.V_2_3_0


class RoleEnum(StrEnum):
    """Party roles. 2.1.1 has no Role enum (CPO/eMSP follow from the endpoint side); HUB is 2.2.1 only;
    PTP is used by 2.3.0 Payments although missing from the 2.3.0 Role table."""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"
    PTP = "PTP"


ROLES_BY_VERSION: dict[str, tuple[RoleEnum, ...]] = {
    # 2.1.1 has no Role enum: a connection is a CPO's or an eMSP's.
    "2.1.1": (RoleEnum.CPO, RoleEnum.EMSP),
    "2.2.1": (RoleEnum.CPO, RoleEnum.EMSP, RoleEnum.HUB, RoleEnum.NAP, RoleEnum.NSP, RoleEnum.OTHER, RoleEnum.SCSP),
    "2.3.0": (RoleEnum.CPO, RoleEnum.EMSP, RoleEnum.NAP, RoleEnum.NSP, RoleEnum.OTHER, RoleEnum.SCSP, RoleEnum.PTP),
}


class ModuleID(StrEnum):
    """A module identifier, as version details list endpoints (`locations`, `cdrs`, ...)."""

    CDRS = "cdrs"
    CHARGING_PROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUB_CLIENT_INFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"
    PAYMENTS = "payments"
    BOOKINGS = "bookings"
    VERSIONS = "versions"


MODULES_BY_VERSION: dict[VersionNumber, tuple[ModuleID, ...]] = {
    VersionNumber.V_2_1_1: (
        ModuleID.CDRS,
        ModuleID.COMMANDS,
        ModuleID.CREDENTIALS,
        ModuleID.LOCATIONS,
        ModuleID.SESSIONS,
        ModuleID.TARIFFS,
        ModuleID.TOKENS,
    ),
    VersionNumber.V_2_2_1: (
        ModuleID.CDRS,
        ModuleID.CHARGING_PROFILES,
        ModuleID.COMMANDS,
        ModuleID.CREDENTIALS,
        ModuleID.HUB_CLIENT_INFO,
        ModuleID.LOCATIONS,
        ModuleID.SESSIONS,
        ModuleID.TARIFFS,
        ModuleID.TOKENS,
    ),
    VersionNumber.V_2_3_0: (
        ModuleID.CDRS,
        ModuleID.CHARGING_PROFILES,
        ModuleID.COMMANDS,
        ModuleID.CREDENTIALS,
        ModuleID.HUB_CLIENT_INFO,
        ModuleID.LOCATIONS,
        ModuleID.SESSIONS,
        ModuleID.TARIFFS,
        ModuleID.TOKENS,
        ModuleID.PAYMENTS,
        ModuleID.BOOKINGS,
    ),
}


class InterfaceRole(StrEnum):
    """Which side of a module an endpoint is (2.2.1+): the SENDER owns the objects, the RECEIVER is told."""

    SENDER = "SENDER"
    RECEIVER = "RECEIVER"
