"""The machinery of the message catalogue: structured messages and their rendering per language.

A message is a key and its parameters (:class:`Message`); the text lives in the catalogue as
``key: (zh, en)`` and is chosen only when something is shown (:meth:`Catalogue.render`). So a
plan records *what* was decided, and the report, the department plans, the workbook and the
terminal say it in the reader's language.

Placeholders are ``str.format`` fields with three additions:

- ``{term.extranet}`` is the glossary term ``term.extranet`` in the language (a Chinese term is
  written once, in the glossary);
- ``{domain:@domain}`` is the label of an enum value (``domain.public_service``);
- a list parameter is joined with the language's separator (、 or ", "), each item formatted
  with the field's spec, or with the clause separator (；or "; ") for the spec ``;``; a
  :class:`Message` parameter is rendered in the same language.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict

from foundation.construct import builder

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"  # a Chinese city's default: every output in Chinese unless --lang en
LIST_SEPARATOR: dict[Lang, str] = {"zh": "、", "en": ", "}
CLAUSE_SEPARATOR: dict[Lang, str] = {"zh": "；", "en": "; "}  # between reasons shown in one cell
TERM_PREFIX = "term."
VERBATIM = "text"  # the key of a text given in its own words (a city rule's reason): shown as is

# Every text of every output, by key: filled by register() from the tables of each layer.
MESSAGES: dict[str, tuple[str, str]] = {}


def register(table: Mapping[str, tuple[str, str]]) -> None:
    """Add *table* to the catalogue; a key defined twice is a programming error (one fact, one place)."""
    twice = sorted(k for k in table if k in MESSAGES and MESSAGES[k] != table[k])
    if twice:
        raise ValueError(f"message keys defined twice: {', '.join(twice)}")
    MESSAGES.update(table)


# A parameter: text, a number, a list (of IDs, of enum values, of messages) or a nested message.
Param = Union[str, int, float, bool, None, list[Union[str, "Message"]], "Message"]  # noqa: UP007


class Message(BaseModel):
    """A catalogue key with its parameters: what a reason or finding says, in no language yet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    params: dict[str, Param] = {}

    def __str__(self) -> str:
        """The English text (plan.json's ``reasons`` and ``message`` strings, logs)."""
        if not self.params:  # a fixed text: half the reasons of a plan
            text = _FIXED_ENGLISH.get(self.key)
            if text is not None:
                return text
        return _english().render(self)

    def same(self, other: Message) -> bool:
        return self.key == other.key and self.params == other.params


Message.model_rebuild()


def _param(value: Any) -> Param:
    t = type(value)
    if t is str or t is int:  # most parameters: IDs, names, counts
        return value  # type: ignore[no-any-return]
    if t is list and all(type(v) is str for v in value):  # IDs
        return list(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Message) or value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Sequence):
        return [v if isinstance(v, Message) else str(_param(v)) for v in value]
    return str(value)


_build_message = builder(Message)
assert tuple(Message.model_fields) == ("key", "params")  # the order _build_message is given them in


def msg(key: str, **params: Any) -> Message:
    """A message of *key*; enums become their values, dates ISO text, sequences lists of text."""
    for k, v in params.items():  # *params* is this call's own dict: its values are converted in place
        t = type(v)
        if t is not str and t is not int:
            params[k] = _param(v)
    return _build_message({"key": key, "params": params})


def verbatim(text: str) -> Message:
    """A text that is not in the catalogue (a city rule's own words): rendered as given."""
    return msg(VERBATIM, text=text)


def as_message(value: Message | str) -> Message:
    return value if isinstance(value, Message) else verbatim(value)


