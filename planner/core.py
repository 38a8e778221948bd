"""make_plan: inventory + policy -> Plan. The one entry point of the planner.

Stages (each reported through ``progress(stage, fraction)``): classify every system, fit
the domains' capacity, group co-migrating systems, decide rooms and networks, build the
ScheduleProblem, schedule it (heuristic; on request the naive baseline or CP-SAT: ``method=``),
bound it, and turn the schedule into waves, per-system records, rooms, networks, findings and
metrics.

Everything is near-linear in the inventory's size: indexes are built once, no pairwise scans.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from foundation.atomic import atomic_open, write_pieces
from foundation.collector import collector_paused
from foundation.errors import GovcloudError
from foundation.messages import Message, msg
from inventory.models import Inventory
from planner import rules
from planner.ahead import Decided, Placed, Premises, WorkAhead, plan_systems, write_plan_systems
from planner.classify import Classification, Decision, _resolve_merge_chains, classify, size_system
from planner.findings import cancellable, sort_findings, target_findings, targets_met
from planner.graph import Grouping, group_systems
from planner.plan_model import (
    Disposition,
    Finding,
    FindingSeverity,
    InventoryRef,
    Load,
    Metrics,
    Plan,
    PlanSystem,
    PolicyRef,
    RoomOutcome,
    Sizing,
    Wave,
    digest_beside,
    finish_plan_file,
    plan_head,
    plan_json,
    plan_tail,
)
from planner.policy import Policy
from planner.rooms import NetworkDecision, RoomDecision, plan_networks, plan_relocations, plan_rooms
from planner.ruleset import Rule
from planner.savings import apply_savings
from planner.scheduling import DIMENSIONS, LowerBound, ProgressCallback, Schedule, ScheduleProblem
from planner.scheduling.build import Constraints, build_jobs, build_problem, load_of
from planner.sizing import planned_sizing

if TYPE_CHECKING:
    from planner.scenario import Scenario
    from planner.scheduling.effort import Effort


def _silent(stage: str, fraction: float) -> None:
    return None


def block(decision: Decision, rule: str, reason: Message, findings: list[Finding]) -> None:
    """Make a system `blocked` with a finding saying why (a target missed: error)."""
    decision.block(rule, reason)
    findings.append(
        Finding.of(rule, FindingSeverity.ERROR, decision.system, msg("finding.blocked", reason=reason))
    )


METHODS = ("heuristic", "naive", "exact")  # schedulers make_plan can run (bench compares all three)


def _method(method: str, exact: bool) -> str:
    """The scheduler to run; ``exact=True`` is the older spelling of ``method="exact"``."""
    if method not in METHODS:
        raise ValueError(f"unknown scheduling method {method!r}; known: {', '.join(METHODS)}")
    if exact and method not in ("heuristic", "exact"):
        raise ValueError(f"exact=True contradicts method={method!r}")
    return "exact" if exact else method


def _schedule(
    problem: ScheduleProblem,
    method: str,
    progress: ProgressCallback,
    time_limit_s: float = 60.0,
    effort: Effort | str | float | None = None,
) -> Schedule:
    if method == "exact":
        from planner.scheduling.exact import schedule_exact

        try:
            return schedule_exact(problem, time_limit_s=time_limit_s, hint_effort=effort)
        except ValueError as exc:  # too big for the time-indexed model
            raise PlanningError(f"--exact: {exc}") from None
    if method == "naive":  # the baseline the quality benchmark compares against
        from planner.scheduling.naive import schedule_naive

        return schedule_naive(problem)
    from planner.scheduling.heuristic import schedule_heuristic

    return schedule_heuristic(problem, progress=progress, effort=effort)


def _lower_bound(problem: ScheduleProblem, schedule: Schedule) -> LowerBound:
    """The bound over plans that meet every deadline when this one does (else over all plans)."""
    from planner.scheduling.bounds import lower_bound, meets_deadlines

    return lower_bound(problem, deadlines=meets_deadlines(problem, schedule))


class PlanningError(GovcloudError):
    """The plan cannot be made as asked (e.g. exact mode on an inventory too large for it)."""


def _oversized(problem: ScheduleProblem, grouping: Grouping) -> dict[str, Message]:
    """Jobs larger than any wave's capacity in some dimension: system -> reason."""
    best = dict.fromkeys(DIMENSIONS, 0.0)
    for w in range(1, min(problem.horizon, 240)):
        for d, v in problem.capacity(w).items():
            best[d] = max(best[d], v)
    out: dict[str, Message] = {}
    for job in problem.jobs:
        over = [d for d in DIMENSIONS if job.load[d] > best[d] + 1e-9]
        if over:
            excess = ", ".join(f"{job.load[d]:g} > {best[d]:g}" for d in over)
            for sid in grouping.members[job.id]:
                if len(grouping.members[job.id]) > 1:
                    out[sid] = msg("reason.wave.oversized_group", group=job.id, over=over, excess=excess)
                else:
                    out[sid] = msg("reason.wave.oversized", over=over, excess=excess)
    return out


