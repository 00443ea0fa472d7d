"""Locations: the CPO publishes (Sender), eMSPs, NSPs, NAPs and PTPs receive."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import (
    PUT_BY_OWNER,
    Child,
    Interface,
    ModuleInterfaces,
    ObjectType,
    OwnerKeyedReceiver,
    SenderList,
)
from ocpi.modules.locations import convert
from ocpi.modules.locations.v_2_1_1 import schemas as v211
from ocpi.modules.locations.v_2_2_1 import schemas as v221
from ocpi.modules.locations.v_2_3_0 import schemas as v230

VERSIONS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}

CONNECTOR = Child(
    "connectors", "id", {v: s.Connector for v, s in VERSIONS.items()}, patched_alike=frozenset({"last_updated"})
)
EVSE = Child(
    "evses",
    "uid",
    {v: s.EVSE for v, s in VERSIONS.items()},
    children=(CONNECTOR,),
    patched_alike=frozenset({"status", "last_updated"}),  # Status: one enum, the same in every version
)
LOCATION = ObjectType("locations", {v: s.Location for v, s in VERSIONS.items()}, convert, children=(EVSE,))

INTERFACES = ModuleInterfaces(
    "locations",
    sender=Interface("locations", InterfaceRole.SENDER, (SenderList(LOCATION, get_one=True),)),
    receiver=Interface("locations", InterfaceRole.RECEIVER, (OwnerKeyedReceiver(LOCATION),)),
    sides={
        RoleEnum.CPO: InterfaceRole.SENDER,
        RoleEnum.EMSP: InterfaceRole.RECEIVER,
        RoleEnum.NSP: InterfaceRole.RECEIVER,
        RoleEnum.NAP: InterfaceRole.RECEIVER,
        RoleEnum.PTP: InterfaceRole.RECEIVER,
    },
    delivery=PUT_BY_OWNER,
)
