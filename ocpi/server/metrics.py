"""Prometheus metrics of a node at `/metrics` (off unless `NodeConfig.metrics`; `ocpi serve --metrics`), behind a
bearer token when `metrics_token` is set.

Counted as requests are answered (every one under the OCPI prefix, the read lane's too):

- `ocpi_request_duration_seconds{role, version, module, method, http_status, ocpi_status}`: a histogram, so
  its `_count` is the number of requests. Labels take only known values (a role, version or module the path
  does not name as the node serves it is `other`), never an id: their number is bounded.
- `ocpi_partner_push_duration_seconds{partner, module, outcome}`: each push request to a partner, by this
  process's push workers.

Read from the store at each scrape (so from every process's work, worker processes' too):

- per registered partner (`partner`, its name; `partner_pk`, its number): `ocpi_partner_changes_behind`,
  `ocpi_partner_failing_objects`, `ocpi_partner_last_push_success_timestamp_seconds`,
  `ocpi_partner_last_pull_timestamp_seconds{module}` (alert on `time() - ...` for the age),
  `ocpi_partner_quirks_total{kind}` (the messages showing each kind of deviation from the spec the node read all
  the same: `kind` is a rule of `ocpi.core.rules`, `ocpi parties show` has the last example);
- `ocpi_partners{state}`, `ocpi_store_up`, `ocpi_schema_current`, `ocpi_worker_up{worker}`.

A request's cost when metrics are off: nothing (`OcpiApplication` tests one attribute); when on, a timer, the
labels from the path (the OCPI status from the last bytes of the answer) and one histogram observation."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Scope, Send

from ocpi.core.enums import RoleEnum
from ocpi.core.rules import RULES
from ocpi.logs import NodeEvents, PartyLike
from ocpi.modules.registry import FUNCTIONAL_MODULES
from ocpi.node.node import Node
from ocpi.server.health import store_checks, worker_checks
from ocpi.storage.operations import PartnerStatus, partner_statuses
from ocpi.storage.quirks import quirk_counts

log = logging.getLogger("ocpi.server")

METRICS_PATH = "/metrics"
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset({"GET", "PUT", "PATCH", "POST", "DELETE"})
OTHER = "other"
NONE = "-"
_STATUS_CODE = b'"status_code":'


class RequestMetrics:
    """The requests histogram, and the labels of a request from its path, as the node names its routes:
    `/ocpi[/{role}][/{version}][/{module}/...]`, or `versions`."""

    def __init__(self, node: Node, registry: CollectorRegistry):
        config = node.config
        self.prefix = config.prefix
        self.roles = frozenset(role.value.lower() for role in RoleEnum)
        self.versions = frozenset(config.versions)
        self.modules = frozenset({*FUNCTIONAL_MODULES, "credentials", "versions"})
        self.histogram = Histogram(
            "ocpi_request_duration_seconds",
            "OCPI requests answered, by role, version, module, method, HTTP status and OCPI status code.",
            ["role", "version", "module", "method", "http_status", "ocpi_status"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, ...], Any] = {}

    def labels(self, path: str) -> tuple[str, str, str]:
        """(role, version, module) of an OCPI path; `-` where the path names none, `other` where it names
        something this node does not serve."""
        parts = path[len(self.prefix) + 1 :].split("/", 3)
        role = version = NONE
        if parts[0] in self.roles:
            role = parts.pop(0)
        if not parts or parts[0] == "versions":
            return role, version, "versions" if parts and len(parts) == 1 else OTHER
        version = parts.pop(0)
        if version not in self.versions:
            return role, OTHER, OTHER
        if not parts:
            return role, version, "versions"  # the version details
        module = parts[0]
        return role, version, module if module in self.modules else OTHER

    def observe(self, scope: Scope, send: Send) -> Send:
        """`send`, observed: when the answer's last bytes go, its duration is recorded."""
        path = scope["path"]
        if not path.startswith(self.prefix + "/"):
            return send
        started = time.perf_counter()
        status = 0

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif not message.get("more_body", False):
                self.record(scope, status, message.get("body", b""), time.perf_counter() - started)
            await send(message)

        return observed

    def record(self, scope: Scope, http_status: int, body: bytes, seconds: float) -> None:
        role, version, module = self.labels(scope["path"])
        method = scope["method"] if scope["method"] in METHODS else OTHER
        key = (role, version, module, method, str(http_status), ocpi_status(body))
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.histogram.labels(*key)
        child.observe(seconds)


def ocpi_status(body: bytes) -> str:
    """The status code of an OCPI envelope, read from its end (our envelopes end with status_code, an optional
    status_message and the timestamp: a JSON string cannot hold the unescaped pattern, so the last one found is
    the envelope's); `-` for anything else."""
    at = body.rfind(_STATUS_CODE)
    if at < 0:
        return NONE
    digits = body[at + len(_STATUS_CODE) : at + len(_STATUS_CODE) + 4]
    return digits.decode() if digits.isdigit() else NONE


