"""The survey route: inventory records from spreadsheets (XLSX or CSV), and back.

Layout of a survey:
- one sheet per entity (XLSX) or one CSV file per entity, named by the top-level key
  (``systems``, ``systems.csv``) or a Chinese title of ``inventory.labels.SHEET_TITLES``
  (``信息系统``); a sheet with another name (instructions, 填表说明 ...) is skipped with a warning;
- the first row is the header: English field names, dotted for nested fields
  (``usage.scope``, ``resources.vcpu``, ``approval.date``), or the Chinese column titles of
  ``inventory.labels.COLUMN_TITLES`` (``使用范围``); a trailing ``*`` (mandatory mark) is ignored;
- one record per following row; empty rows are skipped; an empty cell means "not given";
- list cells: ``a;b;c`` (``；`` and ``、`` also separate) or a JSON list; dependencies as
  ``hr-core:data;gis:api`` or a JSON list of objects; hosts and shared resources as JSON;
- value cells accept the English enum values or the Chinese labels of ``VALUE_LABELS``,
  是/否 for yes/no, dates as 2014-05-01, 2014/5/1 or 2014年5月1日;
- the sheet ``inventory`` / ``概况`` holds version, city and cloud as key/value rows
  (``city.name`` or ``城市名称`` in the first column, the value in the second).

Export writes the Chinese titles (first title of each label) and Chinese value labels, so
the workbook reads like the survey form; import accepts them, and round-trip gives an equal
Inventory. One limit: an optional nested block given with every field empty
(``approval: {}``) reads back as not given.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
import re
import types
import typing
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from foundation.atomic import atomic_directory, atomic_write_text
from foundation.cells import csv_row, restore
from foundation.errors import GovcloudError
from foundation.inputs import InputFileError, read_input
from foundation.progress import ProgressCallback
from inventory import labels
from inventory.encoding import UTF8, UndecodableText, decode_survey_text
from inventory.fields import survey_date
from inventory.gathering import Gathered, PathKey, suggest
from inventory.models import (
    ENTITY_MODELS,
    City,
    Cloud,
    Dependency,
    DependencyKind,
    Host,
    Inventory,
    SharedResource,
)
from inventory.problems import Severity

META = labels.META_SHEET
_SPLIT = re.compile(r"[;；、]")
_LEVEL = re.compile(labels.LEVEL_PATTERN)


class ExportError(GovcloudError):
    """The inventory cannot be written as a workbook (say why)."""


# ---------------------------------------------------------------- columns derived from the models


@dataclass(frozen=True)
class Column:
    """One survey column: a dotted field name, how its cells read, and its titles."""

    name: str
    kind: str  # str | int | float | bool | date | enum | list | deps | objects
    enum: type[StrEnum] | None = None
    titles: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.titles[0] if self.titles else self.name


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def _columns_of(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str, type[StrEnum] | None]]:
    for name, info in model.model_fields.items():
        ann = _unwrap(info.annotation)
        dotted = prefix + name
        origin = typing.get_origin(ann)
        if origin is list:
            inner = _unwrap(typing.get_args(ann)[0])
            if inner is Dependency:
                yield dotted, "deps", None
            elif isinstance(inner, type) and issubclass(inner, BaseModel):
                yield dotted, "objects", None
            else:
                yield dotted, "list", None
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _columns_of(ann, dotted + ".")
        elif isinstance(ann, type) and issubclass(ann, StrEnum):
            yield dotted, "enum", ann
        elif ann is bool:
            yield dotted, "bool", None
        elif ann is int:
            yield dotted, "int", None
        elif ann is float:
            yield dotted, "float", None
        elif ann is dt.date:
            yield dotted, "date", None
        else:
            yield dotted, "str", None


def sheet_columns(sheet: str) -> list[Column]:
    """The columns of one sheet, in export order."""
    if sheet == META:
        model_cols = [("version", "int", None), *_columns_of(City, "city."), *_columns_of(Cloud, "cloud.")]
        titles = labels.META_TITLES
    else:
        model_cols = list(_columns_of(ENTITY_MODELS[sheet]))
        titles = labels.COLUMN_TITLES[sheet]
    return [Column(name, kind, enum, titles.get(name, ())) for name, kind, enum in model_cols]


def _header_index(columns: Sequence[Column]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in columns:
        index[col.name.lower()] = col
        for title in col.titles:
            index[title.lower()] = col
    return index


def sheet_key(name: str) -> str | None:
    """The top-level key a sheet or CSV file name stands for, or None."""
    wanted = name.strip().lower()
    for key, titles in labels.SHEET_TITLES.items():
        if wanted == key or wanted in (t.lower() for t in titles):
            return key
    return None


_LABEL_VALUES: dict[type[StrEnum], dict[str, str]] = {
    enum: {label.lower(): value for value, titles in table.items() for label in titles}
    for enum, table in labels.VALUE_LABELS.items()
}
_META_HEADERS = {"field", *(t.lower() for t in labels.COLUMN_TITLES[META]["field"])}
_TRUE = {x.lower() for x in labels.TRUE_LABELS}
_FALSE = {x.lower() for x in labels.FALSE_LABELS}


# ---------------------------------------------------------------- reading cells


class CellError(ValueError):
    """A cell that cannot be read as its column's kind."""


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def read_cell(col: Column, value: Any) -> Any:
    """The model value of one cell; raises CellError for a cell that cannot be read."""
    if col.kind == "int" and isinstance(value, str) and (level := _LEVEL.match(value.strip())):
        value = str(labels.LEVEL_DIGITS.get(level[1], level[1]))  # 三级 -> 3
    if isinstance(value, str):
        stripped = value.strip()
        if col.kind == "str":
            return value
        value = stripped
    if col.kind == "str":
        return _text(value)
    if col.kind == "enum":
        text = _text(value).strip()
        assert col.enum is not None
        return _LABEL_VALUES.get(col.enum, {}).get(text.lower(), text)
    if col.kind == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(f"{value!r} is not yes/no (是/否, true/false)")
    if col.kind in ("int", "float"):
        return _number(col, value)
    if col.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            day = survey_date(value)
            if day is None:
                raise CellError(f"{value!r} is not a valid date (YYYY-MM-DD, 2014/5/1 or 2014年5月1日)")
            return day.isoformat()
        raise CellError(f"{value!r} is not a date: write it as YYYY-MM-DD (a number is not a date)")
    text = _text(value)
    if col.kind == "list":
        if text.startswith("["):
            return _json_list(text)
        return [item.strip() for item in _SPLIT.split(text) if item.strip()]
    if col.kind == "deps":
        if text.startswith("["):
            return _json_list(text)
        deps = []
        for item in _SPLIT.split(text):
            if not item.strip():
                continue
            system, _, kind = item.strip().partition(":")
            dep: dict[str, Any] = {"system": system.strip()}
            if kind.strip():
                dep["kind"] = _LABEL_VALUES[DependencyKind].get(kind.strip().lower(), kind.strip())
            deps.append(dep)
        return deps
    return _json_list(text)  # objects


