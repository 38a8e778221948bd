"""The classification rules of POLICY_RULES.md, one class per rule ID, in precedence order.

``BUILTIN`` is the order: the first rule (or tier of rules) that decides a system decides it;
later rules are not consulted. To find a rule's implementation, search for its constant
(``id = rules.ZOMBIE_3``): exactly one class here carries it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from foundation.messages import msg
from inventory.models import DomainName, PlatformKind, System, SystemCategory, SystemStatus
from planner import rules
from planner.domains import (
    capacity_need,
    domain_findings,
    exceeds_domain_level,
    fit_capacity,
    needs_level4_pool,
)
from planner.plan_model import Disposition, Finding, FindingSeverity
from planner.ruleset.base import GroupRule, Rule, RuleContext, Verdict

ZOMBIE_TIER = "zombie"
MLPS_TIER = "mlps"
PLACEMENT = "placement"

PLATFORM_OF_CATEGORY: dict[SystemCategory, PlatformKind] = {
    SystemCategory.WEBSITE: PlatformKind.WEBSITE,
    SystemCategory.OA: PlatformKind.OA,
    SystemCategory.HOTLINE: PlatformKind.HOTLINE,
    SystemCategory.VIDEO: PlatformKind.VIDEO,
    SystemCategory.EMAIL: PlatformKind.EMAIL,
    SystemCategory.IM: PlatformKind.IM,
}


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (
        (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)
    )


# ---------------------------------------------------------------- scope


class ClassifiedToIntranet(Rule):
    """A classified (涉密) system moves to the e-government intranet, never to the cloud."""

    id = rules.SCOPE_2
    disposition = Disposition.INTRANET
    outranks = "a classified system never leaves the secure network, even a zombie"

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        if not system.classified:
            return None
        return self.verdict(msg("reason.classified"))


class GoldenProgramme(Rule):
    """A system of a national/provincial golden programme follows its programme's deployment."""

    id = rules.SCOPE_3
    disposition = Disposition.PROGRAMME
    outranks = "golden-programme systems follow their national/provincial programme"

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        if not system.programme:
            return None
        return self.verdict(msg("reason.programme", programme=system.programme))


# ---------------------------------------------------------------- clean-up: the five zombie criteria


class ZombieRule(Rule):
    """A zombie criterion: every criterion that holds is recorded, the first decides (retire)."""

    disposition = Disposition.RETIRE
    tier = ZOMBIE_TIER
    outranks = "a dead system is switched off, not merged into a live one"


class Zombie1Disconnected(ZombieRule):
    """Retire a system long disconnected from business (not business-linked, or unused for months)."""

    id = rules.ZOMBIE_1

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        usage, z = system.usage, ctx.policy.zombie
        if usage is None:
            return None  # not surveyed: never evidence of a zombie (INV-1)
        if not usage.business_linked:
            return self.verdict(msg("reason.zombie.not_linked"))
        survey = ctx.policy.survey_date
        if usage.last_used is not None and months_between(usage.last_used, survey) >= z.disconnected_months:
            return self.verdict(
                msg(
                    "reason.zombie.last_used",
                    last_used=usage.last_used, months=z.disconnected_months, survey=survey,
                )
            )
        return None


class Zombie2Replaceable(ZombieRule):
    """Retire a system whose function another surveyed system replaces (``replaced_by``)."""

    id = rules.ZOMBIE_2

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        other = system.replaced_by
        if other and other in ctx.systems and other != system.id:
            return self.verdict(msg("reason.zombie.replaceable", other=other))
        return None


class Zombie3Idle(ZombieRule):
    """Retire a system whose resources are idle (status idle, or CPU use below the policy's floor)."""

    id = rules.ZOMBIE_3

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        if system.status is SystemStatus.IDLE:
            return self.verdict(msg("reason.zombie.idle"))
        floor = ctx.policy.zombie.idle_utilisation
        if system.utilisation is not None and system.utilisation < floor:
            return self.verdict(msg("reason.zombie.low_cpu", utilisation=system.utilisation, floor=floor))
        return None


class Zombie4Unmaintained(ZombieRule):
    """Retire a system whose operation and maintenance has stopped."""

    id = rules.ZOMBIE_4

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        if system.status is SystemStatus.MAINTENANCE_STOPPED:
            return self.verdict(msg("reason.zombie.unmaintained"))
        return None


