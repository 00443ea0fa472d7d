"""The compliance matrix: what a node serves, read from the routes of a real app, with the spec section of
each endpoint; the spec's ambiguities and the choice this library made for each; what every version
conversion costs, from the `convert` modules' own docstrings.

`matrix_markdown()` is the documentation's compliance page (built by `docs/hooks/compliance.py`): nothing in
it is written by hand except the ambiguities below, which cite the spec and the code that decides them; the
deviations the node reads out of spec are listed from `ocpi.core.rules`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.routing import Route

from ocpi.conformance import catalogue
from ocpi.conformance.hub import HUB_RULES, Rule
from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.rules import RULES
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces
from ocpi.node.config import OwnParty

ALL_ROLES_NODE = (
    OwnParty(RoleEnum.CPO, "NL", "CPO", name="CPO"),
    OwnParty(RoleEnum.EMSP, "NL", "EMS", name="eMSP"),
    OwnParty(RoleEnum.PTP, "NL", "PTP", name="PTP"),
)
"""The node the documentation describes: one party per role, every version, Bookings on."""

VERSIONS = SUPPORTED_VERSIONS

HUB_NODE = (OwnParty(RoleEnum.HUB, "NL", "HUB", name="Hub"),)
"""The hub the documentation describes (`ocpi serve --role hub`): OCPI 2.2.1 and 2.3.0."""

_SPEC_FILES = {
    "locations": "mod_locations",
    "sessions": "mod_sessions",
    "cdrs": "mod_cdrs",
    "tariffs": "mod_tariffs",
    "tokens": "mod_tokens",
    "commands": "mod_commands",
    "chargingprofiles": "mod_charging_profiles",
    "hubclientinfo": "mod_hub_client_info",
    "payments": "mod_payments",
    "credentials": "credentials",
    "versions": "version_information_endpoint",
}


@dataclass(frozen=True)
class Endpoint:
    """One URL of the node with the methods it answers."""

    path: str
    methods: tuple[str, ...]
    module: str
    """An OCPI module id; `versions` for discovery; `-` for what is not OCPI (the OpenAPI pages)."""
    version: str
    """`2.1.1`, `2.2.1`, `2.3.0`; `-` for the versions list."""
    role: str
    """The role whose URL this is (`CPO`, `EMSP`, `PTP`); `platform` for the platform-wide discovery."""
    interface: str
    """SENDER or RECEIVER as the spec calls the side this role implements; `both` for credentials."""
    spec: str
    """Spec file and section, relative to the spec's folder (`2.2.1/mod_locations.asciidoc` § ...)."""


def spec_section(module: str, version: str, interface: str) -> str:
    """Where the spec describes this side of the module in this version."""
    if module == "bookings":
        return f"2.3.0-bookings/mod_bookings.asciidoc § {interface.title()} Interface"
    if module == "versions":
        if version == "-":
            return (
                "2.3.0/version_information_endpoint.asciidoc § Version information endpoint (the same in every version)"
            )
        suffix = "md" if version == "2.1.1" else "asciidoc"
        return f"{version}/version_information_endpoint.{suffix} § Version details endpoint"
    if version == "2.1.1":
        if module == "credentials":
            return "2.1.1/credentials.md § 1. Interfaces and endpoints"
        # 2.1.1 names each side after the role that implements it, not Sender/Receiver.
        cpo_side = module_interfaces(module).sides.get(RoleEnum.CPO)
        section = "2.1 CPO Interface" if cpo_side is InterfaceRole(interface) else "2.2 eMSP Interface"
        return f"2.1.1/{_SPEC_FILES[module]}.md § {section}"
    if module == "credentials":
        return f"{version}/credentials.asciidoc § Interfaces and endpoints"
    return f"{version}/{_SPEC_FILES[module]}.asciidoc § {interface.title()} Interface"


def build_app(store: str = "sqlite://") -> FastAPI:
    """The node of the matrix: CPO, eMSP and PTP in every version, Bookings on. Routes only: the store is not
    opened (that happens at startup) and no push worker runs."""
    from ocpi.server.app import get_application

    return get_application(parties=ALL_ROLES_NODE, store=store, versions=VERSIONS, bookings=True, push=False)


