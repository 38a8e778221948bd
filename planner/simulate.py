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
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from foundation.inputs import check_regular
from inventory.models import Inventory, RecordId
from planner import rules
from planner.classify import Decision
from planner.graph import Grouping
from planner.plan_model import Disposition, Finding, FindingSeverity, NetworkOutcome, Plan, RoomOutcome
from planner.policy import CapacityChange, Policy, line_index, locate
from planner.problem import Constraints
from planner.scheduling import DIMENSIONS, ProgressCallback, Schedule, ScheduleProblem


class ScenarioModel(BaseModel):
    """Base of scenario sections: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class Delay(ScenarioModel):
    """A department that cannot start before a wave (or a date)."""

    department: RecordId
    until_wave: int | None = Field(default=None, ge=0)
    until: dt.date | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Delay:
        if (self.until_wave is None) == (self.until is None):
            raise ValueError("give exactly one of until_wave or until")
        return self

    def wave(self, policy: Policy) -> int:
        """The first wave the department may use."""
        if self.until_wave is not None:
            return self.until_wave
        w = 0
        assert self.until is not None
        while policy.wave_start(w) < self.until:
            w += 1
        return w


class Force(ScenarioModel):
    """A system forced into a wave."""

    system: RecordId
    wave: int = Field(ge=0)


class Scenario(ScenarioModel):
    """A what-if: capacity up/down, departments delayed, systems forced, room exceptions."""

    name: str = "scenario"
    description: str | None = None
    capacity: list[CapacityChange] = Field(default_factory=list)
    delays: list[Delay] = Field(default_factory=list)
    force: list[Force] = Field(default_factory=list)
    room_exceptions: dict[str, str] = Field(default_factory=dict)

    def apply(self, policy: Policy) -> Policy:
        """The policy with this scenario's capacity changes and room exceptions."""
        changed = policy.model_copy(deep=True)
        changed.capacity_changes = [*changed.capacity_changes, *self.capacity]
        changed.exceptions.rooms = {**changed.exceptions.rooms, **self.room_exceptions}
        changed.name = f"{policy.name}+{self.name}"
        return changed

    def constraints(self, inventory: Inventory, policy: Policy | None = None) -> Constraints:
        """Per-department earliest waves and per-system forced waves."""
        from planner.policy import load_policy

        pol = policy or load_policy()
        earliest: dict[str, int] = {}
        for d in self.delays:
            earliest[d.department] = max(earliest.get(d.department, 0), d.wave(pol))
        return Constraints(earliest=earliest, fixed={f.system: f.wave for f in self.force})

    def problems(self, inventory: Inventory) -> list[str]:
        """References this scenario makes that the inventory does not have."""
        depts = {d.id for d in inventory.departments}
        systems = {s.id for s in inventory.systems}
        rooms = {r.id for r in inventory.rooms}
        out = [
            f"delays: unknown department {d.department!r}" for d in self.delays if d.department not in depts
        ]
        out += [f"force: unknown system {f.system!r}" for f in self.force if f.system not in systems]
        out += [f"room_exceptions: unknown room {r!r}" for r in self.room_exceptions if r not in rooms]
        return out


