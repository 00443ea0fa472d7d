"""The node's log: one line per event that matters (registration, credentials, push, pull, refused request,
partner error), with the partner, module and request ids, as text or JSON, and never a token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocpi.core.utils import authorization_header, encode_string_base64
from ocpi.logs import JsonFormatter, NodeEvents, TextFormatter, logging_to_stderr
from ocpi.storage.base import Party
from ocpi.storage.sql import SqlStore
from tests.conftest import Partner, PartnerFactory
from tests.test_ops.support import in_store, load_location, registered_pair, until


@pytest.fixture
def captured() -> Iterator[list[logging.LogRecord]]:
    """The records of the `ocpi.events` logger."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("ocpi.events")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_a_refused_request_is_one_line_with_its_ids_and_the_caller(
    client: httpx.AsyncClient, make_partner: PartnerFactory, captured: list[logging.LogRecord]
) -> None:
    partner: Partner = await make_partner("EMSP", "BE", "BEM")
    headers = {**partner.headers(), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    answer = await client.get("/ocpi/cpo/2.2.1/locations/NL/CPO/NOPE", headers=headers)
    assert answer.status_code == 404
    unknown = await client.get("/ocpi/cpo/2.2.1/locations", headers={"Authorization": "Token bm90LWEtdG9rZW4="})
    assert unknown.status_code == 401
    refused = [r for r in captured if getattr(r, "event", None) == "refused"]
    assert len(refused) == 2
    first, second = (r.fields for r in refused)  # type: ignore[attr-defined]
    assert first["request_id"] == "req-1" and first["correlation_id"] == "corr-1"
    assert first["partner"] == "BE/BEM" and first["http_status"] == 404 and first["ocpi_status"] == 2003
    assert first["path"] == "/ocpi/cpo/2.2.1/locations/NL/CPO/NOPE" and first["method"] == "GET"
    message = refused[0].getMessage()
    assert message == "GET /ocpi/cpo/2.2.1/locations/NL/CPO/NOPE: HTTP 404, 2003 Location NL/CPO/NOPE not found"
    # The ids the answer carries are the ones the log names, generated ones too.
    assert second["request_id"] == unknown.headers["x-request-id"]
    assert second["http_status"] == 401 and "partner" not in second
    assert "unknown, revoked or expired token" in refused[1].getMessage()


async def test_a_credentials_change_is_one_line_with_the_partner_and_its_ids(
    client: httpx.AsyncClient, make_partner: PartnerFactory, captured: list[logging.LogRecord]
) -> None:
    """Issue 25's "credential change": a partner unregistering (DELETE of our credentials) is one line naming it
    and the request, without its token."""
    partner: Partner = await make_partner("CPO", "BE", "BEC")
    headers = {**partner.headers(), "X-Request-ID": "req-9", "X-Correlation-ID": "corr-9"}
    answer = await client.delete("/ocpi/emsp/2.2.1/credentials", headers=headers)
    assert (answer.status_code, answer.json()["status_code"]) == (200, 1000), answer.text
    [change] = [r for r in captured if getattr(r, "event", None) == "credentials"]
    fields = change.fields  # type: ignore[attr-defined]
    assert change.getMessage() == f"credentials of BE/BEC (#{partner.party.pk}): unregistered"
    assert fields["change"] == "unregistered" and fields["partner"] == "BE/BEC"
    assert (fields["request_id"], fields["correlation_id"]) == ("req-9", "corr-9")
    assert partner.token not in json.dumps(fields, default=str) + change.getMessage()


def test_text_and_json_lines(captured: list[logging.LogRecord]) -> None:
    events = NodeEvents()
    party = Party(pk=7, name="Partner", roles=[], outbound_token="secret-token")
    for number in range(50):  # a partner that is down fails for every object: not a line each
        events.push_sent(party, "locations", 0.001, "HTTP 503", f"locations NL/CPO/L{number}")
    events.push_synced(party, delivered=3, failed=50, seconds=0.0123, error="PUT http://x/L49: HTTP 503")
    events.push_synced(party, delivered=0, failed=0, seconds=0.001)  # nothing happened: no line
    events.pull_failed(party, "tariffs", "GET http://x/tariffs: HTTP 503")
    assert [r.event for r in captured] == ["push", "partner_error", "partner_error"]  # type: ignore[attr-defined]
    text = TextFormatter().format(captured[0])
    assert text.endswith(" INFO push: pushed 3 objects to Partner (#7), 50 failed in 12 ms"), text
    error = TextFormatter().format(captured[1])
    assert error.endswith(
        " WARNING partner_error: push to Partner (#7) failed for 50 objects, the last: PUT http://x/L49: HTTP 503"
    ), error
    document = json.loads(JsonFormatter().format(captured[2]))
    assert document["level"] == "warning" and document["event"] == "partner_error"
    assert document["partner"] == "Partner" and document["partner_pk"] == 7 and document["module"] == "tariffs"
    assert document["message"] == "pull of tariffs from Partner (#7) failed: GET http://x/tariffs: HTTP 503"
    assert "secret-token" not in text + error + json.dumps(document)


def test_logging_to_stderr_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="log format 'xml': choose text or json"), logging_to_stderr("info", "xml"):
        pass
    level = "log level 'loud': choose debug, info, warning or error"
    with pytest.raises(ValueError, match=level), logging_to_stderr("loud", "text"):
        pass


