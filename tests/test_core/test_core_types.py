from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
from pydantic import ValidationError

from ocpi.core.data_types import CaseInsensitiveStr, CiString, DateTime, DisplayText, Number, String, format_datetime
from ocpi.core.envelope import OcpiResponse, envelope, envelope_bytes
from ocpi.core.model import OcpiModel, partial_model
from ocpi.core.status import StatusCode, is_defined


class Sample(OcpiModel):
    id: CiString(36)
    name: String(5) | None = None
    at: DateTime
    amount: Number
    texts: list[DisplayText] | None = None


def test_cistring_is_case_insensitive_printable_ascii() -> None:
    sample = Sample.model_validate({"id": "AbC", "at": "2020-01-01T00:00:00Z", "amount": 1})
    assert isinstance(sample.id, CaseInsensitiveStr)
    assert sample.id == "abc" and sample.id == "ABC" and hash(sample.id) == hash(CaseInsensitiveStr("aBc"))
    assert sample.id != "abd"
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"id": "ü", "at": "2020-01-01T00:00:00Z", "amount": 1})
    assert caught.value.errors()[0]["loc"] == ("id",)
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"id": "x" * 37, "at": "2020-01-01T00:00:00Z", "amount": 1})
    assert caught.value.errors()[0]["type"] == "string_too_long"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-29T20:39:09Z", "2015-06-29T20:39:09Z"),
        ("2015-06-29T20:39:09", "2015-06-29T20:39:09Z"),
        ("2016-12-29T17:45:09.2Z", "2016-12-29T17:45:09.200Z"),
        ("2016-12-29T17:45:09.123456Z", "2016-12-29T17:45:09.123Z"),
        ("2015-06-29T22:39:09+02:00", "2015-06-29T20:39:09Z"),
    ],
)
def test_datetime_reads_leniently_and_writes_utc_z(text: str, expected: str) -> None:
    sample = Sample.model_validate({"id": "x", "at": text, "amount": 1})
    assert sample.at.tzinfo is not None and sample.at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert sample.to_dict()["at"] == expected


def test_a_datetime_is_written_by_its_instant_alone() -> None:
    """Formatted values are kept per instant: equal instants in any zone write alike, others never do."""
    utc = datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert format_datetime(utc) == "2015-06-29T20:39:09Z"
    assert format_datetime(utc.astimezone(timezone(timedelta(hours=2)))) == "2015-06-29T20:39:09Z"
    assert format_datetime(utc.replace(tzinfo=None)) == "2015-06-29T20:39:09Z"
    assert format_datetime(utc.replace(microsecond=1000)) == "2015-06-29T20:39:09.001Z"
    assert format_datetime(utc.replace(tzinfo=timezone(timedelta(hours=2)))) == "2015-06-29T18:39:09Z"


@pytest.mark.parametrize("bad", ["yesterday", "2015-13-29T20:39:09Z", 1435610349, "2015-06-29T25:00:00Z"])
def test_malformed_datetime_names_the_field(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"id": "x", "at": bad, "amount": 1})
    assert caught.value.errors()[0]["loc"] == ("at",)


def test_number_is_exact_decimal_and_a_json_number() -> None:
    sample = Sample.model_validate_json(b'{"id":"x","at":"2020-01-01T00:00:00Z","amount":0.1}')
    assert sample.amount == Decimal("0.1")
    assert orjson.loads(sample.to_json())["amount"] == 0.1
    whole = Sample(id="x", at=datetime(2020, 1, 1, tzinfo=UTC), amount=Decimal("5.00"))
    assert whole.to_dict()["amount"] == 5
    with pytest.raises(ValidationError):
        Sample.model_validate({"id": "x", "at": "2020-01-01T00:00:00Z", "amount": "NaN"})


def test_unknown_fields_are_kept_and_none_is_omitted() -> None:
    sample = Sample.model_validate({"id": "x", "at": "2020-01-01T00:00:00Z", "amount": 1, "vendor_x": [1]})
    assert sample.to_dict() == {"id": "x", "at": "2020-01-01T00:00:00Z", "amount": 1, "vendor_x": [1]}


def test_partial_model_keeps_constraints_and_named_required_fields() -> None:
    patch_cls = partial_model(Sample, ("at",))
    assert patch_cls is partial_model(Sample, ("at",))
    patch = patch_cls.model_validate({"at": "2020-01-01T00:00:00Z", "texts": None})
    assert patch.to_dict() == {"at": "2020-01-01T00:00:00Z", "texts": None}
    with pytest.raises(ValidationError) as caught:
        patch_cls.model_validate({"name": "toolong"})
    assert {e["loc"] for e in caught.value.errors()} == {("name",), ("at",)}


def test_envelope_bytes() -> None:
    body = orjson.loads(envelope_bytes(b'[{"a":1}]', StatusCode.SUCCESS, "ok"))
    assert body["data"] == [{"a": 1}] and body["status_code"] == 1000 and body["status_message"] == "ok"
    assert body["timestamp"].endswith("Z")
    error = orjson.loads(envelope(None, StatusCode.INVALID_OR_MISSING_PARAMETERS, "missing: type"))
    assert "data" not in error and error["status_code"] == 2001
    parsed = OcpiResponse[list[dict[str, int]]].model_validate(body)
    assert parsed.data == [{"a": 1}]


def test_status_codes_per_version() -> None:
    assert is_defined(2004, "2.2.1") and not is_defined(2004, "2.1.1")
    assert is_defined(4003, "2.3.0") and not is_defined(4003, "2.1.1")
    assert not is_defined(4004, "2.3.0")
    assert is_defined(2901, "2.2.1") and not is_defined(2901, "2.1.1")
