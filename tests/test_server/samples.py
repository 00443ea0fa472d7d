"""Valid objects of every version for HTTP tests, built from the official examples (the 2.1.1 ones from the
inline examples extracted into tests/fixtures), with the owner and id a test asks for."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from ocpi.core.data_types import format_datetime
from tests.spec import FIXTURES_DIR, SPEC_DIR

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")

_FILES = {
    "location": {"2.1.1": "fixture:locations/location.json", "*": "location_example.json"},
    "session": {
        "2.1.1": "fixture:sessions/session_example_2_short_finished.json",
        "*": "session_example_2_short_finished.json",
    },
    "cdr": {"2.1.1": "fixture:cdrs/cdr_example.json", "*": "cdr_example.json"},
    "tariff": {"2.1.1": "fixture:tariffs/tariff_simple_2hour.json", "*": "tariff_1_simple_2hour.json"},
    "token": {"2.1.1": "fixture:tokens/token_example.json", "*": "token_example_2_full_rfid.json"},
}

_ID_FIELD = {"location": "id", "session": "id", "cdr": "id", "tariff": "id", "token": "uid"}


@cache
def _example(kind: str, version: str) -> str:
    name = _FILES[kind].get(version, _FILES[kind]["*"])
    if name.startswith("fixture:"):
        path = FIXTURES_DIR / "2.1.1" / name.removeprefix("fixture:")
    else:
        path = SPEC_DIR / version / "examples" / name
    return path.read_text(encoding="utf-8")


def stamp(offset_seconds: int = 0) -> str:
    """A DateTime in our output form, `offset_seconds` after a fixed instant."""
    return format_datetime(datetime(2024, 5, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=offset_seconds))


def sample(
    kind: str,
    version: str,
    object_id: str,
    owner: tuple[str, str] = ("BE", "BEC"),
    last_updated: str | None = None,
    token_owner: tuple[str, str] = ("BE", "BEC"),
) -> dict[str, Any]:
    """A valid `kind` (location, session, cdr, tariff, token) of `version`, owned by `owner` (2.2.1+ carry
    it in the object), with `object_id` and, when given, `last_updated`. A session or CDR carries a token of
    `token_owner` (the tests' partner by default): only that party is shown it (2.1.1: the eMA-ID prefix of
    `auth_id` names it)."""
    document: dict[str, Any] = json.loads(_example(kind, version))
    document[_ID_FIELD[kind]] = object_id
    if kind in ("session", "cdr"):
        if version == "2.1.1":
            document["auth_id"] = "".join(token_owner) + document["auth_id"][5:]
        else:
            document["cdr_token"] |= {"country_code": token_owner[0], "party_id": token_owner[1]}
    if version != "2.1.1":
        document["country_code"], document["party_id"] = owner
    if last_updated is not None:
        document["last_updated"] = last_updated
    if kind == "cdr" and version != "2.1.1":
        for tariff in document.get("tariffs") or ():
            tariff["country_code"], tariff["party_id"] = owner
            if version == "2.3.0":
                # The official 2.3.0 CDR example's Tariff lacks `tax_included` (tests/examples_map/cdrs.py).
                tariff.setdefault("tax_included", "NO")
    return document


def evse(version: str, uid: str, *, capabilities: list[str] | None = None) -> dict[str, Any]:
    """The first EVSE of the example Location, re-identified."""
    location = sample("location", version, "ANY")
    result = copy.deepcopy(location["evses"][0])
    result["uid"] = uid
    if capabilities is not None:
        result["capabilities"] = capabilities
    return result


def connector(version: str, connector_id: str, last_updated: str | None = None) -> dict[str, Any]:
    result = copy.deepcopy(evse(version, "ANY")["connectors"][0])
    result["id"] = connector_id
    if last_updated is not None:
        result["last_updated"] = last_updated
    return result


def client_info(owner: tuple[str, str], status: str = "CONNECTED", last_updated: str | None = None) -> dict[str, Any]:
    return {
        "country_code": owner[0],
        "party_id": owner[1],
        "role": "EMSP",
        "status": status,
        "last_updated": last_updated or stamp(),
    }


def terminal(terminal_id: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SPEC_DIR / "2.3.0/examples/payment_terminal_create.json").read_text())
    document["terminal_id"] = terminal_id
    return document


def confirmation(confirmation_id: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (SPEC_DIR / "2.3.0/examples/payment_financial_advice_confirmation_example_success.json").read_text()
    )
    document["id"] = confirmation_id
    # The official example uses the 2.2.1 Price shape (tests/examples_map/payments.py): the 2.3.0 one here.
    document["total_costs"] = {"before_taxes": "4.00", "taxes": [{"name": "VAT", "amount": "0.40"}]}
    return document


def command_body(command: str, version: str, location_id: str = "LOC1", response_url: str = "") -> dict[str, Any]:
    """A valid request body of `command` in `version`."""
    response_url = response_url or "https://emsp.example.com/ocpi/emsp/commands/results/1"
    body: dict[str, Any] = {"response_url": response_url}
    if command == "START_SESSION":
        body.update(token=sample("token", version, "CMDTOKEN"), location_id=location_id, evse_uid="3256")
    elif command == "RESERVE_NOW":
        body.update(
            token=sample("token", version, "CMDTOKEN"),
            expiry_date=stamp(3600),
            reservation_id=7 if version == "2.1.1" else "RES7",
            location_id=location_id,
        )
    elif command == "STOP_SESSION":
        body.update(session_id="SESSION1")
    elif command == "UNLOCK_CONNECTOR":
        body.update(location_id=location_id, evse_uid="3256", connector_id="1")
    elif command == "CANCEL_RESERVATION":
        body.update(reservation_id="RES7")
    else:
        raise ValueError(command)
    return body


def charging_profile() -> dict[str, Any]:
    return {
        "charging_rate_unit": "W",
        "charging_profile_period": [{"start_period": 0, "limit": "11000.0"}],
    }
