"""Tokens: the eMSP sends (and authorizes in real time), the CPO receives. A Token is keyed by uid and type."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import (
    Delivery,
    Interface,
    ModuleInterfaces,
    ObjectType,
    OwnerKeyedReceiver,
    SenderList,
    TokenAuthorization,
)
from ocpi.modules.tokens import convert
from ocpi.modules.tokens.v_2_1_1 import schemas as v211
from ocpi.modules.tokens.v_2_2_1 import schemas as v221
from ocpi.modules.tokens.v_2_3_0 import schemas as v230

VERSIONS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}

TOKEN = ObjectType(
    "tokens",
    {v: s.Token for v, s in VERSIONS.items()},
    convert,
    id_field="uid",
    variant_field="type",
    variant_default="RFID",
)

INTERFACES = ModuleInterfaces(
    "tokens",
    sender=Interface(
        "tokens",
        InterfaceRole.SENDER,
        (
            SenderList(TOKEN),
            TokenAuthorization(
                TOKEN,
                {v: s.LocationReferences for v, s in VERSIONS.items()},
                {v: s.AuthorizationInfo for v, s in VERSIONS.items()},
            ),
        ),
    ),
    receiver=Interface("tokens", InterfaceRole.RECEIVER, (OwnerKeyedReceiver(TOKEN),)),
    sides={RoleEnum.EMSP: InterfaceRole.SENDER, RoleEnum.CPO: InterfaceRole.RECEIVER},
    delivery=Delivery("PUT", variant_param="type", variant_versions=frozenset({"2.2.1", "2.3.0"})),
)