@dataclass
class PlanContext:
    """The intermediate facts behind a plan (for `explain`): decisions, groups, problem, schedule."""

    policy: Policy  # the effective policy (scenario applied)
    decisions: dict[str, Decision]
    grouping: Grouping
    problem: ScheduleProblem
    schedule: Schedule
    rooms: dict[str, RoomDecision]
    networks: dict[str, NetworkDecision]
    registry: tuple[type[Rule], ...] = ()  # the classification rules, in the order they ran


def make_plan(
    inventory: Inventory,
    policy: Policy,
    *,
    exact: bool = False,
    progress: ProgressCallback | None = None,
    scenario: Scenario | None = None,
    time_limit_s: float = 60.0,
    method: str = "heuristic",
    effort: Effort | str | float | None = None,
    bound: bool = True,
) -> Plan:
    """Plan the migration of *inventory* under *policy* (optionally changed by a what-if *scenario*).

    *method* picks the scheduler: ``heuristic`` (default), ``naive`` (the baseline: topological
    layers split first-fit) or ``exact`` (CP-SAT, within *time_limit_s*); ``exact=True`` is an
    alias of ``method="exact"``. Raises PlanningError when the exact model is asked of an
    inventory too large for it, ValueError for an unknown method. *effort* sets how hard the
    heuristic searches (``quick``, ``normal`` — the default —, ``thorough`` or seconds; see
    planner.scheduling.effort); ValueError for an unknown one. ``bound=False`` skips the lower
    bound (the plan then reports the trivial bounds, 0): for a plan only compared, never shown.
    """
    return plan_with_context(
        inventory,
        policy,
        exact=exact,
        progress=progress,
        scenario=scenario,
        time_limit_s=time_limit_s,
        method=method,
        effort=effort,
        bound=bound,
    )[0]


def plan_with_context(
    inventory: Inventory,
    policy: Policy,
    *,
    exact: bool = False,
    progress: ProgressCallback | None = None,
    scenario: Scenario | None = None,
    time_limit_s: float = 60.0,
    method: str = "heuristic",
    effort: Effort | str | float | None = None,
    bound: bool = True,
) -> tuple[Plan, PlanContext]:
    """make_plan, also returning the intermediate facts the plan was derived from."""
    chosen, chosen_effort = _choices(method, exact, effort)
    # The planner allocates millions of small acyclic objects; the cyclic collector would rescan
    # the whole inventory again and again (seconds at 100,000 systems) and free nothing.
    with collector_paused(), digest_beside(inventory) as digest:
        return _plan(
            inventory, policy, chosen, progress, scenario, time_limit_s, chosen_effort, bound, digest
        )


class PlanWritten(NamedTuple):
    """A plan plan_file wrote: where, what is said of it (its systems' records are in the file),
    and the facts it was made from (as plan_with_context gives them)."""

    path: Path
    inventory: InventoryRef
    metrics: Metrics
    findings: list[Finding]
    context: PlanContext


