"""`kill -9` of a node while a thousand pushes are pending and writes are in flight: after a restart every
acknowledged write is in the store, the partner converges to the latest state of every object, and each CDR
is delivered exactly once (the receiver de-duplicates by id; it accepts each CDR as new once)."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

from ocpi.core.enums import RoleEnum
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.server.app import get_application
from ocpi.storage.base import ListQuery, ObjectKey, TokenKind
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore
from tests.nodes import eventually, serve_app
from tests.test_cli.nodes import free_port

EMSP = OwnParty(RoleEnum.EMSP, "DE", "TNM", name="eMSP node")
PENDING = 1000


class GatedReceiver:
    """The eMSP's real app, whose answers to pushes wait behind a gate until it opens: each push is stored
    but not acknowledged, as when the sender dies between the two. Counts the CDR POSTs it received and the
    ones it accepted as new (201)."""

    def __init__(self, app: Any):
        self.app = app
        self.open = asyncio.Event()
        self.cdr_posts: Counter[str] = Counter()
        self.new_cdrs: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not ("/locations/" in path or path.endswith("/cdrs")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording_receive() -> Any:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        async def gated_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if scope["method"] == "POST":
                    cdr_id = orjson.loads(b"".join(chunks))["id"]
                    self.cdr_posts[cdr_id] += 1
                    self.new_cdrs[cdr_id] += message["status"] == 201
                await self.open.wait()
            await send(message)

        await self.app(scope, recording_receive, gated_send)


@asynccontextmanager
async def cpo_process(database: str, port: int, writes: int) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.test_hostile.crash_node",
        database,
        str(port),
        str(writes),
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.strip() == b"READY", line
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_kill_9_with_pushes_pending_loses_nothing_and_delivers_each_cdr_once(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cpo.db'}"
    setup = await SqlStore.open(database)
    token_a = await setup.issue_token(TokenKind.A)
    await setup.close()
    port = free_port()

    emsp_store = await SqlStore.open(f"sqlite:///{tmp_path / 'emsp.db'}")
    receiver = GatedReceiver(get_application(parties=[EMSP], store=emsp_store, push=False))
    acknowledged: dict[tuple[str, str], int] = {}
    async with serve_app(receiver) as emsp_url:
        emsp_app = receiver.app
        emsp_app.state.node.config = _with_base_url(emsp_app.state.node.config, emsp_url)

        async with cpo_process(database, port, writes=100_000) as first:
            assert first.stdout is not None
            await register(emsp_app.state.node, f"http://127.0.0.1:{port}/ocpi/cpo/versions", token_a)
            for _ in range(PENDING):  # the partner's gate is closed: these are all pending pushes
                line = await asyncio.wait_for(first.stdout.readline(), 60)
                _, module, object_id, n = line.decode().split()
                acknowledged[(module, object_id)] = int(n)
            await eventually(lambda: _cdr_held(receiver), "a CDR stored at the partner, not yet acknowledged")
            first.send_signal(signal.SIGKILL)  # writes still going, pushes pending
            await first.wait()
            for line in (await first.stdout.read()).decode().splitlines():  # acknowledged before it died
                _, module, object_id, n = line.split()
                acknowledged[(module, object_id)] = int(n)
        assert first.returncode == -signal.SIGKILL
        receiver.open.set()  # the held requests reach the eMSP now, their sender long gone

        store = await SqlStore.open(database)
        try:
            for (module, object_id), n in acknowledged.items():
                stored = await store.get(ObjectKey.of(module, "BE", "BEC", object_id))
                assert stored is not None, (module, object_id, "acknowledged but lost")
                if module == "locations":
                    assert int(orjson.loads(stored.canonical)["name"][1:]) >= n, (object_id, "older than acked")

            async with cpo_process(database, port, writes=0):
                [partner] = await store.list_parties()
                # The partner is reachable again: its failed objects need not wait out their backoff (which
                # grew while it was gated), as an operator's `retry` would do.
                await PushLedger(store).retry_now(partner.pk)

                async def converged() -> bool:
                    state = await PushLedger(store).state(partner.pk)
                    if state.failing:
                        # A push that failed after the restart (a timeout on a loaded machine) waits out a
                        # backoff that grew while the partner was gated; the operator's `retry` again.
                        await PushLedger(store).retry_now(partner.pk)
                        return False
                    return state.lag == 0 and await _same(store, emsp_store)

                try:
                    await eventually(converged, "the eMSP has the latest state of every object", attempts=1200)
                except AssertionError as error:
                    raise AssertionError(await _explain(store, emsp_store, partner.pk)) from error
            cdrs = await _ids(store, "cdrs")
            assert len(cdrs) >= PENDING // 10
            assert set(receiver.new_cdrs) == cdrs
            assert set(receiver.new_cdrs.values()) == {1}, "a CDR was accepted as new twice (or never)"
            assert max(receiver.cdr_posts.values()) >= 2  # stored, unacknowledged, sent again after the restart
            assert await _ids(emsp_store, "cdrs") == cdrs
        finally:
            await store.close()
    await emsp_store.close()


async def _explain(cpo: SqlStore, emsp: SqlStore, partner_pk: int) -> str:
    """Why the partner has not converged: the delivery state and the objects that differ."""
    state = await PushLedger(cpo).state(partner_pk)
    differ = []
    for module in ("locations", "cdrs"):
        ours = await cpo.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        theirs = await emsp.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        by_id = {orjson.loads(item)["id"]: item for item in theirs.items}
        for item in ours.items:
            object_id = orjson.loads(item)["id"]
            if by_id.get(object_id) != item:
                differ.append((module, object_id, "missing" if object_id not in by_id else "differs"))
    failing = [(f.object_pk, f.attempts, f.last_error) for f in state.failing[:5]]
    return f"lag {state.lag}, failing {failing}, last error {state.last_error}; differ {differ[:10]}"


async def _cdr_held(receiver: GatedReceiver) -> bool:
    return bool(receiver.new_cdrs)


async def _ids(store: SqlStore, module: str) -> set[str]:
    page = await store.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
    return {orjson.loads(item)["id"] for item in page.items}


async def _same(cpo: SqlStore, emsp: SqlStore) -> bool:
    """Every object of the CPO is at the eMSP, in the same state."""
    for module in ("locations", "cdrs"):
        ours = await cpo.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        theirs = await emsp.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        if sorted(ours.items) != sorted(theirs.items):
            return False
    return True


def _with_base_url(config: Any, base_url: str) -> Any:
    import dataclasses

    return dataclasses.replace(config, base_url=base_url, allow_private_urls=True)
