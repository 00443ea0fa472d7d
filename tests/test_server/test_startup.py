"""What the node's app does when it starts (its lifespan), beyond opening the store."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from ocpi.server.app import get_application
from tests.conftest import NODE_PARTIES


def _watched(thing: object) -> bool:
    """Whether the garbage collector walks `thing` (frozen objects are in none of its generations)."""
    return any(tracked is thing for tracked in gc.get_objects())


@pytest.mark.parametrize("freeze", [True, False])
async def test_freeze_after_startup_takes_what_startup_opened_out_of_the_collectors_sight(
    tmp_path: Path, freeze: bool
) -> None:
    app = get_application(parties=NODE_PARTIES, store=f"sqlite:///{tmp_path / 'node.db'}", freeze_after_startup=freeze)
    frozen_before = gc.get_freeze_count()
    try:
        async with app.router.lifespan_context(app):
            engine = app.state.node.store.engine  # opened at startup, after the app was built
            assert _watched(engine) is not freeze
            assert (gc.get_freeze_count() > frozen_before) is freeze
    finally:
        gc.unfreeze()
