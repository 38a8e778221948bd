"""Department migration technical plans (PLAN-1) as Word documents, what departments submit for review.

The document holds the same facts as the HTML and Markdown plans (``department_context``) and
adds, per migrating system, what a reviewer asks of a migration technical plan: the method and
outage window the plan chose (CUT-1), pre-checks, data verification (MLPS-4), functional
verification and tests (PILOT-1), rollback, risks, responsibilities after migration (OPS-1),
contacts and a sign-off table. Every label comes from the message catalogue.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt

from inventory.models import System
from planner import rules as R
from planner.plan_model import Disposition, FindingSeverity, PlanSystem
from reporting.messages import Catalogue
from reporting.view import PlanView

# Fonts Word and WPS have on a Chinese desktop; East Asian text falls back to the second.
LATIN_FONT = "Times New Roman"
EAST_ASIAN_FONT = "宋体"

# Who reviews and signs a department's plan (message keys), in signing order.
SIGNATORIES: tuple[str, ...] = (
    "docx.sign.department",
    "docx.sign.builder",
    "docx.sign.maintainer",
    "docx.sign.bureau",
)


def _fonts(doc: DocumentType) -> None:
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        style = doc.styles[style_name]
        font = style.font  # type: ignore[attr-defined]
        font.name = LATIN_FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    doc.styles["Normal"].font.size = Pt(10.5)  # type: ignore[attr-defined]


def _table(doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    doc.add_paragraph()


def _bullets(doc: DocumentType, items: Sequence[str]) -> None:
    for item in items:
        doc.add_paragraph(item, style="List Bullet")


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} h"


class _SystemSections:
    """The per-system sections of one department's plan."""

    def __init__(self, view: PlanView, cat: Catalogue) -> None:
        self.view = view
        self.cat = cat
        self.t: Callable[..., str] = cat.t

    def write(self, doc: DocumentType, s: PlanSystem) -> None:
        inv = self.view.inv_systems.get(s.id)
        doc.add_heading(self.cat.t("docx.system_heading", name=self.view.system_name(s.id), id=s.id), level=2)
        self._window(doc, s, inv)
        doc.add_heading(self.t("docx.prechecks"), level=3)
        _bullets(doc, self._prechecks(s, inv))
        doc.add_heading(self.t("docx.verification"), level=3)
        _bullets(doc, self._verification(s))
        doc.add_heading(self.t("docx.tests"), level=3)
        _bullets(doc, self._tests(s))
        doc.add_heading(self.t("docx.rollback"), level=3)
        _bullets(doc, self._rollback(s))
        doc.add_heading(self.t("docx.risks"), level=3)
        _bullets(doc, self._risks(s, inv) or [self.t("docx.risk.none")])

    def _window(self, doc: DocumentType, s: PlanSystem, inv: System | None) -> None:
        t, view = self.t, self.view
        dates = f"{view.wave_start(s.wave)} – {view.wave_end(s.wave)}" if s.wave is not None else ""
        rows: list[tuple[str, object]] = [
            (t("col.domain"), self.cat.enum("domain", s.domain)),
            (t("col.wave"), t("docx.wave_dates", wave=s.wave, dates=dates) if s.wave is not None else ""),
            (t("docx.method"), self.cat.enum("method", s.method) if s.method else t("docx.method.none")),
            (t("docx.outage"), _hours(s.estimated_outage_hours)),
            (t("docx.window"), _hours(inv.downtime_hours if inv else None)),
            (t("docx.data"), f"{s.sizing.data_gb:g} GB"),
            (
                t("col.sizing"),
                f"{s.sizing.vcpu} vCPU / {s.sizing.ram_gb:g} GB RAM / "
                f"{s.sizing.storage_gb:g} GB × {s.sizing.servers}",
            ),
            (t("col.mlps"), s.mlps_level if s.mlps_level is not None else ""),
            (t("col.rules"), " ".join(s.rules)),
        ]
        _table(doc, (t("docx.item"), t("docx.value")), rows)

    def _prechecks(self, s: PlanSystem, inv: System | None) -> list[str]:
        t = self.t
        checks = [
            t("docx.pre.backup"),
            t("docx.pre.target", stack=f"wave-{s.wave:02d}" if s.wave is not None else "-"),
            t("docx.pre.service"),
        ]
        for link in s.links:
            other = self.view.systems.get(link.system)
            wave = other.wave if other is not None else None
            checks.append(
                t(
                    "docx.pre.dependency",
                    system=self.view.system_name(link.system),
                    wave="-" if wave is None else wave,
                    protocol=link.protocol,
                    port=link.port,
                )
            )
        if inv is not None and not inv.hosts:
            checks.append(t("docx.pre.hosts"))
        return checks

    def _verification(self, s: PlanSystem) -> list[str]:
        t = self.t
        out = [t("docx.verify.manifest")]
        if s.method == "database":
            out.append(t("docx.verify.tables"))
        if (s.mlps_level or 0) >= 3:
            out.append(t("docx.verify.recovery", rule=R.MLPS_4))
        return out

    def _tests(self, s: PlanSystem) -> list[str]:
        t = self.t
        out = [t("docx.test.smoke"), t("docx.test.functional"), t("docx.test.users")]
        wave = self.view.waves.get(s.wave) if s.wave is not None else None
        if wave is not None and wave.pilot:
            out.append(t("docx.test.pilot", rule=R.PILOT_1))
        return out

    def _rollback(self, s: PlanSystem) -> list[str]:
        t = self.t
        return [
            t("docx.rollback.trigger"),
            t("docx.rollback.restart"),
            t("docx.rollback.keep"),
            t("docx.rollback.final"),
        ]

    def _risks(self, s: PlanSystem, inv: System | None) -> list[str]:
        t = self.t
        out = [
            self.cat.t("explain.also", rule=f.rule, reason=f.message_in(self.cat))
            for f in self.view.plan.findings
            if f.subject == s.id and f.severity is not FindingSeverity.INFO
        ]
        cross = [link for link in s.links if link.boundary.value == "cross_domain"]
        if cross:
            out.append(t("docx.risk.cross_domain", n=len(cross), rule=R.MLPS_3))
        if (
            inv is not None
            and inv.downtime_hours is not None
            and s.estimated_outage_hours is not None
            and s.estimated_outage_hours > 0.8 * inv.downtime_hours
        ):
            out.append(
                t(
                    "docx.risk.tight_window",
                    outage=_hours(s.estimated_outage_hours),
                    window=_hours(inv.downtime_hours),
                )
            )
        return out


