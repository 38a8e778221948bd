"""Reading inventory YAML fast, and finding line numbers only when a problem needs one.

PyYAML's own constructor is pure Python and far too slow for a province-scale inventory
(~100 MB). The fast path here drives libyaml's C parser event by event and builds plain dicts,
lists and scalars directly (implicit scalars resolved exactly as PyYAML's SafeLoader would).
Anything unusual (anchors and aliases, explicit tags, merge keys, non-scalar keys) falls back
to ``yaml.load(..., CSafeLoader)``, so the result is always what SafeLoader gives.

A document of flow records one a line is read as JSON (:func:`_flow_records`), or handed to
strict validation as JSON text piece by piece (:func:`flow_json`, for ``inventory.fast_path``).

Line numbers are not recorded on the fast path. When validation finds problems,
:func:`locate` walks the events of that one file again and returns the 1-based line of
every node under the records that need one (and of every top-level value and record).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from foundation.collector import collector_paused

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_NO_KEY = object()
Path = tuple[Any, ...]


class _Fallback(Exception):
    """The document uses a YAML feature the fast builder leaves to PyYAML."""


class _Refused(Exception):
    """The document is well-formed YAML that govcloud will not load (bomb, duplicate key)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.error = TextError(message, line)


# Bounds on what aliases may do: an inventory may reuse a block by anchor, but the expanded
# document may hold at most this many nodes beyond ALIAS_FACTOR times its own node count.
ALIAS_FACTOR = 4
ALIAS_ALLOWANCE = 100_000
MAX_DEPTH = 64  # an inventory is about 6 levels deep
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class TextError:
    """Why a file's bytes are not a YAML document, with the 1-based line (and column) to show."""

    message: str
    line: int | None