def build_hub_app(store: str = "sqlite://") -> FastAPI:
    """A node playing a Roaming Hub (routes only, as `build_app`)."""
    from ocpi.server.app import get_application

    return get_application(parties=HUB_NODE, store=store, push=False)


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every URL of `app` with the methods it answers, classified; in the order the app first routes each."""
    node = app.state.node
    prefix = node.config.prefix
    roles = {role.value.lower(): role for role in node.config.roles}
    methods_by_path: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, Route):
            methods_by_path.setdefault(route.path, set()).update(route.methods or ())
    return [_classify(path, _ordered(methods), prefix, roles) for path, methods in methods_by_path.items()]


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _ordered(methods: set[str]) -> tuple[str, ...]:
    return tuple(sorted(methods, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))


def _classify(path: str, methods: tuple[str, ...], prefix: str, roles: dict[str, RoleEnum]) -> Endpoint:
    if not path.startswith(prefix + "/"):
        return Endpoint(path, methods, "-", "-", "-", "-", "not OCPI: the node's OpenAPI document and its viewers")
    parts = path[len(prefix) + 1 :].split("/")
    if parts[0] not in roles:
        # /ocpi/versions, /ocpi/{version}: the platform's discovery (2.2.1+ style, served for every version).
        version = "-" if parts[0] == "versions" else parts[0]
        return Endpoint(path, methods, "versions", version, "platform", "-", spec_section("versions", version, "-"))
    role = roles[parts[0]]
    if len(parts) == 2:
        version = "-" if parts[1] == "versions" else parts[1]
        return Endpoint(path, methods, "versions", version, role.value, "-", spec_section("versions", version, "-"))
    version, module = parts[1], parts[2]
    if module == "credentials":
        return Endpoint(path, methods, module, version, role.value, "both", spec_section(module, version, "both"))
    interface = module_interfaces(module).for_role(role)
    side = interface.side.value if interface is not None else "-"
    return Endpoint(path, methods, module, version, role.value, side, spec_section(module, version, side))


# --- the spec's ambiguities and our choices -------------------------------------------------------------


@dataclass(frozen=True)
class Ambiguity:
    topic: str
    spec: str
    """What the spec says, or fails to say (DIGEST.md section G, checked against the spec text)."""
    choice: str
    """What this library does."""
    where: str
    """The code that decides it."""


AMBIGUITIES: tuple[Ambiguity, ...] = (
    Ambiguity(
        "Base64 or raw token",
        "2.2.1 and 2.3.0 send `Authorization: Token <base64(token)>`, 2.1.1 the raw token; the spec notes that "
        "many 2.1.1 and 2.2 implementations do not encode, and its own Base64 examples encode a trailing newline.",
        "Every version accepts both spellings (the raw value and its Base64 decoding, one trailing newline "
        "dropped). We send Base64 to 2.2.1/2.3.0 partners and the raw token to 2.1.1 partners.",
        "`ocpi.core.utils.token_candidates`, `authorization_header`",
    ),
    Ambiguity(
        "HTTP status of a semantic error",
        "A valid, authenticated request to an existing endpoint must not get an HTTP error; the spec itself "
        "names 404 + 2004 (authorize an unknown token) and 404 + 2001 (charging preferences).",
        "HTTP 200 with the OCPI code (2001 with the field path for an invalid object); the two named "
        "exceptions as written; 400 only for malformed JSON, 401 for a bad token, 405 for credentials misuse.",
        "`ocpi.core.errors`, `ocpi.server.http`",
    ),
    Ambiguity(
        "Unknown object",
        "GET of an unknown object answers HTTP 404; the OCPI code is unspecified (there is no 4004).",
        "HTTP 404 with 2003; a write under someone else's country_code/party_id answers 404 with 2001.",
        "`ocpi.core.errors.NotFound`, `ocpi.server.routing.check_owner`",
    ),
    Ambiguity(
        "Trailing slashes",
        "2.1.1 examples end URLs with `/`, 2.2.1 and later do not; several endpoint patterns concatenate "
        "without a `/` (`{tokens_endpoint_url}{token_uid}/authorize`).",
        "Routes have no trailing slash; a request with one is redirected (HTTP 307) to the URL without it. The "
        "client joins a module URL and its segments with exactly one `/`.",
        "`ocpi.server.routing`, `ocpi.node.outbound`",
    ),
    Ambiguity(
        "DateTime",
        "With or without `Z` both mean UTC; fractions only from 2.2; offsets are not UTC.",
        "Output is always UTC with `Z`; input accepts fractions, `Z` and offsets (converted to UTC), and each "
        "deviation from the spec's format is recorded as the partner's quirk (see below).",
        "`ocpi.core.data_types.DateTime`, `ocpi.core.rules`",
    ),
    Ambiguity(
        "Pagination",
        '`Link: <url>; rel="next"`, absent on the last page; `X-Limit` is the server\'s maximum (2.2+); '
        "`date_from` inclusive and `date_to` exclusive are defined only from 2.2; the Sessions list requires "
        "`date_from`.",
        "Lists answer `X-Total-Count`, `X-Limit` (the page size used, capped by `max_page_size`) and a `Link` "
        "that repeats the filters; the same inclusive/exclusive rule in 2.1.1. The Sessions list without "
        "`date_from` answers 2001. The client follows `Link`, stops on a loop and skips invalid items.",
        "`ocpi.server.patterns.mount_sender_list`, `ocpi.client.OcpiClient.iterate`",
    ),
    Ambiguity(
        "Versions endpoints differ by version",
        "2.1.1 has one versions endpoint and one connection per role, and its Endpoint has no `role`; 2.2+ has "
        "one per platform, listing a module once per side.",
        "Both: `/ocpi/versions` (platform, every role) and `/ocpi/{role}/versions` (one role); 2.1.1 details "
        "carry no `role`, and the platform-wide 2.1.1 details show the first role's endpoints.",
        "`ocpi.server.app._mount_discovery`",
    ),
    Ambiguity(
        "Credentials misuse",
        "POST when registered, PUT or DELETE when not: HTTP 405; token A only for versions and credentials "
        "(401 elsewhere) and dead after the POST.",
        "As written. Token A is claimed atomically before the partner is called back (of concurrent POSTs, one "
        "goes on, the others get 401), used up by a registration that succeeds and given back by one that fails "
        "(it MAY no longer be used once the exchange has finished).",
        "`ocpi.server.credentials`, `SqlStore.claim_token_a`, `ocpi.server.auth.require_registered`",
    ),
    Ambiguity(
        "Claimed parties",
        'Credentials `roles` name the parties a platform pushes under; "the combination of country_code and '
        'party_id should always be unique"; no status code is named for a claim that cannot be granted.',
        "A party belongs to the node or to one live partner, whatever the role: a claim of one of the node's "
        "parties, of another partner's, or outside the parties the token A was issued for answers HTTP 200 with "
        "2001 naming `roles.N`, and changes nothing.",
        "`ocpi.node.handshake.check_claims`, `SqlStore.update_party` (`PartyClaimed`)",
    ),
    Ambiguity(
        "Who receives Sessions and CDRs",
        'A CPO "is allowed to only send CDRs to the eMSP that a CDR is relevant to" (and may list only those); '
        "Sessions are not discussed.",
        "Sessions and CDRs are listed and pushed only to the partner holding the party of their `cdr_token` (2.1.1: "
        "the eMA-ID prefix of `auth_id`); `broadcast_sessions_and_cdrs=True` sends them to every partner.",
        "`Node.audiences`, `Node.may_receive`, `ObjectType.audience_field`",
    ),
    Ambiguity(
        "Session charging periods: PUT or PATCH",
        "2.2+: PUT replaces the whole list, PATCH appends; 2.1.1 says nothing.",
        "PUT replaces and PATCH appends, in every version.",
        "`ObjectType.appended_on_patch` in `ocpi.modules.sessions.interfaces`",
    ),
    Ambiguity(
        "PATCH without last_updated",
        "Required in 2.2+ PATCH bodies; not in 2.1.1. Parents' `last_updated` follows child changes.",
        "2.2+ PATCH without it answers 2001; a 2.1.1 PATCH is stamped with the time of receipt. A change to an "
        "EVSE or Connector bumps its parents' `last_updated`.",
        "`ocpi.storage.repository.Repository.patch`",
    ),
    Ambiguity(
        "Older updates",
        "The spec is silent on an update whose `last_updated` is older than the stored object's.",
        "Ignored, and said so in `status_message` (the answer is still a success).",
        "`ocpi.storage.base.PutOutcome.STALE`, `WriteResult.message`",
    ),
    Ambiguity(
        "Writes in an older version",
        "A PUT replaces an object and a PATCH changes it as the sender's version sees it; the spec says nothing of "
        "what a newer version holds that the sender's cannot express (a 2.3.0 `help_phone`, an EVSE whose every "
        "connector is MCS) on a node serving several versions.",
        "A write in an older version changes all that its version expresses (a PUT removes what it leaves out of "
        "that) and keeps the rest: what changed from the stored object's rendering in that version to the write is "
        "applied to the canonical form, EVSEs and connectors matched by `uid` and `id`.",
        "`ocpi.storage.repository.merge_changes`",
    ),
    Ambiguity(
        "What cannot be deleted",
        "No DELETE for Locations, Tokens, Sessions, CDRs (use REMOVED, valid=false, COMPLETED, Credit CDRs); "
        "Tariffs have DELETE, and PATCH only in 2.1.1; CDRs are POSTed to the module URL and answered with a "
        "`Location` header.",
        "Exactly the routes the spec lists (see the matrix above); a CDR POSTed twice is acknowledged once.",
        "`ocpi.server.patterns.mount_post_receiver`, `ObjectType.patch_versions`",
    ),
    Ambiguity(
        "Token identity",
        "2.2+ receiver URLs carry `?type=` (default RFID) because a uid alone is not unique; the 2.1.1 "
        "authorize call names its parameter `token_type` in the table and `type` in the example.",
        "Tokens are keyed by (country_code, party_id, uid, type); 2.1.1 authorize accepts both `type` and "
        "`token_type`.",
        "`ocpi.server.patterns.mount_token_authorization`",
    ),
    Ambiguity(
        "Price shapes",
        "A number (2.1.1), `excl_vat`/`incl_vat` (2.2.1), `before_taxes`/`taxes` (2.3.0).",
        "The canonical form is 2.3.0; 2.2.1 `incl_vat - excl_vat` becomes one tax named VAT and back; 2.1.1 "
        "keeps the amount before taxes. Every crossing reports what it changed (see below).",
        "`ocpi.modules.cdrs.convert`, `ocpi.modules.tariffs.convert`",
    ),
    Ambiguity(
        "Push retries",
        "OCPI messages SHOULD NOT be queued; after an outage the receiver GETs the current state.",
        "Push is state synchronisation, not a queue: a change log and one cursor per partner; a retry sends the "
        "object's current state, never a stale message; `resync` pulls since the last good sync.",
        "`ocpi.push`, `ocpi.storage.push`",
    ),
    Ambiguity(
        "Routing headers",
        "`OCPI-from-*`/`OCPI-to-*` are required for functional modules through hubs, forbidden on "
        "credentials, versions and hubclientinfo; X-Request-ID/X-Correlation-ID do not exist in 2.1.1.",
        "Not required from direct peers; when present they must name the caller and us. Answers carry our "
        "`OCPI-from-*` in 2.2+; correlation headers are echoed (or generated) in every version.",
        "`ocpi.server.routing.Binding.check_routing`, `ocpi.server.http.CorrelationHeaders`",
    ),
    Ambiguity(
        "Hub role",
        "2.2.1 has role HUB; 2.3.0 has no HUB role but `hub_party_id`.",
        "A 2.2.1 HUB role becomes OTHER with `hub_party_id` in the canonical form and HUB again going down. A "
        "partner whose Credentials name a hub (2.2.1 role HUB, 2.3.0 `hub_party_id`) is kept with the role HUB "
        "alone: the parties behind it are known from its ClientInfo, never claimed by it (see Hub below).",
        "`ocpi.modules.credentials.convert`, `ocpi.node.handshake.partner_roles`",
    ),
    Ambiguity(
        "PTP and payments in 2.3.0",
        "Used by the Payments module but missing from the 2.3.0 Role and ModuleID tables.",
        "Accepted and served: the PTP role and the `payments` module id.",
        "`ocpi.core.enums`, `ocpi.modules.payments.interfaces`",
    ),
    Ambiguity(
        "Asynchronous command results",
        "The first answer only says whether the CPO can forward; the result comes later at `response_url` "
        "(2.1.1 reuses CommandResponse for it). A command for an unknown Location: 2003 and REJECTED.",
        "As written; the CPO's `CommandHandler` hook decides; the node posts the final result when the hook "
        "gives one. Results reaching our `response_url` go to the `ResultListener` hook.",
        "`ocpi.server.patterns.mount_command_receiver`, `ocpi.node.hooks`",
    ),
    Ambiguity(
        "Charging profiles parameters",
        "`duration` and `response_url` are called URL segments but the examples use query parameters.",
        "Query parameters.",
        "`ocpi.server.endpoints.chargingprofiles.mount_charging_profiles`",
    ),
    Ambiguity(
        "Case-insensitive ids",
        "Ids, party ids and country codes are CiString.",
        "Keys are stored normalised (owner upper case, ids case-folded for lookup) and returned as written.",
        "`ocpi.storage.base.ObjectKey`",
    ),
    Ambiguity(
        "Unknown JSON fields",
        "2.3.0 forbids rejecting undocumented fields; earlier versions are silent.",
        "Kept, in every version (lenient in, exact out).",
        "`ocpi.core.model.OcpiModel`",
    ),
    Ambiguity(
        "Bookings extension identifiers",
        "Module id printed as `Booking`, URLs use `/bookings` and both `bookinglocations` and `booking_locations`.",
        "Module id `bookings`, sub-resource `booking_locations`; served only when the node enables Bookings.",
        "`ocpi.modules.bookings.interfaces`, `get_application(bookings=True)`",
    ),
    Ambiguity(
        "Session reservation status",
        "The text says RESERVED, the SessionStatus enum value is RESERVATION.",
        "The enum value, RESERVATION.",
        "`ocpi.modules.sessions.v_2_2_1.schemas.SessionStatus`",
    ),
)


def deviations_markdown() -> list[str]:
    """The rules of `ocpi.core.rules`: what the node reads out of spec, what it refuses, and how each is reported."""
    out = [
        "## Deviations the node reads, and how they are reported",
        "",
        "Lenient in, exact out: what a partner sends out of spec but unambiguously is read, and written back as "
        "the spec says. Each deviation is reported:",
        "",
        "- as the partner's **quirk** (its kind is the rule below, with a count of the messages showing it, the "
        "last example and when): `ocpi parties show`, or `QuirkRecorder.of(party_pk)` / "
        "`ocpi.storage.quirks.party_quirks(store, party_pk)`. The receiver judges every payload a partner sends; "
        "the client (`OcpiClient.deviations`, `on_deviation`) every answer and every object it reads. Counts are "
        "kept in memory and written every few seconds and when the node stops;",
        "- refused instead, with 2001 naming each deviation, by a strict node (`get_application(strict=True)`, "
        "`NodeConfig.strict`);",
        "- with its JSON path and rule by the strict reading: `ocpi validate`, `ocpi check`, "
        "`ocpi.core.validation.deviations(model, payload)` and `ocpi.modules.identify.validate(payload)`.",
        "",
        "Unknown fields are not deviations (kept, see above). Where the spec text only recommends (a token's "
        "`contract_id` in the eMA ID format), nothing is checked.",
        "",
    ]
    rows = [[cell.replace("|", "\\|") for cell in (_code(r.id), r.title, r.spec, r.reader)] for r in RULES.values()]
    out += _table(["rule (quirk kind)", "the spec says", "where", "the node"], rows)
    return [*out, ""]


CONVERSION_MODULES = ("versions", "credentials", *FUNCTIONAL_MODULES)


def conversion_notes() -> list[tuple[str, str]]:
    """(module, the docstring of its `convert` module): what each version crossing costs."""
    notes = []
    for module in CONVERSION_MODULES:
        doc = importlib.import_module(f"ocpi.modules.{module}.convert").__doc__ or ""
        notes.append((module, doc.strip()))
    return notes


# --- rendering --------------------------------------------------------------------------------------------


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    return [_row(header), _row("---" for _ in header), *(_row(r) for r in rows)]


def _code(text: str) -> str:
    return f"`{text}`"


def _markdown_paragraphs(doc: str) -> str:
    """A docstring as Markdown: a list needs a blank line before it."""
    lines: list[str] = []
    for line in doc.splitlines():
        starts_list = line.startswith("- ")
        if starts_list and lines and lines[-1].strip() and not lines[-1].startswith(("- ", "  ")):
            lines.append("")
        lines.append(line)
    return "\n".join(lines)


HUB_DECISIONS: tuple[tuple[str, str], ...] = (
    (
        "D1 What is broadcast",
        "A push to the hub itself (OCPI-to the hub, or none) of Locations, Tariffs and Tokens, the information meant "
        "for everyone (transport_and_format § Broadcast Push); any other module sent so is refused with 2001 naming "
        "the rule: Sessions and CDRs go only to the eMSP of their token, with OCPI-to naming it.",
    ),
    (
        "D2 How a broadcast fans out",
        "The hub stores the object as its owner's, answers 1000 itself (FROM the hub, TO the sender), and its push "
        "machinery sends it to every other connected party whose role receives the module, one cursor each, FROM "
        "the hub under the owner's URL with `last_updated` untouched; a slow party holds back no other, and its "
        "failures are its own retries, not errors to the sender.",
    ),
    ("D3 Tariffs", "Broadcast like Locations (same owner model, meant for all)."),
    (
        "D4 Asynchronous results",
        "The hub replaces the `response_url` of a command (body), of a SetChargingProfile (body) and of a GET or "
        "DELETE of a charging profile (query) with one of its own (`/ocpi/hub/{version}/callbacks/{ref}`), and "
        "forwards the receiver's result there to the requester's own URL, FROM the receiver TO the requester, "
        "converted to the requester's version. The results it awaits are kept in its database (a restart loses "
        "none), at most 1,000 per requester (its oldest forgotten). Bookings (2.3.0) have no asynchronous result.",
    ),
    (
        "D5 GET All via the hub",
        "GET of a Sender list with OCPI-to the hub (or none): every Location, Tariff or Token the hub holds (what was "
        "broadcast), merged and paginated, each naming its owner. The hub holds no Session or CDR: those are asked "
        "of their CPO with OCPI-to.",
    ),
    ("D6 Payments, bookings", "Targeted only (OCPI-to), like every module but the three broadcast ones."),
    (
        "D7 The hub's own errors",
        "4001: no party of that OCPI-to ever connected; 4003: it is OFFLINE, SUSPENDED or PLANNED (no connection "
        "attempted) or cannot be reached; 4002: no answer within the hub's outbound deadline (`PartnerSettings."
        "timeout`); 4000: the receiver lacks the interface, or the request cannot be converted between the two "
        "parties' versions. All with HTTP 200.",
    ),
    (
        "D8 ClientInfo",
        "One per connected party (country_code, party_id; its first role): CONNECTED on registration, OFFLINE after "
        "a still-alive check (GET of its versions endpoint, every `still_alive_interval`, 5 minutes by default) "
        "fails, CONNECTED again when it answers, SUSPENDED on unregistration; pushed to every other connected party "
        "by the push machinery (a joining party is owed the whole directory).",
    ),
    (
        "D9 Hub and direct partners",
        "A node connected to a hub accepts from it requests from, and objects owned by, the parties its ClientInfo "
        "names, but its own and those a direct partner holds (a direct connection wins).",
    ),
    (
        "D10 Mixed versions",
        "The hub converts what it forwards between the two parties' versions through the canonical form: whole "
        "objects and their children (PUT, POST, GET of one or of a list), PATCH bodies, commands and their "
        "responses and results, real-time authorizations (LocationReferences, AuthorizationInfo), charging profile "
        "requests, responses and results; a broadcast is stored once and sent in each receiver's version. Anything "
        "else between parties of different versions is refused with 4000.",
    ),
    (
        "D11 Broadcast DELETE",
        "A DELETE of a Tariff to the hub itself (the only Receiver with DELETE) removes the hub's copy, is answered "
        "by the hub, and is sent on to every other CONNECTED party whose role receives Tariffs, side by side and "
        "once (a deletion is not in the push machinery's change log: a party that misses it GETs the Tariffs).",
    ),
    (
        "D12 A party not CONNECTED",
        'mod_hub_client_info says of OFFLINE (and SUSPENDED, "like with OFFLINE"): "No requests can be sent. Do '
        'not queue Push messages", the party GETs what it missed once back. The hub answers a request to it with '
        "4003 and pushes nothing to it while it reports it not CONNECTED: what changes meanwhile is dropped, not "
        "retried, nor sent once it is CONNECTED again. A party behind the hub does the same with what it has for a "
        "party its hub reports not CONNECTED (a Session, a CDR): dropped, not sent to the hub to be refused and "
        "retried; nor does it take requests from such a party.",
    ),
    (
        "D13 Who asks a hook",
        "A request that came through a hub reaches a hook with `Requester.party` the party OCPI-from names (its one "
        "role, over the hub's connection) and `Requester.via` the hub.",
    ),
    (
        "D14 Open Routing Requests",
        "Without OCPI-to the hub routes by content where it names one party: a Session or CDR to the owner of its "
        "`cdr_token`; a command with a `location_id`, a GET of one Location or Tariff from a Sender, to the one "
        "party whose object of that id the hub holds (it was broadcast); a real-time authorization to the one party "
        "whose Token of that uid and type the hub holds. Otherwise (no such content, no holder, or several) it "
        "answers as a request to itself: a Broadcast Push, GET All, or 2001 asking for OCPI-to.",
    ),
    (
        "D15 Two hubs reporting one party",
        "A party connected to several hubs keeps which hub reported which party with which status, since when. Of "
        "the hubs reporting a party CONNECTED, the first to do so acts for it (its requests and objects are taken "
        "from that hub alone, and what is for it goes there); when it reports it OFFLINE or SUSPENDED, the next "
        "one. Stable rather than most recent: hubs re-reporting a party do not move it back and forth.",
    ),
)


def _rule_row(rule: Rule) -> tuple[str, str, str]:
    checks = [
        c.id for c in catalogue() if c.title.startswith((f"{rule.id}: ", f"{rule.id}/")) or f"/{rule.id}:" in c.title
    ]
    where = f"{rule.spec.file('2.3.0')} § {rule.spec.title('2.3.0')}"
    return f"**{rule.id}** {rule.text}", where, ", ".join(_code(c) for c in checks) or "-"


def hub_markdown(app: FastAPI | None = None) -> list[str]:
    """The hub's section of the compliance page: its routes and the choices where the spec is silent."""
    app = app or build_hub_app()
    prefix = app.state.node.config.prefix
    rows = []
    for route in app.routes:
        if not isinstance(route, Route) or not route.path.startswith(f"{prefix}/hub/"):
            continue
        parts = route.path[len(prefix) + 5 :].split("/")
        version = "-" if parts[0] == "versions" else parts[0]
        if len(parts) == 1:
            what = "discovery (versions, version details)"
        elif parts[1] == "credentials":
            what = "credentials: the handshake (2.2.1: role HUB only; 2.3.0: `hub_party_id` and the reachable parties)"
        elif parts[1] == "hubclientinfo":
            what = f"{version}/mod_hub_client_info.asciidoc § Sender Interface: the directory of connected parties"
        elif parts[1] == "callbacks":
            what = "asynchronous results, forwarded to the requester's `response_url` (D4)"
        else:
            what = (
                f"{parts[2]}: forwarded to the {parts[1]} interface of the party OCPI-to names "
                "(transport_and_format § Message Routing); to the hub itself: Broadcast Push, GET All (D1, D5)"
            )
        rows.append((version, _code(route.path), ", ".join(_ordered(route.methods or set())), what))
    out = [
        "## Hub",
        "",
        "A node playing a Roaming Hub (`ocpi serve --role hub`, a party of role HUB): parties register with it by the "
        "ordinary handshake and reach each other through it (`ocpi.node.hub`). Its routes:",
        "",
    ]
    out += _table(["version", "path", "methods", "what"], rows)
    out += [
        "",
        "The spec's rules for a hub (2.2.1 and 2.3.0 alike), and the checks of `ocpi check` that judge a hub by "
        "those a caller can see from outside (the others are tested end to end on this library's hub):",
        "",
    ]
    out += _table(["rule", "spec", "checked by"], [_rule_row(rule) for rule in HUB_RULES])
    out += ["", "Where the spec is silent, the hub chooses:", ""]
    out += [f"- **{topic}.** {choice}" for topic, choice in HUB_DECISIONS]
    return [*out, ""]


