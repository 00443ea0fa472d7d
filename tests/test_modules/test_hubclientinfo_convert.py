"""Hub Client Info conversions: ClientInfo is the same in 2.2.1 and 2.3.0 except for the Role enum."""

from __future__ import annotations

import pytest

from ocpi.modules.hubclientinfo import convert
from ocpi.modules.hubclientinfo.v_2_2_1 import schemas as v221
from ocpi.modules.hubclientinfo.v_2_3_0 import schemas as v230

INFO = {
    "party_id": "ALL",
    "country_code": "NL",
    "role": "CPO",
    "status": "PLANNED",
    "last_updated": "2019-06-29T20:39:09Z",
}
SCHEMAS = {"2.2.1": v221, "2.3.0": v230}


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("status", ["CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"])
def test_round_trip_through_canonical(version: str, status: str) -> None:
    original = SCHEMAS[version].ClientInfo.model_validate({**INFO, "status": status})
    up = convert.to_canonical(original, version)
    assert type(up.value) is v230.ClientInfo and up.value.to_dict() == {**INFO, "status": status} and up.losses == []
    back = convert.from_canonical(up.value, version)
    assert back.value == original and type(back.value) is type(original) and back.losses == []


def test_hub_role_up_and_ptp_role_down() -> None:
    hub = v221.ClientInfo.model_validate({**INFO, "role": "HUB"})
    up = convert.to_canonical(hub, "2.2.1")
    assert up.value.role is v230.Role.OTHER  # type: ignore[attr-defined]
    assert [str(loss) for loss in up.losses] == ["/role: changed: HUB is not a 2.3.0 Role, sent as OTHER"]
    ptp = v230.ClientInfo.model_validate({**INFO, "role": "PTP"})
    down = convert.from_canonical(ptp, "2.2.1")
    assert down.value.role is v221.Role.OTHER and [loss.pointer for loss in down.losses] == ["/role"]  # type: ignore[attr-defined]


def test_2_1_1_has_no_hub_client_info() -> None:
    with pytest.raises(ValueError, match=r"only in OCPI 2\.2\.1 and 2\.3\.0"):
        convert.from_canonical(v230.ClientInfo.model_validate(INFO), "2.1.1")


def test_wrong_object_is_refused() -> None:
    with pytest.raises(TypeError):
        convert.from_canonical(v221.ClientInfo.model_validate(INFO), "2.2.1")
