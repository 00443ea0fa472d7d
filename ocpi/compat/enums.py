"""The seed system's enumerations, spelt as its applications spell them (`RoleEnum.cpo`, `ModuleID.locations`,
`VersionNumber.v_2_3_0`, `Action.send_command`). Their values are OCPI's strings, so each member equals the
library's own (`ModuleID.locations == ocpi.ModuleID.LOCATIONS`)."""

from __future__ import annotations

from enum import StrEnum


class RoleEnum(StrEnum):
    cpo = "CPO"
    emsp = "EMSP"
    hub = "HUB"
    nap = "NAP"
    nsp = "NSP"
    other = "OTHER"
    scsp = "SCSP"
    ptp = "PTP"


class ModuleID(StrEnum):
    cdrs = "cdrs"
    charging_profile = "chargingprofiles"
    commands = "commands"
    credentials_and_registration = "credentials"
    hub_client_info = "hubclientinfo"
    client_info = "clientinfo"
    locations = "locations"
    sessions = "sessions"
    tariffs = "tariffs"
    tokens = "tokens"
    payments = "payments"
    bookings = "bookings"


class VersionNumber(StrEnum):
    v_2_0 = "2.0"
    v_2_1 = "2.1"
    v_2_1_1 = "2.1.1"
    v_2_2 = "2.2"
    v_2_2_1 = "2.2.1"
    v_2_3_0 = "2.3.0"
    latest = "2.3.0"  # an alias of v_2_3_0, as in the seed system


class Action(StrEnum):
    """What `Crud.do` is asked to do."""

    send_command = "SendCommand"
    get_client_token = "GetClientToken"
    authorize_token = "AuthorizeToken"
    send_get_chargingprofile = "SendGetChargingProfile"
    send_delete_chargingprofile = "SendDeleteChargingProfile"
    send_update_charging_profile = "SendUpdateChargingProfile"