def test_logging_to_stderr_writes_json_lines_and_restores_what_was_there(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level, logging.getLogger("httpx").level)
    with logging_to_stderr("info", "json"):
        monkeypatch.setattr("sys.stderr", stream)  # the handler writes to the stderr of the moment
        logging.getLogger("ocpi.events").info("hello", extra={"event": "test", "fields": {"module": "locations"}})
        logging.getLogger("httpx").info("not shown at info: the node's events are")
        logging.getLogger("alembic.runtime.migration").info("nor this")
    assert (list(root.handlers), root.level, logging.getLogger("httpx").level) == before
    [line] = stream.getvalue().splitlines()
    document = json.loads(line)
    assert document["event"] == "test" and document["module"] == "locations" and document["message"] == "hello"
    assert document["time"].endswith("Z") and document["level"] == "info" and document["logger"] == "ocpi.events"


def tokens_in(db: str) -> list[str]:
    """The tokens a node sends to its partners (in clear, as the store reads them with the node key)."""

    async def read(store: SqlStore) -> list[str]:
        return [party.outbound_token for party in await store.list_parties() if party.outbound_token]

    result: list[str] = in_store(db, read)
    return result


def test_serve_logs_registration_push_pull_and_refusals_as_json_and_never_a_token(tmp_path: Path) -> None:
    """A full scenario on two `ocpi serve` nodes at their most talkative (debug, every request, JSON): the
    events an operator needs are there, one line each, and no token of the registration (A, B, C, in clear or
    Base64) appears in any log or in anything a command printed."""
    talkative = ["--log-format", "json", "--log-level", "debug", "--access-log"]
    with registered_pair(tmp_path, cpo_args=talkative, emsp_args=[*talkative, "--pull-interval", "1"]) as pair:
        cpo, emsp = pair.cpo, pair.emsp
        token_c, token_b = tokens_in(emsp.db)[0], tokens_in(cpo.db)[0]
        load_location(pair, "LOG1")

        def has(served: Any, event: str, **fields: Any) -> bool:
            return any(
                e.get("event") == event and all(e.get(k) == v for k, v in fields.items()) for e in served.events()
            )

        until(lambda: has(cpo, "push", delivered=1), "the CPO logs its push to the eMSP")
        until(
            lambda: any(e.get("event") == "pull" and e.get("received") for e in emsp.events()),
            "the eMSP logs a pull of the CPO's location",
        )
        wrong = httpx.get(f"{cpo.root}/ocpi/cpo/2.2.1/locations", headers={"Authorization": "Token d3Jvbmc="})
        assert wrong.status_code == 401
        until(lambda: has(cpo, "refused", http_status=401), "the CPO logs the refused request")
        pair.ocpi("parties", "show", "NL/CPO", "--db", emsp.db)

    registration = next(e for e in cpo.events() if e.get("event") == "registration")
    assert registration["partner"] == "ocpi-python EMSP DE/EMS" and registration["partner_pk"] == 1
    assert registration["version"] == "2.3.0" and registration["initiator"] is False
    assert registration["request_id"] and registration["correlation_id"]
    assert registration["message"] == "registered ocpi-python EMSP DE/EMS (#1) in OCPI 2.3.0"
    push = next(e for e in cpo.events() if e.get("event") == "push")
    assert push["message"].startswith("pushed 1 object to ocpi-python EMSP DE/EMS (#1) in ")
    pulled = next(e for e in emsp.events() if e.get("event") == "pull" and e["received"])
    assert pulled["partner"] == "ocpi-python CPO NL/CPO" and pulled["module"] == "locations"
    assert pulled["message"] == "pulled locations from ocpi-python CPO NL/CPO (#1): 1 received, 1 stored"
    access = [e for e in cpo.events() if e["logger"] == "uvicorn.access"]
    assert any("PUT" not in e["message"] and "/ocpi/versions" in e["message"] for e in access)

    secrets = [pair.token_a, token_b, token_c]
    spelled = [spelling for token in secrets for spelling in (token, encode_string_base64(token))]
    spelled += [authorization_header(token, "2.2.1").split()[1] for token in secrets]
    everything = cpo.log.read_text() + emsp.log.read_text() + "".join(pair.outputs[1:])  # [0]: tokens create
    assert len(cpo.log_lines()) > 20 and len(emsp.log_lines()) > 20
    leaked = [token for token in spelled if token in everything]
    assert leaked == [], "a token appears in the log"


