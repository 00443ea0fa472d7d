"""`ocpi serve` as a subprocess, the way a user runs it: started, its banner read, stopped by its pid."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

OCPI = str(Path(sys.executable).with_name("ocpi"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell has: the virtualenv's `ocpi` on PATH, wide tables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCPI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


@dataclass
class ServedNode:
    process: subprocess.Popen[str]
    banner: dict[str, str] = field(default_factory=dict)
    """`Versions URL`, `Token A`, ... as the banner prints them."""
    lines: list[str] = field(default_factory=list)


def read_banner(process: subprocess.Popen[str], log: Path) -> ServedNode:
    """Read the banner up to the line a node prints last once it listens; fail with its log if it exits."""
    served = ServedNode(process)
    assert process.stdout is not None
    for line in process.stdout:
        served.lines.append(line.rstrip("\n"))
        name, _, value = line.partition(":")
        if value and not line.startswith(" "):
            served.banner[name.strip()] = value.strip()
        if line.startswith("  ocpi register") or line.startswith("Token A for a new partner"):
            return served
    raise AssertionError(f"ocpi serve exited with {process.wait()}: {log.read_text()}")


@contextmanager
def ocpi_serve(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Iterator[ServedNode]:
    log = cwd / f"serve-{len(list(cwd.glob('serve-*.log')))}.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [OCPI, "serve", *args],
            cwd=cwd,
            env=dict(env or cli_env()),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        yield read_banner(process, log)
    finally:
        process.terminate()
        process.wait(timeout=30)
