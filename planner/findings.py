"""Targets and findings: what the plan misses, each citing its rule (error = a target missed).

Findings raised while deciding (INV-1, MLPS-1/2, PLATFORM-1, ROOM-*, LINE-*) come from the
modules that decide; this module adds those that need the whole plan: domain shortfalls
(DOMAIN-1), the cloud rate (CLOUD-2), missed deadlines (ZOMBIE/CLOUD-2/LINE-2/PILOT-1) and
data sharing (SHARE-1/2/4, FUND-1). It also defines the policy's targets (TARGETS) and when
one counts as met: only when no error finding of its rules remains (metrics, check, report).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from foundation.messages import Message, msg
from inventory.models import DomainName, Inventory, NetworkKind, SharingType
from planner import rules
from planner.classify import Decision
from planner.domains import domain_findings  # noqa: F401 (re-exported: it lived here)
from planner.plan_model import Disposition, Finding, FindingSeverity, NetworkOutcome, PlanNetwork, Wave
from planner.policy import Policy
from planner.scheduling.build import Deadlines

SEVERITY_ORDER = {FindingSeverity.ERROR: 0, FindingSeverity.WARNING: 1, FindingSeverity.INFO: 2}


@dataclass(frozen=True)
class Target:
    """A target of the policy; it is met only when no error finding citing one of its rules remains."""

    key: str
    rules: tuple[str, ...]


# The rules that keep a system from moving are part of "all systems migrated": a blocked system
# (MLPS-1/2, DOMAIN-1 capacity, CAP-1 too big for any wave, CLASS-1 merge into a blocked system)
# is not migrated, whatever the date of the last wave.
TARGETS: tuple[Target, ...] = (
    Target("cloud_rate", (rules.CLOUD_1, rules.CLOUD_2)),
    Target("rooms", (rules.ROOM_1, rules.ROOM_2, rules.ROOM_3, rules.ROOM_4)),
    Target("lines", (rules.LINE_1, rules.LINE_2, rules.LINE_4)),
    Target("deadline_pilot", (rules.PILOT_1,)),
    Target("deadline_zombie", rules.ZOMBIE_RULES),
    Target(
        "deadline_migration",
        (rules.CLOUD_2, rules.MLPS_1, rules.MLPS_2, rules.DOMAIN_1, rules.CAP_1, rules.CLASS_1),
    ),
    Target("deadline_networks", (rules.LINE_2,)),
)
TARGET_RULES: dict[str, tuple[str, ...]] = {t.key: t.rules for t in TARGETS}
CANCELLABLE_KINDS = frozenset({NetworkKind.INTERNET_LINE.value, NetworkKind.PRIVATE_NETWORK.value})


def targets_met(findings: Iterable[Finding]) -> dict[str, bool]:
    """Each target of TARGETS: met when no error finding of its rules remains."""
    missed = {f.rule for f in findings if f.severity is FindingSeverity.ERROR}
    return {t.key: not (missed & set(t.rules)) for t in TARGETS}


def cancellable(n: PlanNetwork) -> bool:
    """A line the city pays for and can cancel: an internet line or private network with a fee,
    not a programme line (LINE-3); the free extranet and intranet never count."""
    return n.outcome is not NetworkOutcome.PROGRAMME and n.kind in CANCELLABLE_KINDS and n.monthly_fee > 0

# Systems the city must bring onto the cloud (CLOUD-2's denominator): retired zombies, classified,
# programme and LAN-only systems are not business applications the city moves.
CLOUD_BOUND = frozenset({Disposition.MIGRATE, Disposition.MERGE, Disposition.BLOCKED})


def cloud_rate(
    decisions: Mapping[str, Decision], wave_of: Mapping[str, int | None], deadline: int | None
) -> tuple[float, int, int]:
    """Share of cloud-bound systems on the cloud by the CLOUD-2 date: (rate, on cloud, cloud-bound)."""
    bound = on = 0
    blocked = Disposition.BLOCKED
    for sid, d in decisions.items():
        if d.disposition not in CLOUD_BOUND:
            continue
        bound += 1
        w = wave_of.get(sid)
        if d.disposition is not blocked and w is not None and deadline is not None and w <= deadline:
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
        said = msg(
            "finding.cloud_rate",
            rate=rate, on=on, bound=bound, date=policy.deadlines.all_migrated,
            target=policy.cloud_rate_target,
        )
        out.append(Finding.of(rules.CLOUD_2, FindingSeverity.ERROR, "city", said))
    late: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    department: dict[str, str] = {}  # of every system, once one is late
    retire = Disposition.RETIRE
    for sid, w in wave_of.items():
        if w is None:
            continue
        d = decisions[sid]
        if d.disposition is retire:
            if dl.retire is not None and w <= dl.retire:
                continue
            rule = next((r for r in d.rules if r in rules.ZOMBIE_RULES), rules.ZOMBIE_1)
            date = str(policy.deadlines.zombie_cleanup)
        elif dl.migrate is None or w > dl.migrate:
            rule, date = rules.CLOUD_2, str(policy.deadlines.all_migrated)
        else:
            continue
        if not department:
            department = {s.id: s.department for s in inventory.systems}
        late[(department[sid], rule, date)].append(sid)
    for (dept, rule, date), ids in sorted(late.items()):
        last = max(wave_of[s] or 0 for s in ids)
        said = msg("finding.late", n=len(ids), department=dept, date=date, last=last, systems=_some(ids))
        out.append(Finding.of(rule, FindingSeverity.ERROR, dept, said))
    for n in networks:
        if (
            n.outcome.value == "retired"
            and n.kind == "private_network"
            and n.wave is not None
            and (dl.private_networks is None or n.wave > dl.private_networks)
        ):
            deadline = policy.deadlines.private_networks
            said = msg("finding.network_late", network=n.id, wave=n.wave, date=deadline)
            out.append(Finding.of(rules.LINE_2, FindingSeverity.ERROR, n.id, said))
    pilot = next((w for w in waves if w.number == 0), None)
    if waves and (pilot is None or not pilot.systems):
        out.append(Finding.of(rules.PILOT_1, FindingSeverity.WARNING, "wave:0", msg("finding.no_pilot")))
    elif pilot is not None and pilot.end > policy.deadlines.pilot:
        said = msg("finding.pilot_late", end=pilot.end, date=policy.deadlines.pilot)
        out.append(Finding.of(rules.PILOT_1, FindingSeverity.ERROR, "wave:0", said))
    return out, rate


def _some(ids: Iterable[str], shown: int = 5) -> Message:
    """The first *shown* IDs, sorted, and "…" when there are more."""
    ordered = sorted(ids)
    if len(ordered) > shown:
        return msg("finding.more", shown=ordered[:shown])
    return msg("finding.some", shown=ordered)


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
        if not (s.id in partners or s.sharing.resources):  # nothing to say of most systems
            continue
        if decisions[s.id].disposition not in SHARING_SUBJECTS:
            continue
        if partners.get(s.id) and not s.sharing.connected:
            said = msg("finding.not_connected", partners=_some(partners[s.id]))
            out.append(Finding.of(rules.SHARE_4, FindingSeverity.ERROR, s.id, said))
            out.append(Finding.of(rules.FUND_1, FindingSeverity.WARNING, s.id, msg("finding.no_funding")))
        for r in s.sharing.resources:
            if r.type is SharingType.NONE and not r.legal_basis:
                said = msg("finding.no_legal_basis", name=r.name)
                out.append(Finding.of(rules.SHARE_1, FindingSeverity.WARNING, s.id, said))
            if r.basic and r.type is not SharingType.UNCONDITIONAL:
                said = msg("finding.basic_not_unconditional", name=r.name, sharing=r.type)
                out.append(Finding.of(rules.SHARE_2, FindingSeverity.WARNING, s.id, said))
    return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then by rule and subject: a stable order for people and diffs."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.subject, f.message))


__all__ = [
    "TARGETS",
    "TARGET_RULES",
    "DomainName",
    "cancellable",
    "targets_met",
    "cloud_rate",
    "domain_findings",
    "sharing_findings",
    "sort_findings",
    "target_findings",
]
