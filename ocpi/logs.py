"""The node's log: one line per event an operator looks for (a registration, a credentials change, a push to a
partner, a pull, a refused request, a partner's error), with the partner, the module and the request's ids; as
text, or one JSON object a line (`ocpi serve --log-format json`).

Events are reported through `NodeEvents` (`node.events`), which logs them on the logger `ocpi.events`, each
with its name (`record.event`) and its facts (`record.fields`). Metrics (`ocpi.server.metrics`) extend it to
count what they need from the same calls. Tokens never reach it: a partner appears as its number and name.

Imports nothing of the library: every layer may report events through the node it was given."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import orjson

log = logging.getLogger("ocpi.events")

LOG_FORMATS = ("text", "json")


class PartyLike(Protocol):
    pk: int
    name: str


def party_fields(party: PartyLike | None) -> dict[str, Any]:
    """How a partner appears in the log: its number and name (never its tokens)."""
    if party is None:
        return {}
    return {"partner": party.name, "partner_pk": party.pk}


def request_fields(scope: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ids of the request being answered (as `ocpi.server.http.CorrelationHeaders` answers them), its
    method and path."""
    if scope is None:
        return {}
    fields: dict[str, Any] = {"method": scope.get("method"), "path": scope.get("path")}
    ids = scope.get(REQUEST_IDS)
    if ids is None:
        ids = [(name, value) for name, value in scope.get("headers", ()) if name in _ID_HEADERS]
    for name, value in ids:
        fields[_ID_HEADERS[name]] = value.decode("latin-1")
    return fields


REQUEST_IDS = "ocpi.request_ids"
"""Where the request's `X-Request-ID` and `X-Correlation-ID` (as answered) are kept in its scope."""
_ID_HEADERS = {b"x-request-id": "request_id", b"x-correlation-id": "correlation_id"}


class NodeEvents:
    """What a node reports as it works: one log line per event. Subclassed to count events too
    (`ocpi.server.metrics`)."""

    def registered(self, party: PartyLike, version: str | None, *, initiator: bool, scope: Any = None) -> None:
        who = "we registered with" if initiator else "registered"
        emit(
            "registration",
            f"{who} {party.name} (#{party.pk}) in OCPI {version}",
            version=version,
            initiator=initiator,
            **party_fields(party),
            **request_fields(scope),
        )

    def credentials_changed(self, party: PartyLike | None, change: str, *, scope: Any = None, **facts: Any) -> None:
        """`change`: what happened to the credentials (rotated, unregistered, token issued, token revoked)."""
        subject = f" of {party.name} (#{party.pk})" if party is not None else ""
        emit(
            "credentials",
            f"credentials{subject}: {change}",
            change=change,
            **facts,
            **party_fields(party),
            **request_fields(scope),
        )

    def push_sent(self, party: PartyLike, module: str, seconds: float, error: str | None, what: str = "") -> None:
        """One request of a push to a partner. A failure is logged at debug only: a partner that is down fails
        for every object, and its push line says so once per round (`push_synced`)."""
        if error is not None:
            emit(
                "push_failed",
                f"push of {what or module} to {party.name} (#{party.pk}) failed: {error}",
                level=logging.DEBUG,
                module=module,
                object=what,
                error=error,
                **party_fields(party),
            )

    def push_synced(
        self, party: PartyLike, *, delivered: int, failed: int, seconds: float, error: str | None = None
    ) -> None:
        """A partner was brought up to date (a push batch): one line when anything was sent or failed, and one
        partner error when something failed, with the last error."""
        if delivered or failed:
            emit(
                "push",
                f"pushed {delivered} object{_s(delivered)} to {party.name} (#{party.pk})"
                + (f", {failed} failed" if failed else "")
                + f" in {seconds * 1000:.0f} ms",
                delivered=delivered,
                failed=failed,
                seconds=round(seconds, 6),
                **party_fields(party),
            )
        if failed:
            emit(
                "partner_error",
                f"push to {party.name} (#{party.pk}) failed for {failed} object{_s(failed)}, the last: {error}",
                level=logging.WARNING,
                failed=failed,
                error=error,
                **party_fields(party),
            )

    def pulled(
        self, party: PartyLike, module: str, *, received: int, stored: int, rejected: int, seconds: float
    ) -> None:
        emit(
            "pull",
            f"pulled {module} from {party.name} (#{party.pk}): {received} received, {stored} stored"
            + (f", {rejected} rejected" if rejected else ""),
            module=module,
            received=received,
            stored=stored,
            rejected=rejected,
            seconds=round(seconds, 6),
            **party_fields(party),
        )

    def pull_failed(self, party: PartyLike, module: str, error: str) -> None:
        emit(
            "partner_error",
            f"pull of {module} from {party.name} (#{party.pk}) failed: {error}",
            level=logging.WARNING,
            module=module,
            error=error,
            **party_fields(party),
        )

    def refused(
        self, scope: Any, http_status: int, ocpi_status: int, message: str, party: PartyLike | None = None
    ) -> None:
        """A request answered with an error (HTTP 4xx, or an OCPI status code of 2000 and above)."""
        fields = request_fields(scope)
        emit(
            "refused",
            f"{fields.get('method')} {fields.get('path')}: HTTP {http_status}, {ocpi_status} {message}",
            http_status=http_status,
            ocpi_status=int(ocpi_status),
            error=message,
            **party_fields(party),
            **fields,
        )


