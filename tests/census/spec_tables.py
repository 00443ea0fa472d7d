"""Reads the object, class and enum tables out of the verbatim spec files.

2.1.1 is Markdown (`### 3.1 _Location_ Object`, `#### 4.4 ConnectorType *enum*`, pipe tables); 2.2.1 and 2.3.0
are AsciiDoc (`==== _Location_ Object`, `==== ConnectorType _enum_`, `|===` tables whose cells may span lines).
The bookings extension (`2.3.0-bookings/mod_bookings.asciidoc`) counts as version 2.3.0, module `bookings`.

The result, per version, is a list of `Definition`s: a class (its fields: name, type, max length, cardinality)
or an enum (its values), with the spec file, line and section title it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.spec import SPEC_DIR

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")

# spec file stem -> module folder name under ocpi/modules ("types" is ocpi.core)
MODULE_OF_FILE = {
    "mod_cdrs": "cdrs",
    "mod_charging_profiles": "chargingprofiles",
    "mod_commands": "commands",
    "mod_hub_client_info": "hubclientinfo",
    "mod_locations": "locations",
    "mod_sessions": "sessions",
    "mod_tariffs": "tariffs",
    "mod_tokens": "tokens",
    "mod_payments": "payments",
    "mod_bookings": "bookings",
    "credentials": "credentials",
    "version_information_endpoint": "versions",
    "types": "types",
}

CARDINALITIES = ("1", "?", "*", "+")


@dataclass(frozen=True)
class SpecField:
    name: str
    type: str  # the type's name as the table says: "CiString", "string", "URL", "DateTime", "Location"...
    length: int | None  # the (n) of CiString(n) / string(n)
    card: str  # "1", "?", "*" or "+"
    choice: bool = False  # member of a "Choice: one of ..." group (2.1.1 Hours): present or not, by the others
    min_length: int | None = None  # only 2.3.0 `CiString[1..255]`
    description: str = ""  # the table's Description cell (where format rules such as `Regex: ...` are written)

    @property
    def effective_card(self) -> str:
        """The cardinality a model can express: a choice member is optional (`?`), or an optional list (`*`)."""
        if self.choice:
            return "*" if self.is_list else "?"
        return self.card

    @property
    def is_list(self) -> bool:
        return self.card in ("*", "+")

    @property
    def required(self) -> bool:
        return self.card in ("1", "+")

    def __str__(self) -> str:
        length = f"({self.length})" if self.length is not None else ""
        return f"{self.name}: {self.type}{length} [{self.card}]"


@dataclass(frozen=True)
class Definition:
    version: str
    module: str
    name: str  # the Python name: the section title without decoration and spaces
    kind: str  # "class" or "enum"
    open_enum: bool  # 2.3.0 `_OpenEnum_` sections
    fields: tuple[SpecField, ...]
    values: tuple[str, ...]
    source: str  # "2.2.1/mod_locations.asciidoc:443"
    title: str  # the heading as written

    @property
    def case_id(self) -> str:
        return f"{self.version}-{self.module}-{self.name}"

    def field(self, name: str) -> SpecField:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


def spec_files(version: str) -> list[Path]:
    if version == "2.1.1":
        files = sorted((SPEC_DIR / "2.1.1").glob("*.md"))
    else:
        files = sorted((SPEC_DIR / version).glob("*.asciidoc"))
        if version == "2.3.0":
            files.append(SPEC_DIR / "2.3.0-bookings" / "mod_bookings.asciidoc")
    return [f for f in files if f.stem in MODULE_OF_FILE]


# --- headings ------------------------------------------------------------------------------------------------

_HEADING_ADOC = re.compile(r"^(=+)\s+(.*?)\s*$")
_HEADING_MD = re.compile(r"^(#+)\s+(.*?)\s*$")
_SECTION_NUMBER = re.compile(r"^\d+(\.\d+)*\.?\s+")
_TITLE = re.compile(
    r"^[_*]?(?P<name>[A-Za-z][A-Za-z0-9 ]*?)[_*]?\s+[_*]?(?P<kind>Object|object|class|enum|OpenEnum)[_*]?$"
)


def _definition_heading(title: str) -> tuple[str, str, bool] | None:
    """(python name, kind, open) for a heading that introduces a class/object/enum, else None."""
    match = _TITLE.match(_SECTION_NUMBER.sub("", title).strip())
    if match is None:
        return None
    kind = match["kind"]
    name = match["name"].replace(" ", "")
    if kind in ("enum", "OpenEnum"):
        return name, "enum", kind == "OpenEnum"
    return name, "class", False


# --- cells ---------------------------------------------------------------------------------------------------

_ADOC_LINK = re.compile(r"<<[^,>]*,([^>]*)>>")
_ADOC_BARE_LINK = re.compile(r"<<([^>]*)>>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def clean(text: str) -> str:
    """A cell's text without markup: links reduced to their text, emphasis and entities removed."""
    text = re.sub(r"\[\[[^\]]*\]\]", "", text)  # [[anchor]]
    text = _ADOC_LINK.sub(r"\1", text)
    text = _ADOC_BARE_LINK.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("\\|", "|")
    text = re.sub(r"(?<=\S)[ \t]+\+[ \t]*(\n|$)", " ", text)  # AsciiDoc hard line breaks
    text = text.replace("`", "")
    text = re.sub(r"\*([^*\s][^*]*)\*", r"\1", text)  # *emphasis*, not a lone * (cardinality)
    text = re.sub(r"^_(.*)_$", r"\1", text.strip())
    return " ".join(text.split())


