"""Classification (CLASS-1): every system gets exactly one Disposition, with its evidence.

Precedence, top row first — the first rule that applies decides; later rules are not consulted:

| rule            | disposition | why it outranks what follows                                  |
|-----------------|-------------|---------------------------------------------------------------|
| SCOPE-2         | intranet    | a classified system never leaves the secure network, even a   |
|                 |             | zombie or a unit-named one: its clean-up belongs to the       |
|                 |             | intranet's unified deployment, not to the cloud plan          |
| SCOPE-3         | programme   | the city has no authority over golden-programme systems;      |
|                 |             | whatever they look like, their programme decides              |
| ZOMBIE-1..5     | retire      | a dead system is switched off, not integrated or moved:       |
|                 |             | merging a unit-named zombie or a zombie website into a live   |
|                 |             | system would carry dead weight into it                        |
| ROOM-1          | keep_local  | a LAN-only system serves the building it is in; integration   |
|                 |             | rules target applications, not the LAN                        |
| PLATFORM-1      | merge       | websites/OA/hotlines/video/e-mail/IM have a city-wide target  |
|                 |             | that outranks any department-level integration                |
| SHADOW-1        | merge       | duplicates collapse first, so the survivor is what BIGSYS-1   |
|                 |             | sees (a loser's `into` is the end of the merge chain)         |
| BIGSYS-1        | merge       | unit-named systems join the department's main system          |
| MLPS-1 / MLPS-2 | blocked     | only systems that would land on the cloud are checked; a      |
|                 |             | merge whose target is blocked is blocked with it              |
| DOMAIN-1 (cap.) | blocked     | systems beyond the domain's capacity (see planner.domains)    |
| CLASS-1         | migrate     | everything else goes up (CLOUD-1), into its DOMAIN-1 domain   |

A system listed in the policy's ``exceptions.keep_separate`` skips PLATFORM-1, SHADOW-1 and
BIGSYS-1 (it migrates on its own). Missing survey fields never make a system a zombie: the
INV-1 defaults are conservative.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from inventory.models import (
    DomainName,
    Inventory,
    Network,
    PlatformKind,
    System,
    SystemCategory,
    SystemStatus,
)
from planner import rules
from planner.domains import domain_of, mlps_placement
from planner.plan_model import Disposition, Finding, FindingSeverity, Sizing
from planner.policy import Policy

# The precedence above, as data: what `govcloud explain` and the README print.
PRECEDENCE: tuple[tuple[str, str, str], ...] = (
    (rules.SCOPE_2, Disposition.INTRANET, "classified systems stay on the secure network, even zombies"),
    (
        rules.SCOPE_3,
        Disposition.PROGRAMME,
        "golden-programme systems follow their programme, whatever they look like",
    ),
    ("ZOMBIE-1..5", Disposition.RETIRE, "dead systems are switched off, never integrated or moved"),
    (
        rules.ROOM_1,
        Disposition.KEEP_LOCAL,
        "LAN-only systems serve their building; integration targets applications",
    ),
    (rules.PLATFORM_1, Disposition.MERGE, "city-wide platforms outrank department-level integration"),
    (rules.SHADOW_1, Disposition.MERGE, "duplicates collapse first so the survivor is what BIGSYS-1 sees"),
    (rules.BIGSYS_1, Disposition.MERGE, "unit-named systems join the department's main system"),
    ("MLPS-1/2", Disposition.BLOCKED, "a system above its domain's level, or level 4 without a pool, waits"),
    (f"{rules.DOMAIN_1} capacity", Disposition.BLOCKED, "systems beyond the domain's capacity wait"),
    (f"{rules.CLASS_1}, {rules.DOMAIN_1}", Disposition.MIGRATE, "everything else goes up (CLOUD-1)"),
)

PLATFORM_OF_CATEGORY: dict[SystemCategory, PlatformKind] = {
    SystemCategory.WEBSITE: PlatformKind.WEBSITE,
    SystemCategory.OA: PlatformKind.OA,
    SystemCategory.HOTLINE: PlatformKind.HOTLINE,
    SystemCategory.VIDEO: PlatformKind.VIDEO,
    SystemCategory.EMAIL: PlatformKind.EMAIL,
    SystemCategory.IM: PlatformKind.IM,
}


@dataclass
class Decision:
    """One system's disposition with the rules and plain-words reasons behind it."""

    system: str
    disposition: Disposition
    into: str | None = None
    domain: DomainName | None = None
    rules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    mlps_level: int = 3
    defaults_applied: list[str] = field(default_factory=list)

    def cite(self, rule: str, reason: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        self.reasons.append(reason)


@dataclass
class Classification:
    """Every system's decision, the sizing used for it, and the findings classification raised."""

    decisions: dict[str, Decision]
    sizing: dict[str, Sizing]
    findings: list[Finding]


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (
        (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)
    )


def zombie_evidence(system: System, policy: Policy, known: set[str]) -> list[tuple[str, str]]:
    """The ZOMBIE-1..5 criteria *system* shows, each with its plain-words evidence."""
    z = policy.zombie
    found: list[tuple[str, str]] = []
    usage = system.usage
    if usage is not None:
        if not usage.business_linked:
            found.append(
                (rules.ZOMBIE_1, "disconnected from business processes (usage.business_linked is false)")
            )
        elif (
            usage.last_used is not None
            and months_between(usage.last_used, policy.survey_date) >= z.disconnected_months
        ):
            found.append(
                (
                    rules.ZOMBIE_1,
                    f"last used {usage.last_used}, {z.disconnected_months}+ months before "
                    f"the survey of {policy.survey_date}",
                )
            )
    if system.replaced_by and system.replaced_by in known and system.replaced_by != system.id:
        found.append((rules.ZOMBIE_2, f"its function is replaceable by {system.replaced_by}"))
    if system.status is SystemStatus.IDLE:
        found.append((rules.ZOMBIE_3, "resources idle (status idle)"))
    elif system.utilisation is not None and system.utilisation < z.idle_utilisation:
        found.append(
            (
                rules.ZOMBIE_3,
                f"average CPU utilisation {system.utilisation:.0%} below "
                f"{z.idle_utilisation:.0%}: resources idle",
            )
        )
    if system.status is SystemStatus.MAINTENANCE_STOPPED:
        found.append((rules.ZOMBIE_4, "operation and maintenance stopped"))
    if (
        usage is not None
        and usage.scope.value in z.small_scopes
        and usage.monthly_active_users < z.low_monthly_users
    ):
        found.append(
            (
                rules.ZOMBIE_5,
                f"used only at {usage.scope.value} scope by {usage.monthly_active_users} "
                f"people a month (fewer than {z.low_monthly_users})",
            )
        )
    return found


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


def _usage_key(s: System) -> tuple[float, float, str]:
    """Sort key: most used first (monthly users, then size); ID breaks ties deterministically."""
    users = s.usage.monthly_active_users if s.usage is not None else 0
    vcpu = s.resources.vcpu if s.resources is not None else 0
    return (-users, -vcpu, s.id)


def size_system(system: System, decision: Decision, policy: Policy) -> Sizing:
    """Cloud resources and move effort of a system, with INV-1 defaults for unsurveyed fields."""
    d = policy.defaults
    res = system.resources
    vcpu = res.vcpu if res is not None else d.vcpu
    ram = res.ram_gb if res is not None else d.ram_gb
    storage = res.storage_gb if res is not None else d.storage_gb
    servers = res.servers if res is not None else 1
    data = system.data_gb if system.data_gb is not None else d.data_gb
    hours = policy.team_hours.estimate(vcpu, data, decision.mlps_level)
    # A wave's load is the sum of its systems' sizing: a retired system needs nothing on the
    # cloud and moves no data; a merged one moves its data into the target, no new resources.
    if decision.disposition is Disposition.RETIRE:
        hours = round(hours * policy.team_hours.retire_factor, 2)
        vcpu, ram, storage, servers, data = 0, 0.0, 0.0, 0, 0.0
    elif decision.disposition is Disposition.MERGE:
        hours = round(hours * policy.team_hours.merge_factor, 2)
        vcpu, ram, storage, servers = 0, 0.0, 0.0, 0
    return Sizing.model_construct(
        vcpu=vcpu, ram_gb=ram, storage_gb=storage, servers=servers, data_gb=data, team_hours=hours
    )


def classify(inventory: Inventory, policy: Policy) -> Classification:
    """Decide every system's disposition by the precedence of this module's docstring."""
    systems = {s.id: s for s in inventory.systems}
    networks: dict[str, Network] = {n.id: n for n in inventory.networks}
    platforms: dict[PlatformKind, str] = {}
    for p in sorted(inventory.platforms, key=lambda p: p.id):
        platforms.setdefault(p.kind, p.id)
    known = set(systems)
    separate = set(policy.exceptions.keep_separate)
    decisions: dict[str, Decision] = {}
    findings: list[Finding] = []
    pending: list[System] = []
    missing_platform: dict[PlatformKind, list[str]] = defaultdict(list)

    for s in inventory.systems:
        level = s.mlps_level if s.mlps_level is not None else policy.defaults.mlps_level
        dec = Decision(s.id, Disposition.MIGRATE, mlps_level=level)
        decisions[s.id] = dec
        gaps = _survey_gaps(s)
        if gaps:
            dec.defaults_applied = gaps
            findings.append(
                Finding(
                    rule=rules.INV_1,
                    severity=FindingSeverity.WARNING,
                    subject=s.id,
                    message=f"survey did not record {', '.join(gaps)}; planned with the policy's "
                    f"conservative defaults (usage unknown = not a zombie, MLPS level "
                    f"{level}, default size where resources are missing)",
                )
            )
        if s.classified:
            dec.disposition = Disposition.INTRANET
            dec.cite(rules.SCOPE_2, "classified (涉密): moves to the e-government intranet, not the cloud")
            continue
        if s.programme:
            dec.disposition = Disposition.PROGRAMME
            dec.cite(
                rules.SCOPE_3,
                f"belongs to the {s.programme} programme: national/provincial deployment decides",
            )
            continue
        evidence = zombie_evidence(s, policy, known)
        if evidence:
            dec.disposition = Disposition.RETIRE
            for rule, why in evidence:
                dec.cite(rule, why)
            dec.cite(rules.CLASS_1, "classified as clean-up (retire)")
            continue
        if s.category is SystemCategory.LAN_ONLY:
            dec.disposition = Disposition.KEEP_LOCAL
            dec.cite(rules.ROOM_1, "LAN-only system: stays in the department's retained room")
            continue
        kind = PLATFORM_OF_CATEGORY.get(s.category)
        if kind is not None and s.id not in separate:
            if kind in platforms:
                dec.disposition = Disposition.MERGE
                dec.into = platforms[kind]
                dec.cite(
                    rules.PLATFORM_1, f"{s.category.value} system joins the city platform {platforms[kind]}"
                )
                dec.cite(rules.CLASS_1, "classified as integrate (merge)")
                continue
            missing_platform[kind].append(s.id)
        pending.append(s)

    for kind, ids in sorted(missing_platform.items()):
        findings.append(
            Finding(
                rule=rules.PLATFORM_1,
                severity=FindingSeverity.WARNING,
                subject=f"platform:{kind.value}",
                message=f"no city {kind.value} platform in the inventory; {len(ids)} {kind.value} "
                f"system(s) migrate on their own (e.g. {', '.join(ids[:3])})",
            )
        )

    _shadow_and_bigsys(pending, decisions, separate, inventory)
    _place(pending, decisions, systems, networks, inventory, findings)
    _resolve_merge_chains(decisions)

    sizing = {s.id: size_system(s, decisions[s.id], policy) for s in inventory.systems}
    return Classification(decisions, sizing, findings)


def _shadow_and_bigsys(
    pending: Iterable[System], decisions: dict[str, Decision], separate: set[str], inventory: Inventory
) -> None:
    """SHADOW-1 then BIGSYS-1 among systems no earlier rule decided."""
    by_function: dict[tuple[str, str], list[System]] = defaultdict(list)
    for s in pending:
        if s.function and s.id not in separate:
            by_function[(s.department, s.function)].append(s)
    for (dept, function), members in by_function.items():
        if len(members) < 2:
            continue
        members.sort(key=_usage_key)
        survivor = members[0]
        users = survivor.usage.monthly_active_users if survivor.usage else 0
        decisions[survivor.id].reasons.append(
            f"survives its shadow group {dept}/{function} as the most used ({users} monthly users)"
        )
        if rules.SHADOW_1 not in decisions[survivor.id].rules:
            decisions[survivor.id].rules.append(rules.SHADOW_1)
        for s in members[1:]:
            dec = decisions[s.id]
            dec.disposition = Disposition.MERGE
            dec.into = survivor.id
            mine = s.usage.monthly_active_users if s.usage else 0
            dec.cite(
                rules.SHADOW_1,
                f"shadow of {survivor.id} (same department {dept}, same function {function}); "
                f"{survivor.id} is more used ({users} vs {mine} monthly users)",
            )
            dec.cite(rules.CLASS_1, "classified as integrate (merge)")

    by_department: dict[str, list[System]] = defaultdict(list)
    for s in pending:
        if decisions[s.id].disposition is Disposition.MIGRATE and s.id not in separate:
            by_department[s.department].append(s)
    for dept, members in by_department.items():
        unit_named = [s for s in members if s.unit]
        if not unit_named:
            continue
        main_candidates = sorted((s for s in members if not s.unit), key=_usage_key)
        if main_candidates:
            main = main_candidates[0]
        else:
            # No department-level system: the most used unit system becomes the big system.
            main = sorted(unit_named, key=_usage_key)[0]
            decisions[main.id].cite(
                rules.BIGSYS_1,
                f"the most used system of {dept}, which has no department-level "
                f"system: it becomes the department's big system",
            )
        for s in unit_named:
            if s.id == main.id:
                continue
            dec = decisions[s.id]
            dec.disposition = Disposition.MERGE
            dec.into = main.id
            dec.cite(
                rules.BIGSYS_1,
                f"built in the name of internal unit {s.unit}: integrated into {dept}'s main "
                f"system {main.id}",
            )
            dec.cite(rules.CLASS_1, "classified as integrate (merge)")


def _place(
    pending: Iterable[System],
    decisions: dict[str, Decision],
    systems: dict[str, System],
    networks: dict[str, Network],
    inventory: Inventory,
    findings: list[Finding],
) -> None:
    """DOMAIN-1 and MLPS-1/2 for every system that would land on the cloud."""
    for s in pending:
        dec = decisions[s.id]
        if dec.disposition is not Disposition.MIGRATE:
            continue
        domain, why = domain_of(s, networks)
        verdict = mlps_placement(dec.mlps_level, domain, inventory.cloud.domains.get(domain))
        if not verdict.allowed:
            dec.disposition = Disposition.BLOCKED
            for rule in verdict.rules:
                dec.cite(rule, verdict.reason)
            dec.cite(rules.DOMAIN_1, f"would land in {domain.value}: {why}")
            findings.append(
                Finding(
                    rule=verdict.rules[0],
                    severity=FindingSeverity.ERROR,
                    subject=s.id,
                    message=f"blocked: {verdict.reason}; it cannot migrate until a suitable pool exists",
                )
            )
            continue
        dec.domain = domain
        dec.cite(rules.CLASS_1, "classified as migrate")
        dec.cite(rules.DOMAIN_1, why)
        for rule in verdict.rules:
            dec.cite(rule, verdict.reason)


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
                dec.reasons.append(f"{dec.into} itself merges into {target.system}, so this system does too")
                dec.into = target.system
        else:
            dec.disposition = Disposition.BLOCKED
            dec.cite(
                rules.CLASS_1,
                f"its merge target {target.system} is {target.disposition.value}, so it cannot merge yet",
            )
            dec.into = None
