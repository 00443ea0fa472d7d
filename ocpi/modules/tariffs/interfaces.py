"""Tariffs: the CPO sends, eMSPs, NSPs, NAPs and PTPs receive (PATCH only in 2.1.1; DELETE in all)."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import PUT_BY_OWNER, Interface, ModuleInterfaces, ObjectType, OwnerKeyedReceiver, SenderList
from ocpi.modules.tariffs import convert
from ocpi.modules.tariffs.v_2_1_1 import schemas as v211
from ocpi.modules.tariffs.v_2_2_1 import schemas as v221
from ocpi.modules.tariffs.v_2_3_0 import schemas as v230

VERSIONS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}

TARIFF = ObjectType(
    "tariffs",
    {v: s.Tariff for v, s in VERSIONS.items()},
    convert,
    patch_versions=frozenset({"2.1.1"}),
)

INTERFACES = ModuleInterfaces(
    "tariffs",
    sender=Interface("tariffs", InterfaceRole.SENDER, (SenderList(TARIFF),)),
    receiver=Interface(
        "tariffs",
        InterfaceRole.RECEIVER,
        (OwnerKeyedReceiver(TARIFF, methods=frozenset({"GET", "PUT", "PATCH", "DELETE"})),),
    ),
    sides={
        RoleEnum.CPO: InterfaceRole.SENDER,
        RoleEnum.EMSP: InterfaceRole.RECEIVER,
        RoleEnum.NSP: InterfaceRole.RECEIVER,
        RoleEnum.NAP: InterfaceRole.RECEIVER,
        RoleEnum.PTP: InterfaceRole.RECEIVER,
    },
    delivery=PUT_BY_OWNER,
)