class ScenarioError(Exception):
    """A scenario file that cannot be used; every problem as FILE:LINE: FIELD: message."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


def load_scenario(path: str | Path, inventory: Inventory | None = None) -> Scenario:
    """Read and validate a scenario file (and its references, when *inventory* is given)."""
    p = Path(path)
    try:
        check_regular(p)  # a FIFO would block read_text, /dev/zero fill the memory
        text = p.read_text(encoding="utf-8")
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except FileNotFoundError:
        raise ScenarioError([f"{p}:-: -: no such scenario file"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{p}:-: -: is a directory, not a scenario file"]) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        why = f"not UTF-8 (byte {exc.start}); save the file as UTF-8"
        raise ScenarioError([f"{p}:{line}: -: {why}"]) from None
    except OSError as exc:
        raise ScenarioError([f"{p}:-: -: cannot read the scenario file: {exc.strerror or exc}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        why = getattr(exc, "problem", None) or "syntax error"
        raise ScenarioError([f"{p}:{mark.line + 1 if mark else '-'}: -: not valid YAML: {why}"]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([f"{p}:1: -: a scenario is a YAML mapping"])
    lines = line_index(node) if node is not None else {}
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        messages = []
        for e in exc.errors():
            field = ".".join(str(x) for x in e["loc"]) or "-"
            messages.append(f"{p}:{locate(lines, tuple(e['loc'])) or '-'}: {field}: {e['msg']}")
        raise ScenarioError(messages) from None
    if inventory is not None:
        bad = scenario.problems(inventory)
        if bad:
            raise ScenarioError([f"{p}:{locate(lines, (m.split(':')[0],)) or '-'}: {m}" for m in bad])
    return scenario


def forced_wave_findings(
    scenario: Scenario,
    decisions: dict[str, Decision],
    grouping: Grouping,
    problem: ScheduleProblem,
    schedule: Schedule,
) -> list[Finding]:
    """A warning for each `force` the plan does not honour, citing the rule that prevented it."""
    assignment = schedule.assignment
    jobs = {job.id: job for job in problem.jobs}
    forced_unit: dict[str, list[Force]] = {}
    for f in scenario.force:
        if f.system in grouping.unit_of:
            forced_unit.setdefault(grouping.unit_of[f.system], []).append(f)
    successors: dict[str, list[str]] = {}
    for unit, preds in grouping.predecessors.items():
        for p in preds:
            successors.setdefault(p, []).append(unit)
    load_in: dict[int, dict[str, float]] = {}
    for job_id, w in assignment.items():
        wave_load = load_in.setdefault(w, dict.fromkeys(DIMENSIONS, 0.0))
        for dim in DIMENSIONS:
            wave_load[dim] += jobs[job_id].load.get(dim, 0.0) if job_id in jobs else 0.0

    def named(unit: str) -> str:
        members = grouping.members.get(unit, [unit])
        return ", ".join(members[:3]) + (" ..." if len(members) > 3 else "")

    out: list[Finding] = []
    for f in scenario.force:
        d = decisions[f.system]
        moving = grouping.unit_of.get(f.system)
        if moving is None or moving not in assignment:  # it does not move at all
            last = d.disposition is Disposition.BLOCKED
            rule = (d.rules[-1] if last else d.rules[0]) if d.rules else rules.CLASS_1
            why = (d.reasons[-1] if last else d.reasons[0]) if d.reasons else "it cannot move yet"
            out.append(_forced(f, rule, f"it does not move: {d.disposition.value} ({why})"))
            continue
        unit = moving
        w = assignment[unit]
        if w == f.wave:
            continue
        job = jobs[unit]
        planned = f"it is planned in wave {w}"
        rival = next((o for o in forced_unit.get(unit, []) if o.wave != f.wave), None)
        late = sorted((p for p in grouping.predecessors.get(unit, ()) if assignment.get(p, -1) > f.wave),
                      key=lambda p: -assignment[p])
        early = sorted((s for s in successors.get(unit, ()) if assignment.get(s, f.wave) < f.wave),
                       key=lambda s: assignment[s])
        if f.wave == 0 and not job.pilot_eligible:
            out.append(_forced(f, rules.PILOT_1, f"{planned}: the pilot wave 0 takes only small, low-MLPS, "
                                                 "low-dependency systems that move alone"))
        elif rival is not None:
            out.append(_forced(f, rules.PLAN_1, f"{planned}: it moves as one group with {named(unit)}, and "
                                                f"the scenario forces {rival.system} into wave {rival.wave}"))
        elif w > f.wave and late:
            p = late[0]
            out.append(_forced(f, rules.PLAN_1, f"{planned}: it depends on {named(p)}, which moves in wave "
                                                f"{assignment[p]}, and no system moves before one it "
                                                "depends on"))
        elif w < f.wave and early:
            q = early[0]
            out.append(_forced(f, rules.PLAN_1, f"{planned}: {named(q)} depends on it and moves in wave "
                                                f"{assignment[q]}, and no system moves before one it "
                                                "depends on"))
        else:
            cap = problem.capacity(f.wave)
            used = load_in.get(f.wave, dict.fromkeys(DIMENSIONS, 0.0))
            full = [
                f"{dim} {used[dim]:g} + {job.load.get(dim, 0.0):g} > {cap.get(dim, 0.0):g}"
                for dim in DIMENSIONS
                if used[dim] + job.load.get(dim, 0.0) > cap.get(dim, 0.0) + 1e-9
            ]
            why = f"wave {f.wave} has no capacity left ({'; '.join(full)})" if full else (
                f"the scheduler could not fit it into wave {f.wave}"
            )
            out.append(_forced(f, rules.PLAN_1, f"{planned}: {why}"))
    return out


def _forced(force: Force, rule: str, why: str) -> Finding:
    return Finding(
        rule=rule,
        severity=FindingSeverity.WARNING,
        subject=force.system,
        message=f"the scenario forces it into wave {force.wave}, but {why}",
    )


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
class Comparison:
    """Baseline and scenario side by side."""

    rows: list[tuple[str, float, float]]  # (metric, baseline, scenario)
    months: list[tuple[MonthPoint, MonthPoint]]
    notes: list[str]
    findings: list[Finding] = field(default_factory=list)  # in the scenario's plan, not the baseline's


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
    notes = []
    moved = {s.id: s.wave for s in baseline.systems}
    changed = sum(1 for s in plan.systems if moved.get(s.id) != s.wave)
    notes.append(f"{changed} system(s) change wave")
    before = {(f.rule, f.severity, f.subject, f.message) for f in baseline.findings}
    added = [f for f in plan.findings if (f.rule, f.severity, f.subject, f.message) not in before]
    return Comparison(rows, list(zip(a, b, strict=True)), notes, added)


def simulate(
    inventory: Inventory,
    policy: Policy,
    scenario: Scenario,
    *,
    exact: bool = False,
    progress: ProgressCallback | None = None,
) -> Simulation:
    """Plan the baseline and the scenario, and compare them."""
    from planner.core import make_plan

    bad = scenario.problems(inventory)
    if bad:
        raise ScenarioError(bad)
    baseline = make_plan(inventory, policy, exact=exact, progress=progress)
    changed = make_plan(inventory, policy, exact=exact, progress=progress, scenario=scenario)
    return Simulation(scenario, baseline, changed, compare(baseline, changed))