def plan_file(
    inventory: Inventory,
    policy: Policy,
    path: str | Path,
    *,
    exact: bool = False,
    progress: ProgressCallback | None = None,
    method: str = "heuristic",
    effort: Effort | str | float | None = None,
) -> PlanWritten:
    """Plan as make_plan does and write plan.json at *path*: write_plan(make_plan(...), path)'s bytes.

    The file replaces *path* only once it is whole. From BESIDE_MIN_SYSTEMS systems on, the
    systems' records are built and written by the child of the work ahead (planner.ahead) while
    this process assembles the rest of the plan: they are never all held here. OSError when the
    file cannot be written; the errors of make_plan otherwise.
    """
    chosen, chosen_effort = _choices(method, exact, effort)
    # Opened before the work ahead is forked: its child writes the systems' records into it.
    with collector_paused(), digest_beside(inventory) as digest, atomic_open(path, "wb") as out:
        plan, context = _plan(
            inventory, policy, chosen, progress, scenario=None, time_limit_s=60.0, effort=chosen_effort,
            with_bound=True, digest=digest, out=out,
        )
    return PlanWritten(Path(path), plan.inventory, plan.metrics, plan.findings, context)


def _choices(method: str, exact: bool, effort: Effort | str | float | None) -> tuple[str, Effort]:
    from planner.scheduling.effort import effort_of

    chosen = _method(method, exact)
    return chosen, effort_of(effort)  # a bad effort fails before any work


def _plan(
    inventory: Inventory,
    policy: Policy,
    method: str,
    progress: ProgressCallback | None,
    scenario: Scenario | None,
    time_limit_s: float,
    effort: Effort,
    with_bound: bool,
    digest: Callable[[], str],
    out: IO[bytes] | None = None,
) -> tuple[Plan, PlanContext]:
    report = progress or _silent
    constraints: Constraints | None = None
    if scenario is not None:
        policy = scenario.apply(policy)
        constraints = scenario.constraints(inventory, policy)

    report("classify", 0.0)
    cls: Classification = classify(inventory, policy)
    decisions = cls.decisions
    systems = {s.id: s for s in inventory.systems}
    surveyed = dict(cls.sizing)
    sizing = {sid: planned_sizing(systems[sid], sz, policy) for sid, sz in surveyed.items()}
    findings: list[Finding] = list(cls.findings)

    report("classify", 1.0)

    ahead: WorkAhead | None = None
    try:
        while True:  # each retry blocks at least one more system, so this ends
            _resolve_merge_chains(decisions)
            # Only blocking changes a disposition after classification; a blocked system keeps its full size.
            for sid, d in decisions.items():
                if d.disposition is Disposition.BLOCKED:
                    surveyed[sid] = size_system(systems[sid], d, policy)
                    sizing[sid] = planned_sizing(systems[sid], surveyed[sid], policy)
            # What follows from these decisions alone is worked out beside the grouping and schedule.
            decided = Decided(inventory, policy, decisions, sizing, surveyed)
            ahead = WorkAhead(decided, systems=out is not None)
            report("group", 0.0)
            grouping = group_systems(inventory, decisions)
            report("group", 1.0)
            report("rooms", 0.0)
            jobs = build_jobs(inventory, policy, decisions, sizing, grouping, constraints)
            premises = ahead.premises()
            room_decisions, net_decisions = premises.rooms, premises.networks
            report("rooms", 1.0)
            problem = build_problem(jobs, policy, grouping, room_decisions, net_decisions)
            too_big = _oversized(problem, grouping)
            if too_big:
                for sid, why in sorted(too_big.items()):
                    block(decisions[sid], rules.CAP_1, why, findings)
                ahead.cancel()
                continue
            report("schedule", 0.0)
            schedule = _schedule(problem, method, report, time_limit_s, effort)
            report("schedule", 1.0)
            if schedule.unscheduled:
                for job in schedule.unscheduled:
                    for sid in grouping.members.get(job, []):
                        block(decisions[sid], rules.CAP_1, msg("reason.wave.no_slot"), findings)
                ahead.cancel()
                continue
            break
        _note_blocked_merges(decisions, findings)
        findings += grouping.lost  # DEP-1: dependencies lost to clean-up (of the final decisions)
        if scenario is not None and scenario.force:
            from planner.scenario import forced_wave_findings

            findings += forced_wave_findings(scenario, decisions, grouping, problem, schedule)

        report("bounds", 0.0)
        bound = _lower_bound(problem, schedule) if with_bound else LowerBound(stranded_cost=0.0, waves=0)
        report("bounds", 1.0)
        report("plan", 0.0)
        plan, written, moved = _assemble(
            inventory,
            policy,
            decisions,
            sizing,
            grouping,
            premises,
            problem,
            schedule,
            bound,
            findings,
            _Beside(digest, ahead),  # set: the loop ran at least once
            out,
        )
        apply_savings(plan, inventory, policy, moved)
        report("plan", 1.0)
        if out is not None:
            report("write", 0.0)
            if written is None:
                write_pieces(out, plan_json(plan))
            else:  # the plan lists no systems: their records are written between its head and the rest
                if plan_head(plan) != written.head:
                    raise ValueError("the plan's head is not the one its systems were written after")
                tail = plan_tail(plan)  # made while the child may still be writing the records
                count = written.wait()
                if count is None:  # the child did not write them all
                    count = written.here()
                finish_plan_file(out, written.head, count, tail)
            report("write", 1.0)
    finally:
        if ahead is not None:
            ahead.cancel()
    context = PlanContext(
        policy, decisions, grouping, problem, schedule, room_decisions, net_decisions, cls.registry
    )
    return plan, context


