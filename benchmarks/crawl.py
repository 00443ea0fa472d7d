"""A full crawl of a node's locations through our client, in a process of its own (so its CPU is neither the
node's nor the harness's): discover the node's 2.2.1 endpoints, then read every location page by page,
validating each as a 2.2.1 Location.

    python -m benchmarks.crawl BASE_URL [LIMIT]

prints one JSON line: `{"objects", "seconds", "skipped"}` (seconds from discovery to the last page).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from benchmarks.seed import PARTNER_TOKEN
from ocpi.client import OcpiClient, UrlPolicy
from ocpi.modules.locations.v_2_2_1.schemas import Location


async def crawl(base_url: str, limit: int) -> dict[str, Any]:
    # The node listens on loopback, which the client's default URL policy refuses.
    async with OcpiClient(token=PARTNER_TOKEN, version="2.2.1", policy=UrlPolicy(allow_private=True)) as client:
        started = time.perf_counter()
        await client.discover(f"{base_url}/ocpi/versions", prefer=("2.2.1",))
        objects = 0
        async for _location in client.iterate("locations", model=Location, limit=limit):
            objects += 1
        seconds = time.perf_counter() - started
        return {"objects": objects, "seconds": seconds, "skipped": len(client.skipped)}


if __name__ == "__main__":
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    print(json.dumps(asyncio.run(crawl(sys.argv[1], limit))))
