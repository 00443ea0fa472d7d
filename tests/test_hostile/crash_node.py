"""A CPO node in its own process, for the crash test: `python -m tests.test_hostile.crash_node DB PORT WRITES`.

Serves the node (push included) on 127.0.0.1:PORT over the SQLite database DB and prints `READY`. With
WRITES > 0 it waits for a registered partner, then writes its own objects one after the other and prints
`ACK <module> <id> <n>` after each write is committed (the acknowledgement a caller would get): the
locations LOC000..LOC149 again and again (name `w<n>`), and every tenth write, the first included, a new
CDR `CDR<n>`."""

from __future__ import annotations

import asyncio
import copy
import sys
from datetime import UTC, datetime, timedelta

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.node.config import OwnParty
from ocpi.testing import local_node
from tests.test_e2e.test_sync import example

CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="CPO node")
LOCATIONS = 150
START = datetime(2030, 1, 1, tzinfo=UTC)


async def main(database: str, port: int, writes: int) -> None:
    async with local_node(parties=[CPO], store=database, port=port, push_interval=0.05) as running:
        print("READY", flush=True)
        node = running.node
        while writes and not [p for p in await node.store.list_parties() if p.state == "registered"]:
            await asyncio.sleep(0.05)
        location, cdr = example("location_example.json"), example("cdr_example.json")
        for n in range(writes):
            stamp = format_datetime(START + timedelta(milliseconds=n))
            if n % 10 == 0:
                await node.cdrs.put({**copy.deepcopy(cdr), "id": f"CDR{n:05d}", "last_updated": stamp}, version="2.2.1")
                print(f"ACK cdrs CDR{n:05d} {n}", flush=True)
            else:
                object_id = f"LOC{n % LOCATIONS:03d}"
                written = {**copy.deepcopy(location), "id": object_id, "name": f"w{n}", "last_updated": stamp}
                await node.locations.put(written, version="2.2.1")
                print(f"ACK locations {object_id} {n}", flush=True)
        await asyncio.Event().wait()  # serve (and push) until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
