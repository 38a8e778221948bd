"""CUT-1: the cut-over outage of each migration method, and the method each system uses.

For each migrating system, with ``B`` the policy's migration bandwidth (Mb/s; 1 GB = 8,000 Mb),
``D`` its data (GB, the planned sizing's), ``r`` the policy's daily change rate:

* ``cold``: stop, copy everything, start — ``cold.overhead_hours + copy(D)``.
* ``warm``: pre-seed while it runs (``copy(D)`` hours, no outage), then stop and copy what
  changed since the pre-seed started — ``warm.overhead_hours + copy(D × r × (copy(D) +
  warm.seed_lead_hours) / 24)``.
* ``database``: a replica (or a dump restored and caught up) seeded while it runs, then writes
  stop, the replica catches up and is promoted — ``database.overhead_hours``. Only for systems
  with a database (``has_database``).

where ``copy(x) = x × 8000 / B / 3600`` hours. The cheapest method whose outage fits the
system's ``downtime_hours`` (the policy's ``default_downtime_hours`` when the survey records
none) is chosen, in the order cold, warm, database: cold needs nothing but the copy, warm a
pre-seed pass and a final pass, database a replica to set up and promote. When none fits, the
method with the shortest outage is planned and a CUT-1 error says by how much it misses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from foundation.messages import msg
from inventory.models import Inventory, System, SystemCategory
from planner import rules
from planner.plan_model import Disposition, Finding, FindingSeverity, MigrationMethod, Sizing
from planner.policy import Cutover, Policy

MEGABITS_PER_GB = 8000.0
DATABASE_ROLES = frozenset({"db", "database"})  # hosts[].role naming a database server
# Cheapest first: the first whose outage fits the window is chosen.
METHOD_ORDER = (MigrationMethod.COLD, MigrationMethod.WARM, MigrationMethod.DATABASE)


def has_database(system: System) -> bool:
    """Whether the database method applies: a host with role db; without hosts, a business system.

    The survey's hosts list is the evidence when it exists (an application host alone means
    no database to replicate). Without hosts, a business application is assumed to keep its
    records in a database; websites, OA, LAN-only and the other platform categories are not.
    """
    if system.hosts:
        return any(h.role.strip().lower() in DATABASE_ROLES for h in system.hosts)
    return system.category is _BUSINESS


_BUSINESS = SystemCategory.BUSINESS
_COLD, _WARM, _DATABASE = METHOD_ORDER


def copy_hours(data_gb: float, c: Cutover) -> float:
    return _copy_hours(data_gb, c.bandwidth_mbps)


def _copy_hours(data_gb: float, bandwidth_mbps: float) -> float:
    return data_gb * MEGABITS_PER_GB / bandwidth_mbps / 3600.0


def outages(system: System, data_gb: float, c: Cutover) -> dict[MigrationMethod, float]:
    """Estimated outage (hours) of every method that applies to *system*."""
    return estimator(c)(system, data_gb)


def estimator(c: Cutover) -> Callable[[System, float], dict[MigrationMethod, float]]:
    """:func:`outages` under *c*, with the policy's figures looked up once (for every system)."""
    bandwidth, rate, lead = c.bandwidth_mbps, c.change_rate_per_day, c.warm.seed_lead_hours
    cold, warm, database = c.cold.overhead_hours, c.warm.overhead_hours, round(c.database.overhead_hours, 2)

    def estimate(system: System, data_gb: float) -> dict[MigrationMethod, float]:
        seed = _copy_hours(data_gb, bandwidth)
        delta_gb = data_gb * rate * (seed + lead) / 24.0
        out = {
            _COLD: round(cold + seed, 2),
            _WARM: round(warm + _copy_hours(delta_gb, bandwidth), 2),
        }
        if has_database(system):
            out[_DATABASE] = database
        return out

    return estimate


class CutoverPlan(NamedTuple):
    """The method a system's cut-over uses and its estimated outage (one per migrating system)."""

    method: MigrationMethod
    outage_hours: float
    window_hours: float
    fits: bool


def choose(
    system: System,
    data_gb: float,
    policy: Policy,
    estimate: Callable[[System, float], dict[MigrationMethod, float]] | None = None,
) -> CutoverPlan:
    c = policy.cutover
    window = system.downtime_hours if system.downtime_hours is not None else c.default_downtime_hours
    est = (estimate or estimator(c))(system, data_gb)
    for m, hours in est.items():  # in METHOD_ORDER
        if hours <= window + 1e-9:
            return CutoverPlan(m, hours, window, True)
    best = min(est, key=lambda m: (est[m], METHOD_ORDER.index(m)))
    return CutoverPlan(best, est[best], window, False)


def plan_cutovers(
    inventory: Inventory,
    dispositions: Mapping[str, Disposition],
    sizing: Mapping[str, Sizing],
    policy: Policy,
) -> tuple[dict[str, CutoverPlan], list[Finding]]:
    """Every migrating system's cut-over, and a CUT-1 error for each that fits no method."""
    plans: dict[str, CutoverPlan] = {}
    findings: list[Finding] = []
    migrate = Disposition.MIGRATE
    estimate = estimator(policy.cutover)
    for s in inventory.systems:
        if dispositions.get(s.id) is not migrate:
            continue
        data = sizing[s.id].data_gb
        cp = choose(s, data, policy, estimate)
        plans[s.id] = cp
        if cp.fits:
            continue
        est = outages(s, data, policy.cutover)
        shown = [msg("finding.cutover.estimate", method=m, hours=est[m]) for m in METHOD_ORDER if m in est]
        said = msg(
            "finding.cutover",
            window=cp.window_hours,
            default=msg("finding.cutover.default") if s.downtime_hours is None else "",
            estimates=shown,
            data=data,
            no_db="" if MigrationMethod.DATABASE in est else msg("finding.cutover.no_db"),
            method=cp.method,
            outage=cp.outage_hours,
        )
        findings.append(Finding.of(rules.CUT_1, FindingSeverity.ERROR, s.id, said))
    return plans, findings
