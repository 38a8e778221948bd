"""explain: the trace of verdicts behind one system's disposition, domain and wave.

Classification keeps every verdict a rule returned (planner.classify, Decision.trace); this
module prints that trace against the registry the plan was made with: each rule checked before
the deciding one "does not apply", the verdicts that held "apply", "decide" or "block". Nothing
is re-derived here. Then the wave: the group, what it waits for (DEP-1), the wave's load
against its capacity (CAP-1), its deadline, the pilot, and the rooms and lines its move frees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from foundation.messages import DEFAULT_LANG, MESSAGES, Catalogue, Message, msg, verbatim
from inventory.models import Inventory, NetworkKind
from planner import rules
from planner.classify import Decision, _resolve_merge_chains, classify
from planner.graph import Grouping, group_systems
from planner.plan_model import Disposition, Plan, PlanError
from planner.policy import Policy
from planner.ruleset import Rule, Verdict, registered_rules, tiers
from planner.ruleset.builtin import PLACEMENT
from planner.scheduling.build import Deadlines, pilot_eligible

if TYPE_CHECKING:
    from planner.core import PlanContext


# What a rule did for the system, and its catalogue key (explain.verdict.<key>).
VERDICT_KEYS = {
    "decides": "decides",
    "blocks": "blocks",
    "applies": "applies",
    "does not apply": "not_applicable",
    "fact": "fact",
}


def rule_text(rule: str, summary: str = "") -> Message:
    """The rule's one line: POLICY_RULES.md's (catalogued), else a city rule's docstring."""
    return msg(f"rule.{rule}") if rule in rules.RULES else verbatim(summary)


@dataclass
class Step:
    """One link of the chain: a rule, what it found, and the facts behind it."""

    rule: str
    verdict: str  # "decides", "blocks", "applies", "does not apply", "fact"
    facts: list[Message] = field(default_factory=list)
    text: Message | None = None  # the rule's one line (POLICY_RULES.md, or a city rule's docstring)

    def __post_init__(self) -> None:
        if self.text is None:
            self.text = rule_text(self.rule)


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
    findings: list[Message]

    def lines(self, lang: str = DEFAULT_LANG) -> list[str]:
        """Plain-text rendering in *lang*, one fact per line."""
        cat = Catalogue(lang)
        colon = "：" if cat.lang == "zh" else ":"
        head = cat.t("explain.head", system=self.system, name=self.name, department=self.department,
                     disposition=self.disposition)
        if self.domain:
            head += cat.t("explain.head.domain", domain=self.domain)
        if self.wave is not None:
            head += cat.t("explain.head.wave", wave=self.wave)
        out = [head]
        for title, steps in (
            ("disposition", self.disposition_steps),
            ("placement", self.placement_steps),
            ("wave", self.wave_steps),
        ):
            if not steps:
                continue
            out.append(cat.t(f"explain.section.{title}") + colon)
            for st in steps:
                verdict = cat.t(f"explain.verdict.{VERDICT_KEYS.get(st.verdict, st.verdict)}")
                text = cat.render(st.text) if st.text is not None else ""
                out.append(f"  {st.rule} [{verdict}] {text}")
                out += [f"      - {cat.render(f)}" for f in st.facts]
        if self.findings:
            out.append(cat.t("explain.section.findings") + colon)
            out += [f"  {cat.render(f)}" for f in self.findings]
        return out


def _step(verdict: Verdict, cls: type[Rule] | None) -> Step:
    if verdict.disposition is Disposition.BLOCKED:
        said = "blocks"
    elif verdict.decides:
        said = "decides"
    else:
        said = "applies"
    facts = [verdict.reason, *(msg("explain.also", rule=rule, reason=why) for rule, why in verdict.also)]
    return Step(verdict.rule, said, facts, rule_text(verdict.rule, cls.summary() if cls is not None else ""))


