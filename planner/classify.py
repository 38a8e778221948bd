"""Classification (CLASS-1): every system gets exactly one Disposition, with its evidence.

The rules are the registry of planner.ruleset, in precedence order (the README's table is
rendered from it): the first rule, or tier of rules, that gives a disposition decides, and later
rules are not consulted. Every verdict a rule returns is kept in the decision's ``trace``;
`govcloud explain` prints that trace. A system listed in the policy's
``exceptions.keep_separate`` skips PLATFORM-1, SHADOW-1 and BIGSYS-1 (it migrates on its own).
Missing survey fields never make a system a zombie: the INV-1 defaults are conservative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from foundation.construct import built
from foundation.messages import Message, msg
from inventory.models import DomainName, Inventory, System
from planner import rules
from planner.plan_model import Disposition, Finding, FindingSeverity, Sizing
from planner.policy import Policy
from planner.ruleset import Rule, RuleContext, Verdict, mlps_level, registered_rules, tiers
from planner.sizing import planned_sizing

Check = Callable[[System, RuleContext], Verdict | None]  # a per-system rule's check, bound

# What CLASS-1 calls each disposition a rule decides (cited once the deciding tier is done).
CLASS_OF: dict[Disposition, Message] = {
    Disposition.RETIRE: msg("reason.class.retire"),
    Disposition.MERGE: msg("reason.class.merge"),
}


@dataclass(slots=True)
class Decision:
    """One system's disposition with the rules and plain-words reasons behind it.

    ``trace`` holds every verdict that held for the system, in the order the rules were checked
    (and, after classification, any block the planner added): what `explain` prints.
    """

    system: str
    disposition: Disposition
    into: str | None = None
    domain: DomainName | None = None
    rules: list[str] = field(default_factory=list)
    reasons: list[Message] = field(default_factory=list)
    mlps_level: int = 3
    defaults_applied: list[str] = field(default_factory=list)
    trace: list[Verdict] = field(default_factory=list)
    decided_by: str | None = None  # the rule whose verdict gave the disposition

    def cite(self, rule: str, reason: Message) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        self.reasons.append(reason)

    def take(self, verdict: Verdict, *, decide: bool) -> None:
        """Record *verdict*; when *decide*, it gives this decision its disposition."""
        self.trace.append(verdict)
        self.cite(verdict.rule, verdict.reason)
        for rule, why in verdict.also:
            self.cite(rule, why)
        if decide and verdict.disposition is not None:
            self.disposition = verdict.disposition
            self.into = verdict.into
            self.domain = verdict.domain
            self.decided_by = verdict.rule

    def block(self, rule: str, reason: Message) -> None:
        """Make the system `blocked` after classification (the planner found it cannot move)."""
        self.take(Verdict(rule, reason, Disposition.BLOCKED), decide=True)
        self.domain = None
        self.into = None


@dataclass
class Classification:
    """Every system's decision, the sizing used for it, the findings raised, the rules run."""

    decisions: dict[str, Decision]
    sizing: dict[str, Sizing]
    findings: list[Finding]
    registry: tuple[type[Rule], ...] = ()


def _survey_gaps(system: System) -> list[str]:
    """INV-1 survey fields the survey did not record."""
    gaps = []
    if system.function is None:
        gaps.append("function")
    if system.usage is None:
        gaps.append("usage")
    if system.approval is None or system.approval.authority is None or system.approval.date is None:
        gaps.append("approval")
    if system.funding is None:
        gaps.append("funding")
    if system.investment is None:
        gaps.append("investment")
    if system.annual_om_cost is None:
        gaps.append("annual_om_cost")
    if system.resources is None:
        gaps.append("resources")
    if system.mlps_level is None:
        gaps.append("mlps_level")
    if system.data_gb is None:
        gaps.append("data_gb")
    return gaps


def size_system(system: System, decision: Decision, policy: Policy) -> Sizing:
    """Cloud resources and move effort of a system, with INV-1 defaults for unsurveyed fields."""
    return _size(system, decision.disposition, decision.mlps_level, policy)


