"""Sessions: the CPO sends (and takes charging preferences), eMSPs, SCSPs and PTPs receive."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import (
    PUT_BY_OWNER,
    ChargingPreferencesReceiver,
    Interface,
    ModuleInterfaces,
    ObjectType,
    OwnerKeyedReceiver,
    SenderList,
)
from ocpi.modules.sessions import convert
from ocpi.modules.sessions.v_2_1_1 import schemas as v211
from ocpi.modules.sessions.v_2_2_1 import schemas as v221
from ocpi.modules.sessions.v_2_3_0 import schemas as v230

VERSIONS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}

SESSION = ObjectType(
    "sessions",
    {v: s.Session for v, s in VERSIONS.items()},
    convert,
    appended_on_patch=("charging_periods",),
    audience_field="cdr_token",
)

INTERFACES = ModuleInterfaces(
    "sessions",
    sender=Interface(
        "sessions",
        InterfaceRole.SENDER,
        (
            SenderList(SESSION, date_from_required=True),
            ChargingPreferencesReceiver({"2.2.1": v221.ChargingPreferences, "2.3.0": v230.ChargingPreferences}),
        ),
    ),
    receiver=Interface("sessions", InterfaceRole.RECEIVER, (OwnerKeyedReceiver(SESSION),)),
    sides={
        RoleEnum.CPO: InterfaceRole.SENDER,
        RoleEnum.EMSP: InterfaceRole.RECEIVER,
        RoleEnum.SCSP: InterfaceRole.RECEIVER,
        RoleEnum.PTP: InterfaceRole.RECEIVER,
    },
    delivery=PUT_BY_OWNER,
)
