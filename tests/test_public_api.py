"""The public face: what users need is importable from `ocpi`, typed for mypy and IDEs, documented, and loaded
only when used (`import ocpi` stays as cheap as the CLI needs)."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from mypy import api as mypy_api

import ocpi
from ocpi.node.config import NodeConfig, NodeOptions, OwnParty
from ocpi.server.app import OcpiApplication, get_application

INIT = Path(ocpi.__file__)


def _type_checking_names() -> set[str]:
    """The names the `if TYPE_CHECKING:` block of ocpi/__init__.py imports (what mypy and IDEs see)."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    return {
        alias.asname or alias.name for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }


def test_every_export_is_in_all_typed_for_checkers_and_loaded_from_its_home() -> None:
    exported = set(ocpi.__all__) - {"SUPPORTED_VERSIONS", "__version__"}
    assert exported == _type_checking_names()
    for name in exported:
        value = getattr(ocpi, name)
        home = importlib.import_module(value.__module__)
        assert getattr(home, name) is value, name


@pytest.mark.parametrize("name", sorted(set(ocpi.__all__) - {"SUPPORTED_VERSIONS", "__version__"}))
def test_every_export_is_documented(name: str) -> None:
    value = getattr(ocpi, name)
    doc = value.__dict__.get("__doc__") if isinstance(value, type) else value.__doc__
    assert doc and not doc.startswith(f"{name}("), f"{name} has no docstring of its own"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'ocpi' has no attribute 'Nodes'"):
        ocpi.Nodes  # noqa: B018


def test_import_ocpi_loads_no_framework() -> None:
    probe = (
        "import sys, ocpi; print(sorted(m for m in ('fastapi', 'sqlalchemy', 'pydantic', 'httpx') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_get_application_has_its_real_signature() -> None:
    signature = inspect.signature(get_application)
    kinds = {p.kind for p in signature.parameters.values()}
    assert inspect.Parameter.VAR_POSITIONAL not in kinds
    hints = typing.get_type_hints(get_application, include_extras=True)
    assert hints["return"] is OcpiApplication
    assert hints["options"] == typing.Unpack[NodeOptions]
    assert all(name in hints for name in signature.parameters)


def test_node_options_are_every_other_setting_of_node_config() -> None:
    explicit = {"parties", "versions", "modules", "base_url", "bookings"}
    settings = {f.name for f in dataclasses.fields(NodeConfig)} - explicit
    assert set(NodeOptions.__annotations__) == settings
    assert explicit <= set(inspect.signature(get_application).parameters)


def test_the_app_carries_its_node() -> None:
    app = ocpi.get_application(parties=[OwnParty(ocpi.RoleEnum.CPO, "NL", "ABC")], store="sqlite://", push=False)
    assert isinstance(app, ocpi.OcpiApplication)
    assert isinstance(app.node, ocpi.Node) and app.node is app.state.node
    assert app.node.config.push is False


def test_mypy_sees_the_types_through_ocpi(tmp_path: Path) -> None:
    """What a user's type checker says of code written against `ocpi`: real types, and a misspelt option is an
    error (with `*args: Any, **kwargs: Any` it was not)."""
    sample = tmp_path / "user_app.py"
    sample.write_text(
        "import ocpi\n"
        "app = ocpi.get_application(parties=[ocpi.OwnParty(ocpi.RoleEnum.CPO, 'NL', 'ABC')], push_interval=0.5)\n"
        "reveal_type(app)\n"
        "reveal_type(app.node)\n"
        "ocpi.get_application(parties=[], push_intervall=0.5)\n"
        "ocpi.get_application(parties=[], strict='yes')\n"
        "from ocpi.modules.tokens.v_2_3_0.schemas import Token\n"
        "class Tokens:\n"
        "    async def get(self, key: ocpi.ObjectKey) -> Token | None: ...\n"
        "    async def page(self, query: ocpi.SourceQuery) -> ocpi.SourcePage[Token]: ...\n"
        "ocpi.Sources(tokens=Tokens())\n"
        "ocpi.Sources(locations=Tokens())\n",
        encoding="utf-8",
    )
    root = INIT.parents[1]
    out, _err, status = mypy_api.run(
        [str(sample), "--cache-dir", str(root / ".mypy_cache"), "--no-error-summary", "--follow-imports=silent"]
    )
    assert status == 1, out
    lines = out.splitlines()
    assert any('Revealed type is "ocpi.server.app.OcpiApplication"' in line for line in lines), out
    assert any('Revealed type is "ocpi.node.node.Node"' in line for line in lines), out
    assert any(':5: error: Unexpected keyword argument "push_intervall"' in line for line in lines), out
    assert any(":6: error:" in line and "strict" in line for line in lines), out
    assert not any(":11: error" in line for line in lines), out  # a source of Tokens is the tokens source
    assert any(":12: error:" in line and '"locations"' in line for line in lines), out  # not the locations one


def test_the_api_reference_starts_from_get_application_and_lists_every_export() -> None:
    docs = INIT.parents[1] / "docs" / "reference"
    index = (docs / "index.md").read_text(encoding="utf-8")
    assert index.index("ocpi.get_application") < index.index("## Where to start")
    for name in ocpi.__all__:
        assert f"`{name}`" in index, f"{name} is exported but not listed in docs/reference/index.md"
    node_page = (docs / "node.md").read_text(encoding="utf-8")
    assert node_page.split(":::", 1)[1].startswith(" ocpi.server.app.get_application")
