"""One implementation per interface pattern, bound to a module x version x role by `mount`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.background import BackgroundTask

from ocpi.client import join_url
from ocpi.core.errors import InvalidParameters, NotFound, OcpiError, UnknownLocation, UnknownToken
from ocpi.core.interfaces import (
    ActiveProfileReceiver,
    BookingRequests,
    CallbackReceiver,
    ChargingPreferencesReceiver,
    ChargingProfilesReceiver,
    Child,
    CommandReceiver,
    ObjectType,
    OwnerKeyedReceiver,
    Pattern,
    PostReceiver,
    SenderList,
    TerminalActions,
    TokenAuthorization,
)
from ocpi.core.status import StatusCode
from ocpi.core.validation import parse
from ocpi.server.http import (
    link_header,
    ocpi_data,
    ocpi_response,
    parse_query_datetime,
    read_json,
    request_root,
)
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import ListQuery, ObjectKey, Party, PutOutcome, StoredObject

log = logging.getLogger("ocpi.server")

PAGE_QUERY = {
    "offset": (int, Query(0, ge=0, le=2**31 - 1)),  # beyond: no database takes it as OFFSET (was a 500)
    "limit": (int | None, Query(None, ge=1)),
    "date_from": (str | None, Query(None)),
    "date_to": (str | None, Query(None)),
    # Our own Link carries where the page ended, so a crawl that follows it never counts through the
    # objects it already has (keyset pagination); `offset` stays authoritative for clients that build URLs.
    "after": (int | None, Query(None, ge=0, le=2**63 - 1, include_in_schema=False)),
}


def _id_name(name: str, id_field: str) -> str:
    prefix = name.lower()
    return id_field if id_field.startswith(prefix) else f"{prefix}_{id_field}"


def _id_names(object_type: ObjectType) -> list[str]:
    """URL parameter names for an object and its children: `location_id`, `evse_uid`, `connector_id`."""
    return [_id_name(object_type.name, object_type.id_field)] + [
        _id_name(child.name, child.id_field) for child in _child_chain(object_type)
    ]


def _child_chain(object_type: ObjectType) -> list[Child]:
    chain: list[Child] = []
    children = object_type.children
    while children:
        chain.append(children[0])
        children = children[0].children
    return chain


def _written(result_outcome: PutOutcome, message: str | None, headers: dict[str, str]) -> Response:
    http_status = 201 if result_outcome is PutOutcome.CREATED else 200
    return ocpi_response(http_status=http_status, message=message, headers=headers)


# --- objects --------------------------------------------------------------------------------------------


def _models_at(object_type: ObjectType, depth: int) -> Mapping[str, type[BaseModel]]:
    """The models per version of the object at `depth` ids in a URL (1: the object, 2: its first child...)."""
    return ([object_type.models] + [c.models for c in _child_chain(object_type)])[max(depth - 1, 0)]


def mount_sender_list(table: RouteTable, pattern: SenderList, b: Binding) -> None:
    object_type = pattern.object_type
    base = b.path + (f"/{pattern.segment}" if pattern.segment else "")
    config = b.node.config
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def list_objects(
        *,
        request: Request,
        partner: Party,
        offset: int,
        limit: int | None,
        date_from: str | None,
        date_to: str | None,
        after: int | None,
    ) -> Response:
        b.check_routing(request, partner)
        since = parse_query_datetime("date_from", date_from)
        until = parse_query_datetime("date_to", date_to)
        if pattern.date_from_required and since is None:
            raise InvalidParameters("date_from: required for this list")
        size = min(limit or config.default_page_size, config.max_page_size)
        audiences = b.node.audiences(partner, object_type)
        page = await b.node.repository.page(
            ListQuery(
                object_type.module, b.version, b.owners, since, until, offset, size, after=after, audiences=audiences
            )
        )
        headers = b.response_headers(request)
        headers["X-Total-Count"] = str(page.total)
        headers["X-Limit"] = str(size)
        if page.items and offset + len(page.items) < page.total:
            headers["Link"] = link_header(
                request_root(request, config.base_url),
                base,
                request.scope["query_string"],
                offset + len(page.items),
                size,
                after=page.last_position,
            )
        return ocpi_response((b"[", b",".join(page.items), b"]"), headers=headers)

    table.add(
        base,
        "GET",
        list_objects,
        query=PAGE_QUERY,
        dependency=b.node.partner,
        tags=tags,
        answer=(object_type.models[b.version], True),
        read_lane=True,
    )
    if not pattern.get_one:
        return
    if object_type.audience_field is not None:  # no version has one: its audience would need checking here
        raise ValueError(f"{object_type.name}: a GET of one object is not offered for objects with an audience")
    names = _id_names(object_type)
    for depth in range(1, len(names) + 1):
        params = names[:depth]

        async def get_one(*, request: Request, partner: Party, _params: list[str] = params, **ids: str) -> Response:
            b.check_routing(request, partner)
            values = [ids[name] for name in _params]
            for owner in b.owners:
                key = ObjectKey.of(object_type.module, owner[0], owner[1], values[0], object_type.variant_default)
                found = await b.node.repository.get(object_type, b.version, key, values[1:])
                if found is not None:
                    return ocpi_response(found, headers=b.response_headers(request))
            raise NotFound(f"{object_type.name} {'/'.join(values)} not found")

        path = base + "".join(f"/{{{name}}}" for name in params)
        answer = (_models_at(object_type, depth)[b.version], False)
        table.add(
            path,
            "GET",
            get_one,
            path_params=params,
            dependency=b.node.partner,
            tags=tags,
            answer=answer,
            read_lane=True,
        )


def mount_owner_keyed_receiver(table: RouteTable, pattern: OwnerKeyedReceiver, b: Binding) -> None:
    object_type = pattern.object_type
    tags = [f"{b.version} {b.role.value} {b.module}"]
    owner_path = b.path + "/{country_code}/{party_id}" + (f"/{pattern.segment}" if pattern.segment else "")
    names = [] if pattern.by_owner_only else _id_names(object_type)
    variant_query = {"type": (str | None, Query(None))} if object_type.variant_field and b.version != "2.1.1" else {}

    def target(ids: dict[str, str], params: list[str]) -> tuple[str, list[str]]:
        if pattern.by_owner_only:
            return "", []
        values = [ids[name] for name in params]
        return values[0], values[1:]

    def handler(method: str, params: list[str]) -> Callable[..., Any]:
        async def handle(
            *, request: Request, partner: Party, country_code: str, party_id: str, type: str | None = None, **ids: str
        ) -> Response:
            owner = b.check_owner(partner, country_code, party_id)
            b.check_routing(request, partner, None if method == "GET" else owner)
            object_id, child_path = target(ids, params)
            repository, variant, headers = b.node.repository, type or "", b.response_headers(request)
            if method == "GET":
                key = repository.key_of(object_type, owner, object_id, variant)
                found = await repository.get(object_type, b.version, key, child_path)
                if found is None:
                    raise NotFound(f"{object_type.name} not found")
                return ocpi_response(found, headers=headers)
            if method == "DELETE":
                if not await b.node.store.delete(repository.key_of(object_type, owner, object_id, variant)):
                    raise NotFound(f"{object_type.name} {object_id} not found")
                return ocpi_response(headers=headers)
            payload = await read_json(request, b.node.config.max_body_bytes)
            write = repository.put if method == "PUT" else repository.patch
            result = await write(
                object_type,
                b.version,
                payload,
                owner=owner,
                object_id=object_id,
                variant=variant,
                path=child_path,
                judging=b.node.judging,
            )
            b.note(request, partner, result.deviations)
            if method == "PUT":
                return _written(result.outcome, result.message, headers)
            return ocpi_response(message=result.message, headers=headers)

        return handle

    for depth in range(0 if pattern.by_owner_only else 1, len(names) + 1):
        params = names[:depth]
        path = owner_path + "".join(f"/{{{name}}}" for name in params)
        path_params = ["country_code", "party_id", *params]
        model_for_put = _models_at(object_type, depth)[b.version]

        for method in ("GET", "PUT", "PATCH", "DELETE"):
            if method not in pattern.methods or (method == "DELETE" and depth > 1):
                continue
            if method == "PATCH" and b.version not in object_type.patch_versions:
                continue
            table.add(
                path,
                method,
                handler(method, params),
                path_params=path_params,
                query=variant_query,
                dependency=b.node.partner,
                body=model_for_put if method == "PUT" else None,
                answer=(model_for_put, False) if method == "GET" else None,
                tags=tags,
                read_lane=method in ("PUT", "PATCH") and not pattern.segment,  # a partner's stream of updates
            )


def mount_post_receiver(table: RouteTable, pattern: PostReceiver, b: Binding) -> None:
    """POST creates (de-duplicated by key: a second POST of the same object is acknowledged, not stored
    twice); GET reads it back at the URL the POST answered with."""
    object_type = pattern.object_type
    base = b.path + (f"/{pattern.segment}" if pattern.segment else "")
    tags = [f"{b.version} {b.role.value} {b.module}"]
    segment = f"/{pattern.segment}" if pattern.segment else ""

    async def post(*, request: Request, partner: Party) -> Response:
        payload = await read_json(request, b.node.config.max_body_bytes)
        if not isinstance(payload, dict):
            raise InvalidParameters(f"expected a JSON object for {object_type.name}")
        model = parse(object_type.models[b.version], payload)
        owner = _owner_of(b, model, partner, object_type.owned)
        b.check_routing(request, partner, owner)
        object_id = str(getattr(model, object_type.id_field))
        key = b.node.repository.key_of(object_type, owner, object_id)
        where = f"/{object_id}" if pattern.get_by_id else f"/{owner[0]}/{owner[1]}/{object_id}"
        location = b.url(request, segment + where)
        headers = {**b.response_headers(request), "Location": location}
        if await b.node.store.get(key) is not None:
            return ocpi_response(message=f"{object_type.name} {object_id} was already received", headers=headers)
        result = await b.node.repository.put(
            object_type, b.version, payload, owner=owner, object_id=object_id, judging=b.node.judging
        )
        b.note(request, partner, result.deviations)
        return _written(result.outcome, result.message, headers)

    async def get(
        *, request: Request, partner: Party, object_id: str, country_code: str = "", party_id: str = ""
    ) -> Response:
        repository = b.node.repository
        if pattern.get_by_id:  # filed under one of the partner's parties (see `_owner_of`)
            owners = [(role.country_code.upper(), role.party_id.upper()) for role in partner.roles]
        else:
            owners = [b.check_owner(partner, country_code, party_id)]
        for owner in owners:
            found = await repository.get(object_type, b.version, repository.key_of(object_type, owner, object_id))
            if found is not None:
                return ocpi_response(found, headers=b.response_headers(request))
        raise NotFound(f"{object_type.name} {object_id} not found")

    table.add(base, "POST", post, dependency=b.node.partner, body=object_type.models[b.version], tags=tags)
    get_params = ["object_id"] if pattern.get_by_id else ["country_code", "party_id", "object_id"]
    table.add(
        base + "".join(f"/{{{name}}}" for name in get_params),
        "GET",
        get,
        dependency=b.node.partner,
        path_params=get_params,
        tags=tags,
    )


def _owner_of(b: Binding, model: Any, partner: Party, owned: bool) -> tuple[str, str]:
    """The owner of a POSTed object: its own country_code/party_id (2.2.1+) or, in 2.1.1 where objects carry
    none, the partner's (first) party."""
    cc, pid = getattr(model, "country_code", None), getattr(model, "party_id", None)
    if owned and cc and pid:
        return b.check_owner(partner, str(cc), str(pid))
    if not partner.roles:
        raise InvalidParameters("the partner has no party to file this object under")
    return b.check_owner(partner, partner.roles[0].country_code, partner.roles[0].party_id)


