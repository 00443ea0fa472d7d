"""Two `ocpi serve` nodes on 127.0.0.1, run the way a user runs them (subprocesses, the README's commands): a CPO
and an eMSP that registers with it through `ocpi register`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from ocpi.storage.secrets import NodeKey
from ocpi.storage.sql import SqlStore
from tests.spec import SPEC_DIR
from tests.test_cli.nodes import OCPI, ServedNode, cli_env, free_port, ocpi_serve


@dataclass
class Served:
    name: str
    db: str
    root: str
    log: Path
    """The node's stderr: its log."""
    served: ServedNode
    args: list[str]

    @property
    def versions_url(self) -> str:
        return f"{self.root}/ocpi/versions"

    def log_lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def events(self) -> list[dict[str, Any]]:
        """The node's JSON log lines (`--log-format json`), each parsed."""
        return [json.loads(line) for line in self.log_lines() if line.strip()]


@dataclass
class Pair:
    directory: Path
    cpo: Served
    emsp: Served
    token_a: str
    outputs: list[str]
    """What every CLI command printed (stdout and stderr)."""

    def ocpi(self, *args: str) -> str:
        return run_ocpi(self.directory, self.outputs, *args)


def run_ocpi(directory: Path, outputs: list[str], *args: str, expect: Sequence[int] = (0,)) -> str:
    done = subprocess.run([OCPI, *args], cwd=directory, env=cli_env(), capture_output=True, text=True, timeout=120)
    outputs += (done.stdout, done.stderr)
    assert done.returncode in expect, f"ocpi {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


def start(
    stack: ExitStack, directory: Path, name: str, role: str, party: str, args: Sequence[str], **env: str
) -> Served:
    port = free_port()
    db = f"sqlite:///{directory / f'{name}.db'}"
    flags = ["--port", str(port), "--db", db, "--role", role, "--party", party, "--allow-private-urls", *args]
    before = set(directory.glob("serve-*.log"))
    served = stack.enter_context(ocpi_serve(flags, directory, env=cli_env(**env)))
    [log] = set(directory.glob("serve-*.log")) - before
    return Served(name, db, f"http://127.0.0.1:{port}", log, served, flags)


@contextmanager
def registered_pair(directory: Path, cpo_args: Sequence[str] = (), emsp_args: Sequence[str] = ()) -> Iterator[Pair]:
    """A CPO (NL/CPO) and an eMSP (DE/EMS) node, the eMSP registered with the CPO through a token A."""
    outputs: list[str] = []
    with ExitStack() as stack:
        cpo = start(stack, directory, "cpo", "cpo", "NL/CPO", cpo_args)
        emsp = start(stack, directory, "emsp", "emsp", "DE/EMS", emsp_args)
        token_a = register(directory, outputs, cpo, emsp, "DE/EMS")
        yield Pair(directory, cpo, emsp, token_a, outputs)


def register(directory: Path, outputs: list[str], cpo: Served, emsp: Served, party: str) -> str:
    """`emsp` (playing eMSP `party`) registers with `cpo` through a token A of the CPO's, which it returns."""
    token_a = run_ocpi(directory, outputs, "tokens", "create", "--quiet", "--db", cpo.db).strip()
    run_ocpi(
        directory, outputs, "register", cpo.versions_url, token_a, "--base-url", emsp.root, "--db", emsp.db,
        "--role", "emsp", "--party", party, "--allow-private-urls",
    )  # fmt: skip
    return token_a


def our_location(location_id: str, **changes: Any) -> dict[str, Any]:
    example = json.loads((SPEC_DIR / "2.2.1/examples/location_example.json").read_text())
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**example, "country_code": "NL", "party_id": "CPO", "id": location_id, "last_updated": now, **changes}


def load_location(pair: Pair, location_id: str, **changes: Any) -> None:
    path = pair.directory / f"{location_id}.json"
    path.write_text(json.dumps(our_location(location_id, **changes)))
    pair.ocpi("load", "--module", "locations", "--version", "2.2.1", str(path), "--db", pair.cpo.db,
              "--role", "cpo", "--party", "NL/CPO")  # fmt: skip


def until(check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """Poll (every 50 ms, for at most `seconds`) until `check` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def in_store(db: str, work: Callable[[SqlStore], Any]) -> Any:
    """Run `work(store)` (a coroutine function) on the database a node uses, from the test's own process, with the
    node's key (the file beside its database: the nodes run without OCPI_SECRET_KEY, `cli_env`)."""

    async def main() -> Any:
        node_key = NodeKey(key_file=Path(f"{make_url(db).database}.key"))
        store = await SqlStore.open(db, create=False, node_key=node_key)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())
