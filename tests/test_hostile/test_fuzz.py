"""Schemathesis against the node's own OpenAPI document (every version, every role, every module, Bookings
included), through schemathesis's ASGI transport into the real app on SQLite, as a registered partner.

Whatever it sends, the node answers in the envelope with the HTTP status the spec's status_codes chapter
prescribes, and never a 5xx. Bounded for CI: a few examples per operation, derandomized (the same cases on
every run), no shrinking database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.python import asgi

from ocpi.core.utils import authorization_header
from ocpi.node.hooks import CommandAnswer, Hooks
from ocpi.server.app import get_application
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES
from tests.test_hostile.support import check_answer

# The fuzzing partner: a CPO, an eMSP and a PTP under BE, so owner-keyed writes reach validation and storage
# (refusal of someone else's country_code/party_id is proven in test_auth.py).
PARTNER_ROLES = [PartyRole("CPO", "BE", "BEC"), PartyRole("EMSP", "BE", "BEE"), PartyRole("PTP", "BE", "BEP")]


class AnswerLater:
    """Commands accepted, results never posted: a fuzzed response_url must not make the test call out."""

    async def handle(self, command: str, request: Any, requester: Any) -> CommandAnswer:
        return CommandAnswer(final_result=None)


async def _registered_partner(database: str) -> str:
    store = await SqlStore.open(database)
    try:
        party = await store.create_party("fuzzer", PARTNER_ROLES, state="registered")
        return await store.issue_token(TokenKind.C, party.pk)
    finally:
        await store.close()


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    database = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'ocpi.db'}"
    token = asyncio.run(_registered_partner(database))
    # The store is opened by the app's lifespan, on schemathesis's own event loop.
    app = get_application(
        parties=NODE_PARTIES,
        store=database,
        base_url="http://testserver",
        bookings=True,
        push=False,
        hooks=Hooks(commands=AnswerLater()),
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", app), token
    asgi.shutdown_lifespans()


# Credentials PUT and DELETE are left out: they would re-register or unregister the fuzzing partner itself
# (and PUT calls the URL it is given); the handshake tests cover them.
LEFT_OUT = {("PUT", "credentials"), ("DELETE", "credentials")}
EXAMPLES_PER_OPERATION = 3


def test_every_operation_answers_in_the_envelope(fuzz_target: tuple[Any, str]) -> None:
    schema, token = fuzz_target
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path.rsplit("/", 1)[-1]) in LEFT_OUT:
            continue
        operations += 1
        try:
            _fuzz(operation, token)
        except AssertionError as error:  # hypothesis re-raises the (smallest) failing case
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert operations > 150, operations  # every module x version x role is in the document
    assert not failures, "\n".join(failures)


def _fuzz(operation: Any, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers_in_the_envelope(case: Any) -> None:
        parameters = case.path_parameters or {}
        if "country_code" in parameters:
            parameters["country_code"], parameters["party_id"] = "BE", "BEC"
        case.headers = {**(case.headers or {}), "Authorization": authorization_header(token, "2.2.1")}
        response = case.call()
        try:
            check_answer(response.status_code, response.content)
        except AssertionError as error:
            raise AssertionError(f"{case.path_parameters} {case.query} {str(case.body)[:200]!r}: {error}") from None

    answers_in_the_envelope()