def decode(data: bytes) -> str | TextError:
    """UTF-8 text of *data* (BOM dropped), or where the first byte that is not UTF-8 sits."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return TextError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}); "
            "save the file as UTF-8",
            line,
        )


def _yaml_error(exc: yaml.YAMLError) -> TextError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if mark is not None:
        return TextError(f"{text} at line {mark.line + 1}, column {mark.column + 1}", mark.line + 1)
    return TextError(text, None)


def parse(text: str) -> Any | TextError:
    """The document in *text* as plain Python data (like SafeLoader), or a syntax error.

    Also refused, with the line: a key given twice in one mapping (both lines named), aliases
    that would expand the document far beyond its own size (a "billion laughs" bomb), a
    recursive alias, and nesting deeper than :data:`MAX_DEPTH`.
    """
    with collector_paused():
        try:
            try:
                return _flow_records(text)
            except _Fallback:
                pass
            try:
                return _build(text)
            except _Fallback:
                return _careful_load(text)
        except _Refused as exc:
            return exc.error
        except yaml.YAMLError as exc:
            return _yaml_error(exc)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible !!timestamp
            return TextError(f"YAML value error: {exc}", None)


def compose_and_load(text: str, *, careful: bool = False) -> tuple[Node | None, Any]:
    """The node graph of *text* (for line numbers) and SafeLoader's data, from one libyaml parse.

    *careful* first refuses bombs and duplicate keys (:func:`_check_nodes`), as an inventory
    file needs; policy and scenario files take it as SafeLoader always did.
    """
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if careful:
            _check_nodes(node)
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _careful_load(text: str) -> Any:
    """SafeLoader's result, after checking the composed node graph for bombs and duplicate keys."""
    return compose_and_load(text, careful=True)[1]


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _check_nodes(root: Node) -> None:
    """Refuse duplicate keys, excessive alias expansion, recursion and depth, in one pass.

    Aliases share the node they name, so the graph is walked once per distinct node (sizes are
    memoised): linear in the document, however large it would expand.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    distinct = 0
    # (node, depth, children still to visit)
    stack: list[tuple[Node, int, list[Node]]] = []

    def children(node: Node) -> list[Node]:
        if isinstance(node, MappingNode):
            _duplicates(node)
            return [n for pair in node.value for n in pair]
        if isinstance(node, SequenceNode):
            return list(node.value)
        return []

    def enter(node: Node, depth: int) -> None:
        nonlocal distinct
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep at line {_line(node)}", _line(node))
        distinct += 1
        on_path.add(id(node))
        stack.append((node, depth, children(node)))

    enter(root, 1)
    while stack:
        node, depth, todo = stack[-1]
        if todo:
            child = todo.pop()
            key = id(child)
            if key in on_path:
                raise _Refused(f"recursive alias at line {_line(child)}: it contains itself", _line(child))
            if key not in sizes:
                enter(child, depth + 1)
            continue
        stack.pop()
        on_path.discard(id(node))
        size = 1
        if isinstance(node, MappingNode):
            size += sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
        elif isinstance(node, SequenceNode):
            size += sum(sizes[id(c)] for c in node.value)
        sizes[id(node)] = size
        limit = ALIAS_FACTOR * distinct + ALIAS_ALLOWANCE
        if size > limit:
            raise _Refused(
                f"aliases expand the node at line {_line(node)} to more than {limit:,} values "
                f"(the file itself holds {distinct:,}); refused as an alias bomb",
                _line(node),
            )


def _duplicates(node: MappingNode) -> None:
    seen: dict[tuple[str, str], Node] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
            continue
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            raise _Refused(
                f"duplicate key {key.value!r} at line {_line(key)} (first at line {_line(first)}); "
                "a mapping may give each key once",
                _line(key),
            )


# ---------------------------------------------------------------- one flow record a line, read as JSON
#
# What ``inventory.synth`` writes (and a survey export may): top-level keys, each holding one
# flow-style value or a block list of flow-style records one per line, strings double-quoted,
# keys and numbers, dates, true/false/null bare. Such a document is JSON once its bare keys are
# quoted, and json's C scanner reads it many times faster than libyaml's events reach Python.
# Only what reads exactly as SafeLoader reads it is taken; anything else (comments after a
# value, plain or single-quoted strings, other escapes, exponents, multi-line values, anchors,
# tags ...) raises _Fallback and the document takes the general path. The checks and rewrites
# are C-level passes over the text; Python runs only per mapping (to refuse a duplicate key)
# and per float or date.

_COMMENT_LINE = re.compile(r"(?m)^#[^\n]*\n")
# A double-quoted string on one line (JSON's escapes are a subset of YAML's, with the same meaning).
_QUOTED = re.compile(r'("[^"\\\n]*(?:\\[^\n][^"\\\n]*)*")')
# Characters YAML treats unlike JSON inside a string (tabs, line breaks other than \n, characters
# libyaml refuses), and \u escapes of surrogates (libyaml refuses them, JSON pairs them) or of
# NUL (the placeholder below).
_NOT_JSON_ALIKE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_ESCAPES_NOT_ALIKE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
_TOP_LINE = re.compile(r"(?m)^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$")
_LINES = re.compile(r"(?:(?:[A-Za-z_][A-Za-z0-9_]*:(?: [^\n]*)?|- [^\n]*|[ ]*)\n)*(?:[^\n]*)")
_TOP_START = re.compile(r"\n(?=[A-Za-z_])")
_KEY_AFTER_BRACE = re.compile(r"\{(?=[A-Za-z_])")
_KEY_AFTER_COMMA = re.compile(r", (?=[A-Za-z_])")
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOT_A_KEY = re.compile(r"(?i:true|false|yes|no|on|off|null)")  # what YAML reads as a boolean or null
# Every quote in the rewritten document is ours: an opening one follows "{" or ", " and precedes
# a letter; a key is taken only when its closing quote comes after word characters alone.
_BAD_KEY = re.compile(r'(?<=[{ ])"[A-Za-z0-9_]*[^A-Za-z0-9_"]')
_KEYWORD_KEY = re.compile(r'"(?i:true|false|yes|no|on|off|null)"')
_EXPONENT = re.compile(r"[0-9.][eE]")  # YAML 1.1 reads 1e5 as text, JSON as a number: not taken
# A bare date (YAML's timestamp without time): carried through JSON as the number YYYY.MMEDD,
# in two passes (the second dash, then the first); after the check above, every exponent is ours.
_DATE_DASH_2 = re.compile(r"-(?<=(?<![\w.\-])[0-9]{4}-[0-9]{2}-)(?=[0-9]{2}(?![\w.:\-]))")
_DATE_DASH_1 = re.compile(r"-(?<=(?<![\w.\-])[0-9]{4}-)(?=[0-9]{2}E[0-9]{2}(?![\w.:\-]))")
_NOT_BRACKETS = bytes(c for c in range(128) if chr(c) not in "{}[]")


def _flow_records(text: str) -> Any:
    """The document, when it is one of flow records a line (see above); else raise _Fallback."""
    if text.startswith(" ") or "\n " in text:
        raise _Fallback  # an indented line: block style (a hand-written file), seen at once
    if _NOT_JSON_ALIKE.search(text) or ("\\u" in text and _ESCAPES_NOT_ALIKE.search(text)):
        raise _Fallback
    if text.startswith("#") or "\n#" in text:
        text = _COMMENT_LINE.sub("", text)  # whole-line comments (no string spans lines here)
    parts = _QUOTED.split(text)
    bare = "\x00".join(parts[0::2])  # the document with each string replaced by NUL
    if not bare.isascii() or "#" in bare or not bare.strip() or _LINES.fullmatch(bare) is None:
        raise _Fallback
    if _EXPONENT.search(bare):
        raise _Fallback
    _check_depth(bare)
    out = ["{"]
    for i, (name, value) in enumerate(_sections(bare)):
        out.append(f'{"," if i else ""}"{name}":{value}')
    out.append("}")
    doc = _KEY_AFTER_COMMA.sub(', "', _KEY_AFTER_BRACE.sub('{"', "".join(out)))
    doc = doc.replace(": ", '": ').replace('\x00": ', "\x00: ")
    if _BAD_KEY.search(doc) or _KEYWORD_KEY.search(doc):
        raise _Fallback  # a key that is not one plain word, or that YAML reads as a boolean or null
    doc = _DATE_DASH_1.sub(".", _DATE_DASH_2.sub("E", doc))
    pieces = doc.split("\x00")
    strings = parts[1::2]
    if len(pieces) != len(strings) + 1:
        raise _Fallback
    merged = pieces[0] + "".join(itertools.chain.from_iterable(zip(strings, pieces[1:], strict=True)))
    try:
        return json.loads(
            merged, parse_float=_number_or_date, parse_constant=_refuse, object_pairs_hook=_mapping
        )
    except (ValueError, RecursionError):
        raise _Fallback from None


# ---------------------------------------------------------------- the same, as JSON for strict validation
#
# inventory.fast_path validates the entity lists of such a document straight from JSON text with
# pydantic-core, strictly, and takes the result only when that succeeds (the careful path reads
# the file otherwise, and reports what is wrong with its lines). So this text need not settle
# everything the careful reading above checks: a key that is not plain text cannot be a field
# name, and strict validation refuses every key that is not one; a value the JSON form reads
# otherwise than YAML (an exponent, a date under another key) is refused by the strict type of
# its field. What validation cannot see is settled here: the line layout, characters YAML
# treats unlike JSON, quoted keys, and a key given twice in one mapping (JSON keeps the last).

# What varies between the bare lines of records of one shape: numbers and dates.
_VALUE_BYTES = b"0123456789.-"
_SHAPE_TOKEN = re.compile(rb"[{}\[\]]|[A-Za-z_][A-Za-z0-9_]*(?=: )")


_BLANK = re.compile(r"[\n ]*")  # matched in place: no copy of a section to see it is empty
CHUNK_CHARS = 1 << 18  # records prepared (and validated) per piece: its passes stay in cache


@dataclass(frozen=True)
class FlowJson:
    """A document of flow records a line, its entity lists to be read as JSON piece by piece."""

    text: str
    lists: dict[str, list[tuple[int, int]]]  # top-level key -> spans of *text* holding its value (none: null)
    rest: str  # the lines of every other top-level key, as a YAML document of their own
    date_keys: frozenset[str]

    def pieces(self, key: str) -> Iterator[str | None]:
        """The value of *key* as JSON arrays of consecutive records; None for a piece not taken."""
        dates = _date_patterns(self.date_keys)
        seen: set[bytes] = set()  # shapes of line already found fine
        for start, end in self.lists[key]:
            yield _json_piece(self.text[start:end], dates, seen)


def flow_json(text: str, date_keys: Collection[str], json_keys: Collection[str]) -> FlowJson | None:
    """*text* laid out as flow records a line, with the values of its *json_keys* to read as JSON.

    None when the top-level layout is not one of ``key:`` lines (a value of its own, or a list
    of records ``- ...`` one a line, or nothing). Each piece of a list is checked when it is made
    (:meth:`FlowJson.pieces`): keys are quoted, and a bare date (YYYY-MM-DD) directly under one
    of *date_keys* becomes the JSON string of the same date (any other bare date leaves the
    piece invalid JSON).
    """
    if text.startswith("#") or "\n#" in text:
        text = _COMMENT_LINE.sub("", text)
    starts = [0] if PLAIN_KEY.match(text) else []
    starts += [m.end() for m in _TOP_START.finditer(text)]
    found = [_TOP_LINE.match(text, pos) for pos in starts]
    sections = [m for m in found if m is not None]
    if not sections or len(sections) != len(found) or text[: starts[0]].strip():
        return None
    names = [m.group(1) for m in sections]
    if len(set(names)) != len(names) or any(NOT_A_KEY.fullmatch(n) for n in names):
        return None  # a key given twice (refused with its lines there), or not text
    lists: dict[str, list[tuple[int, int]]] = {}
    rest: list[str] = []
    for i, m in enumerate(sections):
        end = sections[i + 1].start() if i + 1 < len(sections) else len(text)
        if m.group(1) not in json_keys:
            rest.append(text[m.start() : end])
        elif m.group(2) is not None:  # the whole value on the key's line
            if not _BLANK.fullmatch(text, m.end(), end):
                return None
            lists[m.group(1)] = [(m.start(2), m.end(2))]
        elif _BLANK.fullmatch(text, m.end(), end):
            lists[m.group(1)] = []  # nothing: null, as YAML reads it
        else:
            lists[m.group(1)] = _spans(text, m.end(), end)
    return FlowJson(text, lists, "".join(rest), frozenset(date_keys))


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Pieces of about CHUNK_CHARS of the lines text[start:end], cut before a line's "- "."""
    spans = []
    while start < end:
        cut = text.find("\n- ", start + CHUNK_CHARS, end) if end - start > CHUNK_CHARS else -1
        stop = end if cut < 0 else cut + 1
        spans.append((start, stop))
        start = stop
    return spans


