"""Payments (2.3.0): the PTP publishes its terminals and financial advice confirmations; the CPO receives
newly shipped terminals and the confirmations."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import Interface, ModuleInterfaces, ObjectType, PostReceiver, SenderList, TerminalActions
from ocpi.modules.payments import convert
from ocpi.modules.payments.v_2_3_0 import schemas as v230

TERMINAL = ObjectType(
    "payments.terminals",
    {"2.3.0": v230.Terminal},
    convert,
    id_field="terminal_id",
    owned=False,
    patch_needs_last_updated=frozenset(),  # the payments chapter's PATCH example has none
)
CONFIRMATION = ObjectType("payments.confirmations", {"2.3.0": v230.FinancialAdviceConfirmation}, convert, owned=False)
CONFIRMATIONS = "financial-advice-confirmations"

INTERFACES = ModuleInterfaces(
    "payments",
    sender=Interface(
        "payments",
        InterfaceRole.SENDER,
        (
            SenderList(TERMINAL, segment="terminals", get_one=True),
            SenderList(CONFIRMATION, segment=CONFIRMATIONS, get_one=True),
            TerminalActions(TERMINAL, {"2.3.0": v230.TerminalActivationRequest}, {"2.3.0": v230.TerminalPatch}),
        ),
        versions=("2.3.0",),
    ),
    receiver=Interface(
        "payments",
        InterfaceRole.RECEIVER,
        (
            # The receiver's GET takes the object's id alone (mod_payments, Receiver Interface, URL segments).
            PostReceiver(TERMINAL, segment="terminals", get_by_id=True),
            PostReceiver(CONFIRMATION, segment=CONFIRMATIONS, get_by_id=True),
        ),
        versions=("2.3.0",),
    ),
    sides={RoleEnum.PTP: InterfaceRole.SENDER, RoleEnum.CPO: InterfaceRole.RECEIVER},
)
