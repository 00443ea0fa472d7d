"""Commands: each version <-> canonical (the 2.3.0 model). Embedded Tokens go through
`ocpi.modules.tokens.convert` with the same context; their losses are reported under `/token`.

What each crossing costs (every item is reported as a `Loss`):

- 2.1.1 CommandResponse -> canonical: 2.1.1 uses CommandResponse both for the CPO's direct answer and for the
  asynchronous result from the Charge Point. By default it is the answer and becomes a CommandResponse:
  `timeout` (required from 2.2) is invented as `DEFAULT_COMMAND_TIMEOUT` seconds, and TIMEOUT (no longer a
  CommandResponseType) becomes REJECTED. With `CommandContext(asynchronous=True)` (any context with a true
  `asynchronous` attribute) it is the result and becomes a CommandResult: UNKNOWN_SESSION (no
  CommandResultType) becomes REJECTED, the other values keep their name.
- canonical CommandResponse -> 2.1.1: `timeout` and `message` are dropped. Canonical CommandResult -> 2.1.1
  CommandResponse (what a 2.1.1 eMSP expects at its `response_url`): `message` is dropped and
  CANCELED_RESERVATION, EVSE_OCCUPIED, EVSE_INOPERATIVE, FAILED, UNKNOWN_RESERVATION become REJECTED.
- ReserveNow `reservation_id`: 2.1.1 int <-> CiString(36): up, the decimal string; down, the integer when the
  string is one, else a stable 31-bit hash (CRC-32) of its case-folded text (changed, reported).
- Down to 2.1.1: ReserveNow/StartSession `authorization_reference` and StartSession `connector_id` are
  dropped; CancelReservation does not exist in 2.1.1 (ValueError).
- Up from 2.1.1: ids typed string(39) in 2.1.1 are CiString(36) from 2.2; longer or non-ASCII values fail
  validation rather than being cut.
- 2.2.1 <-> canonical: the objects are the same; only the embedded Token converts.
"""

from __future__ import annotations

import importlib
import re
import zlib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, Loss, LossLog
from ocpi.modules.commands.v_2_1_1 import schemas as v211
from ocpi.modules.commands.v_2_2_1 import schemas as v221
from ocpi.modules.commands.v_2_3_0 import schemas as v230

_SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
_OBJECTS = (
    "CancelReservation",
    "CommandResponse",
    "CommandResult",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
)
DEFAULT_COMMAND_TIMEOUT = 30
"""Seconds put in a CommandResponse made from a 2.1.1 one, which has no timeout (our choice)."""

_INTEGER = re.compile(r"^-?[0-9]{1,18}$")


@dataclass(frozen=True, slots=True)
class CommandContext(ConversionContext):
    """A ConversionContext that says whether a 2.1.1 CommandResponse is the asynchronous result (POSTed to
    `response_url`) rather than the CPO's direct answer."""

    asynchronous: bool = False


def _version(version: str) -> str:
    version = str(version)
    if version not in _SCHEMAS:
        raise ValueError(f"unsupported OCPI version {version!r}")
    return version


def _name(obj: BaseModel, version: str) -> str:
    name = type(obj).__name__
    if name not in _OBJECTS or getattr(_SCHEMAS[version], name, None) is not type(obj):
        raise TypeError(f"{type(obj).__qualname__} is not a {version} commands object")
    return name


def _dump(obj: BaseModel) -> dict[str, Any]:
    return obj.model_dump(mode="python", exclude_none=True, by_alias=True)


def _token(obj: BaseModel, up: bool, version: str, context: ConversionContext | None, log: LossLog) -> BaseModel:
    tokens = importlib.import_module("ocpi.modules.tokens.convert")
    token = obj.token  # type: ignore[attr-defined]
    converted = (tokens.to_canonical if up else tokens.from_canonical)(token, version, context)
    for loss in converted.losses:
        log.losses.append(Loss(log.prefix + "/token" + loss.pointer, loss.reason))
    value = converted.value
    assert isinstance(value, BaseModel)
    return value


