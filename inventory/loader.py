"""Inventory loading: YAML or survey spreadsheets -> validated Inventory, every problem at once.

PUBLIC API (stable, used by every other package):
    load_inventory(path=None, *, progress=None) -> Inventory      # raises InventoryError
    check_inventory(path=None, *, progress=None) -> (Inventory | None, list[Problem])
    bundled_inventory_path() -> Path                              # the sample city

Which route a path takes:
- a ``.yaml``/``.yml`` file, or a directory holding any ``*.yaml``/``*.yml`` files (merged:
  top-level lists concatenated, ``version``/``city``/``cloud`` must agree) -> YAML route;
- an ``.xlsx`` file, a ``.csv`` file, or a directory of CSV files named by sheet
  (``systems.csv``, ``信息系统.csv`` ...) -> survey route (``inventory.survey``).
A directory is never read both ways: YAML files win, CSV files are then ignored.

Validation runs in stages, each over every record, so one run reports everything: schema
(per record, pydantic), duplicate IDs, then cross-references (``inventory.crossref``).
Line numbers are looked up only for the records that have a problem (``inventory.yaml_source``).
A file of flow records one a line (what ``inventory.synth`` writes) is first offered to the fast
path (``inventory.fast_path``: validated straight from its JSON form); when it declines, the
file is read and validated record by record as above, which is what reports any problem.
From BESIDE_MIN_BYTES of YAML on, a child forked as loading starts does the fast path's text
work on each file (``fast_path.prepare``) while this process validates the one before; a file
it could not prepare, or whose records the fast path refuses, is read here as above.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model
from pydantic_core import ErrorDetails

from foundation.beside import stream_beside
from foundation.collector import collector_paused
from foundation.inputs import InputFileError, read_input
from foundation.progress import ProgressCallback
from foundation.text import control_problem
from inventory import fast_path, yaml_source
from inventory.fields import NO_CONTROL_PATTERN
from inventory.gathering import (  # noqa: F401 (re-exported: the loader's names of old)
    SCALAR_KEYS,
    TOP_LEVEL_KEYS,
    FixedSource,
    Gathered,
    PathKey,
    Pending,
    Source,
    YamlSource,
    kind_of,
    short,
    suggest,
)
from inventory.models import ENTITY_MODELS, FORMAT_VERSION, Inventory, Record
from inventory.problems import InventoryError, Problem, Severity

SAMPLE_DIR = Path(__file__).parent / "sample"
YAML_SUFFIXES = (".yaml", ".yml")
SURVEY_SUFFIXES = (".xlsx", ".csv")
CHUNK = 5000  # records validated per pydantic call (progress granularity)


def bundled_inventory_path() -> Path:
    """The bundled sample city, used when no inventory path is given."""
    return SAMPLE_DIR


# ---------------------------------------------------------------- gathering per route


# From this much YAML on, a child forked as loading starts prepares the files' text for the fast
# path while this process validates the file before and reads the last (two cores); below, the
# fork costs more.
BESIDE_MIN_BYTES = 16 << 20


def _gather_yaml(
    files: list[Path], label_of: Callable[[Path], str], gathered: Gathered, progress: ProgressCallback | None
) -> None:
    sizes = [_size(f) for f in files]
    total = sum(sizes) or 1
    done = 0
    # The child prepares every file but the last; preparing is the longer half of the work, so
    # this process reads the last file meanwhile, by the fast path (anything else waits its turn).
    ahead = files[:-1]
    beside = stream_beside(lambda: _prepared(ahead)) if total >= BESIDE_MIN_BYTES and len(files) > 1 else None
    with beside or contextlib.nullcontext() as prepared:
        early = prepared is not None and prepared.child is not None
        last = _read_fast(files[-1]) if early else None
        for i, (f, size) in enumerate(zip(files, sizes, strict=True)):
            source = YamlSource(label_of(f), f)
            if early and i == len(ahead):
                data, tried = last, True
            else:
                frame = prepared.next() if prepared is not None else None
                ready = marshal.loads(frame) if frame is not None else None  # made by this program's child
                data = fast_path.read_prepared(ready) if ready is not None else None
                tried = ready is not None
            if data is not None:
                gathered.add_document(source, data)
            elif not _read_yaml(f, source, gathered, fast=not tried):  # refused: carefully
                continue
            done += size
            if progress:
                progress("loading files", done / total)


def _prepared(files: list[Path]) -> Iterator[bytes]:
    """For each of *files*: fast_path.prepare's work on it, or None to leave the file to the loader."""
    for f in files:
        try:
            text = yaml_source.decode(read_input(f))
        except InputFileError:
            text = None
        ready = fast_path.prepare(text) if isinstance(text, str) else None
        yield marshal.dumps(ready)