def _json_piece(piece: str, dates: _DatePatterns | None, seen: set[bytes]) -> str | None:
    """*piece* (a value, or list items one a line) as JSON, or None when it does not read as such."""
    if _NOT_JSON_ALIKE.search(piece) or ("\\u" in piece and _ESCAPES_NOT_ALIKE.search(piece)):
        return None
    if "\\" in piece:
        parts = _QUOTED.split(piece)  # strings with their quotes
        placeholder = "%s"
    else:
        # No escapes: every quote opens or closes a string (a quote in a plain scalar, or a
        # string over two lines, leaves the JSON invalid). A plain split is several times faster.
        parts = piece.split('"')  # strings without their quotes
        placeholder = '"%s"'
        if len(parts) % 2 == 0:
            return None
    bare = "\x00".join(parts[0::2])
    strings = parts[1::2]
    del parts
    body = bare.strip("\n ")
    if not body or not bare.isascii() or _LINES.fullmatch(bare) is None or _unlike_json(bare, seen):
        return None
    if body.startswith("- "):  # list items one a line
        if body.count("\n") != body.count("\n- "):
            return None  # a line of the list that is not an item of its own
        body = "[" + body[2:].replace("\n- ", "\n,") + "]"
    elif "\n" in body:
        return None
    body = _quote_keys(body)
    if dates is not None:  # literal replacements: a template with groups costs a Python call per date
        opening, closings = dates
        body = opening.sub(': "', body)
        for end, closing in closings:
            body = closing.sub(f'"{end}', body)
    if not strings:
        return body
    return (body.replace("%", "%%") if "%" in body else body).replace("\x00", placeholder) % tuple(strings)


