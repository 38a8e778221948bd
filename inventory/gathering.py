"""What every inventory route gathers before validation: raw records and where each came from.

The YAML route (inventory.loader) and the survey route (inventory.survey) both fill a
Gathered; it lives below both so that neither imports the other.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from foundation.inputs import InputFileError, read_input
from inventory import yaml_source
from inventory.models import ENTITY_MODELS, City, Cloud
from inventory.problems import Severity

SCALAR_KEYS: dict[str, Any] = {"version": int, "city": City, "cloud": Cloud}
TOP_LEVEL_KEYS = (*SCALAR_KEYS, *ENTITY_MODELS)
PathKey = tuple[Any, ...]


# ---------------------------------------------------------------- sources and gathered records


class Source(Protocol):
    """Where records came from: a YAML file, a survey sheet or CSV file."""

    label: str

    def lines(self, paths: Iterable[PathKey]) -> Callable[[PathKey], int | None]:
        """A function giving the line of each of *paths* (prepared for all of them at once)."""
        ...


@dataclass(eq=False)
class YamlSource:
    """One YAML file; line numbers from a second pass over its events, only when needed."""

    label: str
    file: Path

    def lines(self, paths: Iterable[PathKey]) -> Callable[[PathKey], int | None]:
        wanted = {p[:2] for p in paths if len(p) >= 2}
        try:
            text = yaml_source.decode(read_input(self.file))
        except InputFileError:
            return lambda p: None
        found = yaml_source.locate(text, wanted) if isinstance(text, str) else {}
        return lambda p: yaml_source.nearest_line(found, p)


@dataclass(eq=False)
class FixedSource:
    """A source whose lines are known up front (a file that could not be parsed)."""

    label: str
    line: int | None = None

    def lines(self, paths: Iterable[PathKey]) -> Callable[[PathKey], int | None]:
        return lambda p: self.line


@dataclass
class Pending:
    """A problem whose line is looked up later, all lines of one source in one pass."""

    source: Source
    path: PathKey
    record: str | None
    field: str | None
    message: str
    severity: Severity = Severity.ERROR
    see: tuple[Source, PathKey] | None = None  # "first defined at FILE:LINE"


@dataclass
class Gathered:
    """Raw records of every file, with where each came from, before validation."""

    records: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in ENTITY_MODELS})
    origins: dict[str, list[tuple[Source, PathKey]]] = field(
        default_factory=lambda: {k: [] for k in ENTITY_MODELS}
    )
    scalars: dict[str, tuple[Any, Source, PathKey]] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    label: str = ""
    unreadable: bool = False  # some file could not be read or parsed at all

    def problem(
        self,
        source: Source,
        path: PathKey,
        record: str | None,
        fld: str | None,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.pending.append(Pending(source, path, record, fld, message, severity))

    def add_document(self, source: Source, data: Any, *, key_field: Callable[[str], str] = str) -> None:
        """Merge one parsed document (a mapping of top-level keys) into what was gathered."""
        if data is None:
            return
        if not isinstance(data, dict):
            self.unreadable = True
            self.problem(
                source,
                (),
                None,
                None,
                f"the top level must be a mapping of keys ({', '.join(TOP_LEVEL_KEYS)}), got {kind_of(data)}",
            )
            return
        for key, value in data.items():
            name = key_field(key) if isinstance(key, str) else str(key)
            if key in ENTITY_MODELS:
                if value is None:
                    continue
                if not isinstance(value, list):
                    self.problem(
                        source, (key,), None, key, f"must be a list of records, got {kind_of(value)}"
                    )
                    continue
                self.records[key].extend(value)
                # (source, (key, i)) per record, made in C: a province has hundreds of thousands
                paths = zip(itertools.repeat(key), range(len(value)))
                self.origins[key].extend(zip(itertools.repeat(source), paths))
            elif key in SCALAR_KEYS:
                if key in self.scalars and self.scalars[key][0] != value:
                    first = self.scalars[key]
                    self.pending.append(
                        Pending(
                            source,
                            (key,),
                            None,
                            name,
                            f"differs from the {key} given before",
                            see=(first[1], first[2]),
                        )
                    )
                elif key not in self.scalars:
                    self.scalars[key] = (value, source, (key,))
            else:
                self.problem(
                    source,
                    (key,),
                    None,
                    name,
                    f"unknown top-level key{suggest(str(key), TOP_LEVEL_KEYS)}; "
                    f"known: {', '.join(TOP_LEVEL_KEYS)}",
                )


def kind_of(value: Any) -> str:
    """A user's word for the YAML type of *value*."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    return f"{type(value).__name__} {short(value)}"


def short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def suggest(word: str, choices: Sequence[str]) -> str:
    """' (did you mean X?)' when a close match exists among a modest number of choices."""
    if len(choices) > 5000:
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""