def trace_steps(decision: Decision, registry: tuple[type[Rule], ...]) -> tuple[list[Step], list[Step]]:
    """The decision's trace as (disposition steps, placement steps), in the order rules ran."""
    trace = decision.trace
    at = 0
    disposition: list[Step] = []
    placement: list[Step] = []
    for tier in tiers(registry):
        decided = False
        for cls in tier:
            where = placement if cls.stage == PLACEMENT else disposition
            if at < len(trace) and trace[at].rule == cls.id:
                while at < len(trace) and trace[at].rule == cls.id:
                    decided = decided or trace[at].decides
                    where.append(_step(trace[at], cls))
                    at += 1
            else:
                text = rule_text(cls.id, cls.summary())
                # What a built-in rule's class checks, beyond the rule's text (a city rule's
                # docstring is its text already).
                checks = f"explain.checks.{cls.__name__}"
                checked = [msg("explain.checked", summary=msg(checks))] if checks in MESSAGES else []
                where.append(Step(cls.id, "does not apply", checked, text))
        if decided:
            break
    # Blocks the planner added after classification (merge target, capacity of every wave).
    placement += [_step(v, None) for v in trace[at:]]
    return disposition, placement


class UnknownSystem(KeyError):
    """The system ID is not in the inventory."""


@dataclass
class PlanFacts:
    """What `explain` reads besides the plan: each decision's trace, the groups, the rules run.

    A PlanContext (a plan made now) has these; :func:`facts_of_plan` rebuilds them for a plan
    read from its file, without scheduling again.
    """

    policy: Policy
    decisions: dict[str, Decision]
    grouping: Grouping
    registry: tuple[type[Rule], ...] = ()


def facts_of_plan(inventory: Inventory, policy: Policy, plan: Plan) -> PlanFacts:
    """The decisions behind *plan* (read from its file): classification again, no scheduling.

    Classification and grouping are deterministic and cheap; what the planner added after them
    (a system blocked because no wave can take it, CAP-1) is in the plan's system records and
    is replayed. Raises PlanError when the replayed dispositions
    are not the plan's: the plan was made under another policy or scenario.
    """
    cls = classify(inventory, policy)
    decisions = cls.decisions
    for ps in plan.systems:  # a block's reason is the last the system's record gives
        dec = decisions.get(ps.id)
        if (
            dec is not None
            and ps.disposition is Disposition.BLOCKED
            and dec.disposition is not Disposition.BLOCKED
            and rules.CAP_1 in ps.rules
            and ps.reasons
        ):
            last = ps.reason_messages[-1] if ps.reason_messages else verbatim(ps.reasons[-1])
            dec.block(rules.CAP_1, last)
    _resolve_merge_chains(decisions)
    differ = [
        ps.id
        for ps in plan.systems
        if (d := decisions.get(ps.id)) is not None
        and (d.disposition, d.into if d.disposition is Disposition.MERGE else None)
        != (ps.disposition, ps.into)
    ]
    if differ:
        shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
        raise PlanError(
            f"the plan was not made under this policy: {len(differ)} system(s) are classified "
            f"otherwise now ({shown}); give the policy it was made with (--policy), or plan again"
        )
    return PlanFacts(policy, decisions, group_systems(inventory, decisions), cls.registry)


