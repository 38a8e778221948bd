"""The wave-scheduling problem, stripped of policy: jobs, capacities, retirable resources.

The planner turns an inventory into a :class:`ScheduleProblem` (one job per co-migration
group, :mod:`planner.scheduling.build`); the heuristic, the exact CP-SAT model and the lower
bound of this package all read this one definition, so they solve the same problem and their
numbers compare.

Time: wave ``w`` covers months ``[w*L, (w+1)*L)`` of the plan, ``L = wave_months``. A room or
line that can be retired once its last job has moved in wave ``w`` is paid until the end of
that wave, so its stranded cost is ``monthly_cost * (w + 1) * L``. The objective is total
stranded cost, then the number of waves used.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from foundation.progress import ProgressCallback as ProgressCallback  # re-exported

# Capacity dimensions of a wave (policy `capacity`); one place names them.
DIMENSIONS: tuple[str, ...] = ("systems", "vcpu", "data_gb", "team_hours")


@dataclass(frozen=True)
class Job:
    """A co-migration group: moves in one wave, as a whole."""

    id: str
    load: Mapping[str, float]  # per dimension of DIMENSIONS
    predecessors: frozenset[str] = frozenset()  # jobs that must move in the same or an earlier wave
    pilot_eligible: bool = False  # may go into the pilot wave 0 (PILOT-1)
    earliest_wave: int = 0  # e.g. a department delayed by a scenario
    latest_wave: int | None = None  # deadline; None = no deadline beyond the horizon
    fixed_wave: int | None = None  # forced by a scenario; overrides earliest/latest


@dataclass(frozen=True)
class Retirable:
    """A room or leased line that stops costing money once all its jobs have moved."""

    id: str
    monthly_cost: float
    jobs: frozenset[str]  # jobs whose move it waits for; empty = retirable in wave 0


@dataclass(frozen=True)
class ScheduleProblem:
    """Everything a scheduler needs; nothing about departments, rules or names."""

    jobs: tuple[Job, ...]
    retirables: tuple[Retirable, ...]
    capacity: Callable[[int], Mapping[str, float]]  # capacity of wave w per dimension
    horizon: int  # waves available (may exceed the deadline; missing it is a finding)
    wave_months: int = 1

    def stranded_cost(self, assignment: Mapping[str, int]) -> float:
        """Σ monthly cost × months until retirement, for a full assignment job -> wave."""
        total = 0.0
        for r in self.retirables:
            last = max((assignment[j] for j in r.jobs), default=0)
            total += r.monthly_cost * (last + 1) * self.wave_months
        return total


@dataclass
class Schedule:
    """A solution: each job's wave, and how good it is."""

    assignment: dict[str, int]
    stranded_cost: float
    waves: int  # number of waves used (highest wave index + 1)
    method: str  # "heuristic", "exact", "naive"
    optimal: bool = False  # proven optimal (exact mode only)
    gap: float | None = None  # relative optimality gap reported by the exact solver
    notes: list[str] = field(default_factory=list)
    unscheduled: list[str] = field(default_factory=list)  # jobs that fit in no wave of the horizon


@dataclass(frozen=True)
class LowerBound:
    """Valid lower bounds: no feasible schedule does better."""

    stranded_cost: float
    waves: int
