"""explain: the chain of rules and facts behind one system's disposition, domain and wave.

The explanation walks the classification precedence (planner.classify) from the top, saying
for each earlier rule why it did not apply and for the deciding rule why it did, then the
domain placement (DOMAIN-1, MLPS-1/2), then the wave: group, what it waits for, its deadline,
the pilot, and the rooms and lines its move frees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inventory.models import Inventory, NetworkKind, SystemCategory
from planner import rules
from planner.classify import PLATFORM_OF_CATEGORY, zombie_evidence
from planner.core import PlanContext, plan_with_context
from planner.domains import domain_of, mlps_placement
from planner.plan_model import Disposition, Plan
from planner.policy import Policy
from planner.scheduling.build import Deadlines, pilot_eligible


@dataclass
class Step:
    """One link of the chain: a rule, whether it decided, and the facts behind it."""

    rule: str
    verdict: str  # "applies", "does not apply", "decides", "fact"
    facts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        ids = [r.strip() for r in self.rule.split(",")]
        if len(ids) > 1 and all(r in rules.ZOMBIE_RULES for r in ids):
            return f"A zombie system is retired: {len(ids)} of the five zombie criteria hold."
        return rules.RULES.get(self.rule, "")


@dataclass
class Explanation:
    """Why one system ends where it does."""

    system: str
    name: str
    department: str
    disposition: str
    domain: str | None
    wave: int | None
    disposition_steps: list[Step]
    placement_steps: list[Step]
    wave_steps: list[Step]
    findings: list[str]

    def lines(self) -> list[str]:
        """Plain-text rendering, one fact per line."""
        out = [
            f"{self.system} ({self.name}, {self.department}): {self.disposition}"
            + (f" to {self.domain}" if self.domain else "")
            + (f", wave {self.wave}" if self.wave is not None else "")
        ]
        for title, steps in (
            ("disposition", self.disposition_steps),
            ("placement", self.placement_steps),
            ("wave", self.wave_steps),
        ):
            if not steps:
                continue
            out.append(f"{title}:")
            for st in steps:
                out.append(f"  {st.rule} [{st.verdict}] {st.text}")
                out += [f"      - {f}" for f in st.facts]
        if self.findings:
            out.append("findings:")
            out += [f"  {f}" for f in self.findings]
        return out


class UnknownSystem(KeyError):
    """The system ID is not in the inventory."""


def explain(
    inventory: Inventory,
    policy: Policy,
    system_id: str,
    *,
    plan: Plan | None = None,
    context: PlanContext | None = None,
) -> Explanation:
    """Explain *system_id*; plans the inventory first unless a plan and its context are given."""
    systems = {s.id: s for s in inventory.systems}
    if system_id not in systems:
        raise UnknownSystem(system_id)
    if plan is None or context is None:
        plan, context = plan_with_context(inventory, policy)
    policy = context.policy
    s = systems[system_id]
    ps = plan.system(system_id)
    dec = context.decisions[system_id]
    networks = {n.id: n for n in inventory.networks}
    platforms = {p.kind for p in inventory.platforms}

    chain: list[Step] = []

    def check(rule: str, applies: bool, fact: str) -> bool:
        chain.append(Step(rule, "decides" if applies else "does not apply", [fact]))
        return applies

    decided = check(
        rules.SCOPE_2, s.classified, "classified (涉密)" if s.classified else "not classified"
    ) or check(
        rules.SCOPE_3,
        bool(s.programme),
        f"programme {s.programme}" if s.programme else "not part of a golden programme",
    )
    if not decided:
        ev = zombie_evidence(s, policy, set(systems))
        if ev:
            held = ", ".join(dict.fromkeys(r for r, _ in ev))
            chain.append(Step(held, "decides", [f"{r}: {why}" for r, why in ev]))
            decided = True
        else:
            chain.append(
                Step(
                    rules.ZOMBIE_1,
                    "does not apply",
                    [
                        "none of the five zombie criteria holds"
                        + (
                            " (usage not surveyed: never evidence of a zombie, INV-1)"
                            if s.usage is None
                            else ""
                        )
                    ],
                )
            )
    if not decided:
        decided = check(rules.ROOM_1, s.category is SystemCategory.LAN_ONLY, f"category {s.category.value}")
    if not decided:
        kind = PLATFORM_OF_CATEGORY.get(s.category)
        decided = check(
            rules.PLATFORM_1,
            dec.disposition is Disposition.MERGE and rules.PLATFORM_1 in dec.rules,
            f"category {s.category.value}"
            + (
                ""
                if kind is None
                else f"; city {kind.value} platform " + ("exists" if kind in platforms else "missing")
            ),
        )
    if not decided:
        for rule in (rules.SHADOW_1, rules.BIGSYS_1):
            if rule in dec.rules:
                facts = [
                    r
                    for r in dec.reasons
                    if s.function
                    and s.function in r
                    or (s.unit and s.unit in r)
                    or "main system" in r
                    or "shadow" in r
                    or "big system" in r
                ]
                chain.append(
                    Step(
                        rule,
                        "decides" if dec.disposition is Disposition.MERGE else "applies",
                        facts or list(dec.reasons),
                    )
                )
        decided = dec.disposition is Disposition.MERGE
    if not decided:
        chain.append(Step(rules.CLASS_1, "decides", [f"disposition {dec.disposition.value}"]))
    if ps.into:
        chain.append(Step(rules.CLASS_1, "fact", [f"merges into {ps.into}"]))

    placement: list[Step] = []
    if ps.disposition in (Disposition.MIGRATE, Disposition.BLOCKED):
        dom, why = domain_of(s, networks)
        placement.append(Step(rules.DOMAIN_1, "applies", [why]))
        level_fact = f"MLPS level {dec.mlps_level}" + (
            " (not surveyed: policy default, INV-1)" if s.mlps_level is None else ""
        )
        verdict = mlps_placement(dec.mlps_level, dom, inventory.cloud.domains.get(dom))
        placement.append(
            Step(
                verdict.rules[0] if verdict.rules else rules.MLPS_1,
                "applies" if verdict.allowed else "blocks",
                [level_fact, verdict.reason],
            )
        )
        if ps.disposition is Disposition.BLOCKED and rules.DOMAIN_1 in dec.rules and verdict.allowed:
            placement.append(Step(rules.DOMAIN_1, "blocks", [r for r in dec.reasons if "no room left" in r]))

    wave_steps: list[Step] = []
    if ps.wave is not None:
        w = next(x for x in plan.waves if x.number == ps.wave)
        wave_steps.append(
            Step(
                rules.PILOT_1 if w.pilot else rules.CLASS_1,
                "fact",
                [f"wave {w.number}: {w.start} .. {w.end}" + (" (pilot)" if w.pilot else "")],
            )
        )
        unit = context.grouping.unit_of[system_id]
        if ps.group:
            g = next(g for g in plan.groups if g.id == ps.group)
            wave_steps.append(
                Step(
                    rules.MLPS_3,
                    "fact",
                    [
                        f"group {g.id} ({g.reason}): moves with "
                        f"{', '.join(x for x in g.systems if x != system_id)}"
                    ],
                )
            )
        waits = []
        for pred in sorted(context.grouping.predecessors.get(unit, ())):
            members = context.grouping.members[pred]
            waits.append(
                f"waits for {', '.join(members[:3])}{' ...' if len(members) > 3 else ''} "
                f"(wave {context.schedule.assignment.get(pred)})"
            )
        if waits:
            wave_steps.append(Step(rules.CLASS_1, "fact", waits))
        dl = Deadlines.of(policy)
        if ps.disposition is Disposition.RETIRE:
            wave_steps.append(
                Step(
                    next(r for r in dec.rules if r in rules.ZOMBIE_RULES),
                    "fact",
                    [f"zombie clean-up deadline {policy.deadlines.zombie_cleanup} (wave {dl.retire})"],
                )
            )
        else:
            wave_steps.append(
                Step(
                    rules.CLOUD_2,
                    "fact",
                    [f"all-migrated deadline {policy.deadlines.all_migrated} (wave {dl.migrate})"],
                )
            )
        if any(networks[n].kind is NetworkKind.PRIVATE_NETWORK for n in s.networks if n in networks):
            wave_steps.append(
                Step(
                    rules.LINE_2,
                    "fact",
                    [f"rides a private network: integrate by {policy.deadlines.private_networks}"],
                )
            )
        eligible = pilot_eligible(dec, ps.sizing, len(s.depends_on), policy)
        wave_steps.append(
            Step(
                rules.PILOT_1,
                "fact",
                [
                    "eligible for the pilot wave"
                    if eligible
                    else "not eligible for the pilot (size, MLPS or dependencies)"
                ],
            )
        )
        frees = [
            f"room {r.id} ({r.outcome.value}, wave {r.wave}, {r.monthly_cost:,.0f} CNY/month)"
            for r in plan.rooms
            if r.id == s.room and r.wave is not None
        ]
        frees += [
            f"network {n.id} ({n.outcome.value}, wave {n.wave}, {n.monthly_fee:,.0f} CNY/month)"
            for n in plan.networks
            if n.id in s.networks and n.wave is not None
        ]
        if frees:
            wave_steps.append(Step(rules.ROOM_1 if s.room else rules.LINE_1, "fact", frees))
    findings = [f"{f.severity.value} {f.rule}: {f.message}" for f in plan.findings if f.subject == system_id]
    return Explanation(
        system_id,
        s.name,
        s.department,
        ps.disposition.value,
        ps.domain.value if ps.domain else None,
        ps.wave,
        chain,
        placement,
        wave_steps,
        findings,
    )