class _Written(NamedTuple):
    """plan.json's systems' records, written after *head* by the work ahead; *wait* for their size.

    *here* writes them in this process instead (when the child did not), answering their size.
    """

    head: bytes
    wait: Callable[[], int | None]
    here: Callable[[], int]


class _Moved(NamedTuple):
    """A system's facts the savings take (planner.savings.Moved), when its record is not made here."""

    id: str
    department: str
    disposition: Disposition
    wave: int | None
    sizing: Sizing


class _Beside(NamedTuple):
    """What the plan's assembly takes from work done beside it (:mod:`foundation.beside`)."""

    digest: Callable[[], str]
    ahead: WorkAhead


def _note_blocked_merges(decisions: Mapping[str, Decision], findings: list[Finding]) -> None:
    """Every blocked system has a finding naming it (merges blocked with their target included)."""
    named = {f.subject for f in findings}
    for d in decisions.values():
        if d.disposition is Disposition.BLOCKED and d.system not in named:
            why = d.reasons[-1] if d.reasons else msg("reason.blocked")
            findings.append(
                Finding.of(rules.CLASS_1, FindingSeverity.ERROR, d.system, msg("finding.blocked", reason=why))
            )


def _assemble(
    inventory: Inventory,
    policy: Policy,
    decisions: dict[str, Decision],
    sizing: dict[str, Sizing],
    grouping: Grouping,
    premises: Premises,
    problem: ScheduleProblem,
    schedule: Schedule,
    bound: LowerBound,
    findings: list[Finding],
    beside: _Beside,
    out: IO[bytes] | None = None,
) -> tuple[Plan, _Written | None, list[_Moved] | None]:
    """The plan; with *out*, the records of its systems may be written into that file by the
    child of the work ahead meanwhile (_Written): the plan then lists none, and the systems'
    facts for the savings come with it."""
    assignment, unit_of = schedule.assignment, grouping.unit_of
    room_decisions, net_decisions = premises.rooms, premises.networks
    findings = findings + premises.room_findings + premises.network_findings
    wave_of: dict[str, int | None] = {
        sid: assignment.get(unit) if (unit := unit_of.get(sid)) is not None else None for sid in decisions
    }
    dispositions = {sid: d.disposition for sid, d in decisions.items()}
    decided = beside.ahead.decided  # the decisions and sizing the work ahead was forked with
    cutovers, cut_findings = beside.ahead.cutovers()
    findings = findings + cut_findings
    placed = Placed(wave_of, grouping.group_of)
    inventory_ref = InventoryRef(
        city=inventory.city.id, systems=len(inventory.systems), digest=beside.digest()
    )
    policy_ref = PolicyRef(name=policy.name, digest=policy.digest or "sha256:unknown")
    written: _Written | None = None
    if out is not None and beside.ahead.writes_systems:
        # The child of the work ahead builds and writes the records from the same facts.
        head = plan_head(Plan.model_construct(inventory=inventory_ref, policy=policy_ref))
        wait = beside.ahead.write_systems(placed, out.fileno(), len(head))
        if wait is not None:

            def here() -> int:
                links, texts = beside.ahead.links(), beside.ahead.reason_texts()
                return write_plan_systems(out.fileno(), len(head), decided, links, cutovers, texts, placed)

            written = _Written(head, wait, here)
    systems: list[PlanSystem] = []
    moved: list[_Moved] | None = None
    if written is None:
        systems = plan_systems(decided, beside.ahead.links(), cutovers, beside.ahead.reason_texts(), placed)
    else:
        moved = [
            _Moved(s.id, s.department, decisions[s.id].disposition, wave_of[s.id], sizing[s.id])
            for s in inventory.systems
        ]

    last = max((w for w in wave_of.values() if w is not None), default=-1)
    by_wave: dict[int, list[str]] = {w: [] for w in range(last + 1)}
    for sid, w in wave_of.items():
        if w is not None:
            by_wave[w].append(sid)
    waves = []
    for w in range(last + 1):
        load = dict.fromkeys(DIMENSIONS, 0.0)
        for sid in by_wave[w]:
            for dim, v in load_of(sizing[sid]).items():
                load[dim] += v
        waves.append(
            Wave(
                number=w,
                start=policy.wave_start(w),
                end=policy.wave_end(w),
                pilot=(w == 0),
                systems=sorted(by_wave[w]),
                # Sums of 2-decimal sizes: round off float noise (1701.5099999999995).
                load=Load(**{dim: round(v, 2) for dim, v in load.items()}),
                capacity=Load(**problem.capacity(w)),
            )
        )

    rooms = plan_rooms(room_decisions, wave_of)
    networks = plan_networks(net_decisions, inventory, wave_of)

    more, rate = target_findings(inventory, policy, decisions, wave_of, waves, networks)
    findings = findings + more + beside.ahead.sharing()

    months = policy.calendar.wave_months
    counted = Counter(dispositions.values())
    retired_rooms = [r for r in rooms if r.outcome in (RoomOutcome.VACATED, RoomOutcome.MERGED)]
    retired_nets = [n for n in networks if n.outcome.value == "retired"]
    paid_lines = [n for n in networks if cancellable(n)]
    stranded = sum(r.monthly_cost * ((r.wave or 0) + 1) * months for r in retired_rooms)
    stranded += sum(n.monthly_fee * ((n.wave or 0) + 1) * months for n in retired_nets)
    metrics = Metrics(
        cloud_rate=round(rate, 6),
        rooms_vacated=len(retired_rooms),
        lines_retired=sum(1 for n in retired_nets if cancellable(n)),
        lines_cancellable=len(paid_lines),
        monthly_savings=sum(r.monthly_cost for r in retired_rooms) + sum(n.monthly_fee for n in retired_nets),
        stranded_cost=stranded,
        # Rounded down to the cent so that it stays a valid lower bound.
        stranded_cost_lower_bound=math.floor(min(bound.stranded_cost, stranded) * 100) / 100,
        waves=last + 1,
        waves_lower_bound=min(bound.waves, last + 1),
        method=schedule.method,
        optimal=schedule.optimal,
        gap=schedule.gap,
        dispositions={d.value: counted.get(d, 0) for d in Disposition},
        errors=sum(1 for f in findings if f.severity is FindingSeverity.ERROR),
        by_utilisation_savings=beside.ahead.by_utilisation(),
        targets=targets_met(findings),
    )
    plan = Plan(
        inventory=inventory_ref,
        policy=policy_ref,
        systems=systems,
        waves=waves,
        rooms=rooms,
        networks=networks,
        findings=sort_findings(findings),
        groups=grouping.groups,
        relocations=plan_relocations(room_decisions, rooms),
        metrics=metrics,
    )
    return plan, written, moved