def _quote_keys(bare: str) -> str:
    """*bare* with every key of its mappings quoted: a key follows "{" or ", " and ends at ": ".

    Plain replacements, several times faster than a pattern: "{" and ", " are followed by a key
    except where a list holds a string, a mapping or nothing (undone below); anything else
    that follows them (a number or a word in a list) is left invalid JSON, as it must be.
    """
    bare = bare.replace(", ", ', "').replace(', "\x00', ", \x00").replace(', "{', ", {")
    return bare.replace("{", '{"').replace('{"}', "{}").replace(": ", '": ')


_DatePatterns = tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]]]


@functools.cache
def _date_patterns(keys: frozenset[str]) -> _DatePatterns | None:
    """Where a quote opens before a bare date under one of *keys*, and where it closes (by what follows)."""
    if not keys:
        return None
    after_key = "|".join(f'(?<="{re.escape(k)}": )' for k in sorted(keys))
    day = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    opening = re.compile(f": (?:{after_key})(?={day}[,}}])")  # a date is never an item of a list
    closings = [(end, re.compile(f'{re.escape(end)}(?<=": "{day}{re.escape(end)})')) for end in ",}"]
    return opening, closings


def _unlike_json(bare: str, seen: set[bytes]) -> bool:
    """Whether *bare* (strings replaced by NUL) holds what its JSON form would read otherwise.

    A comment after a value, a quoted key (which _shape_repeats_a_key does not see), NaN and
    Infinity (JSON's, not YAML's), or a plain key given twice in one mapping. Checked once per
    shape of line: lines that differ only in numbers and dates are one shape (a key that differs
    from another only in digits counts as the same: refused, to be safe).
    """
    shapes = set(bare.encode("ascii").translate(None, _VALUE_BYTES).split(b"\n"))
    shapes -= seen  # *seen*: the shapes of earlier pieces, found fine
    joined = b"\n".join(shapes)
    if b"#" in joined or b"\x00:" in joined or b"NaN" in joined or b"Infinity" in joined:
        return True
    if any(_shape_repeats_a_key(shape) for shape in shapes):
        return True
    seen |= shapes
    return False