_CELL_STYLE = re.compile(r"(?<=\s)[adehlmsv]\s*$")  # `a|` before a separator: the next cell's AsciiDoc style


def _adoc_table(lines: list[str], start: int, cols: int) -> list[list[str]]:
    """Rows of the `|===` table whose opening line is `lines[start]`, header row included."""
    body: list[str] = []
    for line in lines[start + 1 :]:
        if line.strip() == "|===":
            break
        body.append(line)
    raw = _CELL_SPLIT.split("\n".join(body))
    if raw[0].strip() != "":
        raise ValueError(f"line {start + 1}: table does not start with a cell")
    cells = [_CELL_STYLE.sub("", cell) if i + 1 < len(raw) else cell for i, cell in enumerate(raw)][1:]
    rows: list[list[str]] = []
    row: list[str] = []
    for cell in cells:
        if len(row) == cols:
            rows.append(row)
            row = []
            if cell.strip() == "":  # a stray `|` at the end of a full row (2.2.1 CommandResponse)
                continue
        row.append(cell)
    if row:
        rows.append(row)
    if any(len(r) != cols for r in rows):
        raise ValueError(f"line {start + 1}: rows do not have {cols} cells")
    return [[clean(c) for c in r] for r in rows]


def _md_table(lines: list[str], start: int) -> list[list[str]]:
    """Rows of the Markdown table starting at `lines[start]` (header row included, separator dropped)."""
    rows: list[list[str]] = []
    for index in range(start, len(lines)):
        line = lines[index].strip()
        if not line.startswith("|"):
            break
        cells = _CELL_SPLIT.split(line)[1:-1]
        if index == start + 1 and all(re.fullmatch(r"\s*:?-+:?\s*", c) for c in cells):
            continue
        rows.append([clean(c) for c in cells])
    return rows


# --- definitions ---------------------------------------------------------------------------------------------

# `CiString(36)`; 2.3.0 also writes `CiString[36]`, `String[50]` and `CiString[1..255]` (a minimum length too)
_TYPE = re.compile(
    r"^(?P<type>[A-Za-z][A-Za-z0-9]*)\s*"
    r"(?:[(\[]\s*(?:(?P<min>\d+)\s*\.\.\s*)?(?P<length>\d+)\s*[)\]])?$"
)


def _parse_type(text: str, where: str) -> tuple[str, int | None, int | None]:
    """(type name, max length, min length)."""
    match = _TYPE.match(text)
    if match is None:
        raise ValueError(f"{where}: cannot read type {text!r}")
    name = "string" if match["type"] == "String" else match["type"]
    length = int(match["length"]) if match["length"] else None
    return name, length, int(match["min"]) if match["min"] else None


