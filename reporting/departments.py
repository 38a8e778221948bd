"""Department migration technical plans (PLAN-1): HTML, Markdown and Word documents per department.

Each lists the department's systems with disposition, reasons and rules, wave dates, target
domain and sizing; the rooms it vacates and keeps; the lines it cancels; the assets it
disposes of (ASSET-1 proposals of :mod:`reporting.finance`); and who runs what after the
move (OPS-1: "who builds it is responsible").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundation.atomic import atomic_directory, atomic_write_bytes, atomic_write_text
from foundation.paths import path_for_id
from foundation.progress import ProgressCallback
from inventory.models import Inventory
from planner import rules as R
from planner.plan_model import Disposition, Plan, PlanSystem
from planner.policy import Policy, load_policy
from planner.savings import savings_model
from reporting.department_docx import department_docx
from reporting.finance import NET_COLUMNS, AssetDisposal, Proposal, build_ledger
from reporting.messages import Catalogue, Lang
from reporting.report import environment
from reporting.rulebook import rule_texts
from reporting.view import PlanView

DEPARTMENTS_DIR = "departments"
INDEX_FILE = "index.html"  # foundation.paths.RESERVED_IDS keeps a department from being called so

# OPS-1 duties after migration: (duty message key, responsible message key, applies to dispositions).
OPS_DUTIES: tuple[tuple[str, str, frozenset[Disposition]], ...] = (
    ("ops.application", "ops.department", frozenset({Disposition.MIGRATE})),
    ("ops.software_security", "ops.department", frozenset({Disposition.MIGRATE})),
    ("ops.relocated_hardware", "ops.department", frozenset({Disposition.MIGRATE})),
    ("ops.shared_platform", "ops.bureau", frozenset({Disposition.MIGRATE, Disposition.MERGE})),
    (
        "ops.local",
        "ops.department",
        frozenset({Disposition.KEEP_LOCAL, Disposition.BLOCKED, Disposition.INTRANET}),
    ),
)


@dataclass(frozen=True)
class OpsDuty:
    """One O&M responsibility after migration and the systems it covers (OPS-1)."""

    duty: str
    responsible: str
    systems: list[PlanSystem]


def _duties(systems: list[PlanSystem], cat: Catalogue) -> list[OpsDuty]:
    out = []
    for duty, who, dispositions in OPS_DUTIES:
        covered = [s for s in systems if s.disposition in dispositions]
        if covered:
            out.append(OpsDuty(cat.t(duty), cat.t(who), covered))
    return out


def department_context(
    view: PlanView, dept_id: str, assets: list[AssetDisposal], cat: Catalogue
) -> dict[str, Any]:
    """What one department's plan shows."""
    systems = view.department_systems(dept_id)
    rooms = view.department_rooms(dept_id)
    lines = view.department_networks(dept_id)
    subjects = {s.id for s in systems} | {r.id for r in rooms} | {n.id for n in lines} | {dept_id}
    findings = [f for f in view.plan.findings if f.subject in subjects]
    waves = sorted({s.wave for s in systems if view.scheduled(s) and s.wave is not None})
    start = view.wave_start(waves[0]) if waves else None
    end = view.wave_end(waves[-1]) if waves else None
    dept = view.departments.get(dept_id)
    rule_ids = {R.PLAN_1, R.OPS_1, R.ASSET_1} | {f.rule for f in findings}
    for s in systems:
        rule_ids.update(s.rules)
    for r in rooms:
        rule_ids.update(r.rules)
    for n in lines:
        rule_ids.update(n.rules)
    return {
        "dept_id": dept_id,
        "dept_name": view.dept_name(dept_id),
        "building": view.building_name(dept.building) if dept else "",
        "systems": systems,
        "rooms": rooms,
        "lines": lines,
        "findings": findings,
        "disposals": [a for a in assets if a.proposal is not Proposal.KEEP],
        "kept_assets": [a for a in assets if a.proposal is Proposal.KEEP],
        "duties": _duties(systems, cat),
        "window": (start, end),
        "rules": rule_texts(rule_ids, cat),
    }


def write_department_plans(
    plan: Plan,
    inventory: Inventory,
    *,
    out_dir: str | Path,
    lang: Lang = "zh",
    policy: Policy | None = None,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Write ``departments/<id>.html``, ``.md`` and ``.docx`` per department and an index; return paths."""
    cb = progress or (lambda stage, fraction: None)
    cat = Catalogue(lang)
    view = PlanView(plan, inventory)
    ledger = build_ledger(plan, inventory)
    savings = savings_model(plan, inventory, policy or load_policy())
    by_dept: dict[str, list[AssetDisposal]] = {}
    for a in ledger.assets:
        by_dept.setdefault(a.department, []).append(a)
    html_env, md_env = environment(html=True), environment(html=False)
    html_t, md_t = html_env.get_template("department.html.j2"), md_env.get_template("department.md.j2")
    target = Path(out_dir) / DEPARTMENTS_DIR
    names: list[str] = []
    depts = [
        d
        for d in view.department_ids
        if view.department_systems(d) or view.department_rooms(d) or view.department_networks(d)
    ]
    common = {
        "t": cat.t,
        "enum": cat.enum,
        "cat": cat,
        "lang": lang,
        "view": view,
        "city": inventory.city.name,
        "generated": dt.date.today().isoformat(),
    }
    # The directory is one set: written next to the old one, then swapped in whole.
    owned = (".html", ".md", ".docx")
    with atomic_directory(target, owned=lambda name: name.endswith(owned)) as tmp:
        for i, d in enumerate(depts):
            ctx = {
                **common,
                **department_context(view, d, by_dept.get(d, []), cat),
                "savings": savings.department(d),
                "net_columns": NET_COLUMNS,
            }
            for template, suffix in ((html_t, ".html"), (md_t, ".md")):
                path = path_for_id(tmp, d, suffix)  # refuses '..', 'index' and the like
                atomic_write_text(path, template.render(**ctx))
                names.append(path.name)
            docx_path = path_for_id(tmp, d, ".docx")
            atomic_write_bytes(docx_path, department_docx(view, ctx, cat, inventory.city.name))
            names.append(docx_path.name)
            cb("department plans", (i + 1) / max(len(depts), 1))
        atomic_write_text(
            tmp / INDEX_FILE,
            html_env.get_template("departments_index.html.j2").render(
                **common,
                departments=[(d, view.dept_name(d), len(view.department_systems(d))) for d in depts],
            ),
        )
        names.append(INDEX_FILE)
    return [target / n for n in names]
