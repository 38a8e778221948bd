"""A what-if scenario: its file, its checks, and the findings of a force the plan cannot honour.

A scenario file (YAML) may change capacity for a range of waves, delay departments, force
systems into a wave, and record room exceptions (ROOM-4); planner.simulate plans it beside
the baseline. It lives apart from planner.simulate so that planner.core can apply a scenario
without importing the module that calls it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from foundation.errors import GovcloudError
from foundation.inputs import check_regular
from foundation.messages import Message, msg
from inventory.models import Inventory, RecordId
from inventory.yaml_source import compose_and_load
from planner import rules
from planner.classify import Decision
from planner.graph import Grouping
from planner.plan_model import Disposition, Finding, FindingSeverity
from planner.policy import CapacityChange, Policy, line_index, locate
from planner.scheduling import DIMENSIONS, Schedule, ScheduleProblem
from planner.scheduling.build import Constraints

EXAMPLE_SCENARIO = Path(__file__).with_name("example_scenario.yaml")


def example_scenario_text() -> str:
    """A documented example scenario, valid against the bundled sample city."""
    return EXAMPLE_SCENARIO.read_text(encoding="utf-8")


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


class ScenarioError(GovcloudError):
    """A scenario file that cannot be used; every problem as FILE:LINE: FIELD: message."""


def load_scenario(path: str | Path, inventory: Inventory | None = None) -> Scenario:
    """Read and validate a scenario file (and its references, when *inventory* is given)."""
    p = Path(path)
    try:
        check_regular(p)  # a FIFO would block read_text, /dev/zero fill the memory
        text = p.read_text(encoding="utf-8")
        node, raw = compose_and_load(text)
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

    def named(unit: str) -> Message:
        members = grouping.members.get(unit, [unit])
        if len(members) > 3:
            return msg("finding.more", shown=members[:3])
        return msg("finding.some", shown=members)

    out: list[Finding] = []
    for f in scenario.force:
        d = decisions[f.system]
        moving = grouping.unit_of.get(f.system)
        if moving is None or moving not in assignment:  # it does not move at all
            last = d.disposition is Disposition.BLOCKED
            rule = (d.rules[-1] if last else d.rules[0]) if d.rules else rules.CLASS_1
            why = (d.reasons[-1] if last else d.reasons[0]) if d.reasons else msg("reason.blocked")
            said = msg("finding.forced.not_moving", disposition=d.disposition, reason=why)
            out.append(_forced(f, rule, said))
            continue
        unit = moving
        w = assignment[unit]
        if w == f.wave:
            continue
        job = jobs[unit]
        def planned(why: Message, w: int = w) -> Message:
            return msg("finding.forced.planned", planned=w, why=why)

        rival = next((o for o in forced_unit.get(unit, []) if o.wave != f.wave), None)
        late = sorted((p for p in grouping.predecessors.get(unit, ()) if assignment.get(p, -1) > f.wave),
                      key=lambda p: -assignment[p])
        early = sorted((s for s in successors.get(unit, ()) if assignment.get(s, f.wave) < f.wave),
                       key=lambda s: assignment[s])
        if f.wave == 0 and not job.pilot_eligible:
            out.append(_forced(f, rules.PILOT_1, planned(msg("finding.forced.pilot"))))
        elif rival is not None:
            said = msg("finding.forced.group", members=named(unit), rival=rival.system, rival_wave=rival.wave)
            out.append(_forced(f, rules.DEP_1, planned(said)))
        elif w > f.wave and late:
            p = late[0]
            said = msg("finding.forced.depends", members=named(p), other_wave=assignment[p])
            out.append(_forced(f, rules.DEP_1, planned(said)))
        elif w < f.wave and early:
            q = early[0]
            said = msg("finding.forced.depended", members=named(q), other_wave=assignment[q])
            out.append(_forced(f, rules.DEP_1, planned(said)))
        else:
            cap = problem.capacity(f.wave)
            used = load_in.get(f.wave, dict.fromkeys(DIMENSIONS, 0.0))
            full = [
                msg(
                    "finding.forced.over",
                    dim=dim, used=used[dim], need=job.load.get(dim, 0.0), cap=cap.get(dim, 0.0),
                )
                for dim in DIMENSIONS
                if used[dim] + job.load.get(dim, 0.0) > cap.get(dim, 0.0) + 1e-9
            ]
            why = msg("finding.forced.full", wave=f.wave, full=full) if full else (
                msg("finding.forced.unfit", wave=f.wave)
            )
            out.append(_forced(f, rules.CAP_1, planned(why)))
    return out


def _forced(force: Force, rule: str, why: Message) -> Finding:
    said = msg("finding.forced", wave=force.wave, why=why)
    return Finding.of(rule, FindingSeverity.WARNING, force.system, said)
