"""CDRs: the CPO sends, eMSPs and PTPs receive (POST, immutable, read back where the POST said)."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import Delivery, Interface, ModuleInterfaces, ObjectType, PostReceiver, SenderList
from ocpi.modules.cdrs import convert
from ocpi.modules.cdrs.v_2_1_1 import schemas as v211
from ocpi.modules.cdrs.v_2_2_1 import schemas as v221
from ocpi.modules.cdrs.v_2_3_0 import schemas as v230

VERSIONS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}

CDR = ObjectType(
    "cdrs", {v: s.CDR for v, s in VERSIONS.items()}, convert, patch_versions=frozenset(), audience_field="cdr_token"
)

INTERFACES = ModuleInterfaces(
    "cdrs",
    sender=Interface("cdrs", InterfaceRole.SENDER, (SenderList(CDR),)),
    receiver=Interface("cdrs", InterfaceRole.RECEIVER, (PostReceiver(CDR),)),
    sides={
        RoleEnum.CPO: InterfaceRole.SENDER,
        RoleEnum.EMSP: InterfaceRole.RECEIVER,
        RoleEnum.PTP: InterfaceRole.RECEIVER,
    },
    delivery=Delivery("POST"),
)
