"""The fast path of the YAML route: entity lists validated straight from their JSON form.

A file of flow records one a line (what ``inventory.synth`` writes) is a JSON document once its
keys are quoted (``yaml_source.flow_json``). Its entity lists are validated here by pydantic-core
straight from that text, in strict mode: no intermediate dicts, no Python call per number or
date. Strict mode accepts less than the careful path does, and gives the same records for what
it accepts:

- a string, boolean or null is the same value in JSON as in YAML's flow style, and strict mode
  takes a string only as text, a boolean only as a flag;
- an integer is one in both; an exponent (``1e5``, text to YAML 1.1) is refused by every strict
  integer and text field and read as the same number by every float field, which the careful
  path reads leniently from text (:func:`_strict` makes sure no float field is otherwise);
- a date is taken only as ``YYYY-MM-DD`` under a key that is a date field of every model that
  has it (:data:`DATE_FIELDS`), as the careful path reads a bare date or that text;
- every key must be a field of its model (``extra="forbid"``), a plain word that YAML reads as
  text, given once in its mapping (checked on the text).

The careful path's own validators after the type (IDs that can name a file, free text without
control characters, networks given once, CIDRs) run here as well. Anything strict validation
refuses, and any document ``flow_json`` does not take, makes :func:`read` answer None: the file
takes the careful path, which finds and reports every problem with its line. So nothing is ever
reported from here, and an inventory loads to the same records either way.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator, core_schema

from inventory import yaml_source
from inventory.fields import LENIENT_READERS, OWN_ID_CHECK, OWN_ID_SUSPECT
from inventory.models import ENTITY_MODELS, Record

_LENIENT = {id(reader): kind for kind, reader in LENIENT_READERS.items()}
_ID = operator.attrgetter("id")


# An inventory file's entity lists as JSON pieces (validated in order; none: the key is empty),
# and the YAML text of its other keys: the text work of the fast path, done before validation.
Prepared = tuple[dict[str, list[bytes]], str]


def read(text: str) -> dict[str, Any] | None:
    """The document in *text* with its entity lists as validated records; None to read it carefully."""
    flow = yaml_source.flow_json(text, DATE_FIELDS, ENTITY_MODELS)
    if flow is None:
        return None
    # piece by piece, each validated once made: its text is still in the cache
    pieces = {key: flow.pieces(key) if spans else iter(()) for key, spans in flow.lists.items()}
    return _validated(pieces, flow.rest)


def prepare(text: str) -> Prepared | None:
    """read()'s work on the text alone (for a helper process); None to read the file carefully."""
    flow = yaml_source.flow_json(text, DATE_FIELDS, ENTITY_MODELS)
    if flow is None:
        return None
    lists: dict[str, list[bytes]] = {}
    for key, spans in flow.lists.items():
        pieces = lists[key] = []
        for piece in flow.pieces(key) if spans else ():
            if piece is None:
                return None
            pieces.append(piece.encode())
    return lists, flow.rest


def read_prepared(prepared: Prepared) -> dict[str, Any] | None:
    """The document :func:`prepare` made ready, as read() gives it; None to read it carefully."""
    lists, rest = prepared
    return _validated({key: iter(pieces) for key, pieces in lists.items()}, rest)


def _validated(lists: Mapping[str, Iterator[str | bytes | None]], rest_text: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key, pieces in lists.items():
        out[key] = None  # an empty key, as the careful path reads it
        records: list[Record] = []
        for piece in pieces:
            if piece is None:
                return None
            if piece == "null" or piece == b"null":
                break  # an empty key too
            try:
                json = piece.encode() if isinstance(piece, str) else piece
                more = _validator(ENTITY_MODELS[key]).validate_json(json, strict=True)
            except ValidationError:
                return None
            if OWN_ID_SUSPECT.search("\n".join(map(_ID, more))):
                return None  # an ID that may not name a file: the careful path says why
            records.extend(more)
            out[key] = records
    if rest_text:
        rest = yaml_source.parse(rest_text)
        if not isinstance(rest, dict):
            return None  # e.g. a syntax error: reported, with the file's own line, by the careful path
        out.update(rest)
    return out


@functools.cache
def _validator(model: type[Record]) -> SchemaValidator:
    record = _strict(model.__pydantic_core_schema__)
    own_id = record["schema"]["fields"]["id"]
    after = own_id["schema"]
    if after["type"] == "function-after" and after["function"]["function"] is OWN_ID_CHECK:
        own_id["schema"] = after["schema"]  # checked for the whole list at once (read)
    schema = core_schema.list_schema(record)
    # pydantic-core builds a model node from the validator its class already carries when the
    # class is complete ("prebuilt"): that is the careful one. For the time it takes to build
    # this validator, the classes say they are not, so the strict copy above is what is built.
    classes = _model_classes(schema)
    for cls in classes:
        cls.__pydantic_complete__ = False
    try:
        return SchemaValidator(schema)
    finally:
        for cls in classes:
            cls.__pydantic_complete__ = True


def _model_classes(node: Any) -> set[type[Record]]:
    if isinstance(node, list):
        return set().union(*(_model_classes(item) for item in node))
    if not isinstance(node, dict):
        return set()
    found = {node["cls"]} if node.get("type") == "model" else set()
    return found.union(*(_model_classes(value) for value in node.values()))


def _strict(node: Any, lenient: bool = False) -> Any:
    """A copy of the core schema *node* without the careful path's lenient readers."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "function-before" and id(node["function"].get("function")) in _LENIENT:
        return _strict(node["schema"], lenient=True)
    if node.get("type") == "float" and not lenient:
        raise TypeError("a float not read by fields.LENIENT_READERS: the fast path cannot take exponents")
    if node.get("type") == "model-fields":
        for name in node["fields"]:
            if yaml_source.PLAIN_KEY.fullmatch(name) is None or yaml_source.NOT_A_KEY.fullmatch(name):
                raise TypeError(f"field {name!r} is not a key YAML reads as plain text")
    return {key: _strict(value) for key, value in node.items()}


def _date_fields() -> frozenset[str]:
    """Field names that are a date (fields.Day) in every record model that has them."""
    kinds: dict[str, set[bool]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "model-fields":
                for name, field in node["fields"].items():
                    kinds.setdefault(name, set()).add(_is_date(field["schema"]))
            for value in node.values():
                walk(value)

    for model in ENTITY_MODELS.values():
        walk(model.__pydantic_core_schema__)
    return frozenset(name for name, seen in kinds.items() if seen == {True})


def _is_date(schema: Any) -> bool:
    while schema.get("type") in ("default", "nullable"):
        schema = schema["schema"]
    return (
        schema.get("type") == "function-before"
        and _LENIENT.get(id(schema["function"].get("function"))) == "date"
    )


DATE_FIELDS = _date_fields()
