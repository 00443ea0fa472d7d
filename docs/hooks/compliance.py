"""MkDocs hook: adds the pages generated from the code, the compliance matrix (`compliance.md`, see
`tools/compliance.py`) and the changelog (`changelog.md`, from the repository's CHANGELOG.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the build code of the repository, beside the library (not installed with it)
    sys.path.insert(0, str(ROOT))

from tools.compliance import matrix_markdown  # noqa: E402


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, "compliance.md", content=matrix_markdown()))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "changelog.md", content=changelog))
    return files