def _shape_repeats_a_key(shape: bytes) -> bool:
    keys: set[bytes] | None = None  # of the innermost open mapping; None in a list or outside
    outer: list[set[bytes] | None] = []
    for token in _SHAPE_TOKEN.findall(shape):
        if token == b"{":
            outer.append(keys)
            keys = set()
        elif token == b"[":
            outer.append(keys)
            keys = None
        elif token == b"}" or token == b"]":
            if not outer:
                return True  # unbalanced: not JSON either
            keys = outer.pop()
        elif keys is not None:
            if token in keys:
                return True
            keys.add(token)
    return False


def _sections(bare: str) -> list[tuple[str, str]]:
    """Per top-level key of *bare*: its name and its value as (bare) JSON; or raise _Fallback."""
    starts = [0] if PLAIN_KEY.match(bare) else []
    starts += [m.end() for m in _TOP_START.finditer(bare)]
    found = [_TOP_LINE.match(bare, pos) for pos in starts]
    sections = [m for m in found if m is not None]
    if not sections or len(sections) != len(found) or bare[: starts[0]].strip():
        raise _Fallback
    names = [m.group(1) for m in sections]
    if len(set(names)) != len(names) or any(NOT_A_KEY.fullmatch(n) for n in names):
        raise _Fallback  # a key given twice (refused with its lines there), or not text
    out = []
    for i, m in enumerate(sections):
        end = sections[i + 1].start() if i + 1 < len(sections) else len(bare)
        body = bare[m.end() : end].strip("\n ")
        if m.group(2) is not None:
            if body:
                raise _Fallback
            value = m.group(2)
        elif not body:
            value = "null"
        else:
            if not body.startswith("- ") or body.count("\n") != body.count("\n- "):
                raise _Fallback  # a line of the list that is not an item of its own
            value = "[" + body[2:].replace("\n- ", "\n,") + "]"
        out.append((m.group(1), value))
    return out


def _check_depth(bare: str) -> None:
    """Raise _Fallback when brackets nest deeper than MAX_DEPTH allows, or do not pair."""
    brackets = bare.encode("ascii").translate(None, _NOT_BRACKETS)
    for _ in range(MAX_DEPTH - 2):  # the document and the list of records are two levels more
        if not brackets:
            return
        shorter = brackets.replace(b"{}", b"").replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
    raise _Fallback


def _mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Fallback  # a duplicate key: refused with its lines by the general path
    return out


def _refuse(name: str) -> Any:
    raise _Fallback  # NaN, Infinity: JSON's, not YAML's


def _number_or_date(token: str) -> Any:
    if "E" in token:  # YYYY.MMEDD: a date of ours
        year, rest = token.split(".")
        month, day = rest.split("E")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            return f"{year}-{month}-{day}"  # e.g. 2019-13-45: text, as SafeLoader leaves it
    return float(token)


