"""Commands: the eMSP (or PTP) sends them and receives their results; the CPO receives them."""

from pydantic import BaseModel

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import CallbackReceiver, CommandReceiver, Interface, ModuleInterfaces
from ocpi.modules.commands.convert import CommandContext
from ocpi.modules.commands.v_2_1_1 import schemas as v211
from ocpi.modules.commands.v_2_2_1 import schemas as v221
from ocpi.modules.commands.v_2_3_0 import schemas as v230

VERSIONS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
NEWER = {"2.2.1": v221, "2.3.0": v230}

COMMANDS = {
    "RESERVE_NOW": {v: s.ReserveNow for v, s in VERSIONS.items()},
    "START_SESSION": {v: s.StartSession for v, s in VERSIONS.items()},
    "STOP_SESSION": {v: s.StopSession for v, s in VERSIONS.items()},
    "UNLOCK_CONNECTOR": {v: s.UnlockConnector for v, s in VERSIONS.items()},
    "CANCEL_RESERVATION": {v: s.CancelReservation for v, s in NEWER.items()},
}
# 2.1.1 reports the Charge Point's result with a CommandResponse; 2.2.1+ with a CommandResult.
RESULTS: dict[str, type[BaseModel]] = {
    "2.1.1": v211.CommandResponse,
    "2.2.1": v221.CommandResult,
    "2.3.0": v230.CommandResult,
}

INTERFACES = ModuleInterfaces(
    "commands",
    sender=Interface(
        "commands", InterfaceRole.SENDER, (CallbackReceiver("results", RESULTS, CommandContext(asynchronous=True)),)
    ),
    receiver=Interface(
        "commands",
        InterfaceRole.RECEIVER,
        (CommandReceiver(COMMANDS, {v: s.CommandResponse for v, s in VERSIONS.items()}, RESULTS),),
    ),
    sides={
        RoleEnum.CPO: InterfaceRole.RECEIVER,
        RoleEnum.EMSP: InterfaceRole.SENDER,
        RoleEnum.PTP: InterfaceRole.SENDER,
    },
)
