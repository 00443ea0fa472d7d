"""The documentation site builds with `mkdocs build --strict`: no broken link, no missing page, no
mkdocstrings warning; and the generated pages are in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[dev]')")
    pytest.importorskip("mkdocstrings")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    compliance = (site / "compliance" / "index.html").read_text(encoding="utf-8")
    assert "/ocpi/emsp/2.3.0/tokens/{token_uid}/authorize" in compliance
    assert (site / "changelog" / "index.html").is_file()
    reference = (site / "reference" / "node" / "index.html").read_text(encoding="utf-8")
    assert "get_application" in reference
    assert not (site / "hooks").exists()
    assert "fonts.googleapis.com" not in (site / "index.html").read_text(encoding="utf-8")
    shutil.rmtree(site)
