"""`ocpi price` through Typer's CliRunner on the real application."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocpi.cli.main import app
from tests.spec import FIXTURES_DIR
from tests.test_tariffs.builders import AMSTERDAM, cdr, local, minutes, official_tariff, price_of, session

D = Decimal
runner = CliRunner()


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    return path


def _monday_cdr(version: str, total: object = None) -> dict:
    periods, end = minutes(
        local("2024-12-02 09:30"), (165, {"TIME": D("2.75"), "MAX_CURRENT": 16}), (42, {"PARKING_TIME": D("0.7")})
    )
    return cdr(version, periods, end, time_zone=AMSTERDAM, total=total)


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_cdr_that_agrees(tmp_path, version):
    tariff = _write(tmp_path / "tariff.json", official_tariff("tariff_4_complex", version))
    subject = _write(tmp_path / "cdr.json", _monday_cdr(version, price_of(version, "9.00", "10.30")))
    result = runner.invoke(app, ["price", "--tariff", str(tariff), "--cdr", str(subject)])
    assert result.exit_code == 0, result.output
    assert "10.30" in result.output and "9.00" in result.output
    assert "max_current" in result.output  # why element 1 priced the charging time
    assert "total_cost" in result.output


def test_cdr_that_disagrees_exits_1_and_shows_the_difference(tmp_path):
    tariff = _write(tmp_path / "tariff.json", official_tariff("tariff_4_complex", "2.3.0"))
    subject = _write(tmp_path / "cdr.json", _monday_cdr("2.3.0", price_of("2.3.0", "9.50", "10.80")))
    result = runner.invoke(app, ["price", "--tariff", str(tariff), "--cdr", str(subject), "--version", "2.3.0"])
    assert result.exit_code == 1
    assert "0.50 / 0.50" in result.output  # recorded - computed
    assert "TOTAL_MISMATCH" in result.output


def test_a_cent_off_is_within_the_tolerance(tmp_path):
    tariff = _write(tmp_path / "tariff.json", official_tariff("tariff_4_complex", "2.2.1"))
    subject = _write(tmp_path / "cdr.json", _monday_cdr("2.2.1", price_of("2.2.1", "9.01", "10.29")))
    assert runner.invoke(app, ["price", "--tariff", str(tariff), "--cdr", str(subject)]).exit_code == 0


def test_the_211_cdr_example_with_its_own_tariff(tmp_path):
    cdr_path = FIXTURES_DIR / "2.1.1" / "cdrs" / "cdr_example.json"
    tariff = _write(tmp_path / "tariff.json", json.loads(cdr_path.read_text())["tariffs"][0])
    result = runner.invoke(app, ["price", "--tariff", str(tariff), "--cdr", str(cdr_path)])
    assert result.exit_code == 0, result.output  # 1.973 h billed per 5 minutes = 2 h at 2.00: the CDR's 4.00
    assert "OCPI 2.1.1" in result.output and "4.00" in result.output


def test_session_with_time_zone(tmp_path):
    periods, _ = minutes(local("2024-12-02 16:55"), (10, {"TIME": D(10) / 60}))
    subject = _write(tmp_path / "session.json", session("2.3.0", periods, last_updated=local("2024-12-02 17:05")))
    tariff = _write(tmp_path / "tariff.json", official_tariff("tariff_14_step_size", "2.3.0"))
    result = runner.invoke(app, ["price", "--tariff", str(tariff), "--session", str(subject), "--tz", AMSTERDAM])
    assert result.exit_code == 0, result.output
    # 5 min at 1.20/h, then 5 at 2.40/h rounded with the 17:00 element's 900 s step to 10: 0.10 + 0.40
    assert "estimate" in result.output and "0.50" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cdr", "missing.json"], "not found"),
        (["--cdr", "broken.json"], "not valid JSON"),
        (["--cdr", "list.json"], "JSON object"),
        (["--cdr", "invalid.json"], "not a valid OCPI 2.3.0 CDR"),
        (["--cdr", "cdr.json", "--session", "cdr.json"], "exactly one"),
        ([], "exactly one"),
        (["--session", "cdr.json"], "not a Session"),
        (["--cdr", "cdr.json", "--version", "2.0"], "unknown OCPI version"),
        (["--cdr", "no_zone.json"], "time zone"),
        (["--cdr", "no_zone.json", "--tz", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(tmp_path, args, message):
    _write(tmp_path / "tariff.json", official_tariff("tariff_4_complex", "2.3.0"))
    _write(tmp_path / "cdr.json", _monday_cdr("2.3.0"))
    no_zone = _monday_cdr("2.3.0")
    del no_zone["cdr_location"]["time_zone"]
    _write(tmp_path / "no_zone.json", no_zone)
    (tmp_path / "broken.json").write_text("{ not json", encoding="utf-8")
    _write(tmp_path / "list.json", [1, 2])
    _write(tmp_path / "invalid.json", {"id": "x"})
    paths = [str(tmp_path / a) if a.endswith(".json") else a for a in args]
    result = runner.invoke(app, ["price", "--tariff", str(tmp_path / "tariff.json"), *paths])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_missing_tariff_file(tmp_path):
    result = runner.invoke(app, ["price", "--tariff", str(tmp_path / "nope.json"), "--cdr", str(tmp_path / "c.json")])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: tariff file not found")
