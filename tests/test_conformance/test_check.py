"""`ocpi check` through the CLI: it passes against our own node in every version (and with --write), and each
check fails, alone, against a peer with exactly the defect it is there to catch."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from ocpi.cli.main import app
from ocpi.conformance import SCHEMA, catalogue
from tests.spec import SPEC_DIR
from tests.test_conformance.servers import DEFECTS, PEER_TOKEN, DefectivePeer, defective_peer, our_node

runner = CliRunner()

# Which check each defect of the defective peer must make fail, and no other.
EXPECTED_FAILURE = {
    "envelope": "envelope.shape",
    "timestamp": "envelope.timestamp",
    "clock_skew": "clock.skew",
    "data_shape": "envelope.data",
    "link": "pagination.link",
    "total_count": "pagination.total_count",
    "x_limit": "pagination.limit",
    "offset_ignored": "pagination.offset",
    "date_from_ignored": "pagination.date_from",
    "date_to_inclusive": "pagination.date_to",
    "datetime": "objects.datetime",
    "invalid_objects": "objects.schema",
    "sloppy_objects": "objects.schema",
    "sloppy_datetime": "objects.datetime",
    "unknown_id_200": "objects.unknown_id",
    "no_token_accepted": "auth.missing_token",
    "any_token_accepted": "auth.wrong_token",
    "raw_only": "auth.token_encoding",
    "http_error": "http.status",
    "no_echo": "headers.correlation",
    "relative_urls": "versions.urls",
    "no_credentials": "versions.credentials",
}


def check(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def report_of(path: Path) -> dict[str, Any]:
    report = orjson.loads(path.read_bytes())
    assert isinstance(report, dict)
    return report


def outcomes(report: dict[str, Any], outcome: str) -> set[str]:
    return {r["id"] for r in report["results"] if r["outcome"] == outcome}


@pytest.fixture(scope="module")
def peer() -> Iterator[DefectivePeer]:
    with defective_peer() as running:
        yield running


def test_every_defect_has_an_expected_failure() -> None:
    assert set(EXPECTED_FAILURE) == set(DEFECTS)
    assert set(EXPECTED_FAILURE.values()) <= {c.id for c in catalogue()}


def test_a_conformant_peer_passes_and_the_report_follows_the_schema(peer: DefectivePeer, tmp_path: Path) -> None:
    peer.defects = set()
    path = tmp_path / "report.json"
    status, out, _ = check(peer.versions_url, "--token", PEER_TOKEN, "--report", str(path))
    report = report_of(path)
    assert status == 0, out
    assert report["schema"] == SCHEMA and report["target"]["version"] == "2.2.1"
    assert not outcomes(report, "failed")
    passed = [r for r in report["results"] if r["outcome"] == "passed"]
    assert report["summary"]["failed"] == 0 and report["summary"]["passed"] == len(passed) > 20
    subjects = {(r["id"], r["subject"]) for r in report["results"] if r["outcome"] == "passed"}
    assert {
        ("pagination.link", "locations"),
        ("pagination.offset", "tariffs"),
        ("objects.schema", "locations"),
    } <= subjects
    first = report["results"][0]
    assert set(first) == {"id", "title", "subject", "outcome", "message", "details", "spec"}
    assert "versions.list" in out and "passed" in out


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_fails_exactly_its_check(peer: DefectivePeer, tmp_path: Path, defect: str) -> None:
    peer.defects = {defect}
    path = tmp_path / "report.json"
    status, out, _ = check(peer.versions_url, "--token", PEER_TOKEN, "--report", str(path))
    report = report_of(path)
    assert outcomes(report, "failed") == {EXPECTED_FAILURE[defect]}, out
    assert status == 1 and report["summary"]["exit_status"] == 1
    for result in report["results"]:
        if result["outcome"] == "failed":
            assert result["message"]
            assert (SPEC_DIR / result["spec"]["file"]).is_file()


def test_an_invalid_object_is_reported_with_its_json_path(peer: DefectivePeer, tmp_path: Path) -> None:
    peer.defects = {"invalid_objects", "datetime"}
    path = tmp_path / "report.json"
    check(peer.versions_url, "--token", PEER_TOKEN, "--report", str(path))
    results = {(r["id"], r["subject"]): r for r in report_of(path)["results"]}
    schema = results[("objects.schema", "locations")]
    assert schema["outcome"] == "failed"
    assert any(d.endswith("/data/0/address: Field required [required]") and "offset=2" in d for d in schema["details"])
    assert schema["spec"] == {"file": "2.2.1/mod_locations.asciidoc", "section": "Object description"}
    dates = results[("objects.datetime", "locations")]
    assert any("/data/0/last_updated" in d and "+01:00" in d for d in dates["details"])


def test_what_our_node_would_read_is_still_a_deviation_with_its_path_and_rule(
    peer: DefectivePeer, tmp_path: Path
) -> None:
    peer.defects = {"sloppy_objects", "sloppy_datetime"}
    path = tmp_path / "report.json"
    status, _, _ = check(peer.versions_url, "--token", PEER_TOKEN, "--report", str(path))
    results = {(r["id"], r["subject"]): r for r in report_of(path)["results"]}
    schema = results[("objects.schema", "locations")]
    # the list's three, and the first Location's two again where it is read by its id
    assert status == 1 and schema["outcome"] == "failed" and schema["message"] == "deviations from the spec (5)"
    listed = {d.split(" ", 2)[2] for d in schema["details"] if "/locations?" in d}
    assert listed == {
        "/data/0/coordinates/latitude: '52.0907' is not decimal degrees as `-?[0-9]{1,2}\\.[0-9]{5,7}` "
        "[geo-coordinate]",
        "/data/0/publish: 'true' is a string [json-boolean]",
        "/data/0/name: 'Stationsplein\\nUtrecht' has the control character '\\n' [string-printable]",
    }
    dates = results[("objects.datetime", "locations")]
    assert any(
        d.endswith("/data/0/last_updated: '2020-01-03T10:00' has no seconds [datetime-format]")
        for d in dates["details"]
    )


def test_html_report_is_a_self_contained_page(peer: DefectivePeer, tmp_path: Path) -> None:
    peer.defects = {"link"}
    path = tmp_path / "report.html"
    status, _, _ = check(peer.versions_url, "--token", PEER_TOKEN, "--report", str(path))
    page = path.read_text()
    assert status == 1
    assert page.startswith("<!DOCTYPE html>") and "pagination.link" in page and 'class="failed"' in page
    assert "<script" not in page and "http-equiv" not in page and "stylesheet" not in page


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "args, message",
    [
        (["ftp://example.com/versions"], "not an http(s) URL"),
        ([f"http://127.0.0.1:{_closed_port()}/ocpi/versions"], "cannot reach the peer"),
        (["{versions}", "--version", "2.1.1"], "not 2.1.1"),
        (["{versions}", "--module", "nope"], "unknown module"),
        (["{versions}", "--report", "{tmp}/report.txt"], ".json or .html"),
        (["{versions}", "--write"], "--token-a"),
        (["{versions}", "--write", "--token-a", "a", "--listen", "{busy}"], "cannot listen"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(peer: DefectivePeer, tmp_path: Path, args: list[str], message: str) -> None:
    peer.defects = set()
    busy = peer.base_url.removeprefix("http://")  # the peer's own address
    filled = [a.format(versions=peer.versions_url, tmp=tmp_path, busy=busy) for a in args]
    status, _, err = check(*filled, "--token", PEER_TOKEN)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_a_refused_token_exits_2(peer: DefectivePeer) -> None:
    peer.defects = set()
    status, _, err = check(peer.versions_url, "--token", "not-the-token")
    assert status == 2 and "refuses the token" in err


def _assert_read_side_passed(report: dict[str, Any], version: str) -> None:
    assert report["target"]["version"] == version and not outcomes(report, "failed")
    passed = {(r["id"], r["subject"]) for r in report["results"] if r["outcome"] == "passed"}
    lists = {"locations", "sessions", "cdrs", "tariffs"} | ({"tokens"} if version != "2.1.1" else set())
    assert {s for i, s in passed if i == "objects.schema"} == lists
    assert ("pagination.link", "locations") in passed and ("pagination.offset", "locations") in passed
    assert ("objects.unknown_id", "locations") in passed and ("auth.token_encoding", None) in passed


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_our_node_passes(tmp_path: Path, version: str) -> None:
    with our_node(tmp_path) as node:
        path = tmp_path / "report.json"
        status, out, _ = check(node.versions_url, "--token", node.token_c, "--version", version, "--report", str(path))
    assert status == 0, out
    _assert_read_side_passed(report_of(path), version)


def test_our_node_passes_the_write_checks_in_2_2_1(tmp_path: Path) -> None:
    with our_node(tmp_path) as node:
        common = [node.versions_url, "--token", node.token_c, "--version", "2.2.1", "--write"]
        status, _, err = check(*common, "--token-a", "not-a-token-a")
        assert status == 2 and "refuses token A" in err

        path = tmp_path / "report.json"
        status, out, _ = check(*common, "--token-a", node.issue_token_a(), "--report", str(path))
        parties = node.thread.run(node.running.store.list_parties())
    report = report_of(path)
    assert status == 0, out
    _assert_read_side_passed(report, "2.2.1")
    writes = {r["id"] for r in report["results"] if r["id"].startswith("write.") or r["id"] == "headers.routing"}
    assert writes == {
        "write.token_a_scope",
        "write.handshake",
        "write.put",
        "write.patch",
        "write.foreign_owner",
        "write.invalid_object",
        "headers.routing",
        "write.rotate",
        "write.unregister",
    }
    assert writes <= outcomes(report, "passed")
    # the checker registered as a new partner, and unregistered at the end
    assert [p.state for p in parties if p.name == "ocpi check"] == ["unregistered"]


def test_every_spec_reference_names_a_real_section() -> None:
    for check_ in catalogue():
        for version in check_.versions:
            modules = ["locations", "sessions", "cdrs", "tariffs", "tokens"] if check_.per_list else [None]
            for module in modules:
                text = (SPEC_DIR / check_.spec.file(version, module)).read_text()
                title = check_.spec.title(version)
                words = title.replace("_", "").replace("*", "").split()
                flat = text.replace("_", "").replace("*", "")
                assert " ".join(words) in flat, (check_.id, version, title)
