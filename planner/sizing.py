"""Planned sizing: the survey's, or performance-based right-sizing (policy ``sizing``).

``as_surveyed`` (the default) plans each system with the resources the survey records.
``by_utilisation`` scales vCPU and RAM by what the measured CPU load needs: a system averaging
``u`` of its vCPUs gets ``vcpu × u × (1 + headroom) / target_utilisation`` (rounded up, at least
``min_vcpu``), and RAM in the same proportion (whole GB, at least ``min_ram_gb``), since the
survey measures CPU only. A system running hotter than the target grows: the sizing follows the
load both ways. Storage, data and effort stay as surveyed (the data must still fit and move),
and a system with no measured utilisation keeps its surveyed size.

The planned sizing is what waves (CAP-1), the domains' capacity (DOMAIN-1) and the stacks use;
plan.json keeps the survey's in ``surveyed_sizing`` when they differ by policy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from foundation.construct import built
from inventory.models import System
from planner.plan_model import Disposition, Sizing
from planner.policy import Policy, RightSizing, SizingBasis


def by_utilisation(system: System, surveyed: Sizing, rs: RightSizing) -> Sizing:
    """*surveyed* right-sized to the system's measured CPU utilisation."""
    right = _right_sized(system, surveyed, rs)
    if right is None:
        return surveyed
    vcpu, ram = right
    return built(Sizing, {**surveyed.__dict__, "vcpu": vcpu, "ram_gb": ram})  # model_copy, minus its cost


def _right_sized(system: System, surveyed: Sizing, rs: RightSizing) -> tuple[int, float] | None:
    """vCPU and RAM right-sized to the measured utilisation; None: the survey's stand."""
    if system.utilisation is None or surveyed.vcpu <= 0:
        return None
    factor = system.utilisation * (1 + rs.headroom) / rs.target_utilisation
    vcpu = max(rs.min_vcpu, math.ceil(surveyed.vcpu * factor - 1e-9))
    ram = max(rs.min_ram_gb, float(math.ceil(surveyed.ram_gb * factor - 1e-9)))
    return vcpu, ram


def planned_sizing(system: System, surveyed: Sizing, policy: Policy) -> Sizing:
    """The sizing the plan uses for *system* under the policy's sizing basis."""
    if policy.sizing is SizingBasis.BY_UTILISATION:
        return by_utilisation(system, surveyed, policy.right_sizing)
    return surveyed


def utilisation_savings(
    systems: Iterable[System],
    dispositions: Mapping[str, Disposition],
    surveyed: Mapping[str, Sizing],
    policy: Policy,
) -> dict[str, float]:
    """vCPU and RAM that sizing by utilisation saves over the survey's sizing, on migrating systems.

    Computed whatever the policy's basis, so a plan sized as surveyed shows what right-sizing
    would save (a negative figure: right-sizing would need more).
    """
    vcpu = ram = 0.0
    migrate, rs = Disposition.MIGRATE, policy.right_sizing
    for s in systems:
        if dispositions.get(s.id) is not migrate:
            continue
        base = surveyed[s.id]
        right = _right_sized(s, base, rs)
        if right is not None:  # else nothing saved: the difference is zero
            vcpu += base.vcpu - right[0]
            ram += base.ram_gb - right[1]
    return {"vcpu": round(vcpu, 2), "ram_gb": round(ram, 2)}