def _reservation_id_down(value: str, log: LossLog) -> int:
    if _INTEGER.match(value):
        return int(value)
    number = zlib.crc32(value.casefold().encode()) & 0x7FFFFFFF
    log.add("reservation_id", f"changed: 2.1.1 needs an int; {value!r} is not one, sent as its hash {number}")
    return number


def _drop(data: dict[str, Any], names: tuple[str, ...], log: LossLog) -> None:
    for name in names:
        if data.pop(name, None) is not None:
            log.add(name, "dropped: not in 2.1.1")


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = _version(version)
    name = _name(obj, version)
    if version == "2.3.0":
        return Converted(obj)
    log = LossLog()
    data = _dump(obj)
    if "token" in data:
        data["token"] = _token(obj, True, version, context, log)
    if version == "2.1.1" and name == "CommandResponse":
        result = data["result"]
        if getattr(context, "asynchronous", False):
            if result == v211.CommandResponseType.UNKNOWN_SESSION:
                log.add("result", "changed: UNKNOWN_SESSION is no CommandResultType, sent as REJECTED")
                result = v230.CommandResultType.REJECTED
            return Converted(v230.CommandResult(result=v230.CommandResultType(result)), log.losses)
        if result == v211.CommandResponseType.TIMEOUT:
            log.add("result", "changed: TIMEOUT is no 2.2+ CommandResponseType, sent as REJECTED")
            result = v230.CommandResponseType.REJECTED
        log.add("timeout", f"invented: 2.1.1 has no timeout; {DEFAULT_COMMAND_TIMEOUT} s")
        data = {**data, "result": result, "timeout": DEFAULT_COMMAND_TIMEOUT}
    elif version == "2.1.1" and name == "ReserveNow":
        data["reservation_id"] = str(data["reservation_id"])
        log.add("reservation_id", "changed: int in 2.1.1, CiString(36) from 2.2; written as its decimal string")
    return Converted(getattr(v230, name).model_validate(data), log.losses)


_RESULT_DOWN = {
    v230.CommandResultType.ACCEPTED: v211.CommandResponseType.ACCEPTED,
    v230.CommandResultType.NOT_SUPPORTED: v211.CommandResponseType.NOT_SUPPORTED,
    v230.CommandResultType.REJECTED: v211.CommandResponseType.REJECTED,
    v230.CommandResultType.TIMEOUT: v211.CommandResponseType.TIMEOUT,
}


_NOT_IN_211 = {"StartSession": ("connector_id", "authorization_reference"), "ReserveNow": ("authorization_reference",)}


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = _version(version)
    name = _name(obj, "2.3.0")
    if version == "2.3.0":
        return Converted(obj)
    log = LossLog()
    data = _dump(obj)
    if "token" in data:
        data["token"] = _token(obj, False, version, context, log)
    if version == "2.2.1":
        return Converted(getattr(v221, name).model_validate(data), log.losses)
    if name == "CancelReservation":
        raise ValueError("CancelReservation does not exist in OCPI 2.1.1")
    if name in ("CommandResponse", "CommandResult"):
        _drop(data, ("timeout", "message"), log)
        if name == "CommandResult":
            result = _RESULT_DOWN.get(data["result"])
            if result is None:
                log.add("result", f"changed: {data['result']} is no 2.1.1 CommandResponseType, sent as REJECTED")
                result = v211.CommandResponseType.REJECTED
            data["result"] = result
        return Converted(v211.CommandResponse.model_validate(data), log.losses)
    _drop(data, _NOT_IN_211.get(name, ()), log)
    if name == "ReserveNow":
        data["reservation_id"] = _reservation_id_down(str(data["reservation_id"]), log)
    return Converted(getattr(v211, name).model_validate(data), log.losses)
