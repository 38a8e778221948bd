"""The report and the department plans, published into ``--out`` as one set.

``report.html`` links to ``departments/``; both come from one plan, so a reader (or a run
killed half-way) never finds a new report beside the department plans of an older one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from foundation.atomic import atomic_file_set
from foundation.progress import ProgressCallback
from inventory.models import Inventory
from planner.plan_model import Plan
from planner.policy import Policy
from reporting.departments import write_department_plans
from reporting.messages import Lang
from reporting.report import render_report

REPORT_SET = "report"  # names the set's hidden generation directories in --out


@dataclass
class ReportFiles:
    """Where the published report and department plans are."""

    page: Path
    department_plans: list[Path] = field(default_factory=list)


def write_report(
    plan: Plan,
    inventory: Inventory,
    *,
    out_dir: str | Path,
    departments: bool = False,
    lang: Lang = "zh",
    policy: Policy | None = None,
    progress: ProgressCallback | None = None,
) -> ReportFiles:
    """Write ``report.html`` (and ``departments/`` when asked) into *out_dir* as one set."""
    out = Path(out_dir)
    with atomic_file_set(out, REPORT_SET) as stage:
        page = render_report(plan, inventory, lang=lang, out_dir=stage, policy=policy, progress=progress)
        plans = (
            write_department_plans(
                plan, inventory, out_dir=stage, lang=lang, policy=policy, progress=progress
            )
            if departments
            else []
        )
    return ReportFiles(out / page.relative_to(stage), [out / p.relative_to(stage) for p in plans])