# --- asynchronous actions -------------------------------------------------------------------------------


def mount_command_receiver(table: RouteTable, pattern: CommandReceiver, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} {b.module}"]
    response_model = pattern.response_models[b.version]
    result_model = pattern.result_models[b.version]

    for command, models in pattern.commands.items():
        if b.version not in models:
            continue
        model = models[b.version]

        async def post(*, request: Request, partner: Party, _command: str = command, _model: Any = model) -> Response:
            b.check_routing(request, partner)
            payload = await read_json(request, node.config.max_body_bytes)
            parsed = b.read(request, partner, _model, payload)
            body = parsed.to_dict()
            location_id = body.get("location_id")
            if location_id is not None and not await _own_location_exists(b, str(location_id)):
                refused = _command_response(response_model, b.version, "REJECTED", 0, "unknown location")
                raise_with = UnknownLocation(f"Location {location_id} is not known here")
                return ocpi_data(
                    refused,
                    status_code=raise_with.status_code,
                    message=raise_with.message,
                    headers=b.response_headers(request),
                )
            answer = await node.hooks.commands.handle(_command, body, b.version, partner)
            response = ocpi_data(
                _command_response(response_model, b.version, answer.result, answer.timeout, answer.message),
                headers=b.response_headers(request),
            )
            if answer.result == "ACCEPTED" and answer.final_result is not None and body.get("response_url"):
                result = parse(result_model, {"result": answer.final_result}).to_dict()  # type: ignore[attr-defined]
                response.background = BackgroundTask(node.post_result, body["response_url"], result, partner, b.version)
            return response

        table.add(f"{b.path}/{command}", "POST", post, dependency=node.partner, body=model, tags=tags)