def _number(col: Column, value: Any) -> int | float:
    """A number cell: a spreadsheet number, or text as a survey writes it (1,200 or 35%)."""
    if isinstance(value, bool):
        raise CellError(f"{value!r} is a yes/no value, not a number")
    if isinstance(value, int | float):
        number: int | float = value
    else:
        text = str(value).replace(",", "").replace("，", "").replace(" ", "")
        percent = text.endswith("%") and col.kind == "float"
        try:
            number = float(text[:-1]) / 100 if percent else float(text)
        except ValueError:
            raise CellError(f"{value!r} is not a number") from None
        if col.kind == "int" and re.fullmatch(r"[+-]?\d+", text):
            number = int(text)
    if not math.isfinite(number):
        raise CellError(f"{value!r} is not a finite number")
    if col.kind == "int":
        if isinstance(number, float):
            if not number.is_integer():
                raise CellError(f"{value!r} is not a whole number")
            number = int(number)
        return number
    return float(number)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise CellError(f"JSON object gives {', '.join(map(repr, twice))} twice")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise CellError(f"{name} is not a number a survey may hold")


def _json_list(text: str) -> Any:
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CellError(f"not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
    except RecursionError:
        raise CellError("JSON nested too deeply") from None
    except CellError:
        raise
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise CellError(f"not valid JSON ({exc})") from None
    if not isinstance(value, list):
        raise CellError("must be a JSON list")
    if _depth(value) > MAX_JSON_DEPTH:
        raise CellError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    return value


MAX_JSON_DEPTH = 16  # a cell holds a list of flat objects


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        todo.extend((c, depth + 1) for c in children)
    return deepest


# ---------------------------------------------------------------- sheets as sources


@dataclass(eq=False)
class SheetSource:
    """One sheet or CSV file: every record's (and every meta key's) row number is known."""

    label: str
    header_row: int = 1
    rows: list[int] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)

    def lines(self, paths: Iterable[PathKey]) -> Callable[[PathKey], int | None]:
        return self.line

    def line(self, path: PathKey) -> int | None:
        if len(path) >= 2 and isinstance(path[1], int) and path[1] < len(self.rows):
            return self.rows[path[1]]
        if path and path[0] in ("city", "cloud", "version"):
            dotted = ".".join(str(p) for p in path)
            hits = [row for key, row in self.keys.items() if key == dotted or key.startswith(dotted + ".")]
            if hits:
                return min(hits)
            hits = [row for key, row in self.keys.items() if dotted.startswith(key + ".")]
            return min(hits) if hits else self.header_row
        return self.header_row