def _read_fast(f: Path) -> dict[str, Any] | None:
    """*f*'s document by the fast path; None for anything else (an error is reported in order)."""
    try:
        text = yaml_source.decode(read_input(f))
    except InputFileError:
        return None
    return fast_path.read(text) if isinstance(text, str) else None


def _read_yaml(f: Path, source: YamlSource, gathered: Gathered, fast: bool = True) -> bool:
    """Read *f* here (by the fast path when *fast*, else carefully) into *gathered*; False when
    it cannot be read."""
    try:
        raw = read_input(f)
    except InputFileError as exc:
        gathered.problem(FixedSource(source.label), (), None, None, exc.strerror or str(exc))
        gathered.unreadable = True
        return False
    text = yaml_source.decode(raw)
    if isinstance(text, yaml_source.TextError):
        gathered.problem(FixedSource(source.label, text.line), (), None, None, text.message)
        gathered.unreadable = True
        return False
    data: Any = fast_path.read(text) if fast else None
    if data is None:  # not a document of flow records, or something in it is wrong: read it carefully
        data = yaml_source.parse(text)
    del text, raw
    if isinstance(data, yaml_source.TextError):
        gathered.problem(FixedSource(source.label, data.line), (), None, None, data.message)
        gathered.unreadable = True
        return False
    gathered.add_document(source, data)
    return True


def _size(f: Path) -> int:
    try:
        return f.stat().st_size
    except OSError:
        return 0


def _display(path: Path) -> str:
    return str(path)


def gather(path: Path, progress: ProgressCallback | None = None) -> Gathered:
    """Read every file of the inventory at *path* into raw records (no validation yet)."""
    gathered = Gathered(label=_display(path))
    here = FixedSource(_display(path))
    if not path.exists():
        gathered.unreadable = True  # one clear problem, not a cascade of "missing top-level key"
        gathered.problem(here, (), None, None, "no such file or directory")
        return gathered
    if path.is_dir():
        yaml_files = sorted(p for p in path.iterdir() if p.suffix.lower() in YAML_SUFFIXES and p.is_file())
        if yaml_files:
            _gather_yaml(yaml_files, _display, gathered, progress)
            return gathered
        csv_files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        if csv_files:
            from inventory.survey import gather_csv_files

            gather_csv_files(csv_files, gathered, progress)
            return gathered
        gathered.unreadable = True
        gathered.problem(
            here, (), None, None, "no inventory here: expected *.yaml / *.yml files or survey *.csv files"
        )
        return gathered
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from inventory.survey import gather_xlsx

        gather_xlsx(path, gathered, progress)
    elif suffix == ".csv":
        from inventory.survey import gather_csv_files

        gather_csv_files([path], gathered, progress)
    else:
        # Any other file is read as YAML: inventories are sometimes saved as .txt or without suffix.
        _gather_yaml([path], _display, gathered, progress)
    return gathered


# ---------------------------------------------------------------- schema validation


def _field_name(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _message(err: ErrorDetails) -> str:
    """A user's message for one pydantic error."""
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    loc = err.get("loc") or ()
    last = str(loc[-1]) if loc else ""
    if kind == "missing":
        return "missing mandatory field"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "enum":
        return f"{short(value)} is not allowed; expected one of: {ctx.get('expected', '')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number, got {value}"
        if last == "mlps_level":
            return f"MLPS level must be 1..4, got {_number(value)}"
        bound = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[
            kind
        ]
        limit = next(iter(ctx.values()), "?")
        if bound == ">=" and limit == 0:
            return f"must not be negative, got {_number(value)}"
        shown = f"{limit:,.0f}" if isinstance(limit, float) and limit.is_integer() else limit
        return f"must be {bound} {shown}, got {_number(value)}"
    if kind == "string_pattern_mismatch":
        if isinstance(value, str) and ctx.get("pattern") == NO_CONTROL_PATTERN:
            return f"{short(value)} {control_problem(value)}"
        return f"{short(value)} is not a valid ID (letters, digits, '_', '.', '-' only)"
    if kind in ("int_type", "float_type", "int_parsing", "float_parsing", "int_from_float"):
        whole = "a whole number" if kind.startswith("int") else "a number"
        hint = " (remove the quotes)" if isinstance(value, str) and _numeric(value) else ""
        return f"must be {whole}, got {kind_of(value)}{hint}"
    if kind == "bool_type":
        return f"must be true or false, got {kind_of(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {short(value)}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{short(value)} is not a valid date (YYYY-MM-DD)"
    if kind == "model_type" or kind == "dict_type":
        return f"must be a mapping of fields, got {kind_of(value)}"
    if kind == "list_type":
        return f"must be a list, got {kind_of(value)}"
    if kind == "string_type":
        return f"must be text, got {kind_of(value)} (quote it in YAML)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error") or err.get("msg"))
    msg = str(err.get("msg", kind))
    return f"{msg[0].lower()}{msg[1:]}, got {kind_of(value)}" if msg else kind


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(value: Any) -> str:
    """A number as the user wrote it (a spreadsheet cell's text without quotes)."""
    if isinstance(value, str):
        try:
            float(value)
            return value.strip()
        except ValueError:
            pass
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # a spreadsheet's -10 arrives as -10.0
    return short(value)


