"""The classification rules as a registry: precedence is registry order.

``registered_rules()`` is the order classification runs: the built-in rules of POLICY_RULES.md
(planner.ruleset.builtin), with every rule a city registers in the entry-point group
``govcloud.rules`` placed before the rule its class names in ``before`` (by default before the
catch-all CLASS-1). A city's rule is a :class:`Rule` subclass with its own ``id``, e.g. in its
package's ``pyproject.toml``::

    [project.entry-points."govcloud.rules"]
    fx-keep-archive = "fuxin_rules:KeepArchiveLocal"

``precedence_table()`` renders the order as the README's table; ``rule_class(id)`` finds the
class behind a rule ID.
"""

from __future__ import annotations

import functools
import sys
from importlib.metadata import entry_points
from itertools import groupby

from planner import rules
from planner.ruleset.base import GroupRule, Rule, RuleContext, Verdict, mlps_level
from planner.ruleset.builtin import BUILTIN

ENTRY_POINT_GROUP = "govcloud.rules"

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "GroupRule",
    "Rule",
    "RuleContext",
    "Verdict",
    "city_rules",
    "mlps_level",
    "precedence_table",
    "registered_rules",
    "rule_class",
    "tiers",
]


class RuleRegistrationError(TypeError):
    """An entry point of ``govcloud.rules`` that is not a usable rule class."""


def city_rules() -> tuple[type[Rule], ...]:
    """The rule classes registered through the ``govcloud.rules`` entry points, by entry-point name."""
    # Scanning the installed distributions costs tens of milliseconds: once per import path.
    return _city_rules_on(tuple(sys.path))


@functools.lru_cache(maxsize=8)
def _city_rules_on(path: tuple[str, ...]) -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Rule) and getattr(cls, "id", None)):
            raise RuleRegistrationError(
                f"entry point {ep.name} = {ep.value} ({ENTRY_POINT_GROUP}) is not a Rule class with an id"
            )
        found.append(cls)
    return tuple(found)


def registered_rules() -> tuple[type[Rule], ...]:
    """Every rule in precedence order: the built-in ones with the city's own placed among them."""
    order = list(BUILTIN)
    for cls in city_rules():
        anchor = cls.before or rules.CLASS_1
        at = next((i for i, r in enumerate(order) if r.id == anchor), len(order) - 1)
        order.insert(at, cls)
    return tuple(order)


def rule_class(rule_id: str, registry: tuple[type[Rule], ...] | None = None) -> type[Rule]:
    """The class implementing *rule_id* (KeyError when no registered rule has it)."""
    for cls in registry if registry is not None else registered_rules():
        if cls.id == rule_id:
            return cls
    raise KeyError(rule_id)


def tiers(registry: tuple[type[Rule], ...]) -> list[list[type[Rule]]]:
    """Consecutive rules of one tier, checked together (a rule without a tier is its own)."""
    return [
        list(group)
        for _, group in groupby(registry, key=lambda cls: cls.tier or f"rule:{id(cls)}")
    ]


def _tier_name(tier: list[type[Rule]]) -> str:
    if len(tier) == 1:
        return tier[0].label or tier[0].id
    ids = [cls.id for cls in tier]
    stem = {i.rpartition("-")[0] for i in ids}
    if len(ids) > 2 and len(stem) == 1:
        return f"{ids[0]}..{ids[-1].rpartition('-')[2]}"
    return " / ".join(ids)


def precedence_table(registry: tuple[type[Rule], ...] | None = None) -> str:
    """The precedence of *registry* (the registered rules) as the README's Markdown table."""
    lines = [
        "| order | rule | disposition | why it outranks what follows |",
        "|---|---|---|---|",
    ]
    for n, tier in enumerate(tiers(registry if registry is not None else BUILTIN), start=1):
        first = tier[0]
        disposition = f"`{first.disposition.value}`"
        if first.disposition.value == "blocked":
            disposition += " (+ error finding)"
        lines.append(f"| {n} | {_tier_name(tier)} | {disposition} | {first.outranks} |")
    return "\n".join(lines) + "\n"