def _set(record: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for p in parents:
        record = record.setdefault(p, {})
    record[last] = value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


RecordSink = Callable[["SheetSource", int, dict[str, Any]], None]


def read_sheet(
    key: str,
    label: str,
    rows: Iterable[tuple[int, Sequence[Any]]],
    g: Gathered,
    *,
    columns: Sequence[Column] | None = None,
    sink: RecordSink | None = None,
) -> None:
    """Gather the records of one sheet (rows numbered as the user sees them) into *g*.

    *columns* and *sink* read a sheet that is not a top-level entity (a system's nested list):
    each record goes to *sink* instead of ``g.records[key]``.
    """
    source = SheetSource(label)
    it = iter(rows)
    header: Sequence[Any] | None = None
    for number, cells in it:
        if any(not _blank(c) for c in cells):
            source.header_row, header = number, cells
            break
    if header is None:
        return
    if columns is None:
        columns = sheet_columns(key) if key != META else []
    known = _header_index(columns)
    used: list[tuple[int, Column]] = []
    seen: dict[str, str] = {}
    for pos, cell in enumerate(header):
        if _blank(cell):
            continue
        title = str(cell).strip().rstrip("*").strip()
        if key == META:
            continue
        col = known.get(title.lower())
        if col is None:
            g.problem(
                source,
                (key,),
                None,
                title,
                f"unknown column{suggest(title, list(known))}; "
                "`govcloud inventory export --xlsx FILE` writes a workbook with every column",
            )
        elif col.name in seen:
            g.problem(source, (key,), None, title, f"column given twice (also as '{seen[col.name]}')")
        else:
            seen[col.name] = title
            used.append((pos, col))
    if key == META:
        _read_meta(source, itertools.chain([(source.header_row, header)], it), g)
        return
    records = g.records[key] if sink is None else []
    origins = g.origins[key] if sink is None else []
    first = used[0][0] if used else None
    for number, cells in it:
        if all(_blank(c) for c in cells):
            continue
        lead = cells[first] if first is not None and first < len(cells) else None
        if str(lead or "").startswith(labels.EXAMPLE_MARK):
            continue  # the form's example row
        record: dict[str, Any] = {}
        index = len(source.rows)
        source.rows.append(number)
        for pos, col in used:
            value = cells[pos] if pos < len(cells) else None
            if _blank(value):
                continue
            try:
                _set(record, col.name, read_cell(col, value))
            except CellError as exc:
                rid = record.get("id") or (cells[used[0][0]] if used and used[0][1].name == "id" else None)
                g.problem(
                    source,
                    (key, index),
                    str(rid) if rid else f"{key}[{index}]",
                    col.name,
                    f"{exc} (column {seen[col.name]})",
                )
        if sink is not None:
            sink(source, index, record)
            continue
        records.append(record)
        origins.append((source, (key, index)))


# ---------------------------------------------------------------- names where IDs belong


def resolve_names(g: Gathered) -> None:
    """Replace a reference written as a unique name (市财政局) by its ID; an ambiguous name is a problem.

    A value that is neither an ID nor a name is left for the cross-checks, which say so.
    """
    for (sheet, fld), target in labels.NAME_REFERENCES.items():
        targets = [r for r in g.records[target] if isinstance(r, dict)]
        ids = {str(r.get("id")) for r in targets}
        by_name: dict[str, list[str]] = {}
        for r in targets:
            for name in (r.get("name"),):
                if isinstance(name, str) and name.strip():
                    by_name.setdefault(name.strip(), []).append(str(r.get("id")))
        if not by_name:
            continue
        for i, record in enumerate(g.records[sheet]):
            if not isinstance(record, dict) or fld not in record:
                continue
            value = record[fld]
            values = value if isinstance(value, list) else [value]
            resolved = []
            for v in values:
                text = v.strip() if isinstance(v, str) else v
                matches = by_name.get(text, []) if isinstance(text, str) and text not in ids else []
                if len(matches) > 1:
                    source, path = g.origins[sheet][i]
                    g.problem(source, (*path, fld), str(record.get("id") or path), fld,
                              f"'{text}' is the name of {len(matches)} {target}: "
                              f"{', '.join(sorted(matches))}; write the ID")
                resolved.append(matches[0] if len(matches) == 1 else v)
            record[fld] = resolved if isinstance(value, list) else resolved[0]


# ---------------------------------------------------------------- a system's lists on sheets of their own


OWNER = "system_id"  # the nested sheets' column naming the system a row belongs to


def nested_key(name: str) -> str | None:
    """The nested sheet (system_hosts, 系统主机 ...) a sheet or CSV file name stands for, or None."""
    wanted = name.strip().lower()
    for key, (_, titles) in labels.NESTED_SHEETS.items():
        if wanted == key or wanted in (t.lower() for t in titles):
            return key
    return None


_NESTED_MODELS: dict[str, type[BaseModel]] = {
    "system_hosts": Host,
    "system_dependencies": Dependency,
    "shared_resources": SharedResource,
}


def nested_columns(key: str) -> list[Column]:
    """The columns of a nested sheet: the owning system's ID, then the item's fields."""
    titles = labels.NESTED_COLUMN_TITLES[key]
    return [Column(OWNER, "str", None, labels.NESTED_OWNER_TITLES)] + [
        Column(name, kind, enum, titles.get(name, ()))
        for name, kind, enum in _columns_of(_NESTED_MODELS[key])
    ]


@dataclass
class NestedRows:
    """Rows of the nested sheets, held until every systems sheet is read."""

    rows: list[tuple[str, SheetSource, int, dict[str, Any]]] = field(default_factory=list)

    def read(self, key: str, label: str, rows: Iterable[tuple[int, Sequence[Any]]], g: Gathered) -> None:
        read_sheet(key, label, rows, g, columns=nested_columns(key),
                   sink=lambda source, index, record: self.rows.append((key, source, index, record)))

    def merge_into(self, g: Gathered) -> None:
        """Attach each row to its system's record; a row naming no system is a problem of its own."""
        systems = {str(r.get("id")): r for r in g.records["systems"] if isinstance(r, dict)}
        filled: set[tuple[str, str]] = set()
        for key, source, index, item in self.rows:
            field_name, titles = labels.NESTED_SHEETS[key]
            owner = str(item.pop(OWNER, "") or "").strip()
            system = systems.get(owner)
            if system is None:
                g.problem(source, (key, index), owner or f"{key}[{index}]", OWNER,
                          f"names no system of the systems sheet{suggest(owner, list(systems))} "
                          f"(column {labels.NESTED_OWNER_TITLES[0]})" if owner else
                          f"no system ID (column {labels.NESTED_OWNER_TITLES[0]})")
                continue
            *parents, last = field_name.split(".")
            holder = system
            for p in parents:
                holder = holder.setdefault(p, {})
            if (owner, key) not in filled and holder.get(last):
                g.problem(source, (key, index), owner, field_name,
                          f"given both on the systems sheet and on sheet {titles[0]}: keep one")
                filled.add((owner, key))
                continue
            filled.add((owner, key))
            holder.setdefault(last, []).append(item)


def _read_meta(source: SheetSource, rows: Iterator[tuple[int, Sequence[Any]]], g: Gathered) -> None:
    columns = sheet_columns(META)
    known = {c.name.lower(): c for c in columns}
    for c in columns:
        for t in c.titles:
            known[t.lower()] = c
    top: dict[str, Any] = {}
    for number, cells in rows:
        if not cells or all(_blank(c) for c in cells):
            continue
        name = str(cells[0]).strip() if not _blank(cells[0]) else ""
        if name.lower() in _META_HEADERS:
            continue
        value = cells[1] if len(cells) > 1 else None
        col = known.get(name.lower())
        if col is None:
            g.problem(
                SheetSource(source.label, number),
                (),
                None,
                name or "-",
                f"unknown item{suggest(name, list(known))}; items: " + ", ".join(c.name for c in columns),
            )
            continue
        source.keys[col.name] = number
        if _blank(value):
            continue
        try:
            _set(top, col.name, read_cell(col, value))
        except CellError as exc:
            g.problem(source, tuple(col.name.split(".")), None, col.name, str(exc))
    for key, value in top.items():
        if key in g.scalars and g.scalars[key][0] != value:
            g.problem(source, (key,), None, key, "differs from the one given before")
        elif key not in g.scalars:
            g.scalars[key] = (value, source, (key,))


def _sheet_name_problem(g: Gathered, label: str, name: str) -> None:
    g.problem(
        SheetSource(label),
        (),
        None,
        None,
        f"sheet '{name}' skipped: not an inventory sheet (expected one of "
        + ", ".join(f"{k}/{t[0]}" for k, t in labels.SHEET_TITLES.items())
        + ")",
        Severity.WARNING,
    )


# Bounds checked before a workbook is parsed (an XLSX file is a zip of XML): a sheet may not
# expand beyond these, whatever its declared dimension says.
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024  # bytes of XML in all parts together
XLSX_MAX_RATIO = 100  # uncompressed / compressed, for parts larger than XLSX_RATIO_FROM
XLSX_RATIO_FROM = 1024 * 1024
XLSX_MAX_PARTS = 10_000
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit
XLSX_MAX_COLUMNS = 1024  # a survey sheet has fewer than 100


def xlsx_bomb(data: bytes) -> str | None:
    """Why the workbook *data* must not be opened (a zip bomb), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return f"cannot read the workbook (not a valid .xlsx file?): {exc}"
    if len(parts) > XLSX_MAX_PARTS:
        return f"the workbook holds {len(parts):,} parts; at most {XLSX_MAX_PARTS:,} are read"
    total = sum(p.file_size for p in parts)
    if total > XLSX_MAX_UNCOMPRESSED:
        return (
            f"the workbook expands to {total:,} bytes; at most {XLSX_MAX_UNCOMPRESSED:,} are read "
            "(split the survey into several workbooks or CSV files)"
        )
    for p in parts:
        if p.file_size > XLSX_RATIO_FROM and p.file_size > XLSX_MAX_RATIO * max(p.compress_size, 1):
            return (
                f"part {p.filename} expands {p.file_size // max(p.compress_size, 1):,} times "
                f"({p.compress_size:,} to {p.file_size:,} bytes); refused as a zip bomb"
            )
    return None


def _sheet_rows(ws: Any) -> Iterator[tuple[int, Sequence[Any]]]:
    """Non-empty rows of a read-only sheet, numbered, within the row and column bounds."""
    ws.reset_dimensions()  # ignore a declared A1:XFD1048576: read only the cells that exist
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        if number > XLSX_MAX_ROWS:
            raise CellError(f"more than {XLSX_MAX_ROWS:,} rows")
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        if end == 0:
            continue
        if end > XLSX_MAX_COLUMNS:
            raise CellError(f"row {number} has {end:,} columns; at most {XLSX_MAX_COLUMNS:,} are read")
        yield number, row[:end]


def gather_xlsx(path: Path, g: Gathered, progress: ProgressCallback | None = None) -> None:
    """Gather every inventory sheet of an XLSX workbook (bounded: see :func:`xlsx_bomb`)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    here = SheetSource(str(path))
    try:
        data = read_input(path)
    except InputFileError as exc:
        g.problem(here, (), None, None, _without_path(exc, path))
        g.unreadable = True
        return
    bomb = xlsx_bomb(data)
    if bomb is not None:
        g.problem(here, (), None, None, bomb)
        g.unreadable = True
        return
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        g.problem(here, (), None, None, f"cannot read the workbook (not a valid .xlsx file?): {exc}")
        g.unreadable = True
        return
    try:
        names = book.sheetnames
        nested = NestedRows()
        for n, name in enumerate(names):
            label = f"{path}[{name}]"
            key = sheet_key(name)
            if key is None and name.strip() in labels.HELPER_SHEETS:
                continue
            if key is None and nested_key(name) is not None:
                key = nested_key(name)
            if key is None:
                _sheet_name_problem(g, label, name)
                continue
            ws = book[name]
            try:
                rows = list(_sheet_rows(ws))
            except CellError as exc:
                g.problem(SheetSource(label), (), None, None, f"sheet refused: {exc}")
                g.unreadable = True
                continue
            except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
                g.problem(SheetSource(label), (), None, None, f"cannot read the sheet: {exc}")
                g.unreadable = True
                continue
            if key in labels.NESTED_SHEETS:
                nested.read(key, label, rows, g)
            else:
                read_sheet(key, label, rows, g)
            if progress:
                progress("loading files", (n + 1) / len(names))
        nested.merge_into(g)
        resolve_names(g)
    finally:
        book.close()


def _without_path(exc: InputFileError, path: Path) -> str:
    """The reason of *exc* without the path in front: a problem names its file already."""
    return exc.strerror or str(exc)


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        # '=... is how a formula-safe writer (ours, or a spreadsheet's CSV export) wrote =...
        yield start, [restore(cell) for cell in row]
        start = reader.line_num + 1


def gather_csv_files(files: Sequence[Path], g: Gathered, progress: ProgressCallback | None = None) -> None:
    """Gather every CSV file, one entity per file named by its key or title (systems.csv)."""
    nested = NestedRows()
    for n, f in enumerate(files):
        label = str(f)
        key = sheet_key(f.stem) or nested_key(f.stem)
        if key is None:
            g.problem(
                SheetSource(label),
                (),
                None,
                None,
                f"file name '{f.name}' names no inventory sheet (expected one of "
                + ", ".join(f"{k}.csv" for k in labels.SHEET_TITLES)
                + ")",
            )
            continue
        try:
            decoded = decode_survey_text(read_input(f))
        except InputFileError as exc:
            g.problem(SheetSource(label), (), None, None, _without_path(exc, f))
            g.unreadable = True
            continue
        if isinstance(decoded, UndecodableText):
            g.problem(SheetSource(label, decoded.line), (), None, None, decoded.message)
            g.unreadable = True
            continue
        if decoded.encoding != UTF8:
            g.problem(SheetSource(label), (), None, None, f"read as {decoded.encoding}", Severity.WARNING)
        try:
            if key in labels.NESTED_SHEETS:
                nested.read(key, label, _csv_rows(decoded.text), g)
            else:
                read_sheet(key, label, _csv_rows(decoded.text), g)
        except csv.Error as exc:
            g.problem(SheetSource(label), (), None, None, f"CSV error: {exc}")
        if progress:
            progress("loading files", (n + 1) / len(files))
    nested.merge_into(g)
    resolve_names(g)


# ---------------------------------------------------------------- export


def _get(record: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if record is None:
            return None
        record = getattr(record, part)
    return record


def write_cell(col: Column, value: Any, *, for_csv: bool) -> Any:
    """The cell for one model value (Chinese labels for enums and yes/no)."""
    if value is None:
        return None
    if col.kind == "enum":
        assert col.enum is not None
        titles = labels.VALUE_LABELS.get(col.enum, {}).get(
            str(value.value if isinstance(value, StrEnum) else value)
        )
        return titles[0] if titles else str(value)
    if col.kind == "bool":
        return labels.TRUE_LABELS[0] if value else labels.FALSE_LABELS[0]
    if col.kind == "date":
        return value.isoformat()
    if col.kind == "list":
        if not value:
            return None
        if any(_SPLIT.search(v) or v.startswith("[") or v != v.strip() for v in value):
            return json.dumps(value, ensure_ascii=False)
        return labels.LIST_SEPARATOR.join(value)
    if col.kind == "deps":
        if not value:
            return None
        if any(d.protocol or d.port or _SPLIT.search(d.system) for d in value):
            return json.dumps(
                [d.model_dump(mode="json", exclude_defaults=True) for d in value], ensure_ascii=False
            )
        return labels.LIST_SEPARATOR.join(
            f"{d.system}:{labels.VALUE_LABELS[DependencyKind][d.kind][0]}" for d in value
        )
    if col.kind == "objects":
        if not value:
            return None
        return json.dumps(
            [o.model_dump(mode="json", exclude_defaults=True) for o in value], ensure_ascii=False
        )
    return value


def survey_tables(inv: Inventory, *, for_csv: bool = False) -> Iterator[tuple[str, list[list[Any]]]]:
    """(sheet key, rows incl. header) for every sheet of the survey of *inv*."""
    meta_rows: list[list[Any]] = [
        [labels.COLUMN_TITLES[META]["field"][0], labels.COLUMN_TITLES[META]["value"][0]]
    ]
    meta_source = {"version": inv.version, "city": inv.city, "cloud": inv.cloud}
    for col in sheet_columns(META):
        head, _, rest = col.name.partition(".")
        value = meta_source[head] if not rest else _get(meta_source[head], rest)
        meta_rows.append([col.title, write_cell(col, value, for_csv=for_csv)])
    yield META, meta_rows
    for key in ENTITY_MODELS:
        columns = sheet_columns(key)
        rows = [[c.title for c in columns]]
        rows.extend(
            [write_cell(c, _get(rec, c.name), for_csv=for_csv) for c in columns] for rec in getattr(inv, key)
        )
        yield key, rows


def _ours(name: str) -> bool:
    return name.endswith(".csv")


def export_csv(inv: Inventory, directory: str | Path) -> list[Path]:
    """Write one CSV file per sheet (UTF-8 with BOM, so spreadsheet programs read Chinese).

    The directory is replaced as a whole (a reader sees the old files or the new, never a
    mix); it may hold only CSV files of an earlier export. Texts are neutralised against
    formula injection (:mod:`foundation.cells`); reading the files back undoes that.
    """
    out = Path(directory)
    names = []
    with atomic_directory(out, owned=_ours) as tmp:
        for key, rows in survey_tables(inv, for_csv=True):
            buffer = io.StringIO(newline="")
            csv.writer(buffer, lineterminator="\r\n").writerows(csv_row(row) for row in rows)
            atomic_write_text(tmp / f"{key}.csv", "\ufeff" + buffer.getvalue())
            names.append(f"{key}.csv")
    return [out / n for n in names]
