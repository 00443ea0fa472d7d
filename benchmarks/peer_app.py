"""The peer: extrawest-ocpi (package `py_ocpi`) serving the same locations from an in-memory dict through its own
Crud interface. Runs only in the peer's virtualenv (benchmarks/.peer): `uvicorn peer_app:app --app-dir benchmarks`.

`OCPI_BENCH_PEER_DATA` is a file of 2.2.1 locations, one JSON per line; `OCPI_BENCH_ROLE` is CPO (serves them)
or EMSP (receives pushes onto them); `OCPI_BENCH_TOKEN` the partner's token.
"""

import itertools
import logging
import os
from pathlib import Path
from typing import Any

from py_ocpi import get_application
from py_ocpi.core.authentication.authenticator import Authenticator
from py_ocpi.core.crud import Crud
from py_ocpi.core.enums import ModuleID, RoleEnum
from py_ocpi.modules.versions.enums import VersionNumber

# py_ocpi logs every request at INFO in its default (production) setting; uvicorn runs at warning for every
# server in the benchmark, so its own logger does too.
logging.getLogger("OCPI-Logger").setLevel(logging.WARNING)

_TOKEN = os.environ["OCPI_BENCH_TOKEN"]


def _load() -> dict[str, dict[str, Any]]:
    import json

    locations: dict[str, dict[str, Any]] = {}
    with Path(os.environ["OCPI_BENCH_PEER_DATA"]).open("rb") as lines:
        for line in lines:
            location = json.loads(line)
            locations[location["id"].lower()] = location
    return locations


# py_ocpi lower-cases CiString path parameters, so ids are kept lower-cased; insertion order is list order.
LOCATIONS = _load()


class MemoryCrud(Crud):
    @classmethod
    async def get(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> Any:
        return LOCATIONS.get(str(id).lower())

    @classmethod
    async def list(cls, module: ModuleID, role: RoleEnum, filters: dict, *args: Any, **kwargs: Any) -> Any:
        offset, limit = filters["offset"], filters["limit"]
        values = list(itertools.islice(LOCATIONS.values(), offset, offset + limit))
        return values, len(LOCATIONS), offset + limit >= len(LOCATIONS)

    @classmethod
    async def create(cls, module: ModuleID, role: RoleEnum, data: dict, *args: Any, **kwargs: Any) -> Any:
        LOCATIONS[str(data["id"]).lower()] = data
        return data

    @classmethod
    async def update(cls, module: ModuleID, role: RoleEnum, data: dict, id: Any, *args: Any, **kwargs: Any) -> Any:
        LOCATIONS[str(id).lower()] = data
        return data

    @classmethod
    async def delete(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> None:
        LOCATIONS.pop(str(id).lower(), None)

    @classmethod
    async def do(cls, module: ModuleID, role: Any, action: Any, *args: Any, data: Any = None, **kwargs: Any) -> Any:
        return None


class TokenList(Authenticator):
    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return [_TOKEN]

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return []


_ROLE = RoleEnum.emsp if os.environ.get("OCPI_BENCH_ROLE", "CPO").upper() == "EMSP" else RoleEnum.cpo

app = get_application(
    version_numbers=[VersionNumber.v_2_1_1, VersionNumber.v_2_2_1],
    roles=[_ROLE],
    crud=MemoryCrud,
    modules=list(ModuleID),
    authenticator=TokenList,
)
