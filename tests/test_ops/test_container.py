"""The container: the Dockerfile and compose.yaml say what they should (a small image, not root, `ocpi serve` as
the entry point, PostgreSQL and push worker processes), and the command the container runs (its entry point
with compose's arguments) starts a node that answers its probes, its metrics and its console. Building the image
needs a Docker engine: that test runs only where one answers, and is reported as skipped elsewhere."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
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


def docker(*arguments: str, timeout: float = 120, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *arguments], capture_output=True, text=True, timeout=timeout, **options)


def engine_or_skip() -> None:
    """Skip, saying so, where no Docker engine answers (the client alone is not enough)."""
    if shutil.which("docker") is None:
        pytest.skip("no docker command on this machine: the image is not built here")
    info = docker("info", timeout=30)
    if info.returncode != 0:
        pytest.skip(f"no Docker engine answers on this machine ({info.stderr.strip()[-200:]}): not built here")


def answers_ready(url: str, attempts: int = 240) -> bool:
    """Whether `url` answers 200 within `attempts` tries, half a second apart (a container starting)."""
    for _ in range(attempts):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def test_the_image_builds_and_runs_ocpi_serve_without_privileges_where_a_docker_engine_runs() -> None:
    engine_or_skip()
    image = f"ocpi-node-test-{uuid.uuid4().hex[:8]}"
    built = docker("build", "-t", image, str(ROOT), timeout=1800)
    assert built.returncode == 0, built.stderr[-2000:]
    try:
        helped = docker("run", "--rm", "--entrypoint", "ocpi", image, "--help")
        assert helped.returncode == 0 and "serve" in helped.stdout
        assert docker("run", "--rm", "--entrypoint", "id", image, "-u").stdout.strip() == "10001"
        # As the image is meant to run: its entry point (`ocpi serve`) and default arguments, a published port.
        started = docker("run", "-d", "-p", "127.0.0.1::8000", image)
        assert started.returncode == 0, started.stderr
        container = started.stdout.strip()
        try:
            published = docker("port", container, "8000/tcp").stdout.split()[0]
            assert answers_ready(f"http://{published}/health/ready"), docker("logs", container).stderr[-2000:]
            assert httpx.get(f"http://{published}/ocpi/versions").status_code == 401  # a node, asking for a token
            command = docker("inspect", "--format", "{{json .Config.Entrypoint}} {{.Config.User}}", container)
            assert command.stdout.split() == ['["ocpi","serve"]', "10001:10001"]
            processes = docker("top", container, "-o", "uid,args").stdout
            assert "ocpi serve" in processes and all(
                line.split()[0] == "10001" for line in processes.splitlines()[1:] if line.strip()
            ), processes
        finally:
            docker("rm", "-f", container)
    finally:
        docker("image", "rm", "-f", image)


def test_compose_starts_the_node_on_postgresql_where_a_docker_engine_runs(tmp_path: Path) -> None:
    """`docker compose up` as the deployment guide says: the node on PostgreSQL with its worker processes,
    healthy, answering its probes and its metrics on the published port 8000."""
    engine_or_skip()
    if docker("compose", "version", timeout=30).returncode != 0:
        pytest.skip("the Docker engine has no compose plugin here")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8000)) == 0:
            pytest.skip("port 8000, which compose.yaml publishes, is taken on this machine")
    project = f"ocpitest{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "postgres-of-the-compose-test",
        "OCPI_CONSOLE_TOKEN": "console-token-of-the-compose-test",
        "OCPI_METRICS_TOKEN": "metrics-token-of-the-compose-test",
        "OCPI_SECRET_KEY": subprocess.run(
            [str(Path(sys.executable).parent / "ocpi"), "secrets", "new-key"], capture_output=True, text=True
        ).stdout.strip(),
    }
    compose_file = str(ROOT / "compose.yaml")
    up = docker("compose", "-p", project, "-f", compose_file, "up", "-d", "--build", timeout=1800, env=env)
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        logs = lambda: docker("compose", "-p", project, "-f", compose_file, "logs", env=env).stdout[-3000:]  # noqa: E731
        assert answers_ready("http://127.0.0.1:8000/health/ready"), logs()
        live = httpx.get("http://127.0.0.1:8000/health/live").json()
        assert [name for name in live["checks"] if name != "push"] == ["push process 1", "push process 2"], live
        metrics = httpx.get(
            "http://127.0.0.1:8000/metrics", headers={"Authorization": f"Bearer {env['OCPI_METRICS_TOKEN']}"}
        )
        assert metrics.status_code == 200 and "ocpi_store_up 1.0" in metrics.text, logs()
    finally:
        docker("compose", "-p", project, "-f", compose_file, "down", "-v", "--rmi", "local", timeout=600, env=env)