class Zombie5SmallAndRare(ZombieRule):
    """Retire a system used at a small scope by few people a month."""

    id = rules.ZOMBIE_5

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        usage, z = system.usage, ctx.policy.zombie
        if usage is None or usage.scope.value not in z.small_scopes:
            return None
        if usage.monthly_active_users >= z.low_monthly_users:
            return None
        return self.verdict(
            msg(
                "reason.zombie.small_rare",
                scope=usage.scope, users=usage.monthly_active_users, floor=z.low_monthly_users,
            )
        )


# ---------------------------------------------------------------- staying, integration


class LanOnlyKeptLocal(Rule):
    """A LAN-only system stays in a retained room of its building."""

    id = rules.ROOM_1
    disposition = Disposition.KEEP_LOCAL
    outranks = "LAN-only systems serve their building"

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        if system.category is not SystemCategory.LAN_ONLY:
            return None
        return self.verdict(msg("reason.lan_only"))


class CityPlatform(Rule):
    """A website, OA, hotline, video, e-mail or IM system joins the city's central platform."""

    id = rules.PLATFORM_1
    disposition = Disposition.MERGE
    outranks = "a city-wide target outranks department integration"

    def __init__(self) -> None:
        self.missing: dict[PlatformKind, list[str]] = defaultdict(list)

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        kind = PLATFORM_OF_CATEGORY.get(system.category)
        if kind is None or system.id in ctx.separate:
            return None
        platform = ctx.platforms.get(kind)
        if platform is None:
            self.missing[kind].append(system.id)
            return None
        why = msg("reason.platform", category=system.category, platform=platform)
        return self.verdict(why, into=platform)

    def finish(self, ctx: RuleContext) -> list[Finding]:
        return [
            Finding.of(
                self.id,
                FindingSeverity.WARNING,
                f"platform:{kind.value}",
                msg("finding.no_platform", kind=kind, n=len(ids), examples=ids[:3]),
            )
            for kind, ids in sorted(self.missing.items())
        ]


def _users(s: System) -> int:
    return s.usage.monthly_active_users if s.usage is not None else 0


class ShadowDuplicates(GroupRule):
    """Duplicates (one department, one function, one domain) merge into the most used of them."""

    id = rules.SHADOW_1
    disposition = Disposition.MERGE
    outranks = f"duplicates collapse first, so the survivor is what {rules.BIGSYS_1} sees"

    def check_group(self, systems: Sequence[System], ctx: RuleContext) -> Mapping[str, Verdict]:
        by_function: dict[tuple[str, str], list[System]] = defaultdict(list)
        for s in systems:
            if s.function and s.id not in ctx.separate:
                by_function[(s.department, s.function)].append(s)
        groups: dict[tuple[str, str, DomainName], list[System]] = defaultdict(list)
        for (dept, function), alike in by_function.items():
            if len(alike) > 1:
                for s in alike:
                    # Per domain: integration never moves a system into the other domain.
                    groups[(dept, function, ctx.landing(s).domain)].append(s)
        out: dict[str, Verdict] = {}
        for (dept, function, _), members in groups.items():
            if len(members) < 2:
                continue
            members.sort(key=lambda s: (-_users(s), -(s.resources.vcpu if s.resources else 0), s.id))
            survivor, users = members[0], _users(members[0])
            out[survivor.id] = self.fact(
                msg("reason.shadow.survivor", department=dept, function=function, users=users)
            )
            for s in members[1:]:
                out[s.id] = self.verdict(
                    msg(
                        "reason.shadow.merged",
                        survivor=survivor.id, department=dept, function=function, users=users,
                        own=_users(s),
                    ),
                    into=survivor.id,
                )
        return out


