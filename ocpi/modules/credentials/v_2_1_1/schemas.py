"""OCPI 2.1.1 Credentials object, as the table of `2.1.1/credentials.md` defines it.

2.1.1 has no roles: one connection is one party (CPO or eMSP), whose business details and ids sit at the
top level of the object.
"""

from __future__ import annotations

from typing import Annotated

from ocpi.core.data_types import ISO_3166_ALPHA2, ISO_15118_PARTY, URL, String
from ocpi.core.model import OcpiModel
from ocpi.modules.locations.v_2_1_1.schemas import BusinessDetails


class Credentials(OcpiModel):
    token: String(64)
    url: URL
    business_details: BusinessDetails
    party_id: Annotated[String(3), ISO_15118_PARTY]
    country_code: Annotated[String(2), ISO_3166_ALPHA2]