def _command_response(model: Any, version: str, result: str, timeout: int, message: str | None) -> Any:
    body: dict[str, Any] = {"result": result}
    if version != "2.1.1":
        body["timeout"] = timeout
        if message:
            body["message"] = [{"language": "en", "text": message}]
    return parse(model, body)


async def _own_location_exists(b: Binding, location_id: str) -> bool:
    for owner in b.node.config.owners(b.role):
        if await b.node.store.get(ObjectKey.of("locations", owner[0], owner[1], location_id)) is not None:
            return True
    return False


def mount_callback_receiver(table: RouteTable, pattern: CallbackReceiver, b: Binding) -> None:
    """Where results land: `{module url}/{segment}/{reference}`; hand `callback_url(...)` out as response_url."""
    model = pattern.models[b.version]
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def post(*, request: Request, partner: Party, reference: str) -> Response:
        payload = await read_json(request, b.node.config.max_body_bytes)
        parsed = b.read(request, partner, model, payload)
        await b.node.hooks.results.received(f"{b.module}/{pattern.segment}", reference, parsed.to_dict(), partner)
        return ocpi_response(headers=b.response_headers(request))

    table.add(
        f"{b.path}/{pattern.segment}/{{reference}}",
        "POST",
        post,
        path_params=["reference"],
        dependency=b.node.partner,
        body=model,
        tags=tags,
    )


