"""Where the spec's own tables are wrong or contradict the rest of the spec, and what the census expects instead.

Each exception is named, cites the spec file and section, and says why. Nothing here excuses a schema: an
exception only corrects what the census reads out of the spec.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tests.census.spec_tables import Definition


@dataclass(frozen=True)
class TypeTypo:
    """A field whose Type cell names a class that does not exist; the link's anchor names the real one."""

    version: str
    definition: str
    field: str
    spec_says: str
    meant: str
    why: str


@dataclass(frozen=True)
class ExtraEnumValues:
    """Values an enum MAY have besides its table's, because other parts of the spec use them."""

    version: str
    enum: str
    values: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class ExtensibleEnum:
    """A closed enum whose text says parties may extend it: fields of this type MAY be OpenEnum(E)."""

    version: str
    enum: str
    why: str


TYPE_TYPOS = (
    TypeTypo(
        "2.3.0",
        "Calendar",
        "available_timeslots",
        spec_says="TimeSlot",
        meant="Timeslot",
        # 2.3.0-bookings/mod_bookings.asciidoc, "Calendar object": the cell reads
        # `<<mod_bookings_timeslot_class, TimeSlot>>`; the anchor is the section "Timeslot _class_".
        why="link text TimeSlot, link target and section title Timeslot",
    ),
    TypeTypo(
        "2.3.0",
        "BookingRequest",
        "tokens",
        spec_says="BookingTokens",
        meant="BookingToken",
        # 2.3.0-bookings/mod_bookings.asciidoc, "BookingRequest class": the cell reads
        # `<<mod_bookings_booking_token_object,BookingTokens>>`; the section is "BookingToken _class_"
        # (the field is already a list, cardinality *).
        why="link text BookingTokens, link target and section title BookingToken",
    ),
)

EXTRA_ENUM_VALUES = (
    ExtraEnumValues(
        "2.3.0",
        "Role",
        ("PTP",),
        # 2.3.0/types.asciidoc "Role enum" lists CPO, EMSP, NAP, NSP, OTHER, SCSP, but
        # 2.3.0/terminology.asciidoc ("Typical OCPI implementations per Role") links PTP to that enum and
        # 2.3.0/mod_payments.asciidoc is implemented by the PTP role (DIGEST.md C.10, item 18).
        why="PTP is used as a Role by the Payments module but missing from the Role table",
    ),
    ExtraEnumValues(
        "2.3.0",
        "ModuleID",
        ("payments",),
        # 2.3.0/version_information_endpoint.asciidoc "ModuleID OpenEnum" has no `payments`, while
        # 2.3.0/mod_payments.asciidoc declares the module identifier `payments` (DIGEST.md C.10).
        why="the Payments module's identifier is missing from the ModuleID table",
    ),
    ExtraEnumValues(
        "2.3.0",
        "ModuleID",
        ("bookings",),
        # The Bookings extension (2.3.0-bookings/mod_bookings.asciidoc, which counts as 2.3.0 here) adds a module
        # that the 2.3.0 ModuleID table does not know; its URLs use `/bookings` (its heading prints `Booking`).
        # ModuleID is an OpenEnum in 2.3.0, so the value may be listed or not.
        why="the Bookings extension's module identifier is not in the 2.3.0 ModuleID table",
    ),
)


EXTENSIBLE_ENUMS = (
    ExtensibleEnum(
        "2.1.1",
        "ModuleID",
        # 2.1.1/version_information_endpoint.md "ModuleID enum" is a plain enum, but "Custom Modules" (same file):
        # "the ModuleID enum can be extended with additional custom moduleIDs" (e.g. `nltnm-tokens`).
        why="Custom Modules lets parties extend ModuleID",
    ),
    ExtensibleEnum(
        "2.2.1",
        "ModuleID",
        # 2.2.1/version_information_endpoint.asciidoc "ModuleID _enum_" vs "Custom Modules" (same file): "the
        # ModuleID enum can be extended with additional custom moduleIDs". (2.3.0 made it an OpenEnum.)
        why="Custom Modules lets parties extend ModuleID",
    ),
)


def may_be_open(definition: Definition) -> bool:
    """Whether fields typed with this (closed) enum may use OpenEnum(E)."""
    return any(e.version == definition.version and e.enum == definition.name for e in EXTENSIBLE_ENUMS)


def allowed_extra_values(definition: Definition) -> tuple[str, ...]:
    return tuple(
        value
        for extra in EXTRA_ENUM_VALUES
        if extra.version == definition.version and extra.enum == definition.name
        for value in extra.values
    )


def corrected(definition: Definition) -> Definition:
    """`definition` with the typos above fixed."""
    typos = {t.field: t for t in TYPE_TYPOS if t.version == definition.version and t.definition == definition.name}
    if not typos:
        return definition
    fields = []
    for field in definition.fields:
        typo = typos.get(field.name)
        if typo is not None:
            assert field.type == typo.spec_says, f"exception {typo} no longer matches the spec: {field}"
            field = dataclasses.replace(field, type=typo.meant)
        fields.append(field)
    return dataclasses.replace(definition, fields=tuple(fields))