def _make_definition(
    version: str, module: str, heading: tuple[str, str, bool], title: str, rows: list[list[str]], source: str
) -> Definition | None:
    name, kind, open_enum = heading
    header, body = rows[0], rows[1:]
    if kind == "class" and name == "VersionDetails" and header[0].lower() != "property":
        return None
    if kind == "class":
        if [h.lower() for h in header[:3]] not in (
            ["property", "type", "card."],
            ["field name", "field type", "card."],
        ):
            raise ValueError(f"{source}: unexpected class table header {header}")
        fields = []
        for row in body:
            if row[0].startswith("Choice:") and not any(row[1:3]):
                continue
            choice = row[0].startswith(">")
            if choice:
                row = [row[0].lstrip("> "), *row[1:]]
            type_name, length, min_length = _parse_type(row[1], f"{source} {row[0]}")
            if row[2] not in CARDINALITIES:
                raise ValueError(f"{source} {row[0]}: cardinality {row[2]!r}")
            if not re.fullmatch(r"[a-z][a-z0-9_]*", row[0]):
                raise ValueError(f"{source}: field name {row[0]!r}")
            description = row[3] if len(row) > 3 else ""
            fields.append(SpecField(row[0], type_name, length, row[2], choice, min_length, description))
        return Definition(version, module, name, kind, open_enum, tuple(fields), (), source, title)
    # enums: the value is in the "Value" column, or "ModuleID" in the ModuleID table
    lowered = [h.lower() for h in header]
    if "moduleid" in lowered:
        column = lowered.index("moduleid")
    elif lowered[0] in ("value", "property"):  # 2.1.1 SessionStatus says "Property"
        column = 0
    else:
        raise ValueError(f"{source}: unexpected enum table header {header}")
    values = tuple(row[column] for row in body)
    for value in values:
        if not re.fullmatch(r"[A-Za-z0-9_./]+", value):
            raise ValueError(f"{source}: enum value {value!r}")
    return Definition(version, module, name, kind, open_enum, (), values, source, title)


def _parse_file(version: str, path: Path) -> list[Definition]:
    module = MODULE_OF_FILE[path.stem]
    markdown = path.suffix == ".md"
    heading_re = _HEADING_MD if markdown else _HEADING_ADOC
    lines = path.read_text(encoding="utf-8").split("\n")
    relative = path.relative_to(SPEC_DIR).as_posix()
    found: list[Definition] = []
    current: tuple[tuple[str, str, bool], str, int] | None = None  # heading, title, line
    cols: int | None = None
    in_code = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```") or line.strip() == "----":
            in_code = not in_code
        if in_code:
            index += 1
            continue
        heading_match = heading_re.match(line)
        if heading_match:
            title = heading_match[2]
            parsed = _definition_heading(title)
            if parsed is None and module == "versions" and title == "Data":
                # The version details endpoint's "Data" table has no class name in the spec; the project calls
                # it VersionDetails. (The versions list's "Data" table has no Property column and is skipped.)
                parsed = ("VersionDetails", "class", False)
            current = (parsed, title, index + 1) if parsed else None
            index += 1
            continue
        if not markdown:
            cols_match = re.match(r'^\[cols="([^"]*)"', line)
            if cols_match:
                cols = len(cols_match[1].split(","))
        table: list[list[str]] | None = None
        if markdown and line.startswith("|") and current is not None:
            table = _md_table(lines, index)
        elif not markdown and line.strip() == "|===":
            if current is not None:
                if cols is None:
                    raise ValueError(f"{relative}:{index + 1}: table without [cols=...]")
                try:
                    table = _adoc_table(lines, index, cols)
                except ValueError as error:
                    raise ValueError(f"{relative}: {error}") from None
            # skip to the end of the table
            index += 1
            while index < len(lines) and lines[index].strip() != "|===":
                index += 1
            cols = None
        if table is not None and current is not None:
            heading, title, heading_line = current
            made = _make_definition(version, module, heading, title, table, f"{relative}:{heading_line}")
            if made is not None:
                found.append(made)
            current = None  # only the first table after the heading
            if markdown:
                while index < len(lines) and lines[index].startswith("|"):
                    index += 1
                continue
        index += 1
    return found


@cache
def definitions(version: str) -> tuple[Definition, ...]:
    """Every class and enum of `version`, in spec file order."""
    result: list[Definition] = []
    for path in spec_files(version):
        result.extend(_parse_file(version, path))
    return tuple(result)


@cache
def by_name(version: str) -> dict[str, Definition]:
    """Definitions of `version` by name; a name defined twice in one version is an error of the parser."""
    result: dict[str, Definition] = {}
    for definition in definitions(version):
        if definition.name in result:
            other = result[definition.name]
            raise ValueError(f"{definition.name} defined twice: {other.source} and {definition.source}")
        result[definition.name] = definition
    return result


def lookup(version: str, module: str, name: str) -> Definition:
    for definition in definitions(version):
        if definition.module == module and definition.name == name:
            return definition
    raise KeyError(f"{version} {module} {name}")