def mount_token_authorization(table: RouteTable, pattern: TokenAuthorization, b: Binding) -> None:
    token_object = pattern.token_type
    tags = [f"{b.version} {b.role.value} {b.module}"]
    query = {"type": (str | None, Query(None))}
    if b.version == "2.1.1":
        # 2.1.1 names the parameter `token_type` in its table and `type` in its example: accept both.
        query["token_type"] = (str | None, Query(None))

    async def authorize(
        *, request: Request, partner: Party, token_uid: str, type: str | None = None, token_type: str | None = None
    ) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, b.node.config.max_body_bytes)
        location = None
        if payload is not None:
            location = b.read(request, partner, pattern.location_references[b.version], payload).to_dict()
        kind = (type or token_type or "RFID").upper()
        token_json = None
        for owner in b.owners:
            key = ObjectKey.of(token_object.module, owner[0], owner[1], token_uid, kind)
            token_json = await b.node.repository.get(token_object, b.version, key)
            if token_json is not None:
                break
        if token_json is None:
            if b.version == "2.1.1":
                raise NotFound(f"Token {token_uid} is not known here", status_code=StatusCode.CLIENT_ERROR)
            raise UnknownToken(f"Token {token_uid} ({kind}) is not known here")
        token = orjson.loads(token_json)
        decision = await b.node.hooks.authorization.authorize(token, location, b.version, partner)
        info: dict[str, Any] = {"allowed": decision.allowed}
        if b.version != "2.1.1":
            info["token"] = token
            if decision.authorization_reference:
                info["authorization_reference"] = decision.authorization_reference
        if location is not None:
            info["location"] = location
        if decision.info:
            info["info"] = decision.info
        return ocpi_data(parse(pattern.authorization_info[b.version], info), headers=b.response_headers(request))

    table.add(
        f"{b.path}/{{token_uid}}/authorize",
        "POST",
        authorize,
        path_params=["token_uid"],
        query=query,
        dependency=b.node.partner,
        body=pattern.location_references[b.version],
        tags=tags,
    )