def explain(
    inventory: Inventory,
    policy: Policy,
    system_id: str,
    *,
    plan: Plan | None = None,
    context: PlanContext | PlanFacts | None = None,
) -> Explanation:
    """Explain *system_id* in *plan* (with its *context* when the plan was made in this process).

    A plan without its context (read from plan.json) is explained from :func:`facts_of_plan`;
    with no plan, the inventory is planned first.
    """
    systems = {s.id: s for s in inventory.systems}
    if system_id not in systems:
        raise UnknownSystem(system_id)
    if plan is None:
        from planner.core import plan_with_context

        plan, context = plan_with_context(inventory, policy)
    elif context is None:
        context = facts_of_plan(inventory, policy, plan)
    policy = context.policy
    s = systems[system_id]
    ps = plan.system(system_id)
    dec = context.decisions[system_id]
    networks = {n.id: n for n in inventory.networks}
    chain, placement = trace_steps(dec, context.registry or registered_rules())
    if ps.into:
        chain.append(Step(rules.CLASS_1, "fact", [msg("explain.merges_into", into=ps.into)]))

    wave_steps: list[Step] = []
    if ps.wave is not None:
        w = next(x for x in plan.waves if x.number == ps.wave)
        if w.pilot:
            wave_steps.append(Step(rules.PILOT_1, "fact", [msg("explain.pilot_wave", wave=w.number)]))
        load = [
            msg("explain.load_dim", dim=dim, load=getattr(w.load, dim), capacity=getattr(w.capacity, dim))
            for dim in type(w.load).model_fields
        ]
        wave_steps.append(
            Step(
                rules.CAP_1,
                "fact",
                [
                    msg("explain.wave_dates", wave=w.number, start=w.start, end=w.end),
                    msg("explain.load", load=load),
                ],
            )
        )
        unit = context.grouping.unit_of[system_id]
        if ps.group:
            g = next(g for g in plan.groups if g.id == ps.group)
            wave_steps.append(
                Step(
                    rules.DEP_1,
                    "fact",
                    [
                        msg(
                            "explain.group",
                            group=g.id,
                            reason=g.reason_message or verbatim(g.reason),
                            members=[x for x in g.systems if x != system_id],
                        )
                    ],
                )
            )
        waits = []
        for pred in sorted(context.grouping.predecessors.get(unit, ())):
            members = context.grouping.members[pred]
            shown = msg("finding.more", shown=members[:3]) if len(members) > 3 else members
            # a unit's members share its wave
            waits.append(msg("explain.waits", members=shown, wave=plan.system(members[0]).wave))
        if waits:
            wave_steps.append(Step(rules.DEP_1, "fact", waits))
        dl = Deadlines.of(policy)
        if ps.disposition is Disposition.RETIRE:
            wave_steps.append(
                Step(
                    next(r for r in dec.rules if r in rules.ZOMBIE_RULES),
                    "fact",
                    [msg("explain.zombie_deadline", date=policy.deadlines.zombie_cleanup, wave=dl.retire)],
                )
            )
        else:
            wave_steps.append(
                Step(
                    rules.CLOUD_2,
                    "fact",
                    [msg("explain.migrate_deadline", date=policy.deadlines.all_migrated, wave=dl.migrate)],
                )
            )
        if any(networks[n].kind is NetworkKind.PRIVATE_NETWORK for n in s.networks if n in networks):
            wave_steps.append(
                Step(
                    rules.LINE_2,
                    "fact",
                    [msg("explain.private_network", date=policy.deadlines.private_networks)],
                )
            )
        eligible = pilot_eligible(dec, ps.sizing, len(s.depends_on), policy)
        wave_steps.append(
            Step(
                rules.PILOT_1,
                "fact",
                [msg("explain.pilot_eligible" if eligible else "explain.pilot_ineligible")],
            )
        )
        frees = [
            msg("explain.frees_room", room=r.id, outcome=r.outcome, wave=r.wave, cost=r.monthly_cost)
            for r in plan.rooms
            if r.id == s.room and r.wave is not None
        ]
        frees += [
            msg("explain.frees_network", network=n.id, outcome=n.outcome, wave=n.wave, fee=n.monthly_fee)
            for n in plan.networks
            if n.id in s.networks and n.wave is not None
        ]
        if frees:
            wave_steps.append(Step(rules.ROOM_1 if s.room else rules.LINE_1, "fact", frees))
    findings = [
        msg("explain.finding", severity=f.severity, rule=f.rule, message=f.text)
        for f in plan.findings
        if f.subject == system_id
    ]
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
