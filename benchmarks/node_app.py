"""Our node as uvicorn serves it in the benchmarks: `uvicorn benchmarks.node_app:app`.

`OCPI_BENCH_STORE` is the database URL; `OCPI_BENCH_ROLE` the role it plays (CPO serves locations, EMSP
receives them).
"""

import os

from benchmarks.seed import OUR_CPO, OUR_EMSP
from ocpi import get_application
from ocpi.core.enums import RoleEnum
from ocpi.server.config import OwnParty

_role = RoleEnum(os.environ.get("OCPI_BENCH_ROLE", "CPO"))
_party = OwnParty(_role, *(OUR_CPO if _role is RoleEnum.CPO else OUR_EMSP), name="benchmark node")

# Frozen once started, as `ocpi serve` does: the store opens at startup, so freezing at import left its engine
# and connections to every full collection (7.6 ms pauses under load on PostgreSQL).
app = get_application(parties=[_party], store=os.environ["OCPI_BENCH_STORE"], freeze_after_startup=True)
