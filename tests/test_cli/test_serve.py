"""`ocpi serve` as a user runs it (a subprocess on a free port), seen from the network: how its connections
behave (TCP_NODELAY, deadlines for slow requests) and what it keeps in its database (the node's parties)."""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import pytest

from ocpi.core.utils import authorization_header
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.sql import SqlStore
from tests.spec import SPEC_DIR
from tests.test_cli.nodes import OCPI, ServedNode, cli_env, ocpi_serve

PIDFD_GETFD = 438  # the same number on every Linux architecture (new system calls share one table)


def address(served: ServedNode) -> tuple[str, int]:
    url = httpx.URL(served.banner["Versions URL"])
    assert url.host and url.port
    return url.host, url.port


@contextmanager
def socket_of_process(pid: int, local: tuple[str, int], peer: tuple[str, int]) -> Iterator[socket.socket]:
    """A duplicate of process `pid`'s TCP socket from `local` to `peer` (pidfd_getfd, Linux 5.6+: a parent may
    take its child's descriptors), to read the options the server set on the connection it accepted."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        for name in os.listdir(f"/proc/{pid}/fd"):
            if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                continue
            duplicate = libc.syscall(PIDFD_GETFD, pidfd, int(name), 0)
            if duplicate < 0:
                code = ctypes.get_errno()
                if code in (errno.EPERM, errno.ENOSYS):
                    pytest.skip(f"pidfd_getfd is not permitted here: {os.strerror(code)}")
                continue
            sock = socket.socket(fileno=duplicate)
            try:
                if sock.family == socket.AF_INET and (sock.getsockname(), _peer(sock)) == (local, peer):
                    yield sock
                    return
            finally:
                sock.close()
    finally:
        os.close(pidfd)
    raise AssertionError(f"process {pid} has no socket from {local} to {peer}")


def _peer(sock: socket.socket) -> tuple[str, int] | None:
    try:
        return tuple(sock.getpeername())  # type: ignore[return-value]
    except OSError:
        return None  # a listening socket


def test_accepted_connections_send_without_delay(tmp_path: Path) -> None:
    """Issue 21: asyncio sets TCP_NODELAY on an accepted socket only when the listening socket was made with
    protocol IPPROTO_TCP; `ocpi serve`'s was made with 0, so Nagle's algorithm with the client's delayed ACK
    held each response written in two pieces on a kept-alive connection for 40 ms."""
    with ocpi_serve(["--port", "0", "--db", f"sqlite:///{tmp_path / 'node.db'}"], tmp_path) as served:
        host, port = address(served)
        with socket.create_connection((host, port), timeout=30) as client:
            client.sendall(f"GET /ocpi/versions HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            assert client.recv(65536).startswith(b"HTTP/1.1 401 ")  # accepted and answered, kept alive
            with socket_of_process(served.process.pid, (host, port), client.getsockname()) as accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_slow_requests_are_cut_off(tmp_path: Path) -> None:
    """Issue 20: a client sending its request headers or body slowly held its connection for as long as it
    liked. Now the headers have `--headers-timeout` seconds (then 408, in the envelope) and the body
    `--body-timeout` seconds after them (then the connection is closed); other clients are served meanwhile."""
    db = f"sqlite:///{tmp_path / 'node.db'}"
    args = ["--port", "0", "--db", db, "--headers-timeout", "1", "--body-timeout", "1"]
    with ocpi_serve(args, tmp_path) as served:
        host, port = address(served)
        with socket.create_connection((host, port), timeout=60) as slow_headers:
            slow_headers.sendall(b"GET /ocpi/versions HTTP/1.1\r\nHost: x\r\n")  # and nothing more
            answer = read_until_closed(slow_headers)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 Request Timeout")
        assert orjson.loads(body)["status_code"] == 2000
        assert orjson.loads(body)["status_message"] == "request headers not received within 1 s"

        token_a = run_ocpi("tokens", "create", "--quiet", "--db", db, cwd=tmp_path).stdout.strip()
        with socket.create_connection((host, port), timeout=60) as slow_body:
            slow_body.sendall(
                b"POST /ocpi/cpo/2.2.1/credentials HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                + f"Authorization: {authorization_header(token_a, '2.2.1')}\r\n\r\n{{".encode()
            )
            assert read_until_closed(slow_body) == b""  # closed: the application was reading the body

        with socket.create_connection((host, port), timeout=60) as silent:
            assert read_until_closed(silent) == b""  # opened, never used: closed without an answer

        # A request sent in pieces within the deadlines is answered as usual.
        with socket.create_connection((host, port), timeout=60) as patient:
            patient.sendall(b"GET /ocpi/versions HTTP/1.1\r\n")
            patient.sendall(b"Host: x\r\nConnection: close\r\n\r\n")
            assert read_until_closed(patient).startswith(b"HTTP/1.1 401 ")


def run_ocpi(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OCPI, *args], cwd=cwd, env=cli_env(), capture_output=True, text=True, timeout=120)


def test_the_database_keeps_the_nodes_parties(tmp_path: Path) -> None:
    """Issue 21: the node's roles and parties were typed again on every command (and `ocpi load` without them
    rejected every object). The first `ocpi serve` keeps them in the database; later commands read them."""
    db = f"sqlite:///{tmp_path / 'emsp.db'}"
    with ocpi_serve(["--port", "0", "--db", db, "--role", "emsp", "--party", "DE/TNM"], tmp_path) as served:
        assert served.lines[0].endswith(f"{db}: EMSP DE/TNM; OCPI 2.1.1, 2.2.1, 2.3.0")
    with ocpi_serve(["--port", "0", "--db", db], tmp_path) as again:
        assert again.lines[0].endswith(f"{db}: EMSP DE/TNM; OCPI 2.1.1, 2.2.1, 2.3.0")

    token = tmp_path / "token.json"
    spec_token = Path(__file__).parents[2] / "standards/ocpi-spec/2.2.1/examples/token_example_1_app_user.json"
    token.write_text(spec_token.read_text())  # owned by DE/TNM
    loaded = run_ocpi("load", "--module", "tokens", "--version", "2.2.1", str(token), "--db", db, cwd=tmp_path)
    assert loaded.returncode == 0 and "tokens (2.2.1): 1 created; 0 rejected" in loaded.stdout, loaded.stderr

    other = run_ocpi("serve", "--port", "0", "--db", db, "--role", "cpo", cwd=tmp_path)
    assert other.returncode == 2
    assert other.stderr.strip() == (
        f"error: the node on {db} plays EMSP DE/TNM, not CPO: leave out --role/--party (the database keeps "
        "them), or change them with `ocpi init --role ... --party ... --force`"
    )
    load = ("load", "--module", "tokens", "--version", "2.2.1", str(token), "--db", db)
    mismatch = run_ocpi(*load, "--party", "NL/EMS", cwd=tmp_path)
    assert mismatch.returncode == 2 and "plays EMSP DE/TNM, not EMSP NL/EMS: leave out" in mismatch.stderr

    shown = run_ocpi("init", "--db", db, cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.strip() == f"The node on {db} plays EMSP DE/TNM."
    parties = ("--role", "cpo", "--role", "emsp", "--party", "DE/TNC", "--party", "DE/TNM")
    changed = run_ocpi("init", "--db", db, *parties, "--force", cwd=tmp_path)
    assert changed.returncode == 0
    assert changed.stdout.strip() == f"The node on {db} now plays CPO DE/TNC, EMSP DE/TNM."


def test_strict_refuses_what_a_partner_sends_out_of_spec_and_lenient_records_it(tmp_path: Path) -> None:
    """Issue 22: `ocpi serve --strict` refuses a payload that deviates from the spec (2001, each deviation named);
    without it the node reads it and `ocpi parties show` lists the partner's quirk."""
    db = f"sqlite:///{tmp_path / 'node.db'}"

    async def seed() -> str:
        store = await SqlStore.open(db)
        try:
            party = await store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
            return await store.issue_token(TokenKind.C, party.pk)
        finally:
            await store.close()

    token = asyncio.run(seed())
    location = orjson.loads((SPEC_DIR / "2.2.1/examples/location_example.json").read_bytes())
    location["last_updated"] = "2015-06-29T20:39"  # no seconds
    headers = {"Authorization": authorization_header(token, "2.2.1")}
    args = ["--port", "0", "--db", db, "--role", "emsp", "--party", "NL/EMS"]
    with ocpi_serve([*args, "--strict"], tmp_path) as served:
        host, port = address(served)
        answer = httpx.put(
            f"http://{host}:{port}/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1", json=location, headers=headers
        )
        assert (answer.status_code, answer.json()["status_code"]) == (200, 2001)
        assert "(this node reads strictly): last_updated: '2015-06-29T20:39' has no seconds" in answer.text
    with ocpi_serve(args, tmp_path) as served:
        host, port = address(served)
        answer = httpx.put(
            f"http://{host}:{port}/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1", json=location, headers=headers
        )
        assert (answer.status_code, answer.json()["status_code"]) == (201, 1000)
    shown = run_ocpi("parties", "show", "BE/BEC", "--db", db, cwd=tmp_path)
    assert "datetime-format" in shown.stdout and "'2015-06-29T20:39' has no seconds" in shown.stdout