def test_serve_flag_mistakes_are_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ocpi.cli.main import app

    db = f"sqlite:///{tmp_path / 'ocpi.db'}"
    env = {"COLUMNS": "200", "OCPI_CONSOLE_TOKEN": ""}
    cases = {
        ("--log-format", "xml"): "error: log format 'xml': choose text or json",
        ("--log-level", "loud"): "error: log level 'loud': choose debug, info, warning or error",
        ("--console",): "error: --console needs a token of at least 16 characters to sign in with: set "
        "OCPI_CONSOLE_TOKEN",
        ("--console", "--console-token", "short"): "error: --console needs a token of at least 16 characters",
    }
    for flags, message in cases.items():
        result = CliRunner().invoke(app, ["serve", "--port", "0", "--db", db, *flags], env=env)
        assert result.exit_code == 2, result.output
        assert result.output.strip().startswith(message) and len(result.output.strip().splitlines()) == 1


def test_serve_at_its_default_level_logs_one_line_per_registration_push_and_pull_and_says_how_to_see_more(
    tmp_path: Path,
) -> None:
    """Issue 21.6: at `ocpi serve`'s default level (no logging flag), registrations, pushes and pulls are one
    concise text line each, requests are not logged, and the banner says how to see every request."""
    with registered_pair(tmp_path, emsp_args=["--pull-interval", "1"]) as pair:
        cpo, emsp = pair.cpo, pair.emsp
        load_location(pair, "LOG1")

        def lines(served: Any, words: str) -> list[str]:
            return [line for line in served.log_lines() if words in line]

        until(lambda: bool(lines(cpo, "pushed 1 object to ocpi-python EMSP DE/EMS (#1) in ")), "the CPO logs its push")
        until(lambda: bool(lines(emsp, "1 received, 1 stored")), "the eMSP logs a pull of the CPO's location")
    assert len(lines(cpo, "registered ocpi-python EMSP DE/EMS (#1) in OCPI 2.3.0")) == 1
    [pulled] = lines(emsp, "pulled locations from ocpi-python CPO NL/CPO (#1): 1 received, 1 stored")
    assert "\n" not in pulled and len(pulled) < 200
    hint = "registrations, pushes, pulls, refused requests (every request: --access-log)"
    assert cpo.served.banner["Log"] == emsp.served.banner["Log"] == hint
    assert not lines(cpo, "GET /ocpi/versions"), "requests are logged only with --access-log"
