"""The documentation's code samples: every fenced `python` block of `docs/**/*.md`, run page by page.

A page's blocks run in order, in one namespace and one event loop (top-level `await` allowed, as in
`python -m asyncio`), with a fresh temporary directory as the working directory, so a page reads like one
session. A block preceded by the line `<!-- not-executed: <reason> -->` is not run; the reason is required.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs"
NOT_EXECUTED = re.compile(r"<!--\s*not-executed:\s*(?P<reason>.*?)\s*-->")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)\s*(?P<info>[^\n`]*)$")


@dataclass(frozen=True)
class Sample:
    page: Path
    line: int
    """1-based line of the opening fence."""
    code: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        name = self.page.relative_to(DOCS) if self.page.is_relative_to(DOCS) else self.page
        return f"{name}:{self.line}"


def samples(page: Path) -> list[Sample]:
    """The `python` blocks of a Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Sample] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        language = opening["info"].strip().split(" ")[0].lower()
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        if language in ("python", "py"):
            body = [line[len(indent) :] if line.startswith(indent) else line for line in lines[index + 1 : end]]
            marker = NOT_EXECUTED.search(lines[index - 1]) if index > 0 else None
            found.append(Sample(page, index + 1, "\n".join(body) + "\n", marker["reason"] if marker else None))
        index = end + 1
    return found


def pages() -> list[Path]:
    """Every documentation page with at least one python block."""
    return [page for page in sorted(DOCS.rglob("*.md")) if samples(page)]


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """In `path`, and with the environment as it was once done: a page may set variables (the settings it shows),
    which must not reach the pages and tests after it."""
    previous, environment = Path.cwd(), dict(os.environ)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
        os.environ.clear()
        os.environ.update(environment)


def run_page(page: Path, workdir: Path, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the page's executed blocks in order (with the names in `given` predefined); returns the namespace
    they built. A failing block raises an AssertionError naming it, chained to the error."""
    namespace: dict[str, Any] = {"__name__": "__docs__", **(given or {})}
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    with working_directory(workdir), asyncio.Runner() as runner:
        for sample in samples(page):
            if sample.skip_reason is not None:
                continue
            try:
                code = compile(sample.code, sample.where, "exec", flags=flags)
                if code.co_flags & inspect.CO_COROUTINE:
                    runner.run(eval(code, namespace))
                else:
                    exec(code, namespace)
            except Exception as error:
                raise AssertionError(f"the sample at {sample.where} failed: {error!r}") from error
    return namespace
