"""What-if simulation: apply a scenario to the policy and constraints, plan both, compare.

A scenario file (YAML) may change capacity for a range of waves, delay departments, force
systems into a wave, and record room exceptions (ROOM-4)::

    name: budget cut
    capacity:
      - {from_wave: 3, to_wave: 6, factor: 0.5}      # 50 % capacity in waves 3..6
      - {from_wave: 1, set: {team_hours: 3000}}       # more staff from wave 1
    delays:
      - {department: fin, until_wave: 6}              # or until: 2018-09-01
    force:
      - {system: hr-core, wave: 2}
    room_exceptions:
      r-edu-1: 建筑布局

``simulate`` returns the baseline plan, the scenario plan and a :class:`Comparison`
(waves, stranded cost, rooms vacated per month, monthly savings curve, findings the scenario
adds). A forced wave the planner cannot honour is a `warning` finding of the scenario plan
citing the rule that prevented it (:func:`forced_wave_findings`); the scenario itself is no
policy rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from foundation.progress import ProgressCallback
from inventory.models import Inventory
from planner.core import make_plan
from planner.plan_model import Finding, NetworkOutcome, Plan, RoomOutcome
from planner.policy import Policy
from planner.scenario import (  # noqa: F401 (re-exported: where callers found them before)
    Delay,
    Force,
    Scenario,
    ScenarioError,
    forced_wave_findings,
    load_scenario,
)
from planner.scheduling.effort import Effort


@dataclass(frozen=True)
class MonthPoint:
    """One calendar month: rooms vacated in it and the monthly savings in effect from it."""

    month: str  # YYYY-MM
    rooms_vacated: int
    monthly_savings: float


def savings_curve(plan: Plan, months: int | None = None) -> list[MonthPoint]:
    """Per month from the plan's start: rooms emptied that month and savings in effect that month."""
    if not plan.waves:
        return []
    start = min(w.start for w in plan.waves)
    end_of = {w.number: w.end for w in plan.waves}

    def month_index(day: dt.date) -> int:
        return (day.year - start.year) * 12 + day.month - start.month

    emptied: dict[int, int] = {}
    saving_from: dict[int, float] = {}
    for r in plan.rooms:
        if r.outcome in (RoomOutcome.VACATED, RoomOutcome.MERGED) and r.wave is not None and r.wave in end_of:
            m = month_index(end_of[r.wave])
            emptied[m] = emptied.get(m, 0) + 1
            saving_from[m + 1] = saving_from.get(m + 1, 0.0) + r.monthly_cost
    for n in plan.networks:
        if n.outcome is NetworkOutcome.RETIRED and n.wave is not None and n.wave in end_of:
            m = month_index(end_of[n.wave]) + 1
            saving_from[m] = saving_from.get(m, 0.0) + n.monthly_fee
    total = months if months is not None else month_index(max(end_of.values())) + 2
    out, running = [], 0.0
    for m in range(total):
        running += saving_from.get(m, 0.0)
        y, mo = divmod(start.year * 12 + start.month - 1 + m, 12)
        out.append(MonthPoint(f"{y:04d}-{mo + 1:02d}", emptied.get(m, 0), running))
    return out


@dataclass(frozen=True)
class SystemChange:
    """A system whose wave or disposition differs between the baseline and the scenario."""

    system: str
    department: str
    baseline_wave: int | None
    wave: int | None
    baseline_disposition: str
    disposition: str


@dataclass(frozen=True)
class Comparison:
    """Baseline and scenario side by side."""

    rows: list[tuple[str, float, float]]  # (metric, baseline, scenario)
    months: list[tuple[MonthPoint, MonthPoint]]
    notes: list[str]
    findings: list[Finding] = field(default_factory=list)  # in the scenario's plan, not the baseline's
    findings_gone: list[Finding] = field(default_factory=list)  # in the baseline's, not the scenario's
    changes: list[SystemChange] = field(default_factory=list)


@dataclass(frozen=True)
class Simulation:
    """The outcome of a what-if: both plans and their comparison."""

    scenario: Scenario
    baseline: Plan
    plan: Plan
    comparison: Comparison


def compare(baseline: Plan, plan: Plan) -> Comparison:
    """Headline metrics and the monthly curves of two plans."""

    def errors(p: Plan) -> float:
        return float(sum(1 for f in p.findings if f.severity.value == "error"))

    rows = [
        ("waves", float(baseline.metrics.waves), float(plan.metrics.waves)),
        ("stranded cost (CNY)", baseline.metrics.stranded_cost, plan.metrics.stranded_cost),
        ("cloud rate", baseline.metrics.cloud_rate, plan.metrics.cloud_rate),
        ("rooms vacated", float(baseline.metrics.rooms_vacated), float(plan.metrics.rooms_vacated)),
        ("lines retired", float(baseline.metrics.lines_retired), float(plan.metrics.lines_retired)),
        ("monthly savings (CNY)", baseline.metrics.monthly_savings, plan.metrics.monthly_savings),
        ("error findings", errors(baseline), errors(plan)),
    ]
    a, b = savings_curve(baseline), savings_curve(plan)
    n = max(len(a), len(b))
    a, b = savings_curve(baseline, n), savings_curve(plan, n)
    base = {x.id: x for x in baseline.systems}
    changes = [
        SystemChange(x.id, x.department, base[x.id].wave, x.wave, base[x.id].disposition.value,
                     x.disposition.value)
        for x in plan.systems
        if x.id in base and (base[x.id].wave != x.wave or base[x.id].disposition != x.disposition)
    ]
    waves_changed = sum(1 for c in changes if c.baseline_wave != c.wave)
    fates_changed = sum(1 for c in changes if c.baseline_disposition != c.disposition)
    notes = [f"{waves_changed} system(s) change wave", f"{fates_changed} system(s) change disposition"]

    def key(f: Finding) -> tuple[str, str, str, str]:
        return (f.rule, f.severity.value, f.subject, f.message)

    before = {key(f) for f in baseline.findings}
    after = {key(f) for f in plan.findings}
    added = [f for f in plan.findings if key(f) not in before]
    gone = [f for f in baseline.findings if key(f) not in after]
    return Comparison(rows, list(zip(a, b, strict=True)), notes, added, gone, changes)


def simulate(
    inventory: Inventory,
    policy: Policy,
    scenario: Scenario,
    *,
    exact: bool = False,
    progress: ProgressCallback | None = None,
    effort: Effort | str | float | None = None,
    baseline: Plan | None = None,
    bounds: bool = True,
) -> Simulation:
    """Plan the scenario (and the baseline, unless given) with the same search *effort*; compare them.

    ``bounds=False`` skips the lower bounds of both plans (the comparison shows none): a plan
    made so reports the trivial bounds, 0, and is not for writing.
    """
    bad = scenario.problems(inventory)
    if bad:
        raise ScenarioError(bad)
    if baseline is None:
        baseline = make_plan(inventory, policy, exact=exact, progress=progress, effort=effort, bound=bounds)
    changed = make_plan(
        inventory, policy, exact=exact, progress=progress, scenario=scenario, effort=effort, bound=bounds
    )
    return Simulation(scenario, baseline, changed, compare(baseline, changed))
