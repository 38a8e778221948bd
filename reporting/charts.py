"""Inline SVG charts, generated in Python: no plotting library, no script, no network.

Each function returns one ``<svg>`` element as a string; colours come from CSS classes of
the report's stylesheet so the charts follow the page's theme.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import networkx as nx

from foundation.calendar import next_month
from planner.plan_model import Wave
from planner.scheduling import DIMENSIONS as SCHEDULING_DIMENSIONS
from reporting.messages import Catalogue
from reporting.view import PlanView

FONT = 12


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above *value*."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def fmt_money(value: float) -> str:
    """CNY with thousands separators, no decimals (the ledgers keep the exact figures)."""
    return f"{value:,.0f}"


def _text_width(text: str, size: int = FONT) -> float:
    # CJK glyphs are about one em wide, Latin about 0.6 em: enough to lay out labels.
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


# ---------------------------------------------------------------- Gantt


Swatch = tuple[str, str]  # (SVG fragment drawn in a 12x10 box at the origin, label)


def rect_swatch(css: str) -> str:
    return f'<rect class="{css}" x="0" y="0" width="12" height="10"/>'


def line_swatch(css: str) -> str:
    return f'<line class="{css}" x1="0" y1="5" x2="20" y2="5"/>'


def legend(entries: Sequence[Swatch], x: float, y: float) -> str:
    """A one-line legend at (*x*, *y*): one ``entry`` group per swatch and label."""
    parts = [f'<g class="legend" transform="translate({x:.1f},{y:.1f})">']
    lx = 0.0
    for swatch, label in entries:
        parts.append(
            f'<g class="entry" transform="translate({lx:.1f},0)">{swatch}'
            f'<text class="axis" x="26" y="9">{_e(label)}</text></g>'
        )
        lx += 26 + _text_width(label, 11) + 18
    parts.append("</g>")
    return "".join(parts)


def legend_width(entries: Sequence[Swatch]) -> float:
    return sum(26 + _text_width(label, 11) + 18 for _, label in entries)


def gantt_svg(view: PlanView, cat: Catalogue) -> str:
    """Waves per department: one row per department, one bar per wave it has systems in."""
    waves = view.sorted_waves()
    per_dept = view.department_waves()
    depts = [d for d in view.department_ids if d in per_dept]
    if not waves or not depts:
        return (
            f'<svg class="chart gantt" id="gantt-chart" width="400" height="40"><text x="8" '
            f'y="24">{_e(cat.t("table.none"))}</text></svg>'
        )
    first = min(w.start for w in waves)
    last = next_month(max(w.end for w in waves))
    label_w = max(_text_width(view.dept_name(d)) for d in depts) + 16
    days = (last - first).days or 1
    width = 980
    plot_w = width - label_w - 16
    row_h, top = 26, 40
    height = top + row_h * len(depts) + 30

    def x(day: dt.date) -> float:
        return label_w + plot_w * (day - first).days / days

    parts = [
        f'<svg class="chart gantt" id="gantt-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(cat.t("section.gantt"))}">'
    ]
    # Month grid and labels.
    m = first.replace(day=1)
    while m <= last:
        gx = x(max(m, first))
        parts.append(f'<line class="grid" x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 24}"/>')
        if gx + 2 + _text_width(f"{m:%Y-%m}", 11) <= width:  # the closing edge needs no label
            parts.append(f'<text class="axis" x="{gx + 2:.1f}" y="{top - 10}">{m:%Y-%m}</text>')
        m = next_month(m)
    # Wave bands across all rows.
    for w in waves:
        cls = "band pilot" if w.pilot else "band"
        parts.append(
            f'<rect class="{cls}" x="{x(w.start):.1f}" y="{top}" width="{max(x(w.end) - x(w.start), 1):.1f}" '
            f'height="{row_h * len(depts)}"><title>{_e(cat.t("chart.wave"))} {w.number}: {w.start} '
            f"– {w.end}</title></rect>"
        )
    for i, d in enumerate(depts):
        y = top + i * row_h
        parts.append(f'<text class="label" x="8" y="{y + row_h * 0.65:.1f}">{_e(view.dept_name(d))}</text>')
        for number, systems in sorted(per_dept[d].items()):
            wave = view.waves.get(number)
            if wave is None:
                continue
            x0 = x(wave.start)
            x1 = max(x(wave.end + dt.timedelta(days=1)), x0 + 4)
            cls = "bar pilot" if wave.pilot else "bar"
            names = cat.items([view.system_name(s.id) for s in systems])
            parts.append(
                f'<rect class="{cls}" data-dept="{_e(d)}" data-wave="{number}" x="{x0:.1f}" y="{y + 4}" '
                f'width="{x1 - x0:.1f}" height="{row_h - 8}" rx="3"><title>{_e(view.dept_name(d))} · '
                f"{_e(cat.t('chart.wave'))} {number} ({wave.start} – {wave.end}): {_e(names)}</title></rect>"
            )
            parts.append(
                f'<text class="barlabel" x="{x0 + 3:.1f}" '
                f'y="{y + row_h * 0.65:.1f}">{number}·{len(systems)}</text>'
            )
    parts.append(
        legend(
            [
                (rect_swatch("bar"), cat.t("chart.legend.wave")),
                (rect_swatch("bar pilot"), cat.t("chart.legend.pilot_wave")),
                (rect_swatch("band pilot"), cat.t("chart.legend.pilot_band")),
            ],
            label_w,
            height - 18,
        )
    )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- cost curve


def cost_svg(curve: Sequence[tuple[dt.date, float, float]], cat: Catalogue) -> str:
    """Stranded monthly cost (bars) and cumulative savings (line, right axis) per month."""
    width, height = 980, 320
    left, right, top, bottom = 80, 90, 20, 50
    if not curve:
        return (
            f'<svg class="chart cost" id="cost-curve" width="400" height="40"><text x="8" '
            f'y="24">{_e(cat.t("table.none"))}</text></svg>'
        )
    plot_w, plot_h = width - left - right, height - top - bottom
    s_max = _nice_max(max(c[1] for c in curve))
    c_max = _nice_max(max(c[2] for c in curve))
    n = len(curve)
    bw = plot_w / n
    parts = [
        f'<svg class="chart cost" id="cost-curve" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(cat.t("section.cost"))}">'
    ]
    for k in range(5):
        gy = top + plot_h * k / 4
        parts.append(f'<line class="grid" x1="{left}" y1="{gy:.1f}" x2="{left + plot_w}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" text-anchor="end" x="{left - 6}" '
            f'y="{gy + 4:.1f}">{fmt_money(s_max * (4 - k) / 4)}</text>'
        )
        parts.append(
            f'<text class="axis cum" x="{left + plot_w + 6}" '
            f'y="{gy + 4:.1f}">{fmt_money(c_max * (4 - k) / 4)}</text>'
        )
    points = []
    for i, (m, stranded, cumulative) in enumerate(curve):
        bx = left + i * bw
        bh = plot_h * stranded / s_max
        parts.append(
            f'<rect class="stranded" x="{bx + 1:.1f}" y="{top + plot_h - bh:.1f}" '
            f'width="{max(bw - 2, 1):.1f}" '
            f'height="{bh:.1f}"><title>{m:%Y-%m}: {_e(cat.t("chart.stranded"))} '
            f"{fmt_money(stranded)}</title></rect>"
        )
        cy = top + plot_h - plot_h * cumulative / c_max
        points.append(f"{bx + bw / 2:.1f},{cy:.1f}")
        if n <= 24 or i % math.ceil(n / 24) == 0:
            parts.append(
                f'<text class="axis" text-anchor="middle" x="{bx + bw / 2:.1f}" '
                f'y="{top + plot_h + 16}">{m:%y-%m}</text>'
            )
    parts.append(f'<polyline class="cumulative" points="{" ".join(points)}"/>')
    for p, (m, _s, cumulative) in zip(points, curve, strict=True):
        px, py = p.split(",")
        parts.append(
            f'<circle class="cumulative" cx="{px}" cy="{py}" r="3"><title>{m:%Y-%m}: '
            f"{_e(cat.t('chart.cumulative'))} {fmt_money(cumulative)}</title></circle>"
        )
    parts.append(
        legend(
            [(rect_swatch("stranded"), cat.t("chart.stranded")),
             (line_swatch("cumulative"), cat.t("chart.cumulative"))],
            left,
            height - 18,
        )
    )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- capacity per wave and domain

DIMENSIONS = SCHEDULING_DIMENSIONS
DOMAIN_KEYS = ("public_service", "administrative_service", "other")


@dataclass(frozen=True)
class CapacityRow:
    """One wave: each dimension's load split by target domain, the wave's load and capacity."""

    wave: Wave
    split: dict[str, dict[str, float]]
    load: dict[str, float]
    capacity: dict[str, float]


def domain_label(dom: str, cat: Catalogue) -> str:
    """Label of a domain key; "other" covers systems that retire or merge (no domain)."""
    if dom == "other":
        return cat.t("disposition.retire") + "/" + cat.t("disposition.merge")
    return cat.t("domain." + dom)


def capacity_rows(view: PlanView) -> list[CapacityRow]:
    """Per wave: each dimension's load split by target domain, and the wave's capacity."""
    rows: list[CapacityRow] = []
    for w in view.sorted_waves():
        split: dict[str, dict[str, float]] = {d: dict.fromkeys(DOMAIN_KEYS, 0.0) for d in DIMENSIONS}
        for sid in w.systems:
            s = view.systems.get(sid)
            if s is None:
                continue
            dom = s.domain.value if s.domain is not None else "other"
            split["systems"][dom] += 1
            split["vcpu"][dom] += s.sizing.vcpu
            split["data_gb"][dom] += s.sizing.data_gb
            split["team_hours"][dom] += s.sizing.team_hours
        load = {d: float(getattr(w.load, d)) for d in DIMENSIONS}
        rows.append(CapacityRow(w, split, load, {d: float(getattr(w.capacity, d)) for d in DIMENSIONS}))
    return rows


def capacity_svg(view: PlanView, cat: Catalogue) -> str:
    """Small multiples: per dimension, stacked bars per wave by domain, capacity as a dashed tick."""
    rows = capacity_rows(view)
    panel_w, panel_h, gap = 470, 190, 20
    width, height = panel_w * 2 + gap, (panel_h + gap) * 2 + 30
    parts = [
        f'<svg class="chart capacity" id="capacity-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(cat.t("section.capacity"))}">'
    ]
    for k, dim in enumerate(DIMENSIONS):
        ox, oy = (k % 2) * (panel_w + gap), (k // 2) * (panel_h + gap)
        left, top, plot_w, plot_h = ox + 60, oy + 22, panel_w - 70, panel_h - 50
        vmax = _nice_max(max([1.0] + [max(r.capacity[dim], r.load[dim]) for r in rows]))
        parts.append(f'<text class="label" x="{ox + 4}" y="{oy + 14}">{_e(cat.t("dim." + dim))}</text>')
        for g in range(3):
            gy = top + plot_h * g / 2
            parts.append(
                f'<line class="grid" x1="{left}" y1="{gy:.1f}" x2="{left + plot_w}" y2="{gy:.1f}"/>'
                f'<text class="axis" text-anchor="end" x="{left - 4}" '
                f'y="{gy + 4:.1f}">{vmax * (2 - g) / 2:,.0f}</text>'
            )
        n = max(len(rows), 1)
        bw = plot_w / n
        for i, r in enumerate(rows):
            bx = left + i * bw
            base = float(top + plot_h)
            for dom in DOMAIN_KEYS:
                v = r.split[dim][dom]
                if v <= 0:
                    continue
                h = plot_h * v / vmax
                base -= h
                parts.append(
                    f'<rect class="dom-{dom}" x="{bx + 2:.1f}" y="{base:.1f}" width="{max(bw - 4, 1):.1f}" '
                    f'height="{h:.1f}"><title>{_e(cat.t("chart.wave"))} {r.wave.number} · '
                    f"{_e(domain_label(dom, cat))}: {v:,.0f}</title></rect>"
                )
            cap, load = r.capacity[dim], r.load[dim]
            if cap > 0:
                cy = top + plot_h - plot_h * cap / vmax
                over = " over" if load > cap else ""
                parts.append(
                    f'<line class="capline{over}" x1="{bx:.1f}" y1="{cy:.1f}" x2="{bx + bw:.1f}" '
                    f'y2="{cy:.1f}"><title>{_e(cat.t("chart.capacity"))} {cap:,.0f} / '
                    f"{_e(cat.t('chart.load'))} {load:,.0f}</title></line>"
                )
            if n <= 20 or i % math.ceil(n / 20) == 0:
                parts.append(
                    f'<text class="axis" text-anchor="middle" x="{bx + bw / 2:.1f}" '
                    f'y="{top + plot_h + 14}">{r.wave.number}</text>'
                )
    entries = [(rect_swatch(f"dom-{dom}"), domain_label(dom, cat)) for dom in DOMAIN_KEYS]
    entries.append((line_swatch("capline"), cat.t("chart.capacity")))
    parts.append(legend(entries, 10, height - 22))
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- dependency graph


@dataclass(frozen=True)
class GraphChoice:
    """One selectable dependency graph: a department's systems or a group's."""

    key: str
    label: str
    svg: str


def layered_layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """(layer, position) of each node: a system sits one layer right of everything it depends on.

    Cycles (groups) are collapsed first so the layering is defined; positions within a layer
    follow one barycentre pass to keep crossings down.
    """
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((a, b) for a, b in edges if a in g and b in g and a != b)
    cond = nx.condensation(g)
    layer_of_comp: dict[int, int] = {}
    for comp in reversed(list(nx.topological_sort(cond))):
        succ = [layer_of_comp[c] for c in cond.successors(comp)]
        layer_of_comp[comp] = 1 + max(succ) if succ else 0
    mapping = cond.graph["mapping"]
    layers: dict[int, list[str]] = {}
    for n in nodes:
        layers.setdefault(layer_of_comp[mapping[n]], []).append(n)
    pos: dict[str, tuple[int, int]] = {}
    for layer in sorted(layers):
        members = layers[layer]
        if layer > 0:

            def bary(n: str) -> float:
                ys = [pos[m][1] for m in g.successors(n) if m in pos]
                return sum(ys) / len(ys) if ys else float("inf")

            members.sort(key=lambda n: (bary(n), n))
        for i, n in enumerate(members):
            pos[n] = (layer, i)
    return pos


def graph_svg(view: PlanView, members: Sequence[str], key: str, cat: Catalogue) -> str:
    """The dependency graph of *members* plus their direct neighbours (drawn dimmed)."""
    member_set = set(members)
    nodes = list(members)
    edges: list[tuple[str, str]] = []
    for sid in members:
        s = view.systems.get(sid)
        if s is None:
            continue
        for link in s.links:
            edges.append((sid, link.system))
            if link.system not in member_set and link.system not in nodes:
                nodes.append(link.system)
    for s in view.plan.systems:  # systems outside that depend on a member
        if s.id in member_set:
            continue
        for link in s.links:
            if link.system in member_set:
                edges.append((s.id, link.system))
                if s.id not in nodes:
                    nodes.append(s.id)
    edges = sorted(set(edges))
    pos = layered_layout(nodes, edges)
    node_w, node_h, col_gap, row_gap = 170, 40, 60, 14
    n_layers = max((p[0] for p in pos.values()), default=0) + 1
    n_rows = max((p[1] for p in pos.values()), default=0) + 1
    width = 20 + n_layers * (node_w + col_gap)
    height = 20 + n_rows * (node_h + row_gap) + 10

    def xy(n: str) -> tuple[float, float]:
        layer, i = pos[n]
        return 10 + layer * (node_w + col_gap), 10 + i * (node_h + row_gap)

    parts = [
        f'<svg class="chart depgraph" data-key="{_e(key)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">'
        '<defs><marker id="arrow-' + _e(key) + '" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'class="arrowhead"/></marker></defs>'
    ]
    for a, b in edges:
        if a not in pos or b not in pos or a == b:
            continue
        ax, ay = xy(a)
        bx, by = xy(b)
        # An edge points from a system to what it depends on (leftwards, or within one layer for a cycle).
        x1, y1 = ax, ay + node_h / 2
        x2, y2 = bx + node_w, by + node_h / 2
        if pos[a][0] == pos[b][0]:
            x1, x2 = ax + node_w / 2, bx + node_w / 2
            y1, y2 = (ay + node_h, by) if ay < by else (ay, by + node_h)
        parts.append(
            f'<path class="edge" d="M {x1:.1f} {y1:.1f} C {(x1 + x2) / 2:.1f} {y1:.1f} {(x1 + x2) / 2:.1f} '
            f'{y2:.1f} {x2:.1f} {y2:.1f}" marker-end="url(#arrow-{_e(key)})"/>'
        )
    for n in nodes:
        x, y = xy(n)
        s = view.systems.get(n)
        disp = s.disposition.value if s else "unknown"
        ext = "" if n in member_set else " external"
        name = view.system_name(n)
        short = (
            name if _text_width(name) <= node_w - 10 else name[: max(int((node_w - 10) / FONT) - 1, 4)] + "…"
        )
        sub = f"{n} · {cat.t('chart.node_wave', wave=s.wave)}" if s is not None and s.wave is not None else n
        parts.append(
            f'<g class="node disp-{_e(disp)}{ext}"><rect x="{x}" y="{y}" width="{node_w}" '
            f'height="{node_h}" rx="5"/>'
            f'<text x="{x + 6}" y="{y + 16}">{_e(short)}</text>'
            f'<text class="sub" x="{x + 6}" y="{y + 32}">{_e(sub)}</text>'
            f"<title>{_e(name)} ({_e(n)}) · {_e(cat.enum('disposition', s.disposition) if s else '')}"
            f"{' · ' + _e(cat.t('chart.external')) if ext else ''}</title></g>"
        )
    if not edges:
        parts.append(f'<text class="axis" x="10" y="{height - 4}">{_e(cat.t("chart.no_links"))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def graph_legend_svg(cat: Catalogue) -> str:
    """The legend of every dependency graph: what a node's colour and an arrow mean."""

    def node(css: str) -> str:
        return f'<g class="node {css}"><rect x="0" y="0" width="12" height="10" rx="2"/></g>'

    entries = [
        (node("disp-migrate"), cat.t("disposition.migrate")),
        (node("disp-retire"), f"{cat.t('disposition.retire')} / {cat.t('disposition.merge')}"),
        (node("disp-blocked"), cat.t("disposition.blocked")),
        (node("disp-keep_local"), cat.t("chart.legend.stays")),
        (node("external"), cat.t("chart.external")),
        ('<path class="edge" d="M 0 5 L 18 5" marker-end="url(#arrow-legend)"/>',
         cat.t("chart.legend.depends")),
    ]
    width = int(legend_width(entries)) + 12
    return (
        f'<svg class="depgraph graph-legend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="22" '
        f'viewBox="0 0 {width} 22" role="img">'
        '<defs><marker id="arrow-legend" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/>'
        f"</marker></defs>{legend(entries, 4, 6)}</svg>"
    )


def graph_choices(view: PlanView, cat: Catalogue) -> list[GraphChoice]:
    """A graph per department with systems, then one per group of the plan."""
    out: list[GraphChoice] = []
    for d in view.department_ids:
        members = [s.id for s in view.department_systems(d)]
        if members:
            out.append(
                GraphChoice(f"dept-{d}", view.dept_name(d), graph_svg(view, members, f"dept-{d}", cat))
            )
    for g in view.plan.groups:
        out.append(
            GraphChoice(
                f"group-{g.id}",
                f"{cat.t('chart.group')} {g.id} ({g.reason_in(cat)})",
                graph_svg(view, g.systems, f"group-{g.id}", cat),
            )
        )
    return out