def mount_charging_preferences(table: RouteTable, pattern: ChargingPreferencesReceiver, b: Binding) -> None:
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def put(*, request: Request, partner: Party, session_id: str) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, b.node.config.max_body_bytes)
        preferences = b.read(request, partner, pattern.models[b.version], payload).to_dict()
        stored = await _own_stored(b, "sessions", session_id)
        if stored is None or not b.node.may_receive(partner, stored):  # another eMSP's session: as unknown
            raise NotFound(f"Session {session_id} not found", status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS)
        session = orjson.loads(stored.canonical)
        if not await _evse_has_capability(b, session, "CHARGING_PREFERENCES_CAPABLE"):
            raise NotFound(
                "the EVSE of this session does not accept charging preferences",
                status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS,
            )
        result = await b.node.hooks.charging_preferences.apply(session, preferences, partner)
        return ocpi_response(orjson.dumps(result), headers=b.response_headers(request))

    table.add(
        f"{b.path}/{{session_id}}/charging_preferences",
        "PUT",
        put,
        path_params=["session_id"],
        dependency=b.node.partner,
        body=pattern.models[b.version],
        tags=tags,
    )


async def _own_stored(b: Binding, module: str, object_id: str) -> StoredObject | None:
    for owner in b.node.config.owners(b.role):
        stored = await b.node.store.get(ObjectKey.of(module, owner[0], owner[1], object_id))
        if stored is not None:
            return stored
    return None


async def _own_object(b: Binding, module: str, object_id: str) -> dict[str, Any] | None:
    stored = await _own_stored(b, module, object_id)
    if stored is None:
        return None
    document = orjson.loads(stored.canonical)
    assert isinstance(document, dict)
    return document


async def _evse_has_capability(b: Binding, session: dict[str, Any], capability: str) -> bool:
    location = await _own_object(b, "locations", str(session.get("location_id", "")))
    if location is None:
        return False
    for evse in location.get("evses") or ():
        if str(evse.get("uid", "")).casefold() == str(session.get("evse_uid", "")).casefold():
            return capability in (evse.get("capabilities") or ())
    return False


def mount_charging_profiles(table: RouteTable, pattern: ChargingProfilesReceiver, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} {b.module}"]
    handler = node.hooks.charging_profiles
    response_model = pattern.response_models[b.version]

    async def answer(
        request: Request,
        partner: Party,
        session_id: str,
        response_url: str,
        call: Any,
        result_model: Any,
        with_profile: bool,
    ) -> Response:
        known = await _own_object(b, "sessions", session_id) is not None
        if not known:
            return ocpi_data(
                parse(response_model, {"result": "UNKNOWN_SESSION", "timeout": 0}), headers=b.response_headers(request)
            )
        outcome = await call()
        response = ocpi_data(
            parse(response_model, {"result": outcome.result, "timeout": outcome.timeout}),
            headers=b.response_headers(request),
        )
        if outcome.result == "ACCEPTED" and outcome.final_result is not None:
            body: dict[str, Any] = {"result": outcome.final_result}
            if with_profile and outcome.profile is not None:
                body["profile"] = outcome.profile
            result = parse(result_model, body).to_dict()
            response.background = BackgroundTask(node.post_result, response_url, result, partner, b.version)
        return response

    async def get(*, request: Request, partner: Party, session_id: str, duration: int, response_url: str) -> Response:
        b.check_routing(request, partner)
        return await answer(
            request,
            partner,
            session_id,
            response_url,
            lambda: handler.active(session_id, duration, partner),
            pattern.active_result_models[b.version],
            True,
        )

    async def put(*, request: Request, partner: Party, session_id: str) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, node.config.max_body_bytes)
        parsed = b.read(request, partner, pattern.set_models[b.version], payload).to_dict()
        return await answer(
            request,
            partner,
            session_id,
            parsed["response_url"],
            lambda: handler.set(session_id, parsed["charging_profile"], partner),
            pattern.set_result_models[b.version],
            False,
        )

    async def delete(*, request: Request, partner: Party, session_id: str, response_url: str) -> Response:
        b.check_routing(request, partner)
        return await answer(
            request,
            partner,
            session_id,
            response_url,
            lambda: handler.clear(session_id, partner),
            pattern.clear_result_models[b.version],
            False,
        )

    path = f"{b.path}/{{session_id}}"
    table.add(
        path,
        "GET",
        get,
        path_params=["session_id"],
        dependency=node.partner,
        tags=tags,
        query={"duration": (int, Query(..., ge=0)), "response_url": (str, Query(...))},
    )
    table.add(
        path,
        "PUT",
        put,
        path_params=["session_id"],
        dependency=node.partner,
        tags=tags,
        body=pattern.set_models[b.version],
    )
    table.add(
        path,
        "DELETE",
        delete,
        path_params=["session_id"],
        dependency=node.partner,
        tags=tags,
        query={"response_url": (str, Query(...))},
    )