class DepartmentBigSystem(GroupRule):
    """Unit-named systems join their department's main system in the same domain (the big system)."""

    id = rules.BIGSYS_1
    disposition = Disposition.MERGE
    outranks = "unit-named systems join the big system"

    @staticmethod
    def weight(s: System, ctx: RuleContext) -> tuple[int, int, float]:
        """Business weight: monthly users, then systems depending on it, then investment."""
        return (_users(s), ctx.dependants[s.id], float(s.investment or 0.0))

    def check_group(self, systems: Sequence[System], ctx: RuleContext) -> Mapping[str, Verdict]:
        by_department: dict[str, list[System]] = defaultdict(list)
        for s in systems:
            if s.id not in ctx.separate:
                by_department[s.department].append(s)
        groups: dict[tuple[str, DomainName], list[System]] = defaultdict(list)
        for dept, members in by_department.items():
            if any(s.unit for s in members):
                for s in members:
                    # Per domain: a public front end never absorbs an internal administrative system.
                    groups[(dept, ctx.landing(s).domain)].append(s)
        out: dict[str, Verdict] = {}
        for (dept, domain), members in groups.items():
            unit_named = [s for s in members if s.unit]
            if not unit_named:
                continue
            department_level = [s for s in members if not s.unit]
            pool = department_level or unit_named
            main = min(pool, key=lambda s: (tuple(-x for x in self.weight(s, ctx)), s.id))
            users, deps, invest = self.weight(main, ctx)
            weight = msg("reason.bigsys.weight", users=users, dependants=deps, investment=invest)
            joining = [s for s in unit_named if s.id != main.id]
            said = {"department": dept, "domain": domain, "main": main.id, "weight": weight}
            if not department_level:
                out[main.id] = self.fact(msg("reason.bigsys.no_department_level", **said))
            elif joining:
                out[main.id] = self.fact(msg("reason.bigsys.main", **said))
            for s in joining:
                out[s.id] = self.verdict(msg("reason.bigsys.merged", unit=s.unit, **said), into=main.id)
        return out


# ---------------------------------------------------------------- placement of what would go up


class MlpsRule(Rule):
    """An MLPS placement rule: every one that blocks is a finding."""

    disposition = Disposition.BLOCKED
    tier = MLPS_TIER
    stage = PLACEMENT
    outranks = "only for systems that would land on the cloud"


class DomainLevel(MlpsRule):
    """Block a system whose MLPS level is above the level of the domain it lands in."""

    id = rules.MLPS_1

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        landing, level = ctx.landing(system), ctx.mlps_level(system)
        domain = ctx.inventory.cloud.domains.get(landing.domain)
        if not exceeds_domain_level(level, domain):
            return None
        return self.verdict(
            msg(
                "reason.mlps.above_domain",
                level=level, domain_level=domain.mlps_level, domain=landing.domain, landing=landing.reason,
            )
        )


class Level4Pool(MlpsRule):
    """Block a level-4 system whose domain has no dedicated level-4 pool; cite the pool that hosts one."""

    id = rules.MLPS_2

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        landing, level = ctx.landing(system), ctx.mlps_level(system)
        if level < 4:
            return None
        domain = ctx.inventory.cloud.domains.get(landing.domain)
        if needs_level4_pool(level, domain):
            return self.verdict(msg("reason.mlps.no_level4_pool", domain=landing.domain))
        return self.fact(msg("reason.mlps.level4_pool", domain=landing.domain))


class DomainCapacity(GroupRule):
    """Block the systems a domain has no vCPU, RAM or storage left for (smallest admitted first)."""

    id = rules.DOMAIN_1
    disposition = Disposition.BLOCKED
    stage = PLACEMENT
    label = f"{rules.DOMAIN_1} capacity"
    outranks = "the domain has no room left for it"

    def check_group(self, systems: Sequence[System], ctx: RuleContext) -> Mapping[str, Verdict]:
        fit = fit_capacity(
            ((s.id, ctx.landing(s).domain, capacity_need(ctx.migrate_sizing(s))) for s in systems),
            ctx.inventory.cloud.domains,
        )
        ctx.findings.extend(domain_findings(fit))
        return {sid: self.verdict(why) for sid, why in sorted(fit.refused.items())}


class Migrate(Rule):
    """Everything else goes up (CLOUD-1), into the domain of the network that carries it (DOMAIN-1)."""

    id = rules.CLASS_1
    disposition = Disposition.MIGRATE
    stage = PLACEMENT
    label = f"{rules.CLASS_1}, {rules.DOMAIN_1}"
    outranks = f"everything that can go up, goes up ({rules.CLOUD_1})"

    def check(self, system: System, ctx: RuleContext) -> Verdict | None:
        landing = ctx.landing(system)
        return self.verdict(
            msg("reason.migrate"), domain=landing.domain, also=((rules.DOMAIN_1, landing.reason),)
        )


BUILTIN: tuple[type[Rule], ...] = (
    ClassifiedToIntranet,
    GoldenProgramme,
    Zombie1Disconnected,
    Zombie2Replaceable,
    Zombie3Idle,
    Zombie4Unmaintained,
    Zombie5SmallAndRare,
    LanOnlyKeptLocal,
    CityPlatform,
    ShadowDuplicates,
    DepartmentBigSystem,
    DomainLevel,
    Level4Pool,
    DomainCapacity,
    Migrate,
)
