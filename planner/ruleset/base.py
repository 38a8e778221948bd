"""What a classification rule is: a small class with its ID, its disposition and a check.

A rule looks at one system (``check``) or at every system still undecided at its turn
(``check_group``, for rules that compare systems: SHADOW-1, BIGSYS-1, DOMAIN-1 capacity) and
returns a :class:`Verdict` where it holds, None where it does not. A verdict with a
disposition decides; one without is a fact the decision cites (the survivor of a shadow group,
a level-4 system hosted in its dedicated pool). Rules of one *tier* (ZOMBIE-1..5, MLPS-1/2)
are all checked, so every criterion that holds and every rule that blocks is recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from foundation.messages import Message, as_message
from inventory.models import DomainName, Inventory, Network, PlatformKind, System
from planner.domains import Landing, landing_of
from planner.plan_model import Disposition, Finding, Sizing
from planner.policy import Policy


@dataclass(slots=True)
class Verdict:
    """What one rule found about one system: the reason, and the disposition when it decides."""

    rule: str
    reason: Message  # a catalogue message (a city rule's own words: foundation.messages.verbatim)
    disposition: Disposition | None = None  # None: it holds, but decides nothing
    into: str | None = None  # merge target
    domain: DomainName | None = None  # landing domain of a migrating system
    also: tuple[tuple[str, Message], ...] = ()  # further (rule, reason) the decision cites

    def __post_init__(self) -> None:
        # A city rule may give its reason as plain text: kept in its own words.
        if not isinstance(self.reason, Message):
            self.reason = as_message(self.reason)
        if self.also:
            self.also = tuple((rule, as_message(why)) for rule, why in self.also)

    @property
    def decides(self) -> bool:
        return self.disposition is not None


@dataclass
class RuleContext:
    """What rules consult beyond the system itself; indexes are built once per classification."""

    inventory: Inventory
    policy: Policy
    migrate_sizing: Callable[[System], Sizing]  # the planned sizing of a system that migrates
    systems: dict[str, System] = field(init=False)
    networks: dict[str, Network] = field(init=False)
    platforms: dict[PlatformKind, str] = field(init=False)
    separate: frozenset[str] = field(init=False)  # exempt from PLATFORM-1, SHADOW-1, BIGSYS-1
    dependants: Counter[str] = field(init=False)  # how many systems depend on each system
    findings: list[Finding] = field(default_factory=list)  # raised by rules beside their verdicts
    _landing: dict[str, Landing] = field(default_factory=dict)
    # Landings by what decides them (public-facing, the networks named): systems share a few
    # thousand at province scale, and a Landing and its message are immutable, so one serves all.
    _landing_by_key: dict[tuple[bool, tuple[str, ...]], Landing] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inv = self.inventory
        self.systems = {s.id: s for s in inv.systems}
        self.networks = {n.id: n for n in inv.networks}
        self.platforms = {}
        for p in sorted(inv.platforms, key=lambda p: p.id):
            self.platforms.setdefault(p.kind, p.id)
        self.separate = frozenset(self.policy.exceptions.keep_separate)
        self.dependants = Counter(d.system for s in inv.systems for d in s.depends_on)

    def landing(self, system: System) -> Landing:
        """The domain *system* lands in by DOMAIN-1 (computed once)."""
        found = self._landing.get(system.id)
        if found is None:
            key = (system.public_facing, tuple(system.networks))
            found = self._landing_by_key.get(key)
            if found is None:
                found = self._landing_by_key[key] = landing_of(system, self.networks)
            self._landing[system.id] = found
        return found

    def mlps_level(self, system: System) -> int:
        """The system's MLPS level; the policy's default when the survey has none (INV-1)."""
        return mlps_level(system, self.policy)


def mlps_level(system: System, policy: Policy) -> int:
    """The system's MLPS level; the policy's default when the survey has none (INV-1)."""
    return system.mlps_level if system.mlps_level is not None else policy.defaults.mlps_level


class Rule:
    """A classification rule: ``id`` (planner.rules), the ``disposition`` it gives, one ``check``.

    The class docstring's first line says what the rule checks. ``outranks`` says why it comes
    before the rules after it (the README's precedence table prints it). ``tier`` names rules
    checked together; ``stage`` is "disposition" or "placement" (what `explain` groups it by).
    A city's own rule may set ``before`` to the ID of a registered rule it must precede;
    without it a city rule comes just before the catch-all CLASS-1.
    """

    id: ClassVar[str]
    disposition: ClassVar[Disposition]
    outranks: ClassVar[str] = ""
    tier: ClassVar[str | None] = None
    label: ClassVar[str | None] = None  # the precedence table's name of the rule, when not its ID
    stage: ClassVar[str] = "disposition"
    before: ClassVar[str | None] = None

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        """The verdict of this rule on *system*, or None when it does not apply."""
        raise NotImplementedError

    def check_group(self, systems: Sequence[System], ctx: RuleContext) -> Mapping[str, Verdict]:
        """Verdicts on the systems still undecided at this rule's turn, by system ID."""
        out: dict[str, Verdict] = {}
        for s in systems:
            v = self.check(s, ctx)
            if v is not None:
                out[s.id] = v
        return out

    def finish(self, ctx: RuleContext) -> list[Finding]:
        """Findings about the whole inventory once every system is checked (none by default)."""
        return []

    @classmethod
    def summary(cls) -> str:
        """The first line of the class docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    def verdict(self, reason: Message | str, **kw: object) -> Verdict:
        """A verdict of this rule giving its disposition (a plain string: the rule's own words)."""
        return Verdict(self.id, as_message(reason), self.disposition, **kw)  # type: ignore[arg-type]

    def fact(self, reason: Message | str) -> Verdict:
        """A verdict of this rule that holds without deciding."""
        return Verdict(self.id, as_message(reason))


class GroupRule(Rule):
    """A rule that compares the undecided systems with each other (``check_group`` is the rule)."""

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        return self.check_group([system], ctx).get(system.id)

    def check_group(self, systems: Sequence[System], ctx: RuleContext) -> Mapping[str, Verdict]:
        raise NotImplementedError