def matrix_markdown(app: FastAPI | None = None) -> str:
    """The compliance page, from the routes of `app` (by default `build_app()`)."""
    app = app or build_app()
    found = endpoints(app)
    ocpi_endpoints = [e for e in found if e.module not in ("-", "versions")]
    modules = [m for m in ("credentials", *FUNCTIONAL_MODULES) if any(e.module == m for e in ocpi_endpoints)]
    roles = app.state.node.config.roles
    out = [
        "# Compliance matrix",
        "",
        "Generated when the documentation is built, from the routes of a real node (`ocpi.get_application`) "
        f"playing {', '.join(r.value for r in roles)} in OCPI {', '.join(VERSIONS)}, with the Bookings extension "
        f"on: {len(found)} URLs. Each row is one URL with the methods it answers and the spec section it "
        "implements (file and section in the OCPI spec's text). A module x version x role that is absent "
        "is one this library does not serve: the spec does not give that role that side of the module, or the "
        "module does not exist in that version. The generator is `tools/compliance.py` in the repository.",
        "",
        "## Summary",
        "",
        "The interface (the spec's SENDER or RECEIVER side) each role implements, per module and version.",
        "",
    ]
    columns = [(role, version) for role in roles for version in VERSIONS]
    summary_rows = []
    for module in modules:
        cells = [f"[{module}](#{module})"]
        for role, version in columns:
            sides = {e.interface for e in ocpi_endpoints if (e.module, e.role, e.version) == (module, role, version)}
            cells.append(", ".join(sorted(sides)) or "·")
        summary_rows.append(cells)
    out += _table(["module", *(f"{r.value} {v}" for r, v in columns)], summary_rows)
    for module in modules:
        out += ["", f"## {module}", ""]
        rows = [
            (e.version, e.role, e.interface, _code(e.path), ", ".join(e.methods), e.spec)
            for e in ocpi_endpoints
            if e.module == module
        ]
        out += _table(["version", "role", "interface", "path", "methods", "spec"], rows)
    out += ["", "## Discovery", "", "The versions and version details endpoints (both sides implement them).", ""]
    out += _table(
        ["version", "scope", "path", "methods", "spec"],
        [(e.version, e.role, _code(e.path), ", ".join(e.methods), e.spec) for e in found if e.module == "versions"],
    )
    out += ["", "## Other routes", "", "Served by the same app, outside OCPI.", ""]
    out += _table(
        ["path", "methods", "what"], [(_code(e.path), ", ".join(e.methods), e.spec) for e in found if e.module == "-"]
    )
    out += ["", *hub_markdown()]
    out += [
        "",
        "## Spec ambiguities and our choices",
        "",
        "Where the spec is ambiguous, silent or contradicts itself, and what this library does about it.",
        "",
    ]
    for number, item in enumerate(AMBIGUITIES, start=1):
        out += [
            f"{number}. **{item.topic}.** {item.spec}",
            f"    *Our choice:* {item.choice} ({item.where})",
            "",
        ]
    out += deviations_markdown()
    out += [
        "## Version conversions",
        "",
        "One store serves every version: objects are kept in the canonical (2.3.0) form and converted on the "
        "way in and out. What each crossing costs, as each module's `convert` documents it (every loss is "
        "also reported at run time as a `Loss`).",
    ]
    for module, doc in conversion_notes():
        out += ["", f"### {module} conversions", "", _markdown_paragraphs(doc)]
    return "\n".join(out) + "\n"