def _size(system: System, disposition: Disposition, mlps_level: int, policy: Policy) -> Sizing:
    d = policy.defaults
    res = system.resources
    vcpu = res.vcpu if res is not None else d.vcpu
    ram = res.ram_gb if res is not None else d.ram_gb
    storage = res.storage_gb if res is not None else d.storage_gb
    servers = res.servers if res is not None else 1
    data = system.data_gb if system.data_gb is not None else d.data_gb
    hours = policy.team_hours.estimate(vcpu, data, mlps_level)
    # A wave's load is the sum of its systems' sizing: a retired system needs nothing on the
    # cloud and moves no data; a merged one moves its data into the target, no new resources.
    if disposition is Disposition.RETIRE:
        hours = round(hours * policy.team_hours.retire_factor, 2)
        vcpu, ram, storage, servers, data = 0, 0.0, 0.0, 0, 0.0
    elif disposition is Disposition.MERGE:
        hours = round(hours * policy.team_hours.merge_factor, 2)
        vcpu, ram, storage, servers = 0, 0.0, 0.0, 0
    sizing = dict(vcpu=vcpu, ram_gb=ram, storage_gb=storage, servers=servers, data_gb=data, team_hours=hours)
    return built(Sizing, sizing)


def classify(
    inventory: Inventory, policy: Policy, registry: Sequence[type[Rule]] | None = None
) -> Classification:
    """Decide every system's disposition by the precedence of *registry* (the registered rules)."""
    order = tuple(registry) if registry is not None else registered_rules()
    instances: dict[type[Rule], Rule] = {cls: cls() for cls in order}
    full: dict[str, Sizing] = {}  # a system's size on the cloud, computed once (DOMAIN-1 capacity, sizing)

    planned: dict[str, Sizing] = {}

    def surveyed_sizing(system: System) -> Sizing:
        found = full.get(system.id)
        if found is None:
            # (not ctx.mlps_level: ctx holds this function, and a cycle outlives the classification)
            found = full[system.id] = _size(system, Disposition.MIGRATE, mlps_level(system, policy), policy)
        return found

    def migrate_sizing(system: System) -> Sizing:
        # the planned sizing (planner.sizing): the domains' capacity fit uses it
        found = planned.get(system.id)
        if found is None:
            found = planned[system.id] = planned_sizing(system, surveyed_sizing(system), policy)
        return found

    ctx = RuleContext(inventory, policy, migrate_sizing=migrate_sizing)
    decisions: dict[str, Decision] = {}
    findings: list[Finding] = []
    for s in inventory.systems:
        level = ctx.mlps_level(s)
        dec = decisions[s.id] = Decision(s.id, Disposition.MIGRATE, mlps_level=level)
        gaps = _survey_gaps(s)
        if gaps:
            dec.defaults_applied = gaps
            findings.append(
                Finding.of(
                    rules.INV_1,
                    FindingSeverity.WARNING,
                    s.id,
                    msg("finding.survey_gaps", fields=gaps, level=level),
                )
            )

    def record(sid: str, verdict: Verdict, first: bool) -> None:
        decisions[sid].take(verdict, decide=verdict.decides and first)
        if verdict.disposition is Disposition.BLOCKED:
            said = msg("finding.blocked", reason=verdict.reason)
            findings.append(Finding.of(verdict.rule, FindingSeverity.ERROR, sid, said))

    def settle(sid: str) -> None:
        why = CLASS_OF.get(decisions[sid].disposition)
        if why is not None:
            decisions[sid].cite(rules.CLASS_1, why)

    undecided: list[System] = list(inventory.systems)
    for per_system, run in _runs(order):
        if per_system:
            # Rules that look at one system at a time: take each system through all of them while
            # it is at hand (one pass over the inventory, not one per rule).
            checks: list[list[Check]] = [[instances[cls].check for cls in tier] for tier in run]
            still: list[System] = []
            for s in undecided:
                if _decide_alone(s, checks, ctx, record):
                    settle(s.id)
                else:
                    still.append(s)
            undecided = still
            continue
        for tier in run:
            decided: set[str] = set()
            for cls in tier:
                # Every rule of a tier sees every system undecided when the tier began.
                for sid, verdict in instances[cls].check_group(undecided, ctx).items():
                    record(sid, verdict, sid not in decided)
                    if verdict.decides:
                        decided.add(sid)
            for sid in decided:
                settle(sid)
            if decided:
                undecided = [s for s in undecided if s.id not in decided]
    for cls in order:
        findings += instances[cls].finish(ctx)
    findings += ctx.findings
    findings += _uncarried(inventory, decisions, ctx)
    _resolve_merge_chains(decisions)

    # Only retiring and merging systems are sized differently from one that migrates.
    sizing: dict[str, Sizing] = {}
    for s in inventory.systems:
        d = decisions[s.id]
        shrunk = d.disposition in (Disposition.RETIRE, Disposition.MERGE)
        sizing[s.id] = size_system(s, d, policy) if shrunk else surveyed_sizing(s)
    return Classification(decisions, sizing, findings, order)


def _per_system(cls: type[Rule]) -> bool:
    """The rule judges each system alone (it does not override the group hook)."""
    return cls.check_group is Rule.check_group


def _runs(order: Sequence[type[Rule]]) -> list[tuple[bool, list[list[type[Rule]]]]]:
    """Consecutive tiers, joined into runs of per-system tiers and runs of group tiers."""
    out: list[tuple[bool, list[list[type[Rule]]]]] = []
    for tier in tiers(tuple(order)):
        alone = all(_per_system(cls) for cls in tier)
        if out and out[-1][0] == alone:
            out[-1][1].append(tier)
        else:
            out.append((alone, [tier]))
    return out


def _decide_alone(
    system: System,
    run: list[list[Check]],
    ctx: RuleContext,
    record: Callable[[str, Verdict, bool], None],
) -> bool:
    """Check *system* against each tier of *run* (the rules' checks) in order; True once a tier decides it."""
    for tier in run:
        decided = False
        for check in tier:
            verdict = check(system, ctx)
            if verdict is not None:
                record(system.id, verdict, not decided)
                decided = decided or verdict.disposition is not None
        if decided:
            return True
    return False


def _uncarried(inventory: Inventory, decisions: dict[str, Decision], ctx: RuleContext) -> list[Finding]:
    """INV-1: a system placed in a domain by default, because the survey names no carrying network."""
    out = []
    for s in inventory.systems:
        d = decisions[s.id]
        if d.disposition is Disposition.MIGRATE and not ctx.landing(s).carried:
            domain = d.domain or DomainName.ADMINISTRATIVE_SERVICE
            out.append(
                Finding.of(
                    rules.INV_1,
                    FindingSeverity.WARNING,
                    s.id,
                    msg("finding.uncarried", domain=domain, rule=rules.DOMAIN_1),
                )
            )
    return out


def _resolve_merge_chains(decisions: dict[str, Decision]) -> None:
    """Point every merge at its final target; a merge whose target cannot move is blocked with it."""
    for dec in decisions.values():
        if dec.disposition is not Disposition.MERGE or dec.into not in decisions:
            continue
        seen = {dec.system}
        target = decisions[dec.into]
        while (
            target.disposition is Disposition.MERGE and target.into in decisions and target.system not in seen
        ):
            seen.add(target.system)
            target = decisions[target.into]
        if target.disposition is Disposition.MERGE and target.into not in decisions:
            dec.into = target.into  # a platform at the end of the chain
        elif target.disposition in (Disposition.MIGRATE,):
            if dec.into != target.system:
                dec.reasons.append(msg("reason.merge.chain", into=dec.into, target=target.system))
                dec.into = target.system
        else:
            dec.block(
                rules.CLASS_1,
                msg("reason.merge.target_stays", target=target.system, disposition=target.disposition),
            )
