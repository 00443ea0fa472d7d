"""2.3.0 Payments, the CPO's receiver side: POST creates a Terminal or a Financial Advice Confirmation, GET reads
it back by its id alone (2.3.0/mod_payments.asciidoc, "GET Terminal Method" and "GET Financial Advice
Confirmation Method": "The following parameters shall be provided as URL segments": `terminal_id`,
`financial_advice_confirmation_id`, nothing else)."""

from __future__ import annotations

import httpx
import pytest

from ocpi.core.enums import RoleEnum
from tests.conftest import PartnerFactory
from tests.test_server import samples
from tests.test_server.support import envelope, refused, url

CASES = [
    ("terminals", "terminal_id", samples.terminal),
    ("financial-advice-confirmations", "id", samples.confirmation),
]


@pytest.mark.parametrize(("segment", "id_field", "make"), CASES, ids=[c[0] for c in CASES])
async def test_receiver_get_takes_only_the_objects_id(
    client: httpx.AsyncClient, make_partner: PartnerFactory, segment: str, id_field: str, make: object
) -> None:
    ptp = await make_partner("PTP", "DE", "PTP")
    headers = ptp.headers("2.3.0")
    base = url(RoleEnum.CPO, "2.3.0", "payments", segment)
    payload = make("T-1")  # type: ignore[operator]
    created = await client.post(base, json=payload, headers=headers)
    envelope(created, 201)
    assert created.headers["Location"] == f"http://testserver{base}/T-1"

    data = envelope(await client.get(f"{base}/T-1", headers=headers))["data"]
    assert data[id_field] == "T-1"
    refused(await client.get(f"{base}/T-2", headers=headers), 404, 2003, "T-2 not found")
    # The owner-keyed form is not a route of this interface.
    refused(await client.get(f"{base}/DE/PTP/T-1", headers=headers), 404, 2000, "no such endpoint")

    # Another partner does not read the PTP's objects.
    other = await make_partner("PTP", "FR", "XYZ")
    refused(await client.get(f"{base}/T-1", headers=other.headers("2.3.0")), 404, 2003, "not found")