def emit(event: str, message: str, *, level: int = logging.INFO, **fields: Any) -> None:
    if log.isEnabledFor(level):
        log.log(level, message, extra={"event": event, "fields": fields})


def _s(count: int) -> str:
    return "" if count == 1 else "s"


class TextFormatter(logging.Formatter):
    """`2025-03-12T10:00:00.123Z INFO push: pushed 3 objects to CPO node (#1) in 12 ms [request ...]`."""

    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, "event", None)
        line = f"{_stamp(record.created)} {record.levelname} {event or record.name}: {record.getMessage()}"
        fields = getattr(record, "fields", None) or {}
        ids = " ".join(f"{name}={fields[name]}" for name in ("request_id", "correlation_id") if name in fields)
        if ids:
            line += f" [{ids}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: `time`, `level`, `logger`, `event` (for the node's events), `message`, then the
    event's facts (`partner`, `partner_pk`, `module`, `request_id`, `correlation_id`, ...)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _stamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        event = getattr(record, "event", None)
        if event is not None:
            document["event"] = event
        document["message"] = record.getMessage()
        fields = getattr(record, "fields", None)
        if fields:
            document.update({k: v for k, v in fields.items() if v is not None and k not in document})
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(document, default=str).decode()


def _stamp(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


LIBRARIES_KEPT_QUIET = ("httpx", "httpcore", "aiosqlite", "asyncpg", "sqlalchemy", "alembic", "asyncio", "multipart")
"""Kept at warnings even at `--log-level debug`: their debug lines carry what must not be logged (aiosqlite
logs every statement with its parameters, partners' tokens among them; the HTTP clients, requests' headers)."""


@contextmanager
def logging_to_stderr(level: str = "info", log_format: str = "text", *, access_log: bool = False) -> Iterator[None]:
    """Log to stderr while the block runs, as `ocpi serve` does: the node's events at `level`, every request too
    with `access_log` (uvicorn's access log), uvicorn's own messages from warnings up unless `level` is debug,
    the libraries' from warnings up always (`LIBRARIES_KEPT_QUIET`). What was configured before is restored
    afterwards (a test, or an application that runs a node among other things, keeps its own logging)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: choose {' or '.join(LOG_FORMATS)}")
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"log level {level!r}: choose debug, info, warning or error")
    root = logging.getLogger()
    uvicorn = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    touched = [*uvicorn, *(logging.getLogger(name) for name in LIBRARIES_KEPT_QUIET)]
    saved = (list(root.handlers), root.level, [(lg, lg.level, list(lg.handlers), lg.propagate) for lg in touched])
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for logger in uvicorn:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)
    uvicorn[2].setLevel(logging.INFO if access_log else logging.WARNING)
    for name in LIBRARIES_KEPT_QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for logger, logger_level, handlers, propagate in saved[2]:
            logger.setLevel(logger_level)
            logger.handlers[:] = handlers
            logger.propagate = propagate


class _Stderr(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a line is written (not the one of when it was made)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass
