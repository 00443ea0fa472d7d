"""Charging Profiles (2.2.1+): the CPO receives requests; the SCSP sends them and receives the results and
the active profile updates."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import (
    ActiveProfileReceiver,
    CallbackReceiver,
    ChargingProfilesReceiver,
    Interface,
    ModuleInterfaces,
)
from ocpi.modules.chargingprofiles.v_2_2_1 import schemas as v221
from ocpi.modules.chargingprofiles.v_2_3_0 import schemas as v230

VERSIONS = {"2.2.1": v221, "2.3.0": v230}


def _each(name: str) -> dict[str, type]:
    return {v: getattr(s, name) for v, s in VERSIONS.items()}


INTERFACES = ModuleInterfaces(
    "chargingprofiles",
    sender=Interface(
        "chargingprofiles",
        InterfaceRole.SENDER,
        (
            CallbackReceiver("active", _each("ActiveChargingProfileResult")),
            CallbackReceiver("set", _each("ChargingProfileResult")),
            CallbackReceiver("clear", _each("ClearProfileResult")),
            ActiveProfileReceiver(_each("ActiveChargingProfile")),
        ),
        versions=tuple(VERSIONS),
    ),
    receiver=Interface(
        "chargingprofiles",
        InterfaceRole.RECEIVER,
        (
            ChargingProfilesReceiver(
                set_models=_each("SetChargingProfile"),
                response_models=_each("ChargingProfileResponse"),
                active_result_models=_each("ActiveChargingProfileResult"),
                set_result_models=_each("ChargingProfileResult"),
                clear_result_models=_each("ClearProfileResult"),
                active_profile_models=_each("ActiveChargingProfile"),
            ),
        ),
        versions=tuple(VERSIONS),
    ),
    sides={RoleEnum.CPO: InterfaceRole.RECEIVER, RoleEnum.SCSP: InterfaceRole.SENDER},
)
