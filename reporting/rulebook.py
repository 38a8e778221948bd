"""Rule texts for the report's rules section: the one import point of ``planner.rules``.

``planner.rules`` (written by the planner) holds the rule IDs and texts of POLICY_RULES.md.
Its exact shape is not fixed yet, so this adapter accepts what a rule registry naturally
looks like: a mapping ``RULES`` (or ``RULE_TEXTS``) from ID to a string or to an object with
``text`` / ``title`` / ``summary`` / ``description``, or a function ``rule_text(rule_id)``.
Until the module exists every cited rule is still listed (and linked), with a note instead
of its text.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any

from foundation.messages import Catalogue

MISSING_TEXT = "(rule text unavailable: planner.rules is not installed)"


def _text_of(entry: Any) -> str | None:
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        for key in ("text", "title", "summary", "description"):
            if entry.get(key):
                return str(entry[key])
        return None
    parts = []
    for attr in ("title", "text", "summary", "description"):
        value = getattr(entry, attr, None)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    return " — ".join(parts) if parts else None


def _registry() -> tuple[Mapping[str, Any] | None, Any]:
    try:
        module = importlib.import_module("planner.rules")
    except ImportError:
        return None, None
    for name in ("RULES", "RULE_TEXTS", "rules"):
        table = getattr(module, name, None)
        if isinstance(table, Mapping):
            return table, getattr(module, "rule_text", None)
    return None, getattr(module, "rule_text", None)


def rule_texts(rule_ids: Iterable[str], cat: Catalogue | None = None) -> dict[str, str]:
    """Text of each rule ID in *cat*'s language (the catalogue's ``rule.<ID>``), sorted by ID;
    a rule the catalogue does not hold (a city's own) has the registry's text."""
    table, lookup = _registry()
    out: dict[str, str] = {}
    for rule_id in sorted(set(rule_ids)):
        text = None
        if cat is not None and cat.has(f"rule.{rule_id}"):
            text = cat.t(f"rule.{rule_id}")
        if text is None and table is not None:
            text = _text_of(table.get(rule_id))
        if text is None and callable(lookup):
            try:
                text = _text_of(lookup(rule_id))
            except (KeyError, LookupError, ValueError):
                text = None
        out[rule_id] = text or MISSING_TEXT
    return out


def anchor(rule_id: str) -> str:
    """In-page anchor of a rule's text."""
    return "rule-" + rule_id.replace(".", "-")