def mount_active_profile_receiver(table: RouteTable, pattern: ActiveProfileReceiver, b: Binding) -> None:
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def put(*, request: Request, partner: Party, session_id: str) -> Response:
        payload = await read_json(request, b.node.config.max_body_bytes)
        parsed = b.read(request, partner, pattern.models[b.version], payload).to_dict()
        await b.node.hooks.results.received(f"{b.module}/active", session_id, parsed, partner)
        return ocpi_response(headers=b.response_headers(request))

    table.add(
        f"{b.path}/{{session_id}}",
        "PUT",
        put,
        path_params=["session_id"],
        dependency=b.node.partner,
        body=pattern.models[b.version],
        tags=tags,
    )


def mount_terminal_actions(table: RouteTable, pattern: TerminalActions, b: Binding) -> None:
    """The PTP's side of terminal management: the CPO activates, deactivates, updates and assigns terminals;
    the terminals are our (the PTP's) objects."""
    node = b.node
    terminal_type = pattern.terminal_type
    tags = [f"{b.version} {b.role.value} {b.module}"]
    base = f"{b.path}/terminals"

    def own_key(terminal_id: str) -> ObjectKey:
        cc, pid = b.owners[0]
        return node.repository.key_of(terminal_type, (cc, pid), terminal_id)

    async def activate(*, request: Request, partner: Party) -> Response:
        payload = await read_json(request, node.config.max_body_bytes)
        wanted = b.read(request, partner, pattern.activation_models[b.version], payload, "Terminal").to_dict()
        terminal = await node.hooks.payment_terminals.activate(wanted, partner)
        await node.repository.put(terminal_type, b.version, terminal, owner=b.owners[0])
        stored = await node.repository.get(terminal_type, b.version, own_key(str(terminal["terminal_id"])))
        response = ocpi_response(stored, headers=b.response_headers(request))
        # The spec: after an activation request the PTP creates the Terminal on the CPO side (POST).
        response.background = BackgroundTask(_post_terminal, node, partner, orjson.loads(stored or b"{}"))
        return response

    async def deactivate(*, request: Request, partner: Party, terminal_id: str) -> Response:
        found = await node.repository.get(terminal_type, b.version, own_key(terminal_id))
        if found is None:
            raise NotFound(f"Terminal {terminal_id} not found")
        await node.hooks.payment_terminals.deactivate(orjson.loads(found), partner)
        return ocpi_response(headers=b.response_headers(request))

    async def put(*, request: Request, partner: Party, terminal_id: str) -> Response:
        payload = await read_json(request, node.config.max_body_bytes)
        result = await node.repository.put(
            terminal_type, b.version, payload, owner=b.owners[0], object_id=terminal_id, judging=node.judging
        )
        b.note(request, partner, result.deviations)
        return _written(result.outcome, result.message, b.response_headers(request))

    async def patch(*, request: Request, partner: Party, terminal_id: str) -> Response:
        payload = await read_json(request, node.config.max_body_bytes)
        b.read(request, partner, pattern.patch_models[b.version], payload, "Terminal PATCH")
        result = await node.repository.patch(
            terminal_type, b.version, payload, owner=b.owners[0], object_id=terminal_id
        )
        return ocpi_response(message=result.message, headers=b.response_headers(request))

    table.add(
        f"{base}/activate",
        "POST",
        activate,
        dependency=node.partner,
        tags=tags,
        body=pattern.activation_models[b.version],
    )
    one = f"{base}/{{terminal_id}}"
    table.add(f"{one}/deactivate", "POST", deactivate, path_params=["terminal_id"], dependency=node.partner, tags=tags)
    table.add(
        one,
        "PUT",
        put,
        path_params=["terminal_id"],
        dependency=node.partner,
        tags=tags,
        body=terminal_type.models[b.version],
    )
    table.add(
        one,
        "PATCH",
        patch,
        path_params=["terminal_id"],
        dependency=node.partner,
        tags=tags,
        body=pattern.patch_models[b.version],
    )


