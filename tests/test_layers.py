"""The import graph of `ocpi/` against the layer table (DESIGN.md, "Layers"; CONTRIBUTING.md, "Layers"): every
import, at module level or inside a function, goes from a layer to one it may import, and no two layers import
each other, however indirectly."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ocpi"

# The layer of each part of the package: its subpackage, or a top-level module.
LAYER_OF = {
    "core": "core",
    "logs": "core",  # a leaf: what the node reports, in which words (no import of ocpi)
    "modules": "modules",
    "client": "client",
    "storage": "storage",
    "tariffs": "tariffs",
    "push": "push",
    "node": "node",
    "server": "server",
    "afir": "tools",
    "testing": "tools",
    "conformance": "tools",
    "demo": "tools",
    "compat": "tools",  # the seed system's API over a whole node
    "cli": "cli",
    "": "package",  # ocpi/__init__.py: the public face, lazily importing any layer
}

BELOW_CLIENT = {"modules", "core"}
MAY_IMPORT = {
    "core": set(),
    "modules": {"core"},
    "client": BELOW_CLIENT,
    "storage": BELOW_CLIENT,
    "tariffs": BELOW_CLIENT,
    "push": {"client", "storage"} | BELOW_CLIENT,
    "node": {"push", "tariffs", "storage", "client"} | BELOW_CLIENT,
    "server": {"node", "push", "tariffs", "storage", "client"} | BELOW_CLIENT,
    # What runs a whole node (the conformance checker's peer, `ocpi.testing`, the demo) stands on the server.
    "tools": {"server", "node", "push", "tariffs", "storage", "client"} | BELOW_CLIENT,
    "cli": {"tools", "server", "node", "push", "tariffs", "storage", "client"} | BELOW_CLIENT,
    "package": {"cli", "tools", "server", "node", "push", "tariffs", "storage", "client"} | BELOW_CLIENT,
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """Every `ocpi` module `path` imports (relative imports resolved), with the line, wherever the import is."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from ocpi import server` imports the subpackage
                yield f"{target}.{alias.name}", node.lineno


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != PACKAGE.name:
        return None
    if len(parts) == 1:
        return LAYER_OF[""]
    return LAYER_OF.get(parts[1])


def arrows(root: Path) -> list[tuple[str, str, str, int]]:
    """(layer, imported layer, file, line) of every import between two layers."""
    found: list[tuple[str, str, str, int]] = []
    for path in sorted(root.rglob("*.py")):
        own = layer(module_name(path, root))
        assert own is not None, f"{path} is in no layer: add it to LAYER_OF and to the table in CONTRIBUTING.md"
        for target, line in imports(path, root):
            other = layer(target)
            arrow = (own, other, str(path.relative_to(root.parent)), line)
            if other is not None and other != own and arrow not in found:
                found.append(arrow)
    return found


def against_the_table(root: Path) -> list[str]:
    return [
        f"{file}:{line}: {own} imports {other}"
        for own, other, file, line in arrows(root)
        if other not in MAY_IMPORT[own]
    ]


def layer_cycles(root: Path) -> list[list[str]]:
    """Each cycle of the graph of layers (an edge: some module of one imports some module of the other)."""
    graph: dict[str, set[str]] = {}
    for own, other, _file, _line in arrows(root):
        graph.setdefault(own, set()).add(other)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(start: str, at: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(at, ())):
            if nxt == start:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    cycles.append([*path, start])
            elif nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return cycles


def test_every_import_follows_the_layer_table() -> None:
    assert against_the_table(PACKAGE) == []


def test_no_cycle_between_layers() -> None:
    assert layer_cycles(PACKAGE) == []


def test_the_table_is_a_hierarchy() -> None:
    """The table itself has no cycle: a layer never may import one that may import it."""
    for own, allowed in MAY_IMPORT.items():
        for other in allowed:
            assert own not in MAY_IMPORT[other], f"{own} and {other} may import each other"


def test_contributing_shows_the_table() -> None:
    text = (PACKAGE.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    for own, allowed in MAY_IMPORT.items():
        assert f"`{own}`" in section, own
        for other in allowed:
            assert f"`{other}`" in section


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ocpi.server.node import Node\n", ["push imports server"]),
        ("def f():\n    from ocpi.node import Node\n", ["push imports node"]),
        ("from ocpi.storage.base import Party\n", []),
    ],
)
def test_the_check_sees_module_and_function_level_imports(tmp_path: Path, source: str, expected: list[str]) -> None:
    root = tmp_path / "ocpi"
    (root / "push").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "push" / "__init__.py").write_text("")
    (root / "push" / "worker.py").write_text(source)
    assert [finding.split(": ", 1)[1] for finding in against_the_table(root)] == expected


def test_a_cycle_between_layers_is_found(tmp_path: Path) -> None:
    root = tmp_path / "ocpi"
    for layer_dir, source in (("push", "from ocpi.server import app\n"), ("server", "from ocpi.push import worker\n")):
        (root / layer_dir).mkdir(parents=True)
        (root / layer_dir / "__init__.py").write_text("")
        (root / layer_dir / "mod.py").write_text(source)
    (root / "__init__.py").write_text("")
    assert layer_cycles(root) == [["push", "server", "push"]]
