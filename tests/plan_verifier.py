"""Independent plan verifier: checks a Plan against its Inventory using only the specs.

Written apart from the scheduler (it never imports ``planner.schedule``, ``planner.exact``,
``planner.core`` or ``planner.classify``): it reads PLAN_FORMAT.md, INVENTORY_FORMAT.md and
POLICY_RULES.md and re-derives every fact a plan asserts, so a bug in the planner shows up
here as a violation rather than being checked against itself.

``verify_plan(plan, inventory)`` returns human-readable violations; an empty list means the
plan is valid. Each violation starts with the check that found it (``[coverage]``,
``[waves]``, ...) and names the record, so a failing test says what is wrong and where.

Decisions the specs leave open, and the rule this verifier applies (change them here, in one
place, if the project decides otherwise):

* Scheduled systems are those with disposition migrate, retire or merge (they get a wave).
  Precedence applies between any two scheduled systems: if A depends on B, wave(A) >= wave(B)
  unless A and B share a group.
* A merge target that is a system must itself be ``migrate``: it survives on the cloud, so the
  merged system has somewhere to go and a wave to follow (merged wave >= target wave).
* A group holds either only systems that move (wave set) or only systems that do not.
* Rooms: a room that is ``vacated`` or ``merged`` empties in exactly the latest wave among the
  scheduled systems placed in it (wave 0 when none is). Systems that do not move keep their
  room: an intranet, programme or blocked system stops its room from being vacated or merged;
  a keep_local (LAN-only, ROOM-1) system may leave a vacated/merged room only if its department
  keeps a retained room to receive it (else the plan leaves it nowhere).
  A merged room names, in ``shared_with``, a retained room of another department in the same
  building (ROOM-3). A department retains at most one room unless a ROOM-2/ROOM-4 finding
  names the department or one of its retained rooms.
* Networks: ``wave`` is set iff the outcome is ``retired``; a retired network's wave is >= the
  latest wave of every scheduled system it carries (0 when none), no system that stays
  (intranet, programme, keep_local, blocked) is carried by it, and a national_network is
  never retired (LINE-3).
* ``metrics.rooms_vacated`` counts rooms that stop costing money (outcome vacated or merged);
  ``metrics.lines_retired`` counts networks with outcome retired; ``metrics.waves`` is the
  highest wave any system uses + 1.
* Stranded cost (planner/scheduling.py): Σ monthly cost × (wave + 1) × L over rooms vacated or
  merged and networks retired, L = wave length in months read from the waves' calendar (all
  waves share one length and follow each other without gaps).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from inventory.models import DomainName, Inventory, NetworkKind
from planner.plan_model import (
    SCHEDULED_DISPOSITIONS,
    Disposition,
    NetworkOutcome,
    Plan,
    PlanSystem,
    RoomOutcome,
)

# Rule IDs of POLICY_RULES.md ("ZOMBIE-1..5" expanded). Embedded so the verifier needs no file
# at run time; tests/planner/test_plan_verifier.py compares it with the spec when reachable.
# fmt: off
KNOWN_RULES: frozenset[str] = frozenset({
    "INV-1", "INV-2",
    "SCOPE-1", "SCOPE-2", "SCOPE-3",
    "ZOMBIE-1", "ZOMBIE-2", "ZOMBIE-3", "ZOMBIE-4", "ZOMBIE-5",
    "SHADOW-1", "BIGSYS-1", "PLATFORM-1", "CLASS-1",
    "DOMAIN-1", "CLOUD-1", "CLOUD-2", "CLOUD-3",
    "PILOT-1", "PLAN-1", "OPS-1", "DR-1",
    "MLPS-1", "MLPS-2", "MLPS-3", "MLPS-4",
    "ROOM-1", "ROOM-2", "ROOM-3", "ROOM-4", "ASSET-1",
    "LINE-1", "LINE-2", "LINE-3", "LINE-4",
    "SHARE-1", "SHARE-2", "SHARE-3", "SHARE-4",
    "FUND-1", "FUND-2", "METRIC-1",
    "DEP-1", "CAP-1", "CUT-1",
})
# fmt: on

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
STAYING = frozenset(
    {Disposition.INTRANET, Disposition.PROGRAMME, Disposition.KEEP_LOCAL, Disposition.BLOCKED}
)
# Systems that pin their room: they do not move and are not LAN-only equipment ROOM-1 allows.
ROOM_PINNING = frozenset({Disposition.INTRANET, Disposition.PROGRAMME, Disposition.BLOCKED})
RETIRED_ROOM_OUTCOMES = frozenset({RoomOutcome.VACATED, RoomOutcome.MERGED})
LOAD_DIMENSIONS: tuple[str, ...] = ("systems", "vcpu", "data_gb", "team_hours")

LOAD_TOL = dict(rel_tol=1e-6, abs_tol=1e-3)
MONEY_TOL = dict(rel_tol=1e-6, abs_tol=1.0)  # plans may round money to whole CNY

_RULE_RE = re.compile(r"\*\*([A-Z]+)-(\d+)(?:\.\.(\d+))?\*\*")


def parse_rule_ids(spec_text: str) -> frozenset[str]:
    """The rule IDs defined (in bold) by POLICY_RULES.md, ranges like ZOMBIE-1..5 expanded."""
    ids: set[str] = set()
    for prefix, first, last in _RULE_RE.findall(spec_text):
        for i in range(int(first), int(last or first) + 1):
            ids.add(f"{prefix}-{i}")
    return frozenset(ids)


def months_between(start: dt.date, end_exclusive: dt.date) -> float:
    """Calendar months from *start* to *end_exclusive* (whole when both fall on one day of month)."""
    whole = (end_exclusive.year - start.year) * 12 + (end_exclusive.month - start.month)
    return whole + (end_exclusive.day - start.day) / 30.0


def wave_months(start: dt.date, end: dt.date) -> float:
    """Length of a wave that runs from *start* to *end* inclusive, in months."""
    return months_between(start, end + dt.timedelta(days=1))


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


class _Verifier:
    """One verification run: indexes built once, each check appends violations."""

    def __init__(self, plan: Plan, inventory: Inventory) -> None:
        self.plan = plan
        self.inv = inventory
        self.out: list[str] = []
        self.inv_systems = {s.id: s for s in inventory.systems}
        self.inv_rooms = {r.id: r for r in inventory.rooms}
        self.inv_networks = {n.id: n for n in inventory.networks}
        self.platforms = {p.id for p in inventory.platforms}
        self.systems = {s.id: s for s in plan.systems}
        self.rooms = {r.id: r for r in plan.rooms}
        self.networks = {n.id: n for n in plan.networks}
        self.wave_numbers = {w.number for w in plan.waves}

    def bad(self, check: str, message: str) -> None:
        self.out.append(f"[{check}] {message}")

    def scheduled(self, s: PlanSystem) -> bool:
        return s.disposition in SCHEDULED_DISPOSITIONS

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

    # ------------------------------------------------------------ dispositions

    def check_dispositions(self) -> None:
        """domain iff migrate; wave iff migrate/retire/merge; into iff merge, naming a survivor."""
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

    def _check_merge_target(self, s: PlanSystem) -> None:
        if s.into is None:
            self.bad("disposition", f"system {s.id}: merges but names no target in `into`")
            return
        if s.into == s.id:
            self.bad("disposition", f"system {s.id}: merges into itself")
            return
        if s.into in self.platforms:
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
        """DOMAIN-1 from the carrying networks; SCOPE-2/3 never to the cloud; MLPS-1/2 levels."""
        domains = self.inv.cloud.domains
        for s in self.plan.systems:
            src = self.inv_systems.get(s.id)
            if src is None:
                continue
            if s.disposition == Disposition.MIGRATE and src.classified:
                self.bad("placement", f"system {s.id}: classified (SCOPE-2) but migrates to the cloud")
            if s.disposition == Disposition.MIGRATE and src.programme:
                self.bad(
                    "placement",
                    f"system {s.id}: belongs to programme {src.programme} (SCOPE-3) but the city migrates it",
                )
            if s.disposition != Disposition.MIGRATE or s.domain is None:
                continue
            kinds = {n.kind for nid in src.networks if (n := self.inv_networks.get(nid)) is not None}
            # POLICY_RULES.md DOMAIN-1, first match wins.
            if src.public_facing or NetworkKind.INTERNET_LINE in kinds:
                expected = DomainName.PUBLIC_SERVICE
            elif NetworkKind.PRIVATE_NETWORK in kinds:
                expected = DomainName.ADMINISTRATIVE_SERVICE
            elif NetworkKind.EXTRANET in kinds:
                expected = DomainName.PUBLIC_SERVICE
            else:
                expected = DomainName.ADMINISTRATIVE_SERVICE
            if s.domain != expected:
                self.bad("placement", f"system {s.id}: domain {s.domain!s}, DOMAIN-1 gives {expected!s}")
            dom = domains.get(s.domain)
            level = src.mlps_level
            if level is not None and level > dom.mlps_level:
                self.bad(
                    "placement",
                    f"system {s.id}: MLPS level {level} above domain {s.domain!s} "
                    f"level {dom.mlps_level} (MLPS-1)",
                )
            if level == 4 and not dom.dedicated_level4_pool:
                self.bad(
                    "placement",
                    f"system {s.id}: level-4 system in {s.domain!s}, which has no dedicated pool (MLPS-2)",
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
        """Wave numbers exist; waves[].systems and .load match the systems; load within capacity."""
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
            if w.pilot and w.number != 0:
                self.bad("waves", f"wave {w.number}: marked pilot, only wave 0 may be the pilot (PILOT-1)")
            if w.start > w.end:
                self.bad("waves", f"wave {w.number}: starts {w.start} after it ends {w.end}")
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
            for dim in LOAD_DIMENSIONS:
                stated = float(getattr(w.load, dim))
                if not math.isclose(stated, actual[dim], **LOAD_TOL):
                    self.bad(
                        "waves",
                        f"wave {w.number}: load.{dim} is {stated:g}, its systems sum to {actual[dim]:g}",
                    )
                cap = float(getattr(w.capacity, dim))
                worst = max(stated, actual[dim])
                if worst > cap and not math.isclose(worst, cap, **LOAD_TOL):
                    self.bad("waves", f"wave {w.number}: {dim} load {worst:g} exceeds capacity {cap:g}")
        self._check_calendar()

    def _check_calendar(self) -> None:
        waves = sorted(self.plan.waves, key=lambda w: w.number)
        if not waves:
            return
        first = wave_months(waves[0].start, waves[0].end)
        for prev, w in zip(waves, waves[1:], strict=False):
            if w.start != prev.end + dt.timedelta(days=1):
                self.bad(
                    "waves",
                    f"wave {w.number}: starts {w.start}, not the day after wave {prev.number} "
                    f"ends ({prev.end})",
                )
        for w in waves:
            length = wave_months(w.start, w.end)
            if not math.isclose(length, first, abs_tol=0.05):
                self.bad(
                    "waves",
                    f"wave {w.number}: lasts {length:.2f} months, wave {waves[0].number} "
                    f"lasts {first:.2f} (the calendar has one wave length)",
                )

    def wave_length(self) -> float | None:
        if not self.plan.waves:
            return None
        w0 = min(self.plan.waves, key=lambda w: w.number)
        return wave_months(w0.start, w0.end)

    def check_precedence(self) -> None:
        """A depends on B (both scheduled): wave(A) >= wave(B) unless one group; merged after target."""
        for s in self.plan.systems:
            if s.wave is None:
                continue
            src = self.inv_systems.get(s.id)
            deps = [d.system for d in src.depends_on] if src is not None else []
            for dep_id in deps:
                dep = self.systems.get(dep_id)
                if dep is None or dep.wave is None or not self.scheduled(dep) or not self.scheduled(s):
                    continue
                if s.group is not None and s.group == dep.group:
                    continue
                if s.wave < dep.wave:
                    self.bad(
                        "precedence",
                        f"system {s.id} (wave {s.wave}) moves before {dep.id} "
                        f"(wave {dep.wave}), which it depends on",
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

    def check_rooms(self) -> None:
        """Retirement waves follow the systems in each room; what stays keeps its room; ROOM-2/3."""
        in_room = self._systems_by("room")
        retained_by_dept: dict[str, list[str]] = defaultdict(list)
        for r in self.plan.rooms:
            if r.outcome == RoomOutcome.RETAINED:
                retained_by_dept[r.department].append(r.id)
        for r in self.plan.rooms:
            ss = in_room.get(r.id, [])
            if r.outcome in RETIRED_ROOM_OUTCOMES:
                latest = max((s.wave for s in ss if self.scheduled(s) and s.wave is not None), default=0)
                if r.wave is None:
                    self.bad("rooms", f"room {r.id}: {r.outcome!s} but has no wave")
                elif r.wave != latest:
                    self.bad(
                        "rooms",
                        f"room {r.id}: {r.outcome!s} in wave {r.wave}, but the last "
                        f"system to leave it moves in wave {latest}",
                    )
                pinned = [s.id for s in ss if s.disposition in ROOM_PINNING]
                if pinned:
                    self.bad(
                        "rooms",
                        f"room {r.id}: {r.outcome!s} but systems that do not move stay in it: {_fmt(pinned)}",
                    )
                local = [s.id for s in ss if s.disposition == Disposition.KEEP_LOCAL]
                if local and not retained_by_dept.get(r.department):
                    self.bad(
                        "rooms",
                        f"room {r.id}: {r.outcome!s}, its department {r.department} keeps "
                        f"no room for its LAN-only systems {_fmt(local)} (ROOM-1)",
                    )
            if r.outcome == RoomOutcome.MERGED:
                self._check_merged_room(r.id, r.shared_with)
            if not (set(r.rules) & ROOM_RULES):
                self.bad("rooms", f"room {r.id}: {r.outcome!s} without citing a ROOM rule")
        room_findings = {f.subject for f in self.plan.findings if f.rule in ROOM_EXCEPTION_RULES}
        for dept, kept in retained_by_dept.items():
            if len(kept) > 1 and not ({dept, *kept} & room_findings):
                self.bad(
                    "rooms",
                    f"department {dept}: retains {len(kept)} rooms ({_fmt(kept)}) "
                    f"with no ROOM-2/ROOM-4 finding saying why",
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
        findings_about = {f.subject for f in self.plan.findings}
        for s in self.plan.systems:
            if not s.rules:
                self.bad("rules", f"system {s.id}: cites no rule")
            family = DISPOSITION_RULES.get(s.disposition)
            if family is not None and s.rules and not (set(s.rules) & family):
                self.bad("rules", f"system {s.id}: {s.disposition!s} without citing any of {_fmt(family)}")
            if s.disposition == Disposition.BLOCKED and s.id not in findings_about:
                self.bad("rules", f"system {s.id}: blocked but no finding says why")
        cited: tuple[tuple[str, Iterable[tuple[str, list[str]]]], ...] = (
            ("system", ((s.id, s.rules) for s in self.plan.systems)),
            ("room", ((r.id, r.rules) for r in self.plan.rooms)),
            ("network", ((n.id, n.rules) for n in self.plan.networks)),
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
        if expected is not None and not math.isclose(m.stranded_cost, expected, **MONEY_TOL):
            self.bad(
                "metrics", f"stranded_cost is {m.stranded_cost:,.2f}, rooms and lines give {expected:,.2f}"
            )

    def stranded_cost(self) -> float | None:
        """Σ monthly cost × (wave + 1) × wave length over what is retired; None without a calendar."""
        retirables: list[tuple[float, int]] = []
        for r in self.plan.rooms:
            if r.outcome in RETIRED_ROOM_OUTCOMES and r.wave is not None:
                src = self.inv_rooms.get(r.id)
                retirables.append((src.monthly_cost if src is not None else r.monthly_cost, r.wave))
        for n in self.plan.networks:
            if n.outcome == NetworkOutcome.RETIRED and n.wave is not None:
                src_n = self.inv_networks.get(n.id)
                retirables.append((src_n.monthly_fee if src_n is not None else n.monthly_fee, n.wave))
        length = self.wave_length()
        if length is None:
            return None if any(cost for cost, _ in retirables) else 0.0
        return sum(cost * (wave + 1) * length for cost, wave in retirables)

    def run(self) -> list[str]:
        for check in (
            self.check_coverage,
            self.check_facts,
            self.check_dispositions,
            self.check_placement,
            self.check_groups,
            self.check_waves,
            self.check_precedence,
            self.check_rooms,
            self.check_networks,
            self.check_rules,
            self.check_metrics,
        ):
            check()
        return self.out


def verify_plan(plan: Plan, inventory: Inventory) -> list[str]:
    """Every way *plan* breaks the plan contract for *inventory*; empty when it is valid."""
    return _Verifier(plan, inventory).run()


def expected_stranded_cost(plan: Plan, inventory: Inventory) -> float | None:
    """The stranded cost the plan's retirement waves imply (None when it has no wave calendar)."""
    return _Verifier(plan, inventory).stranded_cost()


def spec_rule_ids(spec_path: Path) -> frozenset[str]:
    """Rule IDs read from a POLICY_RULES.md file."""
    return parse_rule_ids(spec_path.read_text(encoding="utf-8"))
