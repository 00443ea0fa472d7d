"""Hub Client Info (2.2.1+, configuration module): every party connected to a Hub receives ClientInfo."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import Interface, ModuleInterfaces, ObjectType, OwnerKeyedReceiver
from ocpi.modules.hubclientinfo import convert
from ocpi.modules.hubclientinfo.v_2_2_1 import schemas as v221
from ocpi.modules.hubclientinfo.v_2_3_0 import schemas as v230

CLIENT_INFO = ObjectType(
    "hubclientinfo",
    {"2.2.1": v221.ClientInfo, "2.3.0": v230.ClientInfo},
    convert,
    patch_versions=frozenset(),
)

INTERFACES = ModuleInterfaces(
    "hubclientinfo",
    sender=None,
    receiver=Interface(
        "hubclientinfo",
        InterfaceRole.RECEIVER,
        (OwnerKeyedReceiver(CLIENT_INFO, methods=frozenset({"GET", "PUT"}), by_owner_only=True),),
        versions=("2.2.1", "2.3.0"),
    ),
    sides={
        role: InterfaceRole.RECEIVER
        for role in (RoleEnum.CPO, RoleEnum.EMSP, RoleEnum.NSP, RoleEnum.NAP, RoleEnum.SCSP)
    },
)
