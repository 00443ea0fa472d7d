"""The small pieces every answer is made of: envelope timestamps and generated request ids."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

from ocpi.core.data_types import parse_datetime
from ocpi.core.envelope import envelope_bytes, timestamp_now
from ocpi.server.http import new_request_id


def test_the_envelope_timestamp_is_now_in_milliseconds() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamps = [timestamp_now() for _ in range(3)]
    time.sleep(1.1)  # the part up to the second is kept per second: it must move on
    stamps.append(timestamp_now())
    after = datetime.now(UTC)
    for stamp in stamps:
        assert len(stamp) == len("2026-01-01T00:00:00.000Z") and stamp.endswith("Z"), stamp
        parsed = parse_datetime(stamp)
        assert parsed is not None and before <= parsed <= after, (stamp, before, after)
    assert parse_datetime(stamps[-1]) - parse_datetime(stamps[0]) >= timedelta(seconds=1)  # type: ignore[operator]
    assert b'"timestamp":"' in envelope_bytes((b"[", b"1", b"]"))


def test_request_ids_are_unique_version_4_uuids_also_in_a_forked_child() -> None:
    ids = [new_request_id().decode() for _ in range(1000)]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child draws its own prefix: a copy of the parent's counter must not repeat its ids
        os.write(write, new_request_id())
        os._exit(0)
    os.waitpid(child, 0)
    from_child = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert uuid.UUID(from_child).version == 4
    assert from_child[:24] != new_request_id().decode()[:24]
