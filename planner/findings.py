"""Targets and findings: what the plan misses, each citing its rule (error = a target missed).

Findings raised while deciding (INV-1, MLPS-1/2, PLATFORM-1, ROOM-*, LINE-*) come from the
modules that decide; this module adds those that need the whole plan: domain shortfalls
(DOMAIN-1), the cloud rate (CLOUD-2), missed deadlines (ZOMBIE/CLOUD-2/LINE-2/PILOT-1) and
data sharing (SHARE-1/2/4, FUND-1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from inventory.models import DomainName, Inventory, SharingType
from planner import rules
from planner.classify import Decision
from planner.domains import domain_findings  # noqa: F401 (re-exported: it lived here)
from planner.plan_model import Disposition, Finding, FindingSeverity, PlanNetwork, Wave
from planner.policy import Policy
from planner.scheduling.build import Deadlines

SEVERITY_ORDER = {FindingSeverity.ERROR: 0, FindingSeverity.WARNING: 1, FindingSeverity.INFO: 2}

# Systems the city must bring onto the cloud (CLOUD-2's denominator): retired zombies, classified,
# programme and LAN-only systems are not business applications the city moves.
CLOUD_BOUND = frozenset({Disposition.MIGRATE, Disposition.MERGE, Disposition.BLOCKED})


def cloud_rate(
    decisions: Mapping[str, Decision], wave_of: Mapping[str, int | None], deadline: int | None
) -> tuple[float, int, int]:
    """Share of cloud-bound systems on the cloud by the CLOUD-2 date: (rate, on cloud, cloud-bound)."""
    bound = on = 0
    for sid, d in decisions.items():
        if d.disposition not in CLOUD_BOUND:
            continue
        bound += 1
        w = wave_of.get(sid)
        if (
            d.disposition is not Disposition.BLOCKED
            and w is not None
            and deadline is not None
            and w <= deadline
        ):
            on += 1
    return (on / bound if bound else 1.0), on, bound


def target_findings(
    inventory: Inventory,
    policy: Policy,
    decisions: Mapping[str, Decision],
    wave_of: Mapping[str, int | None],
    waves: list[Wave],
    networks: Iterable[PlanNetwork],
) -> tuple[list[Finding], float]:
    """CLOUD-2, deadlines and pilot findings; returns them with the cloud rate."""
    out: list[Finding] = []
    dl = Deadlines.of(policy)
    rate, on, bound = cloud_rate(decisions, wave_of, dl.migrate)
    if rate < policy.cloud_rate_target:
        out.append(
            Finding(
                rule=rules.CLOUD_2,
                severity=FindingSeverity.ERROR,
                subject="city",
                message=f"cloud rate {rate:.1%} ({on} of {bound} business systems on the cloud by "
                f"{policy.deadlines.all_migrated}) is below the {policy.cloud_rate_target:.0%} "
                f"target",
            )
        )
    late: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    systems = {s.id: s for s in inventory.systems}
    for sid, w in wave_of.items():
        if w is None:
            continue
        d = decisions[sid]
        if d.disposition is Disposition.RETIRE:
            if dl.retire is None or w > dl.retire:
                rule = next((r for r in d.rules if r in rules.ZOMBIE_RULES), rules.ZOMBIE_1)
                late[(systems[sid].department, rule, str(policy.deadlines.zombie_cleanup))].append(sid)
        elif dl.migrate is None or w > dl.migrate:
            late[(systems[sid].department, rules.CLOUD_2, str(policy.deadlines.all_migrated))].append(sid)
    for (dept, rule, date), ids in sorted(late.items()):
        last = max(wave_of[s] or 0 for s in ids)
        out.append(
            Finding(
                rule=rule,
                severity=FindingSeverity.ERROR,
                subject=dept,
                message=f"{len(ids)} system(s) of {dept} move after the {date} deadline (last in wave "
                f"{last}): {', '.join(sorted(ids)[:5])}{' ...' if len(ids) > 5 else ''}",
            )
        )
    for n in networks:
        if (
            n.outcome.value == "retired"
            and n.kind == "private_network"
            and n.wave is not None
            and (dl.private_networks is None or n.wave > dl.private_networks)
        ):
            out.append(
                Finding(
                    rule=rules.LINE_2,
                    severity=FindingSeverity.ERROR,
                    subject=n.id,
                    message=f"private network {n.id} is cancelled in wave {n.wave}, after the "
                    f"{policy.deadlines.private_networks} deadline",
                )
            )
    pilot = next((w for w in waves if w.number == 0), None)
    if waves and (pilot is None or not pilot.systems):
        out.append(
            Finding(
                rule=rules.PILOT_1,
                severity=FindingSeverity.WARNING,
                subject="wave:0",
                message="no system qualifies for the pilot wave (small, low-MLPS, few dependencies)",
            )
        )
    elif pilot is not None and pilot.end > policy.deadlines.pilot:
        out.append(
            Finding(
                rule=rules.PILOT_1,
                severity=FindingSeverity.ERROR,
                subject="wave:0",
                message=f"the pilot ends {pilot.end}, after the {policy.deadlines.pilot} deadline",
            )
        )
    return out, rate


SHARING_SUBJECTS = frozenset({Disposition.MIGRATE, Disposition.BLOCKED, Disposition.KEEP_LOCAL})


def sharing_findings(inventory: Inventory, decisions: Mapping[str, Decision]) -> list[Finding]:
    """SHARE-4/FUND-1 for cross-department exchange off the sharing platform; SHARE-1/2 resources."""
    dept = {s.id: s.department for s in inventory.systems}
    partners: dict[str, set[str]] = defaultdict(set)
    for s in inventory.systems:
        for d in s.depends_on:
            other = dept.get(d.system)
            if other is not None and other != s.department:
                partners[s.id].add(d.system)
                partners[d.system].add(s.id)
    out: list[Finding] = []
    for s in inventory.systems:
        if decisions[s.id].disposition not in SHARING_SUBJECTS:
            continue
        if partners.get(s.id) and not s.sharing.connected:
            with_ = sorted(partners[s.id])
            shown = ", ".join(with_[:5]) + (" ..." if len(with_) > 5 else "")
            out.append(
                Finding(
                    rule=rules.SHARE_4,
                    severity=FindingSeverity.ERROR,
                    subject=s.id,
                    message=f"exchanges data with other departments ({shown}) but is not connected "
                    f"to the sharing platform",
                )
            )
            out.append(
                Finding(
                    rule=rules.FUND_1,
                    severity=FindingSeverity.WARNING,
                    subject=s.id,
                    message="gets no O&M funding until it connects to the sharing platform",
                )
            )
        for r in s.sharing.resources:
            if r.type is SharingType.NONE and not r.legal_basis:
                out.append(
                    Finding(
                        rule=rules.SHARE_1,
                        severity=FindingSeverity.WARNING,
                        subject=s.id,
                        message=f"resource {r.name!r} is not shared but names no legal basis",
                    )
                )
            if r.basic and r.type is not SharingType.UNCONDITIONAL:
                out.append(
                    Finding(
                        rule=rules.SHARE_2,
                        severity=FindingSeverity.WARNING,
                        subject=s.id,
                        message=f"basic information resource {r.name!r} is shared {r.type.value}, "
                        f"not unconditionally",
                    )
                )
    return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then by rule and subject: a stable order for people and diffs."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.subject, f.message))


__all__ = [
    "DomainName",
    "cloud_rate",
    "domain_findings",
    "sharing_findings",
    "sort_findings",
    "target_findings",
]
