"""One implementation per generic interface pattern (sender list, owner-keyed receiver, POST receiver, command,
callback, real-time authorization), bound to a module x version x role by `ocpi.server.endpoints.mount`. The
endpoints of one module alone live in `ocpi.server.endpoints.<module>`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

import orjson
from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.background import BackgroundTask

from ocpi.core.enums import CANONICAL_VERSION
from ocpi.core.errors import InvalidParameters, NotFound, UnknownLocation, UnknownToken
from ocpi.core.interfaces import (
    CallbackReceiver,
    Child,
    CommandReceiver,
    ObjectType,
    OwnerKeyedReceiver,
    PostReceiver,
    SenderList,
    TokenAuthorization,
)
from ocpi.core.status import StatusCode
from ocpi.core.validation import parse
from ocpi.modules.tokens.v_2_3_0.schemas import LocationReferences, Token
from ocpi.node.hooks import Command
from ocpi.server.http import (
    link_header,
    ocpi_data,
    ocpi_response,
    parse_query_datetime,
    read_json,
    request_root,
)
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import ListQuery, ObjectKey, Party, PutOutcome

log = logging.getLogger("ocpi.server")

MAX_CURSOR = 200
"""The longest `after` a list takes (an application source's cursor included)."""
PAGE_QUERY = {
    "offset": (int, Query(0, ge=0, le=2**31 - 1)),  # beyond: no database takes it as OFFSET (was a 500)
    "limit": (int | None, Query(None, ge=1)),
    "date_from": (str | None, Query(None)),
    "date_to": (str | None, Query(None)),
    # Our own Link carries where the page ended, so a crawl that follows it never counts through the
    # objects it already has (keyset pagination); `offset` stays authoritative for clients that build URLs.
    # The position is the store's: a row number of the built-in store, an application source's own cursor.
    "after": (str | None, Query(None, max_length=MAX_CURSOR, include_in_schema=False)),
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


def written(result_outcome: PutOutcome, message: str | None, headers: dict[str, str]) -> Response:
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
        after: str | None,
    ) -> Response:
        b.check_routing(request, partner)
        since = parse_query_datetime("date_from", date_from)
        until = parse_query_datetime("date_to", date_to)
        if pattern.date_from_required and since is None:
            raise InvalidParameters("date_from: required for this list")
        size = min(limit or config.default_page_size, config.max_page_size)
        audiences = b.node.audiences(partner, object_type, b.from_party(request))
        page = await b.node.repository.page(
            ListQuery(
                object_type.module,
                b.version,
                b.listed_owners,
                since,
                until,
                offset,
                size,
                after=after,
                audiences=audiences,
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
        dependency=b.partner,
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
            dependency=b.partner,
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
                if not await b.node.objects.delete(repository.key_of(object_type, owner, object_id, variant)):
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
                return written(result.outcome, result.message, headers)
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
                dependency=b.partner,
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
        if await b.node.objects.get(key) is not None:
            return ocpi_response(message=f"{object_type.name} {object_id} was already received", headers=headers)
        result = await b.node.repository.put(
            object_type, b.version, payload, owner=owner, object_id=object_id, judging=b.node.judging
        )
        b.note(request, partner, result.deviations)
        return written(result.outcome, result.message, headers)

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

    table.add(base, "POST", post, dependency=b.partner, body=object_type.models[b.version], tags=tags)
    get_params = ["object_id"] if pattern.get_by_id else ["country_code", "party_id", "object_id"]
    table.add(
        base + "".join(f"/{{{name}}}" for name in get_params),
        "GET",
        get,
        dependency=b.partner,
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
            command_request = cast(Command, b.canonical(parsed, partner))
            answer = await node.hooks.commands.handle(_command, command_request, b.requester(partner))
            response = ocpi_data(
                _command_response(response_model, b.version, answer.result, answer.timeout, answer.message),
                headers=b.response_headers(request),
            )
            if answer.result == "ACCEPTED" and answer.final_result is not None and body.get("response_url"):
                result = parse(result_model, {"result": answer.final_result})
                response.background = BackgroundTask(node.post_result, body["response_url"], result, partner, b.version)
            return response

        table.add(f"{b.path}/{command}", "POST", post, dependency=b.partner, body=model, tags=tags)


def _command_response(model: Any, version: str, result: str, timeout: int, message: str | None) -> Any:
    body: dict[str, Any] = {"result": result}
    if version != "2.1.1":
        body["timeout"] = timeout
        if message:
            body["message"] = [{"language": "en", "text": message}]
    return parse(model, body)


async def _own_location_exists(b: Binding, location_id: str) -> bool:
    for owner in b.node.config.owners(b.role):
        if await b.node.objects.get(ObjectKey.of("locations", owner[0], owner[1], location_id)) is not None:
            return True
    return False


def mount_callback_receiver(table: RouteTable, pattern: CallbackReceiver, b: Binding) -> None:
    """Where results land: `{module url}/{segment}/{reference}`; hand `callback_url(...)` out as response_url."""
    model = pattern.models[b.version]
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def post(*, request: Request, partner: Party, reference: str) -> Response:
        payload = await read_json(request, b.node.config.max_body_bytes)
        parsed = b.read(request, partner, model, payload)
        result = b.canonical(parsed, partner, pattern.context)
        await b.node.hooks.results.received(f"{b.module}/{pattern.segment}", reference, result, b.requester(partner))
        return ocpi_response(headers=b.response_headers(request))

    table.add(
        f"{b.path}/{pattern.segment}/{{reference}}",
        "POST",
        post,
        path_params=["reference"],
        dependency=b.partner,
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
        location = references = None
        if payload is not None:
            references = b.read(request, partner, pattern.location_references[b.version], payload)
            location = references.to_dict()
        kind = (type or token_type or "RFID").upper()
        stored = token_json = None
        for owner in b.owners:
            key = ObjectKey.of(token_object.module, owner[0], owner[1], token_uid, kind)
            token_json = await b.node.repository.get(token_object, b.version, key)
            if token_json is not None:
                stored = await b.node.objects.get(key)
                break
        if stored is None or token_json is None:
            if b.version == "2.1.1":
                raise NotFound(f"Token {token_uid} is not known here", status_code=StatusCode.CLIENT_ERROR)
            raise UnknownToken(f"Token {token_uid} ({kind}) is not known here")
        token = orjson.loads(token_json)
        canonical_token = cast(Token, token_object.models[CANONICAL_VERSION].model_validate_json(stored.canonical))
        canonical_location = None if references is None else cast(LocationReferences, b.canonical(references, partner))
        decision = await b.node.hooks.authorization.authorize(canonical_token, canonical_location, b.requester(partner))
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
        dependency=b.partner,
        body=pattern.location_references[b.version],
        tags=tags,
    )