class MeteredEvents(NodeEvents):
    """The node's events, with each push request's duration counted too."""

    def __init__(self, registry: CollectorRegistry):
        self.push = Histogram(
            "ocpi_partner_push_duration_seconds",
            "Push requests to partners by this process's push workers, by partner, module and outcome.",
            ["partner", "module", "outcome"],
            buckets=PUSH_BUCKETS,
            registry=registry,
        )

    def push_sent(self, party: PartyLike, module: str, seconds: float, error: str | None, what: str = "") -> None:
        self.push.labels(party.name, module, "failed" if error is not None else "delivered").observe(seconds)
        super().push_sent(party, module, seconds, error, what)


class _Snapshot(Collector):
    """Gauges read at scrape time, served once."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


async def store_families(node: Node) -> list[Metric]:
    """Partners, store and workers, as they are now."""
    partner = ["partner", "partner_pk"]
    behind = _gauge("ocpi_partner_changes_behind", "Changes not yet pushed to the partner.", partner)
    failing = _gauge("ocpi_partner_failing_objects", "Objects whose push to the partner failed, retried.", partner)
    success = _gauge(
        "ocpi_partner_last_push_success_timestamp_seconds", "When a push to the partner last succeeded.", partner
    )
    pulled = _gauge(
        "ocpi_partner_last_pull_timestamp_seconds", "When a list of the partner was last pulled.", [*partner, "module"]
    )
    states = _gauge("ocpi_partners", "Partners by state.", ["state"])
    store_up = _gauge("ocpi_store_up", "1 when the store answers.", [])
    schema = _gauge("ocpi_schema_current", "1 when the store's schema is at the shipped migrations' head.", [])
    workers = _gauge("ocpi_worker_up", "1 while the background worker runs.", ["worker"])
    checks = {check.name: check for check in await store_checks(node)}
    store_up.add_metric([], 1.0 if checks["store"].ok else 0.0)
    schema.add_metric([], 1.0 if "schema" in checks and checks["schema"].ok else 0.0)
    for check in worker_checks(node):
        workers.add_metric([check.name], 1.0 if check.ok else 0.0)
    families: list[Metric] = [store_up, schema, workers]
    if not checks["store"].ok:
        return families
    statuses = await partner_statuses(node.store)
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status.party.state] = counts.get(status.party.state, 0) + 1
    for state, count in sorted(counts.items()):
        states.add_metric([state], float(count))
    quirks = CounterMetricFamily(
        "ocpi_partner_quirks",
        "Messages from the partner that deviated from the spec and were read all the same, by kind of deviation.",
        labels=[*partner, "kind"],
    )
    try:
        await node.quirks.flush()  # this process's counts, with every other process's already stored
    except Exception as error:  # kept for the next flush; the scrape shows what is stored
        log.warning("writing partners' quirks failed: %s", error)
    counts_by_kind = await quirk_counts(node.store)
    for status in _registered(statuses):
        labels = [status.party.name, str(status.party.pk)]
        for (party_pk, kind), count in sorted(counts_by_kind.items()):
            if party_pk == status.party.pk and kind in RULES:
                quirks.add_metric([*labels, kind], float(count))
        if status.behind is not None:
            behind.add_metric(labels, float(status.behind))
        failing.add_metric(labels, float(status.failing))
        if status.last_success_at is not None:
            success.add_metric(labels, status.last_success_at.timestamp())
        for module, at in sorted(status.pulls.items()):
            pulled.add_metric([*labels, module], at.timestamp())
    return [*families, states, behind, failing, success, pulled, quirks]


def _registered(statuses: list[PartnerStatus]) -> Iterator[PartnerStatus]:
    return (status for status in statuses if status.party.state == "registered")


def install(app: Any, node: Node) -> Callable[[Scope, Send], Send]:
    """Serve `/metrics`, and count the node's events; returns what observes each request (for
    `OcpiApplication.observe_request`)."""
    registry = CollectorRegistry(auto_describe=False)
    requests = RequestMetrics(node, registry)
    node.events = MeteredEvents(registry)
    token = node.config.metrics_token

    async def metrics(request: Request) -> Response:
        if token is not None and not _bearer_matches(request, token):
            return Response(
                "a bearer token is required (Authorization: Bearer <metrics token>)\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        snapshot = CollectorRegistry(auto_describe=False)
        snapshot.register(_Snapshot(await store_families(node)))
        return Response(
            generate_latest(registry) + generate_latest(snapshot),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )

    app.router.add_route(METRICS_PATH, metrics, methods=["GET"], include_in_schema=False)
    return requests.observe


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
