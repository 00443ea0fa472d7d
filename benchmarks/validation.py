"""Parse and dump of the official 2.2.1 location example, per second, with either implementation's models.

`python benchmarks/validation.py ours|peer EXAMPLE_FILE SECONDS REPEATS` (our virtualenv for `ours`, the peer's
for `peer`) prints one JSON line: `{"runs": [ops/s, ...]}`. Each side uses its own idiom for JSON bytes in and
out: ours `Location.model_validate_json` + `to_json()` (what the node does), the peer's (Pydantic 1)
`Location.parse_raw` + `.json()`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _round_trip(implementation: str) -> Callable[[bytes], bytes]:
    if implementation == "ours":
        from ocpi.modules.locations.v_2_2_1.schemas import Location

        return lambda raw: Location.model_validate_json(raw).to_json()
    from py_ocpi.modules.locations.v_2_2_1.schemas import Location as PeerLocation

    return lambda raw: PeerLocation.parse_raw(raw).json().encode()


def rate(round_trip: Callable[[bytes], bytes], raw: bytes, seconds: float) -> float:
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            round_trip(raw)
        done += 100
    return done / (time.perf_counter() - started)


def main(argv: list[str]) -> None:
    implementation, example, seconds, repeats = argv
    raw = Path(example).read_bytes()
    round_trip = _round_trip(implementation)
    round_trip(raw)  # warm up (first-call schema building, imports)
    runs = [rate(round_trip, raw, float(seconds)) for _ in range(int(repeats))]
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1:])
