"""Hub Client Info (2.2.1+, configuration module): the Hub sends a ClientInfo object per connected party
(its Sender interface: a paginated GET list) and pushes each new or changed one to every connected party's
Receiver (`PUT {url}/{country_code}/{party_id}`, the party described)."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import PUT_BY_OWNER, Interface, ModuleInterfaces, ObjectType, OwnerKeyedReceiver, SenderList
from ocpi.modules.hubclientinfo import convert
from ocpi.modules.hubclientinfo.v_2_2_1 import schemas as v221
from ocpi.modules.hubclientinfo.v_2_3_0 import schemas as v230

CLIENT_INFO = ObjectType(
    "hubclientinfo",
    {"2.2.1": v221.ClientInfo, "2.3.0": v230.ClientInfo},
    convert,
    patch_versions=frozenset(),
)

HUB_VERSIONS = ("2.2.1", "2.3.0")

INTERFACES = ModuleInterfaces(
    "hubclientinfo",
    sender=Interface("hubclientinfo", InterfaceRole.SENDER, (SenderList(CLIENT_INFO),), versions=HUB_VERSIONS),
    receiver=Interface(
        "hubclientinfo",
        InterfaceRole.RECEIVER,
        (OwnerKeyedReceiver(CLIENT_INFO, methods=frozenset({"GET", "PUT"}), by_owner_only=True),),
        versions=HUB_VERSIONS,
    ),
    sides={
        RoleEnum.HUB: InterfaceRole.SENDER,
        **{
            role: InterfaceRole.RECEIVER
            for role in (RoleEnum.CPO, RoleEnum.EMSP, RoleEnum.NSP, RoleEnum.NAP, RoleEnum.SCSP)
        },
    },
    delivery=PUT_BY_OWNER,
)
