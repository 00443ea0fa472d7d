"""The operator's console: server-rendered pages at `/console` (`NodeConfig.console_token`, `ocpi serve
--console`) for the people on call: partners with their state, version, roles, lag and failing objects (with a
"retry now"), the tokens issued (issue a token A, revoke), the node's objects per module with each version's
JSON, and each partner's last conformance report.

Plain HTML forms, one stylesheet served from here, no script: nothing to build, nothing loaded from elsewhere.
Signing in with the console token sets a session cookie (HttpOnly, SameSite=Strict, signed with a key derived
from the token: changing the token ends every session); each form carries a CSRF token derived from the
session, and a POST whose Origin is another site is refused."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ocpi.core.interfaces import parse_party_name
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.modules.registry import FUNCTIONAL_MODULES
from ocpi.node.node import Node
from ocpi.storage.base import TokenKind
from ocpi.storage.operations import find_objects, last_check_report, partner_statuses
from ocpi.storage.push import PushLedger

PREFIX = "/console"
COOKIE = "ocpi_console"
SESSION_SECONDS = 12 * 3600
MAX_FORM_BYTES = 16 * 1024
PAGE_SIZE = 50
TOKEN_LIFETIMES = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
HERE = Path(__file__).parent
STYLESHEET = (HERE / "console.css").read_bytes()
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # not no-referrer: a form posted under it says `Origin: null`
}

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True), enable_async=False
)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((datetime.now(UTC) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


_templates.filters["when"] = _when
_templates.filters["ago"] = _ago


@dataclass(frozen=True)
class Sessions:
    """Stateless sessions signed with a key derived from the console token: any process of the node accepts
    them, and a new token ends them all."""

    key: bytes

    @classmethod
    def for_token(cls, token: str) -> Sessions:
        return cls(hmac.new(token.encode(), b"ocpi console session", hashlib.sha256).digest())

    def _sign(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def new(self) -> str:
        expires = str(int(time.time()) + SESSION_SECONDS)
        return f"{expires}.{self._sign('session:' + expires)}"

    def valid(self, session: str | None) -> bool:
        expires, _, signature = (session or "").partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(signature, self._sign("session:" + expires))

    def csrf(self, session: str) -> str:
        return self._sign("csrf:" + session)


def install(app: Any, node: Node) -> None:
    token = node.config.console_token
    assert token
    sessions = Sessions.for_token(token)

    def ledger() -> PushLedger:  # the store is attached at startup
        return node.ledger

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        session = request.cookies.get(COOKIE, "")
        html = _templates.get_template(template).render(
            prefix=PREFIX,
            csrf=sessions.csrf(session) if sessions.valid(session) else "",
            signed_in=sessions.valid(session),
            parties=node.config.parties,
            notice=request.query_params.get("notice", ""),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers=HEADERS)

    def back(path: str, notice: str = "") -> Response:
        return RedirectResponse(f"{PREFIX}{path}" + (f"?notice={quote(notice)}" if notice else ""), 303, HEADERS)

    async def form(request: Request) -> dict[str, str]:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise FormError("the form is too large")
        return {name: values[-1] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}

    def signed_in(handler: Any) -> Any:
        """Pages for a signed-in operator; a form posted to them must carry the session's CSRF token and come
        from this site."""

        async def guarded(request: Request) -> Response:
            session = request.cookies.get(COOKIE)
            if not sessions.valid(session):
                return RedirectResponse(f"{PREFIX}/login", 303, HEADERS)
            fields: dict[str, str] = {}
            if request.method == "POST":
                if not _same_origin(request):
                    return page(request, "error.html", 403, message="refused: the form was posted from another site")
                try:
                    fields = await form(request)
                except FormError as error:
                    return page(request, "error.html", 413, message=str(error))
                assert session is not None
                if not hmac.compare_digest(fields.get("csrf", "").encode(), sessions.csrf(session).encode()):
                    return page(request, "error.html", 403, message="refused: stale or missing CSRF token")
            return await handler(request, fields)

        return guarded

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "login.html")
        if not _same_origin(request):
            return page(request, "error.html", 403, message="refused: the form was posted from another site")
        try:
            fields = await form(request)
        except FormError as error:
            return page(request, "error.html", 413, message=str(error))
        if not hmac.compare_digest(fields.get("token", "").strip().encode(), token.encode()):
            return page(request, "login.html", 401, error="That is not the console token.")
        response = back("/")
        secure = request.url.scheme == "https"
        response.set_cookie(
            COOKIE, sessions.new(), max_age=SESSION_SECONDS, path=PREFIX, httponly=True, samesite="strict",
            secure=secure,
        )  # fmt: skip
        return response

    async def logout(request: Request, _fields: dict[str, str]) -> Response:
        response = back("/login")
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    async def partners(request: Request, _fields: dict[str, str]) -> Response:
        statuses = await partner_statuses(node.store)
        return page(request, "partners.html", statuses=statuses)

    async def partner(request: Request, _fields: dict[str, str]) -> Response:
        pk = _number(request.path_params["pk"])
        statuses = {status.party.pk: status for status in await partner_statuses(node.store)}
        status = statuses.get(pk or -1)
        if status is None:
            return page(request, "error.html", 404, message=f"no partner #{request.path_params['pk']}")
        failures: list[tuple[Any, Any]] = []
        if status.party.state == "registered":
            push = ledger()
            delivery = await push.state(status.party.pk)
            found = await push.objects([f.object_pk for f in delivery.failing])
            failures = [(failure, found.get(failure.object_pk)) for failure in delivery.failing]
        report = await last_check_report(node.store, status.party.pk)
        quirks = await node.quirks.of(status.party.pk)
        return page(request, "partner.html", status=status, failures=failures, report=report, quirks=quirks)

    async def retry(request: Request, _fields: dict[str, str]) -> Response:
        pk = _number(request.path_params["pk"])
        party = await node.store.get_party(pk) if pk is not None else None
        if party is None or party.state != "registered":
            return page(request, "error.html", 404, message=f"no registered partner #{request.path_params['pk']}")
        await ledger().retry_now(party.pk)
        node.push.forget_outage(party.pk)
        return back(f"/partners/{party.pk}", "Every failing object is due now: the push worker retries them.")

    async def tokens(request: Request, fields: dict[str, str]) -> Response:
        issued: str | None = None
        expires: datetime | None = None
        bound: list[tuple[str, str]] | None = None
        if request.method == "POST":
            lifetime = TOKEN_LIFETIMES.get(fields.get("expires_in", ""))
            if lifetime is None:
                return page(request, "error.html", 400, message=f"expires in: choose {', '.join(TOKEN_LIFETIMES)}")
            named = fields.get("parties", "").replace(",", " ").split()
            parties = list(dict.fromkeys(parse_party_name(name) for name in named))
            if None in parties:
                wrong = ", ".join(repr(name) for name in named if parse_party_name(name) is None)
                return page(request, "error.html", 400, message=f"not a party: {wrong} (expected CC/PID, like DE/XEM)")
            bound = [party for party in parties if party is not None] or None
            expires = datetime.now(UTC) + lifetime
            issued = await node.store.issue_token(TokenKind.A, expires_at=expires, parties=bound)
            node.events.credentials_changed(None, "token A issued", by="console")
        listed = await node.store.list_tokens()
        return page(
            request, "tokens.html", tokens=listed, issued=issued, expires=expires, lifetimes=TOKEN_LIFETIMES,
            now=datetime.now(UTC), bound=bound if issued else None,
        )  # fmt: skip

    async def revoke(request: Request, _fields: dict[str, str]) -> Response:
        token_hash = request.path_params["token_hash"]
        revoked = await node.store.revoke_tokens(token_hash=token_hash)
        if not revoked:
            return page(request, "error.html", 404, message="no live token with that hash")
        node.events.credentials_changed(None, "token revoked", by="console", token_hash=token_hash[:12])
        return back("/tokens", f"Revoked token {token_hash[:12]}….")

    async def objects(request: Request, _fields: dict[str, str]) -> Response:
        module = request.query_params.get("module", "locations")
        if module not in FUNCTIONAL_MODULES:
            return page(request, "error.html", 404, message=f"no module {module!r}")
        search = request.query_params.get("q", "")[:100]
        number = max(1, _number(request.query_params.get("page", "1")) or 1)
        rows, total = await find_objects(node.store, module, search, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        return page(
            request, "objects.html", module=module, modules=FUNCTIONAL_MODULES, search=search, rows=rows,
            total=total, number=number, pages=max(1, -(-total // PAGE_SIZE)),
        )  # fmt: skip

    async def one_object(request: Request, _fields: dict[str, str]) -> Response:
        pk = _number(request.path_params["pk"])
        found = (await ledger().objects([pk])).get(pk) if pk is not None else None
        if found is None:
            return page(request, "error.html", 404, message=f"no object #{request.path_params['pk']}")
        renderings = [(version, _pretty(found.rendered.get(version))) for version in SUPPORTED_VERSIONS]
        return page(request, "object.html", obj=found, renderings=renderings)

    async def stylesheet(_request: Request) -> Response:
        return Response(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    router = app.router
    add = router.add_route
    add(f"{PREFIX}/login", login, methods=["GET", "POST"], include_in_schema=False)
    add(f"{PREFIX}/console.css", stylesheet, methods=["GET"], include_in_schema=False)
    add(f"{PREFIX}/logout", signed_in(logout), methods=["POST"], include_in_schema=False)
    # The node routes `/console/` and `/console` alike (it answers every route with or without a trailing slash).
    add(PREFIX, signed_in(partners), methods=["GET"], include_in_schema=False)
    add(f"{PREFIX}/partners/{{pk}}", signed_in(partner), methods=["GET"], include_in_schema=False)
    add(f"{PREFIX}/partners/{{pk}}/retry", signed_in(retry), methods=["POST"], include_in_schema=False)
    add(f"{PREFIX}/tokens", signed_in(tokens), methods=["GET", "POST"], include_in_schema=False)
    add(f"{PREFIX}/tokens/{{token_hash}}/revoke", signed_in(revoke), methods=["POST"], include_in_schema=False)
    add(f"{PREFIX}/objects", signed_in(objects), methods=["GET"], include_in_schema=False)
    add(f"{PREFIX}/objects/{{pk}}", signed_in(one_object), methods=["GET"], include_in_schema=False)


class FormError(Exception):
    pass


def _same_origin(request: Request) -> bool:
    """A browser names where a form was posted from; a POST from another site is refused (the session cookie is
    SameSite=Strict too). No Origin (an old browser, a script): the CSRF token decides."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


def _pretty(rendered: bytes | None) -> str | None:
    return None if rendered is None else orjson.dumps(orjson.loads(rendered), option=orjson.OPT_INDENT_2).decode()