async def _post_terminal(node: Any, partner: Party, terminal: dict[str, Any]) -> None:
    try:
        async with node.partner_client(partner) as client:
            url = join_url(client.endpoint("payments", "RECEIVER"), "terminals")
            await client.post(url, terminal)
    except OcpiError as error:
        log.warning("creating terminal %s at %s failed: %s", terminal.get("terminal_id"), partner.name, error.message)


def mount_booking_requests(table: RouteTable, pattern: BookingRequests, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def post(*, request: Request, partner: Party) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, node.config.max_body_bytes)
        booking_request = b.read(
            request, partner, pattern.request_models[b.version], payload, "BookingRequest"
        ).to_dict()
        owner = b.owners[0]
        repository = node.repository
        location_key = repository.key_of(pattern.location_type, owner, booking_request["booking_location_id"])
        location = await repository.get(pattern.location_type, b.version, location_key)
        if location is None:
            raise UnknownLocation(f"BookingLocation {booking_request['booking_location_id']} is not known here")
        booking_key = repository.key_of(pattern.booking_type, owner, booking_request["request_id"])
        current = await repository.get(pattern.booking_type, b.version, booking_key)
        booking = await node.hooks.bookings.request(
            booking_request, orjson.loads(location), None if current is None else orjson.loads(current), partner
        )
        await repository.put(pattern.booking_type, b.version, booking, owner=owner)
        node.nudge_push()
        stored = await repository.get(
            pattern.booking_type, b.version, repository.key_of(pattern.booking_type, owner, str(booking["id"]))
        )
        return ocpi_response(stored, headers=b.response_headers(request))

    table.add(b.path, "POST", post, dependency=node.partner, tags=tags, body=pattern.request_models[b.version])


MOUNTERS: dict[type, Callable[[RouteTable, Any, Binding], None]] = {
    SenderList: mount_sender_list,
    OwnerKeyedReceiver: mount_owner_keyed_receiver,
    PostReceiver: mount_post_receiver,
    CommandReceiver: mount_command_receiver,
    CallbackReceiver: mount_callback_receiver,
    TokenAuthorization: mount_token_authorization,
    ChargingPreferencesReceiver: mount_charging_preferences,
    ChargingProfilesReceiver: mount_charging_profiles,
    ActiveProfileReceiver: mount_active_profile_receiver,
    TerminalActions: mount_terminal_actions,
    BookingRequests: mount_booking_requests,
}


def supports(pattern: Pattern, version: str) -> bool:
    """Whether the pattern exists in `version` (Charging Preferences, CANCEL_RESERVATION... are 2.2.1+)."""
    object_type = (
        getattr(pattern, "object_type", None)
        or getattr(pattern, "token_type", None)
        or getattr(pattern, "terminal_type", None)
        or getattr(pattern, "booking_type", None)
    )
    if object_type is not None:
        return version in object_type.models
    for name in ("models", "set_models", "response_models"):
        models = getattr(pattern, name, None)
        if models is not None:
            return version in models
    return True


def mount(table: RouteTable, pattern: Pattern, binding: Binding) -> None:
    if supports(pattern, binding.version):
        MOUNTERS[type(pattern)](table, pattern, binding)
