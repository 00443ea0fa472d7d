"""The container: the Dockerfile and compose.yaml say what they should (a small image, not root, `ocpi serve` as
the entry point, PostgreSQL and push worker processes), and the command the container runs (its entry point
with compose's arguments) starts a node that answers its probes, its metrics and its console. Building the image
needs a Docker engine: that test runs only where one answers, and is reported as skipped elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import POSTGRES_URL
from tests.test_cli.nodes import cli_env, free_port, ocpi_serve

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, arguments = line.strip().partition(" ")
            found.append((name.upper(), arguments.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last = max(index for index, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last:]


def exec_form(arguments: str) -> list[str]:
    parsed = yaml.safe_load(arguments)  # a JSON array is YAML too
    assert isinstance(parsed, list), f"not the exec form: {arguments}"
    return [str(item) for item in parsed]


def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_the_image_is_small_and_runs_ocpi_serve_as_a_user_without_privileges() -> None:
    stage = final_stage()
    base = stage[0][1]
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base), f"a slim Python base, not {base}"
    users = [arguments for name, arguments in stage if name == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the container must not run as root"
    assert exec_form(dict(stage)["ENTRYPOINT"]) == ["ocpi", "serve"]
    assert exec_form(dict(stage)["CMD"]) == ["--host", "0.0.0.0", "--port", "8000"]
    assert "8000" in dict(stage)["EXPOSE"].split()
    assert "/health/ready" in dict(stage)["HEALTHCHECK"]
    # Only what the package needs is copied: no tests, docs, virtualenv or databases.
    copied = [arguments for name, arguments in instructions() if name == "COPY" and "--from" not in arguments]
    assert copied == ["pyproject.toml README.md ./", "ocpi ./ocpi"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*") :][:4] == ["*", "!pyproject.toml", "!README.md", "!ocpi/"]
    installs = [arguments for name, arguments in stage if name == "RUN" and "pip install" in arguments]
    assert installs and "--no-cache-dir" in installs[0] and "rm -rf /wheels" in installs[0]


def test_compose_runs_the_node_on_postgresql_with_push_workers() -> None:
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    node = services["node"]
    assert node["build"] == "."
    assert node["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert node["environment"]["OCPI_DB"].startswith("postgresql://ocpi:${POSTGRES_PASSWORD}@db:5432/")
    assert {"OCPI_CONSOLE_TOKEN", "OCPI_METRICS_TOKEN", "OCPI_SECRET_KEY"} <= set(node["environment"])
    flags = dict(flag.removeprefix("--").partition("=")[::2] for flag in node["command"])
    assert int(flags["workers"]) >= 1 and "metrics" in flags and "console" in flags
    assert flags["host"] == "0.0.0.0" and flags["port"] == "8000" and node["ports"] == ["8000:8000"]


def container_command(port: int, db: str) -> tuple[list[str], dict[str, str]]:
    """The arguments compose gives the entry point, its variables substituted, on a free port and a database
    of the test's; and the environment compose sets."""
    node = compose()["services"]["node"]
    values = {"OCPI_BASE_URL": f"http://127.0.0.1:{port}", "POSTGRES_PASSWORD": "unused"}

    def substitute(text: str) -> str:
        return re.sub(r"\$\{(\w+)(:?[-?][^}]*)?\}", lambda m: values.get(m.group(1), ""), text)

    arguments = [substitute(flag) for flag in node["command"]]
    arguments = [f"--port={port}" if a.startswith("--port=") else a for a in arguments]
    arguments = ["--host=127.0.0.1" if a.startswith("--host=") else a for a in arguments]
    env = {
        "OCPI_DB": db,
        "OCPI_CONSOLE_TOKEN": "console-token-of-the-container-test",
        "OCPI_METRICS_TOKEN": "metrics-token-of-the-container-test",
    }
    return arguments, env


def test_the_entry_point_with_compose_arguments_serves_probes_metrics_and_console(tmp_path: Path) -> None:
    """What the container runs, run here: `ocpi serve` with compose's arguments and environment, on PostgreSQL
    (with its worker processes) when OCPI_TEST_POSTGRES_URL is set, else on SQLite (worker tasks)."""
    port = free_port()
    db = POSTGRES_URL.replace("+asyncpg", "") if POSTGRES_URL else f"sqlite:///{tmp_path / 'ocpi.db'}"
    arguments, env = container_command(port, db)
    entry = exec_form(dict(final_stage())["ENTRYPOINT"])
    assert entry == ["ocpi", "serve"]
    with ocpi_serve(arguments, tmp_path, env=cli_env(**env)) as served:
        root = f"http://127.0.0.1:{port}"
        assert served.banner["Versions URL"] == f"{root}/ocpi/versions"
        ready = httpx.get(f"{root}/health/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        live = httpx.get(f"{root}/health/live").json()
        workers = [name for name in live["checks"] if name != "push"]
        assert live["status"] == "alive" and len(workers) == 2, live
        if POSTGRES_URL:
            assert workers == ["push process 1", "push process 2"]
        metrics = httpx.get(f"{root}/metrics", headers={"Authorization": f"Bearer {env['OCPI_METRICS_TOKEN']}"})
        assert (metrics.status_code == 200 and 'ocpi_worker_up{worker="push process 1"} 1.0' in metrics.text) or (
            not POSTGRES_URL and 'ocpi_worker_up{worker="push task 1"} 1.0' in metrics.text
        )
        assert httpx.get(f"{root}/console/").headers["location"] == "/console/login"
        # The image's HEALTHCHECK, as written, against this node.
        healthcheck = exec_form(dict(final_stage())["HEALTHCHECK"].split(" CMD ", 1)[1])
        assert healthcheck[0] == "python"
        probe = [sys.executable, *healthcheck[1:-1], healthcheck[-1].replace(":8000/", f":{port}/")]
        assert subprocess.run(probe, timeout=30).returncode == 0
    lines = "\n".join(served.lines)
    assert "Console:" in lines and "Metrics:" in lines


def test_the_image_builds_where_a_docker_engine_runs(tmp_path: Path) -> None:
    engine = subprocess.run(["docker", "info"], capture_output=True, text=True) if shutil.which("docker") else None
    if engine is None or engine.returncode != 0:
        pytest.skip("no Docker engine answers on this machine: the image is not built here")
    built = subprocess.run(
        ["docker", "build", "-t", "ocpi-node-test", str(ROOT)], capture_output=True, text=True, timeout=1200
    )
    assert built.returncode == 0, built.stderr[-2000:]
    version = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "ocpi", "ocpi-node-test", "--help"], capture_output=True, text=True
    )
    assert version.returncode == 0 and "serve" in version.stdout
    whoami = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", "ocpi-node-test", "-u"],
                            capture_output=True, text=True)  # fmt: skip
    assert whoami.stdout.strip() == "10001"
