"""The plan against every target of the policy: cloud rate, rooms, lines and deadlines.

Status comes from the plan: a target is missed when the plan carries an ``error`` finding
citing one of the target's rules (``planner.findings.TARGETS`` names them), or when a plan date
falls after the policy's deadline.
Without a policy the required values are unknown and only the findings decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from inventory.models import NetworkKind
from planner.findings import TARGET_RULES, cancellable
from planner.plan_model import Disposition, FindingSeverity, NetworkOutcome, RoomOutcome
from planner.policy import Policy
from reporting.charts import fmt_money
from reporting.messages import Catalogue
from reporting.view import PlanView


@dataclass(frozen=True)
class TargetRow:
    """One line of the target table."""

    key: str
    label: str
    goal: str
    actual: str
    met: bool
    rules: tuple[str, ...]
    errors: int


def _errors(view: PlanView, rule_ids: Iterable[str]) -> int:
    wanted = set(rule_ids)
    return sum(1 for f in view.plan.findings if f.severity is FindingSeverity.ERROR and f.rule in wanted)


def _last_end(view: PlanView, waves: Iterable[int | None]) -> dt.date | None:
    ends = [e for e in (view.wave_end(w) for w in waves) if e is not None]
    return max(ends) if ends else None


def target_rows(view: PlanView, cat: Catalogue, policy: Policy | None = None) -> list[TargetRow]:
    """Every target with its required value, the plan's value and a met/missed status."""
    plan = view.plan
    rows: list[TargetRow] = []

    def add(key: str, goal: str, actual: str, rule_ids: tuple[str, ...], ok: bool = True) -> None:
        errors = _errors(view, rule_ids)
        rows.append(
            TargetRow(key, cat.t(f"target.{key}"), goal, actual, ok and errors == 0, rule_ids, errors)
        )

    per_policy = cat.t("target.per_policy")
    # CLOUD-2: share of business systems on the cloud.
    rate = plan.metrics.cloud_rate
    goal = f"≥ {policy.cloud_rate_target:.1%}" if policy else per_policy
    add(
        "cloud_rate",
        goal,
        f"{rate:.1%}",
        TARGET_RULES["cloud_rate"],
        ok=policy is None or rate + 1e-9 >= policy.cloud_rate_target,
    )

    # ROOM-1..4: rooms vacated, merged, retained.
    counts = {o: sum(1 for r in plan.rooms if r.outcome is o) for o in RoomOutcome}
    goal = (
        f"≤ {policy.rooms.max_per_department} × ≤ {policy.rooms.max_area_m2:g} m²"
        if policy
        else cat.t("target.rooms_goal")
    )
    add(
        "rooms",
        goal,
        cat.t(
            "target.rooms_actual",
            vacated=counts[RoomOutcome.VACATED],
            merged=counts[RoomOutcome.MERGED],
            retained=counts[RoomOutcome.RETAINED],
        ),
        TARGET_RULES["rooms"],
    )

    # LINE-1..4: paid lines cancelled (programme lines, the free extranet and intranet are not
    # the city's to cancel).
    retired = [n for n in plan.networks if n.outcome is NetworkOutcome.RETIRED]
    eligible = [n for n in plan.networks if cancellable(n)]
    fee = sum(view.network_fee(n) for n in retired)
    add(
        "lines",
        cat.t("target.lines_goal"),
        cat.t(
            "target.lines_actual",
            retired=sum(1 for n in retired if cancellable(n)),
            eligible=len(eligible),
            fee=fmt_money(fee),
        ),
        TARGET_RULES["lines"],
    )

    # Deadlines: the end of the last wave doing the work, against the policy's date.
    moving = [s.wave for s in plan.systems if view.scheduled(s)]
    pilot = [w.number for w in plan.waves if w.pilot]
    zombies = [s.wave for s in plan.systems if s.disposition is Disposition.RETIRE]
    private = [n.wave for n in retired if view.network_kind(n) == NetworkKind.PRIVATE_NETWORK.value]
    deadlines = policy.deadlines if policy else None
    for key, waves, due in (
        ("deadline_pilot", pilot, deadlines.pilot if deadlines else None),
        ("deadline_zombie", zombies, deadlines.zombie_cleanup if deadlines else None),
        ("deadline_migration", moving, deadlines.all_migrated if deadlines else None),
        ("deadline_networks", private, deadlines.private_networks if deadlines else None),
    ):
        rule_ids = TARGET_RULES[key]
        errors = _errors(view, rule_ids)  # a blocked system or a line still paid misses it too
        last = _last_end(view, waves)
        actual = cat.t("target.last_wave", date=last.isoformat()) if last else cat.t("target.no_wave")
        goal = cat.t("target.by", date=due.isoformat()) if due else per_policy
        rows.append(
            TargetRow(
                key,
                cat.t(f"target.{key}"),
                goal,
                actual,
                (last is None or due is None or last <= due) and errors == 0,
                tuple(rule_ids),
                errors,
            )
        )
    return rows
