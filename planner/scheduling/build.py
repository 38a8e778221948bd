"""Inventory + policy + decisions -> the abstract ScheduleProblem the schedulers solve.

One job per co-migration unit (a group, or a lone scheduled system). A job's load is the sum
of its systems' sizing (systems = 1 each; vCPU for migrations; data GB for migrations and
merges; team-hours for every move, retirement and merge). Retirables are the rooms that will
be vacated or merged and the networks that will be retired, with their monthly costs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from inventory.models import NetworkKind
from planner.plan_model import Disposition, Sizing
from planner.scheduling.problem import DIMENSIONS, Job, Retirable, ScheduleProblem

if TYPE_CHECKING:  # types only: importing them would pull the graph library into every reader of Deadlines
    from inventory.models import Inventory
    from planner.classify import Decision
    from planner.graph import Grouping
    from planner.policy import Policy
    from planner.rooms import NetworkDecision, RoomDecision


def load_of(sizing: Sizing) -> dict[str, float]:
    """A system's contribution to its wave's load (the sum the plan's waves[].load reports)."""
    return {
        "systems": 1.0,
        "vcpu": float(sizing.vcpu),
        "data_gb": float(sizing.data_gb),
        "team_hours": float(sizing.team_hours),
    }


@dataclass(frozen=True)
class Constraints:
    """Per-system scheduling constraints from a scenario (delays, forced waves)."""

    earliest: Mapping[str, int]  # department -> earliest wave
    fixed: Mapping[str, int]  # system -> forced wave


@dataclass
class Deadlines:
    """The last wave each kind of move may use (None: the deadline precedes the calendar)."""

    retire: int | None
    migrate: int | None
    private_networks: int | None

    @classmethod
    def of(cls, policy: Policy) -> Deadlines:
        d = policy.deadlines
        return cls(
            policy.last_wave_by(d.zombie_cleanup),
            policy.last_wave_by(d.all_migrated),
            policy.last_wave_by(d.private_networks),
        )


def system_deadline(disposition: Disposition, on_private: bool, dl: Deadlines) -> int:
    """The latest wave a scheduled system may use; 0 when the deadline is already past."""
    wave = dl.retire if disposition is Disposition.RETIRE else dl.migrate
    latest = wave if wave is not None else 0
    if on_private:
        latest = min(latest, dl.private_networks if dl.private_networks is not None else 0)
    return latest


def pilot_eligible(decision: Decision, sizing: Sizing, dependencies: int, policy: Policy) -> bool:
    """PILOT-1: a small, low-MLPS, low-dependency system that migrates on its own."""
    p = policy.pilot
    return (
        decision.disposition is Disposition.MIGRATE
        and decision.mlps_level <= p.max_mlps_level
        and sizing.vcpu <= p.max_vcpu
        and sizing.data_gb <= p.max_data_gb
        and dependencies <= p.max_dependencies
    )


class Jobs(NamedTuple):
    """A plan's jobs (one per unit of the grouping), with what the problem's horizon follows from."""

    jobs: tuple[Job, ...]
    totals: dict[str, float]  # summed load per dimension
    max_wave: int  # the latest earliest or fixed wave of any job


def build_jobs(
    inventory: Inventory,
    policy: Policy,
    decisions: Mapping[str, Decision],
    sizing: Mapping[str, Sizing],
    grouping: Grouping,
    constraints: Constraints | None = None,
) -> Jobs:
    """The jobs of one plan: they need no room or network outcome (built while those are decided)."""
    systems = {s.id: s for s in inventory.systems}
    private = {n.id for n in inventory.networks if n.kind is NetworkKind.PRIVATE_NETWORK}
    dl = Deadlines.of(policy)
    jobs = []
    totals = dict.fromkeys(DIMENSIONS, 0.0)
    max_wave = 0
    preds_of = grouping.predecessors
    no_preds: frozenset[str] = frozenset()
    for unit, members in grouping.members.items():
        latest = None
        earliest = 0
        fixed = None
        if len(members) == 1 and constraints is None:
            # Most units are one system without scenario constraints: its load is its own (0.0 +
            # as the sum below: -0.0 becomes 0.0 there too), its deadline its own.
            sid = members[0]
            load = {d: 0.0 + v for d, v in load_of(sizing[sid]).items()}
            on_private = not private.isdisjoint(systems[sid].networks)
            latest = system_deadline(decisions[sid].disposition, on_private, dl)
        else:
            load = dict.fromkeys(DIMENSIONS, 0.0)
            for sid in members:
                for d, v in load_of(sizing[sid]).items():
                    load[d] += v
                s = systems[sid]
                on_private = not private.isdisjoint(s.networks)
                w = system_deadline(decisions[sid].disposition, on_private, dl)
                latest = w if latest is None else min(latest, w)
                if constraints is not None:
                    earliest = max(earliest, constraints.earliest.get(s.department, 0))
                    if sid in constraints.fixed:
                        fixed = constraints.fixed[sid]
        only = members[0]
        eligible = len(members) == 1 and pilot_eligible(
            decisions[only], sizing[only], len(systems[only].depends_on), policy
        )
        if not eligible:
            earliest = max(earliest, 1)  # wave 0 is the pilot
        if fixed is not None and fixed == 0 and not eligible:
            fixed = 1
        max_wave = max(max_wave, earliest, fixed or 0)
        for d in DIMENSIONS:
            totals[d] += load[d]
        jobs.append(
            Job(
                id=unit,
                load=load,
                predecessors=frozenset(p) if (p := preds_of.get(unit)) else no_preds,
                pilot_eligible=eligible,
                earliest_wave=earliest,
                latest_wave=latest,
                fixed_wave=fixed,
            )
        )

    return Jobs(tuple(jobs), totals, max_wave)


def build_problem(
    built_jobs: Jobs,
    policy: Policy,
    grouping: Grouping,
    rooms: Mapping[str, RoomDecision],
    networks: Mapping[str, NetworkDecision],
) -> ScheduleProblem:
    """The ScheduleProblem of one plan: its jobs, and the rooms and lines that retire with them."""
    jobs, totals, max_wave = built_jobs
    retirables = []
    for rd in rooms.values():
        if rd.retires:
            retirables.append(
                Retirable(
                    id=f"room:{rd.room.id}",
                    monthly_cost=rd.room.monthly_cost,
                    jobs=frozenset(grouping.unit_of[s] for s in rd.waits_for),
                )
            )
    for nd in networks.values():
        if nd.outcome.value == "retired":
            retirables.append(
                Retirable(
                    id=f"network:{nd.network_id}",
                    monthly_cost=nd.monthly_fee,
                    jobs=frozenset(grouping.unit_of[s] for s in nd.waits_for),
                )
            )

    base = policy.wave_capacity(1)
    need = 0
    for d in DIMENSIONS:
        if totals[d] > 0:
            need = max(need, math.ceil(totals[d] / base[d]) if base[d] > 0 else len(jobs))
    horizon = max(policy.calendar.horizon_waves, max_wave + 2 * need + 2)
    return ScheduleProblem(
        jobs=jobs,
        retirables=tuple(retirables),
        capacity=policy.wave_capacity,
        horizon=horizon,
        wave_months=policy.calendar.wave_months,
    )