def _record_label(raw: Any, kind: str, index: int) -> str:
    if isinstance(raw, Record):  # validated on the fast path
        return str(raw.id)  # type: ignore[attr-defined]
    if isinstance(raw, dict):
        rid = raw.get("id")
        if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid):
            return str(rid)
    return f"{kind}[{index}]"


def _report(
    g: Gathered,
    source: Source,
    base: PathKey,
    record: str | None,
    exc: ValidationError,
    known_fields: Sequence[str] = (),
) -> None:
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        message = _message(err)
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            message += suggest(str(loc[-1]), known_fields)
        g.problem(source, (*base, *loc), record, _field_name(loc) or None, message)


@functools.cache
def _lenient(model: type[Record]) -> type[Record]:
    """*model* with every field optional: what is left of an invalid record, for cross-checks."""
    optional: dict[str, Any] = {
        name: (info.annotation | None, None)  # type: ignore[operator]
        for name, info in model.model_fields.items()
        if info.is_required()
    }
    return create_model(f"Partial{model.__name__}", __base__=model, **optional)


def _salvage(model: type[Record], raw: Any, exc: ValidationError) -> Record | None:
    """The valid fields of an invalid record, so its references are still checked."""
    if not isinstance(raw, dict):
        return None
    bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
    kept = {k: v for k, v in raw.items() if k not in bad and k in model.model_fields}
    try:
        return _lenient(model).model_validate(kept)
    except ValidationError:
        return None


def _validate_entity(
    g: Gathered, kind: str, model: type[Record], progress: Callable[[int], None]
) -> tuple[list[tuple[int, Record]], list[tuple[int, Record]]]:
    """Valid records of one kind with their index, and what could be salvaged of invalid ones.

    Every invalid record is reported.
    """
    raws = g.records[kind]
    batch = TypeAdapter(list[model])  # type: ignore[valid-type]
    fields = list(model.model_fields)
    valid: list[tuple[int, Record]] = []
    salvaged: list[tuple[int, Record]] = []
    for start in range(0, len(raws), CHUNK):
        chunk = raws[start : start + CHUNK]
        if set(map(type, chunk)) == {model}:  # validated on the fast path already
            valid.extend(enumerate(chunk, start))
            raws[start : start + CHUNK] = [None] * len(chunk)
            progress(len(chunk))
            continue
        try:
            valid.extend(enumerate(batch.validate_python(chunk), start))
            raws[start : start + CHUNK] = [None] * len(chunk)
        except ValidationError:
            for i, raw in enumerate(chunk, start):
                try:
                    valid.append((i, model.model_validate(raw)))
                    raws[i] = None
                except ValidationError as exc:
                    source, base = g.origins[kind][i]
                    _report(g, source, base, _record_label(raw, kind, i), exc, fields)
                    partial = _salvage(model, raw, exc)
                    if partial is not None:
                        salvaged.append((i, partial))
        progress(len(chunk))
    return valid, salvaged


