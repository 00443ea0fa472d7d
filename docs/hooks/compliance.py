"""MkDocs hook: adds the pages generated from the code, the compliance matrix (`compliance.md`, see
`ocpi.server.compliance`) and the changelog (`changelog.md`, from the repository's CHANGELOG.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from ocpi.server.compliance import matrix_markdown

ROOT = Path(__file__).resolve().parents[2]


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, "compliance.md", content=matrix_markdown()))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "changelog.md", content=changelog))
    return files
