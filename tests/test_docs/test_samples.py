"""Every python sample of the documentation runs (see `samples.py` for the rules)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from tests.test_docs.samples import DOCS, pages, samples

# Samples that are not run, and why. Keep this list short: a sample that is not run is a sample that rots.
MAX_NOT_EXECUTED = 3


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_page_samples_run(page: Path, tmp_path: Path) -> None:
    from tests.test_docs.samples import run_page

    run_page(page, tmp_path)


def test_samples_not_executed_are_few_and_justified() -> None:
    skipped = [s for page in sorted(DOCS.rglob("*.md")) for s in samples(page) if s.skip_reason is not None]
    listing = "\n".join(f"{s.where}: {s.skip_reason}" for s in skipped)
    print(f"{len(skipped)} documentation sample(s) not executed:\n{listing}")
    assert all(len(s.skip_reason or "") >= 10 for s in skipped), f"give each a real reason:\n{listing}"
    assert len(skipped) <= MAX_NOT_EXECUTED, f"too many samples are not executed:\n{listing}"


def test_the_documentation_has_samples_to_run() -> None:
    executed = [s for page in pages() for s in samples(page) if s.skip_reason is None]
    assert len(executed) >= 20


def test_extraction_reads_fences_markers_and_indentation(tmp_path: Path) -> None:
    from tests.test_docs.samples import run_page

    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n```python\nvalue = 1\n```\n\n"
        "<!-- not-executed: needs a partner's production platform -->\n```python\nraise SystemExit\n```\n\n"
        "- item\n\n    ```python\n    value += await_me()\n    ```\n\n```console\nnot python\n```\n",
        encoding="utf-8",
    )
    found = samples(page)
    assert [s.line for s in found] == [3, 8, 14]
    assert found[1].skip_reason == "needs a partner's production platform"
    assert found[2].code == "value += await_me()\n"

    async def answer() -> int:
        return 41

    page.write_text(page.read_text().replace("await_me()", "await answer()"), encoding="utf-8")
    namespace = run_page(page, tmp_path, {"answer": answer})
    assert namespace["value"] == 42


HOOK_PAGES = ("guides/cpo.md", "guides/emsp.md", "guides/migrating.md")


def test_the_hooks_the_guides_write_have_the_protocols_signatures(tmp_path: Path) -> None:
    """Each hook class a guide's samples define has the signatures of the protocol it implements (the canonical
    models and a `Requester`), so the guides teach the hooks as they are, not as they were."""
    from ocpi.node import hooks
    from tests.test_docs.samples import run_page

    protocols = [
        hooks.CommandHandler,
        hooks.TokenAuthorizer,
        hooks.ChargingProfileHandler,
        hooks.ChargingPreferencesHandler,
        hooks.ResultListener,
        hooks.PaymentTerminalHandler,
        hooks.BookingHandler,
    ]
    checked = []
    for page in HOOK_PAGES:
        workdir = tmp_path / page.replace("/", "_")
        workdir.mkdir()
        namespace = run_page(DOCS / page, workdir)
        written = [v for v in namespace.values() if isinstance(v, type) and v.__module__ == "__docs__"]
        for cls in written:
            for protocol in protocols:
                methods = [name for name in vars(protocol) if not name.startswith("_")]
                if not all(name in vars(cls) for name in methods):
                    continue
                for name in methods:
                    theirs = list(inspect.signature(getattr(cls, name)).parameters)
                    ours = list(inspect.signature(getattr(protocol, name)).parameters)
                    assert theirs == ours, f"{page}: {cls.__name__}.{name}{theirs} is not {protocol.__name__}'s {ours}"
                checked.append((page, cls.__name__, protocol.__name__))
    assert len(checked) >= 5, checked