def test_broadcast_sessions_and_cdrs_lists_every_session_to_every_emsp(tmp_path: Path) -> None:
    """`ocpi serve --broadcast-sessions-and-cdrs` (NodeConfig.broadcast_sessions_and_cdrs): an eMSP lists a session
    of another eMSP's customer; without it, only its own customers' (docs/guides/security.md)."""
    db = f"sqlite:///{tmp_path / 'cpo.db'}"
    session = orjson.loads((SPEC_DIR / "2.2.1/examples/session_example_1_simple_start.json").read_bytes())
    session.update(country_code="NL", party_id="CPO")  # the token's owner is NL/TST, not the partner
    path = tmp_path / "session.json"
    path.write_bytes(orjson.dumps(session))
    loaded = run_ocpi("load", "--module", "sessions", "--version", "2.2.1", str(path), "--db", db,
                      "--role", "cpo", "--party", "NL/CPO", cwd=tmp_path)  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr

    async def seed() -> str:
        store = await SqlStore.open(db)
        try:
            party = await store.create_party("DE/AAA", [PartyRole("EMSP", "DE", "AAA")], state="registered")
            return await store.issue_token(TokenKind.C, party.pk)
        finally:
            await store.close()

    headers = {"Authorization": authorization_header(asyncio.run(seed()), "2.2.1")}
    listed = {}
    for flags in ((), ("--broadcast-sessions-and-cdrs",)):
        with ocpi_serve(["--port", "0", "--db", db, *flags], tmp_path) as served:
            host, port = address(served)
            answer = httpx.get(
                f"http://{host}:{port}/ocpi/cpo/2.2.1/sessions?date_from=2015-01-01T00:00:00Z", headers=headers
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["status_code"] == 1000, answer.text
            listed[flags] = [s["id"] for s in answer.json()["data"]]
    assert listed == {(): [], ("--broadcast-sessions-and-cdrs",): [session["id"]]}