def _validate_scalars(g: Gathered) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, kind in SCALAR_KEYS.items():
        if key not in g.scalars:
            if key != "version" and not g.unreadable:  # an unreadable file may well have held it
                g.problem(FixedSource(g.label), (), None, key, "missing mandatory top-level key")
            continue
        raw, source, path = g.scalars[key]
        if key == "version":
            try:
                number = None if isinstance(raw, bool) else TypeAdapter(int).validate_python(raw)
            except ValidationError:
                number = None
            if number != FORMAT_VERSION:
                g.problem(
                    source,
                    path,
                    None,
                    key,
                    f"unsupported inventory format version {short(raw)}; "
                    f"this tool reads version {FORMAT_VERSION}",
                )
            else:
                values[key] = FORMAT_VERSION
            continue
        try:
            values[key] = TypeAdapter(kind).validate_python(raw)
        except ValidationError as exc:
            fields = list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                message = _message(err)
                if err["type"] == "extra_forbidden" and len(loc) == 1:
                    message += suggest(str(loc[-1]), fields)
                g.problem(source, (*path, *loc), key, _field_name((key, *loc)), message)
    return values


# ---------------------------------------------------------------- putting it together


def _resolve(pending: list[Pending]) -> list[Problem]:
    """Turn pending problems into Problems, looking up each source's lines in one pass."""
    by_source: dict[int, tuple[Source, list[PathKey]]] = {}
    for p in pending:
        by_source.setdefault(id(p.source), (p.source, []))[1].append(p.path)
        if p.see:
            by_source.setdefault(id(p.see[0]), (p.see[0], []))[1].append(p.see[1])
    finders = {key: src.lines(paths) for key, (src, paths) in by_source.items()}
    problems = []
    for p in pending:
        message = p.message
        if p.see:
            where = finders[id(p.see[0])](p.see[1])
            message += f" (first at {p.see[0].label}:{where if where is not None else '-'})"
        problems.append(
            Problem(p.source.label, finders[id(p.source)](p.path), p.record, p.field, message, p.severity)
        )
    return sorted(problems, key=lambda pr: (pr.file, pr.line or 0, pr.severity != Severity.ERROR))


def check_inventory(
    path: str | Path | None = None, *, progress: ProgressCallback | None = None
) -> tuple[Inventory | None, list[Problem]]:
    """Load and cross-check; return the inventory (None when invalid) and every problem found."""
    with collector_paused():  # millions of live objects: the cyclic GC would rescan them over and over
        return _check(path, progress)


def _check(
    path: str | Path | None, progress: ProgressCallback | None
) -> tuple[Inventory | None, list[Problem]]:
    from inventory.crossref import check_references, duplicate_ids, known_ids, record_ids

    g = gather(Path(path) if path is not None else bundled_inventory_path(), progress)
    total = sum(len(v) for v in g.records.values()) or 1
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("validating records", done / total)

    scalars = _validate_scalars(g)
    ids = record_ids(g.records)
    for kind, index, first in duplicate_ids(ids):
        source, base = g.origins[kind][index]
        rid = _record_label(g.records[kind][index], kind, index)
        g.pending.append(
            Pending(
                source, (*base, "id"), rid, "id", f"duplicate {kind} ID '{rid}'", see=g.origins[kind][first]
            )
        )
    known = known_ids(ids)
    del ids
    # Validation frees each raw record once it is a model: both at once would double the peak memory.
    checked = {kind: _validate_entity(g, kind, model, advance) for kind, model in ENTITY_MODELS.items()}
    valid = {kind: ok for kind, (ok, _) in checked.items()}
    partial = {
        kind: sorted(ok + rest, key=lambda item: item[0]) if rest else ok
        for kind, (ok, rest) in checked.items()
    }
    for found in check_references(partial, known):
        source, base = g.origins[found.kind][found.index]
        g.problem(
            source,
            (*base, *found.loc),
            found.record or f"{found.kind}[{found.index}]",
            _field_name(found.loc),
            found.message,
            found.severity,
        )
    if progress:
        progress("validating records", 1.0)
    problems = _resolve(g.pending)
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    # Every part is validated already: construct without validating 100,000 records twice.
    parts: dict[str, Any] = {kind: [rec for _, rec in valid[kind]] for kind in ENTITY_MODELS}
    inventory = Inventory.model_construct(
        version=scalars.get("version", FORMAT_VERSION), city=scalars["city"], cloud=scalars["cloud"], **parts
    )
    return inventory, problems


def load_inventory(path: str | Path | None = None, *, progress: ProgressCallback | None = None) -> Inventory:
    """Load a valid inventory or raise InventoryError carrying every problem."""
    inv, problems = check_inventory(path, progress=progress)
    if inv is None or any(pr.severity is Severity.ERROR for pr in problems):
        raise InventoryError(problems)
    return inv