def _build(text: str) -> Any:
    parser = Loader(text)
    resolve = parser.resolve
    constructor = SafeConstructor()
    scalars: dict[str, tuple[Any]] = {}  # plain scalar text -> resolved value (IDs repeat a lot)
    anchors: dict[str, Any] = {}  # anchor -> its scalar's value
    stack: list[Any] = []
    keys: list[Any] = []
    root: Any = None
    documents = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                if event.tag is None and event.implicit[0]:
                    cached = scalars.get(event.value)
                    if cached is None:
                        tag = resolve(ScalarNode, event.value, (True, False))
                        try:
                            value = (
                                event.value
                                if tag == _STR_TAG
                                else constructor.construct_object(ScalarNode(tag, event.value))
                            )
                        except (ValueError, OverflowError):
                            value = event.value  # e.g. 2019-13-45: left as text, validation names it
                        cached = (value,)
                        if len(scalars) < 200_000:
                            scalars[event.value] = cached
                    value = cached[0]
                elif event.tag is None or event.tag == "!":
                    value = event.value
                else:
                    raise _Fallback
                if event.anchor is not None:
                    if event.anchor in anchors:
                        raise _Fallback  # PyYAML's "found duplicate anchor"
                    # A scalar anchor is what yaml.dump writes for a value used twice (a shared
                    # date): an alias to it is that one value, so it cannot expand the document.
                    anchors[event.anchor] = value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or (event.tag is not None and not event.implicit):
                    raise _Fallback
                value = {} if kind is MappingStartEvent else []
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop()
                if keys.pop() is not _NO_KEY and kind is MappingEndEvent:
                    raise _Fallback  # a key without a value cannot happen; be safe
                if not stack:
                    root = done
                continue
            elif kind is AliasEvent:
                if event.anchor not in anchors:
                    raise _Fallback  # an alias of a mapping or list (or of no anchor): left to PyYAML
                value = anchors[event.anchor]
            elif kind is StreamEndEvent:
                break
            else:  # stream/document start and end
                if type(event).__name__ == "DocumentStartEvent":
                    documents += 1
                    if documents > 1:
                        raise _Fallback  # let PyYAML say "expected a single document"
                continue
            if stack:
                top = stack[-1]
                if type(top) is list:
                    top.append(value)
                elif keys[-1] is _NO_KEY:
                    if type(value) is dict or type(value) is list or value == "<<" or value in top:
                        raise _Fallback  # complex keys, merge keys; a duplicate key: named there
                    keys[-1] = value
                    continue
                else:
                    top[keys[-1]] = value
                    keys[-1] = _NO_KEY
            else:
                root = value
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                stack.append(value)
                keys.append(_NO_KEY if kind is MappingStartEvent else None)
                if len(stack) > MAX_DEPTH:
                    raise _Fallback  # refused with its line there
    finally:
        parser.dispose()
    return root


def locate(text: str, wanted: Iterable[Path]) -> dict[Path, int]:
    """1-based line of nodes of the document, by path from the top.

    Always includes every top-level value and every list item directly under a top-level key
    (the records); every node below a record is included only when the record's path
    (``(key, index)``) is in *wanted*. A mapping value's line is that of its value node.
    """
    want = set(wanted)
    lines: dict[Path, int] = {}
    path: list[Any] = []  # path of the current container
    frames: list[list[Any]] = []  # per open container: [is_mapping, pending key or next index, recording]
    with collector_paused():
        parser = Loader(text)
        try:
            while True:
                try:
                    event = parser.get_event()
                except yaml.YAMLError:
                    break
                kind = type(event)
                if kind is StreamEndEvent or event is None:
                    break
                if kind is MappingEndEvent or kind is SequenceEndEvent:
                    frames.pop()
                    if path:
                        path.pop()
                    continue
                if kind not in (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent):
                    continue
                if not frames:  # the root node
                    if kind is not ScalarEvent and kind is not AliasEvent:
                        frames.append(
                            [kind is MappingStartEvent, _NO_KEY if kind is MappingStartEvent else 0, False]
                        )
                    continue
                frame = frames[-1]
                if frame[0]:  # in a mapping: a key or a value
                    if frame[1] is _NO_KEY:
                        if kind is ScalarEvent:
                            frame[1] = event.value
                        else:
                            frame[1] = None  # complex key: not addressable
                            frames.append([kind is MappingStartEvent, _NO_KEY, False])
                            path.append(None)
                        continue
                    step = frame[1]
                    frame[1] = _NO_KEY
                else:
                    step = frame[1]
                    frame[1] += 1
                node_path = (*path, step)
                depth = len(node_path)
                recording = frame[2] or (depth == 2 and node_path in want)
                if depth <= 2 or recording:
                    lines[node_path] = event.start_mark.line + 1
                if kind is MappingStartEvent or kind is SequenceStartEvent:
                    frames.append(
                        [kind is MappingStartEvent, _NO_KEY if kind is MappingStartEvent else 0, recording]
                    )
                    path.append(step)
        finally:
            parser.dispose()
    return lines


def nearest_line(lines: dict[Path, int], path: Path) -> int | None:
    """Line of *path*, or of its nearest ancestor that has one (a missing field: its record)."""
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None