class _Formatter(string.Formatter):
    def __init__(self, catalogue: Catalogue) -> None:
        self.cat = catalogue

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if field_name.startswith(TERM_PREFIX):
            return self.cat.t(field_name), field_name
        return super().get_field(field_name, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
        return self.cat._field(value, format_spec)


# template -> its parts (literal text, field name or None, format spec), or None when it needs
# string.Formatter itself (positional, attribute or index fields, conversions, nested specs).
_Parts = list[tuple[str, str | None, str]]
_COMPILED: dict[str, _Parts | None] = {}
_SCALARS = (str, int, float, bool, type(None))
_PLAIN: dict[tuple[str, str], str | None] = {}  # (language, template) -> what Catalogue._plain gives


def _compiled(template: str) -> _Parts | None:
    if template in _COMPILED:
        return _COMPILED[template]
    parts: _Parts | None = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if name is not None and (
            conversion or not name or ("{" in (spec or ""))
            or (not name.startswith(TERM_PREFIX) and ("." in name or "[" in name))
        ):
            parts = None
            break
        parts.append((literal, name, spec or ""))  # type: ignore[union-attr]
    _COMPILED[template] = parts
    return parts


_FIXED_ENGLISH: dict[str, str] = {}  # key -> its English text without parameters (Message.__str__)


class Catalogue:
    """Every text of the catalogue in one language."""

    __slots__ = ("lang", "_formatter")

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
        self.lang: Lang = lang  # type: ignore[assignment]
        self._formatter = _Formatter(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalogue) and other.lang == self.lang

    def __hash__(self) -> int:
        return hash(self.lang)

    def __repr__(self) -> str:
        return f"Catalogue({self.lang!r})"

    def has(self, key: str) -> bool:
        return key in MESSAGES

    def t(self, key: str, **fields: Any) -> str:
        """The text of *key*, with its ``{name}`` fields filled in; the key itself when unknown."""
        pair = MESSAGES.get(key)
        if pair is None:
            return key.format(**fields) if fields else key
        text = pair[0] if self.lang == "zh" else pair[1]
        if not fields and "{" not in text:
            return text
        return self._fill(text, {k: _param(v) for k, v in fields.items()})

    def _field(self, value: Any, format_spec: str) -> str:
        """One field's value as text: lists joined, messages rendered, ``@`` specs as enum labels."""
        if isinstance(value, list):
            if format_spec == ";":  # clauses, not items: "a；b" / "a; b"
                return CLAUSE_SEPARATOR[self.lang].join(self._field(v, "") for v in value)
            sep = LIST_SEPARATOR[self.lang]
            return sep.join(self._field(v, format_spec) for v in value)
        if isinstance(value, Message):
            return self.render(value)
        if format_spec.startswith("@"):
            return self.enum(format_spec[1:], value)
        return format(value, format_spec)

    def _fill(self, template: str, params: Mapping[str, Any]) -> str:
        """*template* with its fields filled from *params* (string.Formatter's result, faster)."""
        known = (self.lang, template)
        try:
            plain = _PLAIN[known]
        except KeyError:
            plain = _PLAIN[known] = self._plain(template)
        if plain is not None:
            for v in params.values():
                if type(v) not in _SCALARS:
                    break
            else:
                return plain.format_map(params)  # in C: no field needs more than str.format
        parts = _compiled(template)
        if parts is None:
            return self._formatter.vformat(template, (), params)
        out = []
        for literal, name, spec in parts:
            out.append(literal)
            if name is not None:
                value = self.t(name) if name.startswith(TERM_PREFIX) else params[name]
                out.append(value if type(value) is str and not spec else self._field(value, spec))
        return "".join(out)

    def _plain(self, template: str) -> str | None:
        """*template* with its glossary terms written in, when str.format can fill the rest."""
        parts = _compiled(template)
        special = any(n is not None and (spec.startswith("@") or spec == ";") for _, n, spec in parts or ())
        if parts is None or special:
            return None
        out = []
        for literal, name, spec in parts:
            out.append(literal.replace("{", "{{").replace("}", "}}"))
            if name is None:
                continue
            if name.startswith(TERM_PREFIX):
                out.append(format(self.t(name), spec).replace("{", "{{").replace("}", "}}"))
            else:
                out.append("{" + name + (":" + spec if spec else "") + "}")
        return "".join(out)

    def enum(self, prefix: str, value: object) -> str:
        """The label of an enum value, e.g. ``enum("disposition", Disposition.MIGRATE)``."""
        if value is None:
            return ""
        raw = getattr(value, "value", value)
        return self.t(f"{prefix}.{raw}")

    def render(self, message: Message | str) -> str:
        """*message* in this language (a plain string is shown as it is: a city's own words)."""
        if isinstance(message, str):
            return message
        if message.key == VERBATIM:
            return str(message.params.get("text", ""))
        if message.key not in MESSAGES:
            raise KeyError(f"message key {message.key!r} is not in the catalogue")
        text = self._fill(MESSAGES[message.key][0 if self.lang == "zh" else 1], message.params)
        if not message.params and self.lang == "en":
            _FIXED_ENGLISH[message.key] = text  # a key's texts never change once registered
        return text

    def renders(self, message: Message) -> bool:
        """*message* can be rendered: its key (and those of nested messages) are in the catalogue
        with the parameters it gives (a hand-edited or newer plan may hold others)."""
        try:
            self.render(message)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return False
        return True

    def join(self, parts: Sequence[str]) -> str:
        """Clauses (reasons) in one line, with the language's separator."""
        return CLAUSE_SEPARATOR[self.lang].join(parts)

    @property
    def separator(self) -> str:
        """Between items (IDs, names) of one line: 、 or ", "."""
        return LIST_SEPARATOR[self.lang]

    def items(self, parts: Sequence[str]) -> str:
        """Items (IDs, names) in one line, with the language's separator."""
        return LIST_SEPARATOR[self.lang].join(parts)


def english(key: str, **fields: Any) -> str:
    """The English text of *key* (plan.json keeps English strings beside the structured message)."""
    return _english().t(key, **fields)


@functools.cache
def _english() -> Catalogue:
    return Catalogue("en")