def department_docx(view: PlanView, ctx: dict[str, Any], cat: Catalogue, city: str) -> bytes:
    """One department's migration technical plan (PLAN-1) as the bytes of a .docx file."""
    t = cat.t
    doc = Document()
    _fonts(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    doc.core_properties.title = t("dept.title", department=ctx["dept_name"])
    doc.core_properties.subject = R.PLAN_1
    doc.add_heading(t("dept.title", department=ctx["dept_name"]), level=0)
    doc.add_paragraph(f"{city} · {ctx['building']} · {R.PLAN_1}")

    doc.add_heading(t("dept.overview"), level=1)
    systems: list[PlanSystem] = ctx["systems"]
    doc.add_paragraph(
        t(
            "dept.count",
            systems=len(systems),
            rooms=len(ctx["rooms"]),
            lines=len(ctx["lines"]),
            assets=len(ctx["disposals"]) + len(ctx["kept_assets"]),
        )
    )
    start, end = ctx["window"]
    doc.add_paragraph(t("dept.first_wave", start=start, end=end) if start else t("dept.no_wave"))

    doc.add_heading(t("dept.systems"), level=1)
    _table(
        doc,
        (t("col.id"), t("col.name"), t("col.disposition"), t("col.wave"), t("col.rules"), t("col.reasons")),
        [
            (
                s.id,
                view.system_name(s.id),
                cat.enum("disposition", s.disposition) + (f" → {view.system_name(s.into)}" if s.into else ""),
                "" if s.wave is None else s.wave,
                " ".join(s.rules),
                cat.join(s.reasons_in(cat)),
            )
            for s in systems
        ],
    )

    migrating = [s for s in systems if s.disposition is Disposition.MIGRATE]
    doc.add_heading(t("docx.migration"), level=1)
    if not migrating:
        doc.add_paragraph(t("docx.no_migration"))
    sections = _SystemSections(view, cat)
    for s in migrating:
        sections.write(doc, s)

    doc.add_heading(t("dept.rooms"), level=1)
    _table(
        doc,
        (t("col.id"), t("col.outcome"), t("col.wave"), t("col.shared_with"), t("col.rules")),
        [
            (
                r.id,
                cat.enum("room", r.outcome),
                "" if r.wave is None else r.wave,
                cat.items(r.shared_with),
                " ".join(r.rules),
            )
            for r in ctx["rooms"]
        ],
    )
    doc.add_heading(t("dept.lines"), level=1)
    _table(
        doc,
        (t("col.id"), t("col.name"), t("col.outcome"), t("col.wave"), t("col.rules")),
        [
            (
                n.id,
                view.network_name(n.id),
                cat.enum("network", n.outcome),
                "" if n.wave is None else n.wave,
                " ".join(n.rules),
            )
            for n in ctx["lines"]
        ],
    )

    doc.add_heading(t("net.title"), level=1)
    columns = ctx["net_columns"]
    _table(
        doc,
        (t("col.year"), *[t(key) for _, key in columns]),
        [(y.year, *[f"{getattr(y, f):,.2f}" for f, _ in columns]) for y in ctx["savings"]],
    )

    doc.add_heading(t("dept.om"), level=1)
    _table(
        doc,
        (t("col.duty"), t("col.responsible"), t("col.systems")),
        [
            (d.duty, d.responsible, cat.items([view.system_name(s.id) for s in d.systems]))
            for d in ctx["duties"]
        ],
    )

    doc.add_heading(t("docx.contacts"), level=1)
    contact_rows = []
    for s in systems:
        inv = view.inv_systems.get(s.id)
        if inv is None:
            continue
        contact_rows.append(
            (view.system_name(s.id), inv.builder or "", inv.maintainer or "", inv.contact or "")
        )
    _table(doc, (t("col.name"), t("docx.builder"), t("docx.maintainer"), t("docx.contact")), contact_rows)

    doc.add_heading(t("docx.signoff"), level=1)
    _table(
        doc,
        (t("docx.sign.party"), t("docx.sign.opinion"), t("docx.sign.signature"), t("col.date")),
        [(t(key), "", "", "") for key in SIGNATORIES],
    )
    doc.add_paragraph(t("dept.review"))

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
