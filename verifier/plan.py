"""The verifier's checks: one run over a plan, its inventory and its policy.

Each violation starts with the check that found it (``[coverage]``, ``[waves]``, ...) and names
the record and the rule, so a failing test says what is wrong and where. The decisions the
specs leave open, and the rule this verifier applies, are listed in the package docstring.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from inventory.models import DomainName, Inventory, NetworkKind, Room, System, SystemCategory
from planner.plan_model import (
    Disposition,
    FindingSeverity,
    NetworkOutcome,
    Plan,
    PlanSystem,
    RelocationKind,
    RoomOutcome,
)
from planner.policy import Policy
from verifier.spec import (
    KNOWN_RULES,
    LOAD_DIMENSIONS,
    domain_by_network,
    wave_capacity,
    wave_dates,
    zombie_criteria,
)

# Dispositions that get a wave (PLAN_FORMAT.md: "the wave in which the system moves, merges or retires").
SCHEDULED = frozenset({Disposition.MIGRATE, Disposition.RETIRE, Disposition.MERGE})
# Dispositions after which the system no longer exists on its own (clean-up and integration).
GONE = frozenset({Disposition.RETIRE, Disposition.MERGE})

# The rule family a disposition must cite (at least one of); blocked is explained by a finding.
DISPOSITION_RULES: dict[Disposition, frozenset[str]] = {
    Disposition.MIGRATE: frozenset({"DOMAIN-1"}),
    Disposition.RETIRE: frozenset({f"ZOMBIE-{i}" for i in range(1, 6)}),
    Disposition.MERGE: frozenset({"SHADOW-1", "BIGSYS-1", "PLATFORM-1"}),
    Disposition.INTRANET: frozenset({"SCOPE-2"}),
    Disposition.PROGRAMME: frozenset({"SCOPE-3"}),
    Disposition.KEEP_LOCAL: frozenset({"ROOM-1"}),
}

ROOM_RULES = frozenset({"ROOM-1", "ROOM-2", "ROOM-3", "ROOM-4"})
LINE_RULES = frozenset({"LINE-1", "LINE-2", "LINE-3", "LINE-4"})
ROOM_EXCEPTION_RULES = frozenset({"ROOM-2", "ROOM-4"})
# Leased lines the city pays for and cancels once nothing that stays needs them (LINE-1, LINE-2).
LEASED_KINDS = frozenset({NetworkKind.INTERNET_LINE, NetworkKind.PRIVATE_NETWORK})
STAYING = frozenset(
    {Disposition.INTRANET, Disposition.PROGRAMME, Disposition.KEEP_LOCAL, Disposition.BLOCKED}
)
# Systems that pin their room: they do not move and are not LAN-only equipment ROOM-1 allows.
ROOM_PINNING = frozenset({Disposition.INTRANET, Disposition.PROGRAMME, Disposition.BLOCKED})
RETIRED_ROOM_OUTCOMES = frozenset({RoomOutcome.VACATED, RoomOutcome.MERGED})

LOAD_TOL = dict(rel_tol=1e-6, abs_tol=1e-3)
MONEY_TOL = dict(rel_tol=1e-6, abs_tol=1.0)  # plans may round money to whole CNY


def _dupes(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen:
            dup.append(i)
        seen.add(i)
    return sorted(set(dup))


def _fmt(xs: Iterable[object], limit: int = 8) -> str:
    items = sorted(str(x) for x in xs)
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


class Verifier:
    """One verification run: indexes built once, each check appends violations."""

    def __init__(self, plan: Plan, inventory: Inventory, policy: Policy) -> None:
        self.plan = plan
        self.inv = inventory
        self.policy = policy
        self.out: list[str] = []
        self.inv_systems = {s.id: s for s in inventory.systems}
        self.inv_rooms = {r.id: r for r in inventory.rooms}
        self.inv_networks = {n.id: n for n in inventory.networks}
        self.inv_departments = {d.id: d for d in inventory.departments}
        self.platforms = {p.id: p for p in inventory.platforms}
        self.systems = {s.id: s for s in plan.systems}
        self.rooms = {r.id: r for r in plan.rooms}
        self.networks = {n.id: n for n in plan.networks}
        self.wave_numbers = {w.number for w in plan.waves}
        self.findings_about: dict[str, list[tuple[str, FindingSeverity, str]]] = defaultdict(list)
        for f in plan.findings:
            self.findings_about[f.subject].append((f.rule, f.severity, f.message))

    def bad(self, check: str, message: str) -> None:
        self.out.append(f"[{check}] {message}")

    @staticmethod
    def scheduled(s: PlanSystem) -> bool:
        return s.disposition in SCHEDULED

    def mlps_level(self, src: System) -> int:
        """The system's MLPS level, or the policy's conservative INV-1 default when not surveyed."""
        return src.mlps_level if src.mlps_level is not None else self.policy.defaults.mlps_level

    def has_finding(self, subjects: Iterable[str], rules: Iterable[str], *, error: bool = False) -> bool:
        wanted = set(rules)
        return any(
            rule in wanted and (not error or sev is FindingSeverity.ERROR)
            for subject in subjects
            for rule, sev, _ in self.findings_about.get(subject, ())
        )

    def room_exception(self, room_id: str) -> str | None:
        """The ROOM-4 exception of a room: the inventory's, or one the policy grants."""
        src = self.inv_rooms.get(room_id)
        return (src.exception if src is not None else None) or self.policy.exceptions.rooms.get(room_id)

    # ------------------------------------------------------------ coverage and facts

    def check_coverage(self) -> None:
        """Every system, room and network of the inventory appears exactly once, nothing else."""
        for kind, plan_ids, inv_ids in (
            ("system", [s.id for s in self.plan.systems], self.inv_systems),
            ("room", [r.id for r in self.plan.rooms], self.inv_rooms),
            ("network", [n.id for n in self.plan.networks], self.inv_networks),
        ):
            dup = _dupes(plan_ids)
            if dup:
                self.bad("coverage", f"{kind}s listed more than once: {_fmt(dup)}")
            missing = set(inv_ids) - set(plan_ids)
            if missing:
                self.bad("coverage", f"{kind}s of the inventory missing from the plan: {_fmt(missing)}")
            extra = set(plan_ids) - set(inv_ids)
            if extra:
                self.bad("coverage", f"{kind}s in the plan but not in the inventory: {_fmt(extra)}")
        if self.plan.inventory.systems != len(self.inv.systems):
            self.bad(
                "coverage",
                f"inventory.systems is {self.plan.inventory.systems}, "
                f"the inventory has {len(self.inv.systems)}",
            )
        if self.plan.inventory.city != self.inv.city.id:
            self.bad(
                "coverage",
                f"inventory.city is {self.plan.inventory.city!r}, "
                f"the inventory's city is {self.inv.city.id!r}",
            )

    def check_facts(self) -> None:
        """Facts the plan copies from the inventory (department, room, networks) agree with it."""
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if src is None:
                continue
            if s.department != src.department:
                self.bad(
                    "facts", f"system {s.id}: department {s.department!r}, inventory says {src.department!r}"
                )
            if s.room is not None and s.room != src.room:
                self.bad("facts", f"system {s.id}: room {s.room!r}, inventory says {src.room!r}")
            if s.networks and set(s.networks) != set(src.networks):
                self.bad(
                    "facts",
                    f"system {s.id}: networks {sorted(s.networks)}, inventory says {sorted(src.networks)}",
                )
        for r in self.plan.rooms:
            src_room = self.inv_rooms.get(r.id)
            if src_room is not None and r.department != src_room.department:
                self.bad(
                    "facts",
                    f"room {r.id}: department {r.department!r}, inventory says {src_room.department!r}",
                )

    def check_sizing(self) -> None:
        """A migrating system's surveyed figures are the survey's, with the policy's INV-1 defaults."""
        d = self.policy.defaults
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if src is None or s.disposition != Disposition.MIGRATE:
                continue
            surveyed = s.surveyed_sizing or s.sizing
            res = src.resources
            want = {
                "vcpu": float(res.vcpu if res is not None else d.vcpu),
                "ram_gb": float(res.ram_gb if res is not None else d.ram_gb),
                "storage_gb": float(res.storage_gb if res is not None else d.storage_gb),
                "data_gb": float(src.data_gb if src.data_gb is not None else d.data_gb),
            }
            for dim, value in want.items():
                stated = float(getattr(surveyed, dim))
                if not math.isclose(stated, value, **LOAD_TOL):
                    which = "surveyed_sizing" if s.surveyed_sizing is not None else "sizing"
                    self.bad(
                        "sizing",
                        f"system {s.id}: {which}.{dim} is {stated:g}, the survey "
                        f"(with the policy's INV-1 defaults) gives {value:g}",
                    )

    # ------------------------------------------------------------ dispositions

    def check_dispositions(self) -> None:
        """domain iff migrate; wave iff scheduled; into iff merge; each disposition's preconditions."""
        known = set(self.inv_systems)
        for s in self.plan.systems:
            migrate = s.disposition == Disposition.MIGRATE
            if migrate and s.domain is None:
                self.bad("disposition", f"system {s.id}: migrates but has no domain")
            if not migrate and s.domain is not None:
                self.bad("disposition", f"system {s.id}: {s.disposition!s} but has domain {s.domain!s}")
            if self.scheduled(s) and s.wave is None:
                self.bad("disposition", f"system {s.id}: {s.disposition!s} but has no wave")
            if not self.scheduled(s) and s.wave is not None:
                self.bad(
                    "disposition", f"system {s.id}: {s.disposition!s} does not move but has wave {s.wave}"
                )
            if s.disposition == Disposition.MERGE:
                self._check_merge_target(s)
            elif s.into is not None:
                self.bad("disposition", f"system {s.id}: {s.disposition!s} but has into={s.into!r}")
            src = self.inv_systems.get(s.id)
            if src is not None:
                self._check_preconditions(s, src, known)

    def _check_preconditions(self, s: PlanSystem, src: System, known: set[str]) -> None:
        """What must hold of the survey for the disposition the plan gives (SCOPE-2/3, ZOMBIE, ROOM-1)."""
        disp = s.disposition
        if src.classified and disp != Disposition.INTRANET:
            self.bad(
                "disposition",
                f"system {s.id}: classified, so it goes to the intranet (SCOPE-2), but it is {disp!s}",
            )
        if disp == Disposition.INTRANET and not src.classified:
            self.bad("disposition", f"system {s.id}: intranet (SCOPE-2) but the survey does not classify it")
        if src.programme and not src.classified and disp != Disposition.PROGRAMME:
            self.bad(
                "disposition",
                f"system {s.id}: belongs to programme {src.programme}, which the city does not "
                f"schedule (SCOPE-3), but it is {disp!s}",
            )
        if disp == Disposition.PROGRAMME and not src.programme:
            self.bad("disposition", f"system {s.id}: programme (SCOPE-3) but the survey names no programme")
        if disp == Disposition.KEEP_LOCAL and src.category != SystemCategory.LAN_ONLY:
            self.bad(
                "disposition",
                f"system {s.id}: keep_local (ROOM-1) but it is a {src.category.value} system, not lan_only",
            )
        met = zombie_criteria(src, self.policy, known)
        if disp == Disposition.RETIRE:
            if not met:
                self.bad(
                    "disposition",
                    f"system {s.id}: retired but meets no ZOMBIE-1..5 criterion under the policy's "
                    "thresholds",
                )
            else:
                cited = {r for r in s.rules if r.startswith("ZOMBIE-")}
                wrong = cited - met
                if wrong:
                    self.bad(
                        "disposition",
                        f"system {s.id}: cites {_fmt(wrong)}, but under the policy it meets only {_fmt(met)}",
                    )
        elif disp in (Disposition.MIGRATE, Disposition.MERGE) and met:
            self.bad(
                "disposition",
                f"system {s.id}: {disp!s}, but it meets {_fmt(met)}: a zombie system is retired",
            )

    def _check_merge_target(self, s: PlanSystem) -> None:
        if s.into is None:
            self.bad("disposition", f"system {s.id}: merges but names no target in `into`")
            return
        if s.into == s.id:
            self.bad("disposition", f"system {s.id}: merges into itself")
            return
        platform = self.platforms.get(s.into)
        if platform is not None:
            src = self.inv_systems.get(s.id)
            if src is not None and platform.kind.value != src.category.value:
                self.bad(
                    "disposition",
                    f"system {s.id}: a {src.category.value} system merges into the {platform.kind.value} "
                    f"platform {platform.id} (PLATFORM-1 joins a system to the platform of its kind)",
                )
            return
        target = self.systems.get(s.into)
        if target is None:
            self.bad(
                "disposition",
                f"system {s.id}: merges into {s.into!r}, which is neither a system nor a platform",
            )
        elif target.disposition != Disposition.MIGRATE:
            self.bad(
                "disposition",
                f"system {s.id}: merges into {target.id}, which is {target.disposition!s}"
                f" (a merge target must survive and migrate)",
            )

    def check_placement(self) -> None:
        """DOMAIN-1 by the carrying network's order; MLPS-1/2 against the domain the system lands in."""
        domains = self.inv.cloud.domains
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if src is None:
                continue
            if s.disposition == Disposition.MIGRATE and s.domain is not None:
                expected = domain_by_network(src, self.inv_networks)
                if not any(n in self.inv_networks for n in src.networks) and not self.has_finding(
                    [s.id], ["INV-1"]
                ):
                    self.bad(
                        "domain",
                        f"system {s.id}: no carrying network recorded, so DOMAIN-1 places it by default, "
                        f"but no INV-1 finding says so",
                    )
                if s.domain != expected:
                    self.bad(
                        "domain",
                        f"system {s.id}: domain {s.domain!s}, DOMAIN-1 by its carrying network "
                        f"gives {expected!s}",
                    )
            if s.disposition == Disposition.MERGE and s.into in self.systems:
                self._check_merge_domain(s, src)
            if s.disposition not in (Disposition.MIGRATE, Disposition.BLOCKED):
                continue
            real = domain_by_network(src, self.inv_networks)
            dom = domains.get(real)
            level = self.mlps_level(src)
            blocking: list[tuple[str, str]] = []
            if level > dom.mlps_level:
                blocking.append(
                    ("MLPS-1", f"MLPS level {level} above domain {real!s} level {dom.mlps_level}")
                )
            if level == 4 and not dom.dedicated_level4_pool:
                blocking.append(("MLPS-2", f"level-4 system in {real!s}, which has no dedicated pool"))
            if s.disposition == Disposition.MIGRATE:
                for rule, why in blocking:
                    self.bad("placement", f"system {s.id}: migrates with {why} ({rule})")
            else:
                for rule, why in blocking:
                    if not self.has_finding([s.id], [rule]):
                        self.bad("findings", f"system {s.id}: blocked, {why}, but no {rule} finding says so")

    def _check_merge_domain(self, s: PlanSystem, src: System) -> None:
        """DOMAIN-1: integration never moves an administrative system into the public-service domain."""
        target = self.systems[s.into or ""]
        if target.disposition != Disposition.MIGRATE or target.domain != DomainName.PUBLIC_SERVICE:
            return
        if domain_by_network(src, self.inv_networks) == DomainName.ADMINISTRATIVE_SERVICE:
            self.bad(
                "domain",
                f"system {s.id}: an administrative-service system merges into {target.id} of the "
                f"public-service domain (DOMAIN-1: a big system is formed per domain)",
            )

    # ------------------------------------------------------------ groups and waves

    def check_groups(self) -> None:
        """Systems of one group share a wave; the groups list matches the systems' group field."""
        members: dict[str, list[PlanSystem]] = defaultdict(list)
        for s in self.plan.systems:
            if s.group is not None:
                members[s.group].append(s)
        for gid, ss in members.items():
            waves = {s.wave for s in ss}
            if None in waves and len(waves) > 1:
                self.bad(
                    "groups",
                    f"group {gid}: mixes systems that move and systems that do not "
                    f"({_fmt(s.id for s in ss if s.wave is None)})",
                )
            moving = {w for w in waves if w is not None}
            if len(moving) > 1:
                self.bad("groups", f"group {gid}: systems split over waves {sorted(moving)}")
        listed = {g.id: g for g in self.plan.groups}
        dup = _dupes(g.id for g in self.plan.groups)
        if dup:
            self.bad("groups", f"groups listed more than once: {_fmt(dup)}")
        for gid, g in listed.items():
            want = {s.id for s in members.get(gid, [])}
            if set(g.systems) != want:
                self.bad(
                    "groups", f"group {gid}: lists {_fmt(g.systems)}, systems tagged with it are {_fmt(want)}"
                )

    def check_waves(self) -> None:
        """Waves follow the policy's calendar; loads sum the planned sizing, within the policy's capacity."""
        dup = _dupes(str(w.number) for w in self.plan.waves)
        if dup:
            self.bad("waves", f"wave numbers listed more than once: {_fmt(dup)}")
        by_wave: dict[int, list[PlanSystem]] = defaultdict(list)
        for s in self.plan.systems:
            if s.wave is None:
                continue
            if s.wave not in self.wave_numbers:
                self.bad("waves", f"system {s.id}: wave {s.wave} is not in waves[]")
            by_wave[s.wave].append(s)
        for w in self.plan.waves:
            pilot = w.number == 0
            if w.pilot != pilot:
                self.bad(
                    "waves",
                    f"wave {w.number}: pilot is {w.pilot}; wave 0 and only wave 0 is the pilot (PILOT-1)",
                )
            try:
                start, end = wave_dates(self.policy, w.number)
            except (ValueError, OverflowError):  # a wave number no calendar reaches
                self.bad("waves", f"wave {w.number}: outside the policy's calendar")
                start, end = w.start, w.end
            if (w.start, w.end) != (start, end):
                self.bad(
                    "waves",
                    f"wave {w.number}: runs {w.start}..{w.end}, the policy's calendar gives {start}..{end}",
                )
            ss = by_wave.get(w.number, [])
            d = _dupes(w.systems)
            if d:
                self.bad("waves", f"wave {w.number}: lists systems twice: {_fmt(d)}")
            want = {s.id for s in ss}
            if set(w.systems) != want:
                extra, missing = set(w.systems) - want, want - set(w.systems)
                self.bad(
                    "waves",
                    f"wave {w.number}: systems list disagrees with the systems' waves"
                    f" (listed but not in this wave: {_fmt(extra) or '-'};"
                    f" in this wave but not listed: {_fmt(missing) or '-'})",
                )
            actual = {
                "systems": float(len(ss)),
                "vcpu": float(sum(s.sizing.vcpu for s in ss)),
                "data_gb": float(sum(s.sizing.data_gb for s in ss)),
                "team_hours": float(sum(s.sizing.team_hours for s in ss)),
            }
            policy_cap = wave_capacity(self.policy, w.number, pilot=pilot)
            for dim in LOAD_DIMENSIONS:
                stated = float(getattr(w.load, dim))
                if not math.isclose(stated, actual[dim], **LOAD_TOL):
                    self.bad(
                        "waves",
                        f"wave {w.number}: load.{dim} is {stated:g}, its systems' planned sizing sums to "
                        f"{actual[dim]:g}",
                    )
                cap = policy_cap[dim]
                if actual[dim] > cap and not math.isclose(actual[dim], cap, **LOAD_TOL):
                    self.bad(
                        "waves",
                        f"wave {w.number}: {dim} load {actual[dim]:g} exceeds the policy's capacity "
                        f"{cap:g} (CAP-1)",
                    )
                claimed = float(getattr(w.capacity, dim))
                if not math.isclose(claimed, cap, **LOAD_TOL):
                    self.bad(
                        "waves",
                        f"wave {w.number}: capacity.{dim} is {claimed:g}, the policy gives {cap:g} (CAP-1)",
                    )
            if pilot:
                self._check_pilot(ss)

    def _check_pilot(self, systems: list[PlanSystem]) -> None:
        """PILOT-1: the systems the pilot wave migrates are small, low-MLPS and low-dependency."""
        p = self.policy.pilot
        for s in systems:
            src = self.inv_systems.get(s.id)
            if s.disposition != Disposition.MIGRATE or src is None:
                continue
            why = []
            if self.mlps_level(src) > p.max_mlps_level:
                why.append(f"MLPS level {self.mlps_level(src)} > {p.max_mlps_level}")
            if s.sizing.vcpu > p.max_vcpu:
                why.append(f"{s.sizing.vcpu} vCPU > {p.max_vcpu:g}")
            if s.sizing.data_gb > p.max_data_gb:
                why.append(f"{s.sizing.data_gb:g} GB of data > {p.max_data_gb:g}")
            if len(src.depends_on) > p.max_dependencies:
                why.append(f"{len(src.depends_on)} dependencies > {p.max_dependencies}")
            if why:
                self.bad(
                    "waves",
                    f"system {s.id}: in the pilot wave beyond the policy's pilot limits ({'; '.join(why)})",
                )

    def check_precedence(self) -> None:
        """DEP-1: A depends on B (both scheduled): wave(A) >= wave(B) unless one group; merge after target."""
        for s in self.plan.systems:
            if s.wave is None or not self.scheduled(s):
                continue
            src = self.inv_systems.get(s.id)
            deps = [d.system for d in src.depends_on] if src is not None else []
            for dep_id in deps:
                dep = self.systems.get(dep_id)
                if dep is None or dep.wave is None or not self.scheduled(dep):
                    continue
                if s.group is not None and s.group == dep.group:
                    continue
                if s.wave < dep.wave:
                    self.bad(
                        "precedence",
                        f"system {s.id} (wave {s.wave}) moves before {dep.id} "
                        f"(wave {dep.wave}), which it depends on (DEP-1)",
                    )
            if s.disposition == Disposition.MERGE and s.into in self.systems:
                target = self.systems[s.into]
                if (
                    target.wave is not None
                    and s.wave < target.wave
                    and not (s.group and s.group == target.group)
                ):
                    self.bad(
                        "precedence",
                        f"system {s.id} (wave {s.wave}) merges before its target "
                        f"{target.id} moves (wave {target.wave})",
                    )

    # ------------------------------------------------------------ links across clean-up

    def successor(self, system_id: str) -> str | None:
        """Where a retired or merged system's dependants go: replaced_by / into, followed to a survivor."""
        seen: set[str] = set()
        current = system_id
        while current not in seen:
            seen.add(current)
            p = self.systems.get(current)
            if p is None:
                return current if current in self.platforms else None
            if p.disposition not in GONE:
                return current
            if p.disposition == Disposition.MERGE:
                nxt = p.into
            else:
                src = self.inv_systems.get(current)
                nxt = src.replaced_by if src is not None else None
            if nxt is None:
                return None
            current = nxt
        return None  # a cycle of clean-ups: nothing survives

    def check_links(self) -> None:
        """No link points at a retired or merged system; a dependency on one is carried over or reported."""
        for s in self.plan.systems:
            if s.disposition in GONE:
                continue
            for link in s.links:
                other = self.systems.get(link.system)
                if other is None and link.system not in self.platforms:
                    self.bad(
                        "links", f"system {s.id}: link to {link.system!r}, neither a system nor a platform"
                    )
                elif other is not None and other.disposition in GONE:
                    self.bad(
                        "links",
                        f"system {s.id}: link to {other.id}, which is {other.disposition!s} "
                        f"(a dependency is carried over to its replacement or merge target)",
                    )
            src = self.inv_systems.get(s.id)
            if src is None:
                continue
            linked = {link.system for link in s.links}
            for dep in src.depends_on:
                gone = self.systems.get(dep.system)
                if gone is None or gone.disposition not in GONE:
                    continue
                heir = self.successor(gone.id)
                reported = any(
                    sev is FindingSeverity.ERROR and other in message
                    for subject, other in ((s.id, gone.id), (gone.id, s.id))
                    for _, sev, message in self.findings_about.get(subject, ())
                )
                if heir == s.id:
                    continue  # it merges into this very system: nothing is left to depend on
                if heir is None:
                    if not reported:
                        self.bad(
                            "links",
                            f"system {s.id}: depends on {gone.id} ({gone.disposition!s}), which leaves no "
                            f"successor, and no error finding names both",
                        )
                    continue
                if heir not in linked and not reported:
                    self.bad(
                        "links",
                        f"system {s.id}: depends on {gone.id} ({gone.disposition!s}); the dependency "
                        f"is not carried over to {heir} and no error finding names both",
                    )
                self._check_carried_order(s, gone.id, heir)

    def _check_carried_order(self, s: PlanSystem, gone: str, heir: str) -> None:
        """DEP-1 on a carried-over dependency: the dependant moves no earlier than the successor."""
        target = self.systems.get(heir)
        if target is None or s.wave is None or target.wave is None:
            return
        if s.group is not None and s.group == target.group:
            return
        if s.wave < target.wave:
            self.bad(
                "links",
                f"system {s.id} (wave {s.wave}) moves before {heir} (wave {target.wave}), which "
                f"its dependency on {gone} is carried over to (DEP-1)",
            )

    # ------------------------------------------------------------ CUT-1

    def check_cutover(self) -> None:
        """CUT-1: a migrating system has a method and an estimate that fits its window, or a CUT-1 error."""
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if src is None:
                continue
            cut_error = self.has_finding([s.id], ["CUT-1"], error=True)
            if s.disposition != Disposition.MIGRATE:
                continue
            if s.method is None or s.estimated_outage_hours is None:
                self.bad(
                    "cutover",
                    f"system {s.id}: migrates without a cut-over method and outage estimate (CUT-1)",
                )
                continue
            window = src.downtime_hours
            fits = window is None or s.estimated_outage_hours <= window + 1e-9
            if not fits and not cut_error:
                self.bad(
                    "cutover",
                    f"system {s.id}: estimated outage {s.estimated_outage_hours:g} h ({s.method!s}) "
                    f"exceeds its "
                    f"downtime_hours {window:g} and no CUT-1 error finding says so",
                )
            if fits and cut_error:
                self.bad(
                    "cutover",
                    f"system {s.id}: a CUT-1 error finding, but its estimated outage "
                    f"{s.estimated_outage_hours:g} h fits its window",
                )

    # ------------------------------------------------------------ rooms and networks

    def _systems_by(self, attr: str) -> dict[str, list[PlanSystem]]:
        """Plan systems keyed by each room / network the inventory places them on."""
        idx: dict[str, list[PlanSystem]] = defaultdict(list)
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if src is None:
                continue
            if attr == "room":
                if src.room is not None:
                    idx[src.room].append(s)
            else:
                for n in src.networks:
                    idx[n].append(s)
        return idx

    def retained(self, room_id: str) -> bool:
        r = self.rooms.get(room_id)
        return r is not None and r.outcome == RoomOutcome.RETAINED

    def check_rooms(self) -> None:
        """Retirement waves follow what leaves each room; what stays keeps its room; ROOM-2/3/4."""
        in_room = self._systems_by("room")
        relocated_from: dict[str, list[int]] = defaultdict(list)
        for rel in self.plan.relocations:
            if rel.from_room is not None and rel.wave is not None:
                relocated_from[rel.from_room].append(rel.wave)
        retained_by_dept: dict[str, list[str]] = defaultdict(list)
        for r in self.plan.rooms:
            if r.outcome == RoomOutcome.RETAINED:
                retained_by_dept[r.department].append(r.id)
        for r in self.plan.rooms:
            ss = in_room.get(r.id, [])
            if r.outcome in RETIRED_ROOM_OUTCOMES:
                waves = [s.wave for s in ss if self.scheduled(s) and s.wave is not None]
                latest = max([*waves, *relocated_from.get(r.id, [])], default=0)
                if r.wave is None:
                    self.bad("rooms", f"room {r.id}: {r.outcome!s} but has no wave")
                elif r.wave != latest:
                    self.bad(
                        "rooms",
                        f"room {r.id}: {r.outcome!s} in wave {r.wave}, but the last "
                        f"system or equipment to leave it moves in wave {latest}",
                    )
                pinned = [s.id for s in ss if s.disposition in ROOM_PINNING]
                if pinned:
                    self.bad(
                        "rooms",
                        f"room {r.id}: {r.outcome!s} but systems that do not move stay in it: {_fmt(pinned)}",
                    )
            if r.outcome == RoomOutcome.MERGED:
                self._check_merged_room(r.id, r.shared_with)
            if not (set(r.rules) & ROOM_RULES):
                self.bad("rooms", f"room {r.id}: {r.outcome!s} without citing a ROOM rule")
        limit = self.policy.rooms
        for dept, kept in retained_by_dept.items():
            if len(kept) > limit.max_per_department and not self.has_finding(
                [dept, *kept], ROOM_EXCEPTION_RULES
            ):
                self.bad(
                    "rooms",
                    f"department {dept}: retains {len(kept)} rooms ({_fmt(kept)}), the policy allows "
                    f"{limit.max_per_department}, with no ROOM-2/ROOM-4 finding saying why",
                )
        for r in self.plan.rooms:
            src = self.inv_rooms.get(r.id)
            if r.outcome != RoomOutcome.RETAINED or src is None or src.area_m2 <= limit.max_area_m2:
                continue
            if not self.has_finding([r.id, r.department], ROOM_EXCEPTION_RULES):
                self.bad(
                    "rooms",
                    f"room {r.id}: retained at {src.area_m2:g} m², above the policy's "
                    f"{limit.max_area_m2:g} m², "
                    f"with no ROOM-2/ROOM-4 finding saying why",
                )
        self._check_room2_errors()
        self._check_avoidable_large_rooms()

    def _building_breaks_room_limit(self, building: str) -> bool:
        """Whether the retained rooms of *building* break ROOM-2 (too large and not excepted, or too many)."""
        limit = self.policy.rooms
        per_dept: dict[str, int] = defaultdict(int)
        for r in self.plan.rooms:
            src = self.inv_rooms.get(r.id)
            if src is None or src.building != building or r.outcome != RoomOutcome.RETAINED:
                continue
            per_dept[src.department] += 1
            if src.area_m2 > limit.max_area_m2 and not self.room_exception(r.id):
                return True
        return any(n > limit.max_per_department for n in per_dept.values())

    def _check_avoidable_large_rooms(self) -> None:
        """ROOM-2/3: a room above the limit is kept only when nothing compliant in its building can serve.

        A retained room over the policy's area, with no ROOM-4 exception and nothing in it that
        cannot move (intranet, programme, blocked), could be vacated once its LAN-only systems
        and network access equipment move into a compliant room of the same building (ROOM-3):
        keeping it is a ROOM-2 error of the plan's own making.
        """
        limit = self.policy.rooms.max_area_m2
        in_room = self._systems_by("room")
        kept: dict[str, set[str]] = defaultdict(set)  # department -> its retained rooms
        for r in self.plan.rooms:
            if r.outcome == RoomOutcome.RETAINED and r.id in self.inv_rooms:
                kept[self.inv_rooms[r.id].department].add(r.id)
        compliant: dict[str, list[Room]] = defaultdict(list)
        for room in self.inv.rooms:
            if room.area_m2 <= limit and not self.room_exception(room.id):
                compliant[room.building].append(room)

        def way_out(small: Room, large: str) -> bool:
            # A small room whose department keeps its limit of rooms besides it (and besides the
            # large room it would replace) is no way out: keeping it breaks ROOM-2's count instead.
            others = kept[small.department] - {small.id, large}
            return len(others) < self.policy.rooms.max_per_department
        for r in self.plan.rooms:
            src = self.inv_rooms.get(r.id)
            if r.outcome != RoomOutcome.RETAINED or src is None or src.area_m2 <= limit:
                continue
            if self.room_exception(r.id) or any(s.disposition in ROOM_PINNING for s in in_room.get(r.id, [])):
                continue
            alternatives = [c.id for c in compliant.get(src.building, []) if way_out(c, r.id)]
            if alternatives:
                self.bad(
                    "buildings",
                    f"room {r.id}: retained at {src.area_m2:g} m², above the policy's {limit:g} m², though "
                    f"{_fmt(alternatives, 3)} of building {src.building} could hold what must "
                    f"stay (ROOM-2, ROOM-3)",
                )

    def _check_room2_errors(self) -> None:
        """A ROOM-2 error stands only where the retained rooms of its building break the limit."""
        buildings = {b.id for b in self.inv.buildings}
        for f in self.plan.findings:
            if f.rule != "ROOM-2" or f.severity is not FindingSeverity.ERROR:
                continue
            if f.subject in self.inv_rooms:
                building: str | None = self.inv_rooms[f.subject].building
            elif f.subject in self.inv_departments:
                building = self.inv_departments[f.subject].building
                # A department's rooms may sit in other buildings: any of them counts.
                others = {r.building for r in self.inv.rooms if r.department == f.subject}
                if any(self._building_breaks_room_limit(b) for b in others | {building}):
                    continue
            else:
                building = f.subject if f.subject in buildings else None
            if building is None:
                continue
            if not self._building_breaks_room_limit(building):
                self.bad(
                    "rooms",
                    f"ROOM-2 error on {f.subject}, but the retained rooms of building {building} "
                    f"keep within the policy's limit",
                )

    def _check_merged_room(self, room_id: str, shared_with: list[str]) -> None:
        src = self.inv_rooms.get(room_id)
        if not shared_with:
            self.bad("rooms", f"room {room_id}: merged but shared_with names no room")
            return
        for other_id in shared_with:
            other = self.rooms.get(other_id)
            other_src = self.inv_rooms.get(other_id)
            if other is None or other_src is None:
                self.bad(
                    "rooms", f"room {room_id}: merged into {other_id!r}, which is not a room of the inventory"
                )
                continue
            if other.outcome != RoomOutcome.RETAINED:
                self.bad(
                    "rooms",
                    f"room {room_id}: merged into {other_id}, which is {other.outcome!s}, not retained",
                )
            if src is not None and other_src.department == src.department:
                self.bad(
                    "rooms",
                    f"room {room_id}: merged into {other_id} of its own department "
                    f"(merging is into another department's room)",
                )
            if src is not None and other_src.building != src.building:
                self.bad(
                    "rooms",
                    f"room {room_id}: merged into {other_id} in another building "
                    f"({other_src.building}, not {src.building}; ROOM-3)",
                )

    def check_buildings(self) -> None:
        """ROOM-1/3 per building: a room stays, each department keeps access, LAN-only systems stay."""
        rooms_in: dict[str, list[str]] = defaultdict(list)
        for room in self.inv.rooms:
            rooms_in[room.building].append(room.id)
        depts_in: dict[str, list[str]] = defaultdict(list)
        for d in self.inv.departments:
            depts_in[d.building].append(d.id)
        for building, depts in sorted(depts_in.items()):
            rooms = rooms_in.get(building, [])
            if rooms and not any(self.retained(r) for r in rooms):
                self.bad(
                    "buildings",
                    f"building {building}: departments {_fmt(depts)} but none of its rooms "
                    f"({_fmt(rooms)}) is retained for their network access (ROOM-1)",
                )
        self._check_relocations()
        access_to: dict[str, set[str]] = defaultdict(set)
        lan_to: dict[str, set[str]] = defaultdict(set)
        for rel in self.plan.relocations:
            into = access_to if rel.kind == RelocationKind.NETWORK_ACCESS else lan_to
            into[rel.subject].add(rel.to_room)
        for d in self.inv.departments:
            rooms = rooms_in.get(d.building, [])
            if not rooms:
                continue  # nothing to keep: the building has no machine room at all
            own = [r for r in rooms if self.inv_rooms[r].department == d.id and self.retained(r)]
            moved = [r for r in access_to.get(d.id, ()) if r in rooms and self.retained(r)]
            said = any(
                f.rule == "ROOM-3" and f.severity == "error" and f.subject == d.building
                for f in self.plan.findings
            )  # the plan reports that no room of the building can take it: the target is missed, openly
            if not own and not moved and not said:
                self.bad(
                    "buildings",
                    f"department {d.id}: keeps no retained room in its building {d.building} and no "
                    f"network_access relocation moves its access equipment into one (ROOM-1, ROOM-3)",
                )
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if s.disposition != Disposition.KEEP_LOCAL or src is None or src.room is None:
                continue
            if self.retained(src.room):
                continue
            home = self.inv_rooms.get(src.room)
            home_building = home.building if home is not None else None
            ok = [
                r
                for r in lan_to.get(s.id, ())
                if self.retained(r)
                and (to := self.inv_rooms.get(r)) is not None
                and to.building == home_building
            ]
            if not ok:
                self.bad(
                    "buildings",
                    f"system {s.id}: LAN-only, its room {src.room} is not retained and no lan_only_system "
                    f"relocation moves it into a retained room of building {home_building} (ROOM-1)",
                )

    def _check_relocations(self) -> None:
        """Each relocation names a real subject and moves it into a retained room of the same building."""
        for rel in self.plan.relocations:
            label = f"relocation of {rel.kind.value} {rel.subject}"
            to_room = self.inv_rooms.get(rel.to_room)
            if to_room is None:
                self.bad("buildings", f"{label}: into {rel.to_room!r}, not a room of the inventory")
                continue
            if not self.retained(rel.to_room):
                self.bad("buildings", f"{label}: into {rel.to_room}, which is not retained")
            if rel.kind == RelocationKind.NETWORK_ACCESS:
                dept = self.inv_departments.get(rel.subject)
                if dept is None:
                    self.bad("buildings", f"{label}: {rel.subject!r} is not a department of the inventory")
                    continue
                building = dept.building
                owner_id = dept.id
            else:
                src = self.inv_systems.get(rel.subject)
                plan_s = self.systems.get(rel.subject)
                if src is None or plan_s is None:
                    self.bad("buildings", f"{label}: {rel.subject!r} is not a system of the inventory")
                    continue
                if plan_s.disposition != Disposition.KEEP_LOCAL:
                    self.bad("buildings", f"{label}: the system is {plan_s.disposition!s}, not keep_local")
                from_src = self.inv_rooms.get(src.room) if src.room is not None else None
                owner = self.inv_departments.get(src.department)
                owner_id = src.department
                building = (
                    from_src.building
                    if from_src is not None
                    else (owner.building if owner is not None else to_room.building)
                )
            if rel.department != owner_id:
                self.bad(
                    "buildings", f"{label}: department is {rel.department!r}, the subject is {owner_id}'s"
                )
            if to_room.building != building:
                self.bad(
                    "buildings",
                    f"{label}: into {rel.to_room} of building {to_room.building}, not its own building "
                    f"{building} (ROOM-3)",
                )
            if rel.from_room is not None:
                from_room = self.inv_rooms.get(rel.from_room)
                if from_room is None:
                    self.bad("buildings", f"{label}: from {rel.from_room!r}, not a room of the inventory")
                elif from_room.building != to_room.building:
                    self.bad(
                        "buildings",
                        f"{label}: from {rel.from_room} to {rel.to_room} across buildings (ROOM-3)",
                    )

    def check_networks(self) -> None:
        """A retired line waits for every system it carries; lines still needed are not retired."""
        carried = self._systems_by("networks")
        for n in self.plan.networks:
            src = self.inv_networks.get(n.id)
            ss = carried.get(n.id, [])
            retired = n.outcome == NetworkOutcome.RETIRED
            if retired and n.wave is None:
                self.bad("networks", f"network {n.id}: retired but has no wave")
            if not retired and n.wave is not None:
                self.bad("networks", f"network {n.id}: {n.outcome!s} but has wave {n.wave}")
            if src is not None and src.kind == NetworkKind.NATIONAL_NETWORK and retired:
                self.bad("networks", f"network {n.id}: a national_network is retired (LINE-3 forbids it)")
            if (
                not retired
                and src is not None
                and src.kind in LEASED_KINDS
                and not any(s.disposition in STAYING for s in ss)
                and n.id not in self.findings_about
            ):
                self.bad(
                    "networks",
                    f"network {n.id}: a {src.kind.value} that no remaining system needs is {n.outcome!s}, "
                    f"not retired, and no finding says why (LINE-1, LINE-2)",
                )
            if not retired:
                continue
            if not (set(n.rules) & LINE_RULES):
                self.bad("networks", f"network {n.id}: retired without citing a LINE rule")
            latest = max((s.wave for s in ss if self.scheduled(s) and s.wave is not None), default=0)
            if n.wave is not None and n.wave < latest:
                self.bad(
                    "networks",
                    f"network {n.id}: retired in wave {n.wave}, but a system it carries "
                    f"moves in wave {latest}",
                )
            staying = [s.id for s in ss if s.disposition in STAYING]
            if staying:
                self.bad(
                    "networks",
                    f"network {n.id}: retired but still carries systems that stay: {_fmt(staying)}",
                )

    # ------------------------------------------------------------ rules and metrics

    def check_rules(self) -> None:
        """Every system cites a rule of its disposition; every cited rule exists; blocked is explained."""
        for s in self.plan.systems:
            if not s.rules:
                self.bad("rules", f"system {s.id}: cites no rule")
            family = DISPOSITION_RULES.get(s.disposition)
            if family is not None and s.rules and not (set(s.rules) & family):
                self.bad("rules", f"system {s.id}: {s.disposition!s} without citing any of {_fmt(family)}")
            if s.disposition == Disposition.BLOCKED and s.id not in self.findings_about:
                self.bad("rules", f"system {s.id}: blocked but no finding says why")
        cited: tuple[tuple[str, Iterable[tuple[str, list[str]]]], ...] = (
            ("system", ((s.id, s.rules) for s in self.plan.systems)),
            ("room", ((r.id, r.rules) for r in self.plan.rooms)),
            ("network", ((n.id, n.rules) for n in self.plan.networks)),
            ("relocation of", ((rel.subject, rel.rules) for rel in self.plan.relocations)),
            ("link of", ((s.id, [lk.rule for lk in s.links if lk.rule]) for s in self.plan.systems)),
            ("finding on", ((f.subject, [f.rule]) for f in self.plan.findings)),
        )
        for kind, items in cited:
            for subject, rules in items:
                for rule in rules:
                    if rule not in KNOWN_RULES:
                        self.bad("rules", f"{kind} {subject}: cites unknown rule {rule!r}")

    def check_metrics(self) -> None:
        """Counts, stranded cost and bounds in metrics agree with the plan."""
        m = self.plan.metrics
        vacated = sum(1 for r in self.plan.rooms if r.outcome in RETIRED_ROOM_OUTCOMES)
        if m.rooms_vacated != vacated:
            self.bad("metrics", f"rooms_vacated is {m.rooms_vacated}, {vacated} rooms are vacated or merged")
        retired = sum(1 for n in self.plan.networks if n.outcome == NetworkOutcome.RETIRED)
        if m.lines_retired != retired:
            self.bad("metrics", f"lines_retired is {m.lines_retired}, {retired} networks are retired")
        used = max((s.wave for s in self.plan.systems if s.wave is not None), default=-1) + 1
        if m.waves != used:
            self.bad("metrics", f"waves is {m.waves}, the systems use {used}")
        if not 0.0 <= m.cloud_rate <= 1.0:
            self.bad("metrics", f"cloud_rate {m.cloud_rate} is not a rate between 0 and 1")
        if m.stranded_cost_lower_bound > m.stranded_cost and not math.isclose(
            m.stranded_cost_lower_bound, m.stranded_cost, **MONEY_TOL
        ):
            self.bad(
                "metrics",
                f"stranded_cost_lower_bound {m.stranded_cost_lower_bound:g} exceeds "
                f"stranded_cost {m.stranded_cost:g}",
            )
        if m.waves_lower_bound > m.waves:
            self.bad("metrics", f"waves_lower_bound {m.waves_lower_bound} exceeds waves {m.waves}")
        expected = self.stranded_cost()
        if not math.isclose(m.stranded_cost, expected, **MONEY_TOL):
            self.bad(
                "metrics", f"stranded_cost is {m.stranded_cost:,.2f}, rooms and lines give {expected:,.2f}"
            )

    def stranded_cost(self) -> float:
        """Σ monthly cost × (wave + 1) × the policy's wave length over the rooms and lines retired."""
        retirables: list[tuple[float, int]] = []
        for r in self.plan.rooms:
            if r.outcome in RETIRED_ROOM_OUTCOMES and r.wave is not None:
                src = self.inv_rooms.get(r.id)
                retirables.append((src.monthly_cost if src is not None else r.monthly_cost, r.wave))
        for n in self.plan.networks:
            if n.outcome == NetworkOutcome.RETIRED and n.wave is not None:
                src_n = self.inv_networks.get(n.id)
                retirables.append((src_n.monthly_fee if src_n is not None else n.monthly_fee, n.wave))
        length = self.policy.calendar.wave_months
        return sum(cost * (wave + 1) * length for cost, wave in retirables)

    def run(self) -> list[str]:
        for check in (
            self.check_coverage,
            self.check_facts,
            self.check_sizing,
            self.check_dispositions,
            self.check_placement,
            self.check_groups,
            self.check_waves,
            self.check_precedence,
            self.check_links,
            self.check_cutover,
            self.check_rooms,
            self.check_buildings,
            self.check_networks,
            self.check_rules,
            self.check_metrics,
        ):
            check()
        return self.out
