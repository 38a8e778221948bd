"""What the verifier reads from the specs, written down here so it needs no planner code.

Everything in this module restates POLICY_RULES.md, INVENTORY_FORMAT.md or PLAN_FORMAT.md in
code and then re-derives one fact from the inventory and the policy's numbers: the rule IDs,
the DOMAIN-1 network order, the ZOMBIE-1..5 criteria, a wave's capacity (CAP-1) and the wave
calendar. The planner has its own implementation of each; the two are never shared, so a bug
in one shows up as a disagreement.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

from inventory.models import DomainName, Network, NetworkKind, System, SystemStatus
from planner.policy import Policy

# Rule IDs of POLICY_RULES.md ("ZOMBIE-1..5" expanded). Embedded so the verifier needs no file
# at run time; the verifier's tests compare it with the spec when the spec is reachable.
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

# The capacity dimensions of CAP-1, as PLAN_FORMAT.md's waves[].load names them.
LOAD_DIMENSIONS: tuple[str, ...] = ("systems", "vcpu", "data_gb", "team_hours")

_RULE_RE = re.compile(r"\*\*([A-Z]+)-(\d+)(?:\.\.(\d+))?\*\*")


def parse_rule_ids(spec_text: str) -> frozenset[str]:
    """The rule IDs defined (in bold) by POLICY_RULES.md, ranges like ZOMBIE-1..5 expanded."""
    ids: set[str] = set()
    for prefix, first, last in _RULE_RE.findall(spec_text):
        for i in range(int(first), int(last or first) + 1):
            ids.add(f"{prefix}-{i}")
    return frozenset(ids)


def spec_rule_ids(spec_path: Path) -> frozenset[str]:
    """Rule IDs read from a POLICY_RULES.md file."""
    return parse_rule_ids(spec_path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- DOMAIN-1


def domain_by_network(system: System, networks: Mapping[str, Network]) -> DomainName:
    """DOMAIN-1, first match wins, exactly in the spec's order.

    Public-facing or on an internet line -> public-service; else on a private network ->
    administrative-service; else on the extranet -> public-service; else administrative-service.
    Networks the inventory does not define carry nothing.
    """
    kinds = {networks[n].kind for n in system.networks if n in networks}
    if system.public_facing or NetworkKind.INTERNET_LINE in kinds:
        return DomainName.PUBLIC_SERVICE
    if NetworkKind.PRIVATE_NETWORK in kinds:
        return DomainName.ADMINISTRATIVE_SERVICE
    if NetworkKind.EXTRANET in kinds:
        return DomainName.PUBLIC_SERVICE
    return DomainName.ADMINISTRATIVE_SERVICE


# ---------------------------------------------------------------- ZOMBIE-1..5


def add_months(day: dt.date, months: int) -> dt.date:
    """*day* moved by whole calendar months, the day of month clamped to the month's last day."""
    total = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def zombie_criteria(system: System, policy: Policy, known_systems: set[str]) -> set[str]:
    """The ZOMBIE-n rules *system* meets under the policy's thresholds ("long", "idle", "small", "low").

    Missing survey fields are never evidence (INVENTORY_FORMAT.md: conservative defaults).
    """
    z = policy.zombie
    met: set[str] = set()
    usage = system.usage
    if usage is not None:
        # (1) use long disconnected from business: flagged, or unused for the policy's months.
        long_unused = (
            usage.last_used is not None
            and add_months(usage.last_used, z.disconnected_months) <= policy.survey_date
        )
        if not usage.business_linked or long_unused:
            met.add("ZOMBIE-1")
        # (5) small usage scope and low usage frequency.
        if usage.scope.value in z.small_scopes and usage.monthly_active_users < z.low_monthly_users:
            met.add("ZOMBIE-5")
    # (2) function replaceable by another system of the inventory.
    if (
        system.replaced_by is not None
        and system.replaced_by != system.id
        and system.replaced_by in known_systems
    ):
        met.add("ZOMBIE-2")
    # (3) resources idle for a long time.
    if system.status is SystemStatus.IDLE or (
        system.utilisation is not None and system.utilisation < z.idle_utilisation
    ):
        met.add("ZOMBIE-3")
    # (4) operation and maintenance stopped.
    if system.status is SystemStatus.MAINTENANCE_STOPPED:
        met.add("ZOMBIE-4")
    return met


# ---------------------------------------------------------------- CAP-1 and the calendar


def wave_capacity(policy: Policy, wave: int, *, pilot: bool) -> dict[str, float]:
    """CAP-1: the policy's limit for one wave, from the policy's numbers alone.

    The pilot wave (PILOT-1) has its own capacity; every other wave the base capacity. Then
    each of the policy's capacity changes that covers the wave (from_wave..to_wave inclusive,
    open-ended when to_wave is null) applies in order: its factor multiplies every dimension,
    then its ``set`` values replace theirs.
    """
    base = policy.pilot.capacity if pilot else policy.capacity
    cap = {d: float(getattr(base, d)) for d in LOAD_DIMENSIONS}
    for change in policy.capacity_changes:
        if wave < change.from_wave or (change.to_wave is not None and wave > change.to_wave):
            continue
        if change.factor is not None:
            cap = {d: v * change.factor for d, v in cap.items()}
        for d, v in change.set.items():
            cap[d] = float(v)
    return cap


def wave_dates(policy: Policy, wave: int) -> tuple[dt.date, dt.date]:
    """First and last day of *wave*: the calendar starts at ``calendar.start``, waves last wave_months."""
    months = policy.calendar.wave_months
    start = add_months(policy.calendar.start, wave * months)
    end = add_months(policy.calendar.start, (wave + 1) * months) - dt.timedelta(days=1)
    return start, end


def months_between(start: dt.date, end_exclusive: dt.date) -> float:
    """Calendar months from *start* to *end_exclusive* (whole when both fall on one day of month)."""
    whole = (end_exclusive.year - start.year) * 12 + (end_exclusive.month - start.month)
    return whole + (end_exclusive.day - start.day) / 30.0


def wave_months(start: dt.date, end: dt.date) -> float:
    """Length of a wave that runs from *start* to *end* inclusive, in months."""
    return months_between(start, end + dt.timedelta(days=1))
