"""The HTML report: one self-contained page (inline CSS, SVG and a little vanilla JS, no CDN)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from foundation.atomic import atomic_write_text
from foundation.progress import ProgressCallback
from foundation.text import for_markdown
from inventory.models import Inventory
from planner.plan_model import Plan
from planner.policy import Policy
from reporting import charts
from reporting.finance import NET_COLUMNS
from reporting.messages import Catalogue, Lang
from reporting.rulebook import anchor, rule_texts
from reporting.targets import target_rows
from reporting.view import PlanView

TEMPLATES = Path(__file__).parent / "templates"
REPORT_FILE = "report.html"


def _markdown_literal(value: Any) -> Any:
    # Every value a Markdown template prints is literal text (names, reasons come from the
    # survey or a plan file); Markup (a macro's output) is escaped already.
    if isinstance(value, Markup):
        return value
    return Markup(for_markdown("" if value is None else str(value)))


def environment(*, html: bool = True) -> jinja2.Environment:
    """The jinja2 environment of reporting's templates.

    HTML is autoescaped; Markdown escapes every printed value as literal Markdown text (no raw
    HTML, no markup, no table cell or line broken by a name).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        finalize=None if html else _markdown_literal,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = charts.fmt_money
    env.filters["rule_anchor"] = anchor
    return env


def cited_rules(plan: Plan, extra: Iterable[str] = ()) -> set[str]:
    """Every rule ID the plan cites, plus *extra*."""
    ids = set(extra)
    for s in plan.systems:
        ids.update(s.rules)
    for r in plan.rooms:
        ids.update(r.rules)
    for n in plan.networks:
        ids.update(n.rules)
    ids.update(f.rule for f in plan.findings)
    return ids


def _noop(stage: str, fraction: float) -> None:
    return None


def report_context(
    plan: Plan, inventory: Inventory, cat: Catalogue, policy: Policy | None, progress: ProgressCallback
) -> dict[str, Any]:
    """Everything the report template shows, computed from the plan's own fields."""
    view = PlanView(plan, inventory)
    targets = target_rows(view, cat, policy)
    progress("report", 0.2)
    gantt = Markup(charts.gantt_svg(view, cat))
    curve = view.cost_curve()
    cost = Markup(charts.cost_svg(curve, cat))
    capacity = Markup(charts.capacity_svg(view, cat))
    progress("report", 0.5)
    graphs = [(g.key, g.label, Markup(g.svg)) for g in charts.graph_choices(view, cat)]
    progress("report", 0.8)
    rule_ids = cited_rules(plan, (r for t in targets for r in t.rules))
    return {
        "t": cat.t,
        "enum": cat.enum,
        "cat": cat,
        "lang": cat.lang,
        "view": view,
        "plan": plan,
        "city": inventory.city.name,
        "targets": targets,
        "all_met": all(t.met for t in targets),
        "gantt": gantt,
        "cost": cost,
        "capacity": capacity,
        "curve": curve,
        "capacity_rows": charts.capacity_rows(view),
        "dimensions": charts.DIMENSIONS,
        "graphs": graphs,
        "graph_legend": Markup(charts.graph_legend_svg(cat)),
        "room_outcomes": view.room_outcome_counts(),
        "net_columns": NET_COLUMNS,
        "rules": rule_texts(rule_ids, cat),
        "generated": dt.date.today().isoformat(),
    }


def render_report_html(
    plan: Plan,
    inventory: Inventory,
    *,
    lang: Lang = "zh",
    policy: Policy | None = None,
    progress: ProgressCallback | None = None,
) -> str:
    """The report page as a string."""
    cb = progress or _noop
    cat = Catalogue(lang)
    ctx = report_context(plan, inventory, cat, policy, cb)
    html = environment().get_template("report.html.j2").render(**ctx)
    cb("report", 1.0)
    return html


def render_report(
    plan: Plan,
    inventory: Inventory,
    *,
    lang: Lang = "zh",
    out_dir: str | Path,
    policy: Policy | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write ``out_dir/report.html`` atomically and return its path."""
    html = render_report_html(plan, inventory, lang=lang, policy=policy, progress=progress)
    path = Path(out_dir) / REPORT_FILE
    atomic_write_text(path, html)
    return path
