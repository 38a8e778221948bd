"""The firewall change request for `boundary: external`: what the security team opens on the
physical firewall between the two domains, one row per cross-domain flow of the plan (MLPS-3).

The rows are the same flows the FWaaS boundary would allow (stacks.security.boundary_rules),
between the two domains' CIDRs, with the systems and the dependency that justify each.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from foundation.atomic import atomic_write_bytes
from foundation.cells import xlsx_cell
from planner.plan_model import Plan
from stacks.config import StackSettings
from stacks.security import BoundaryRule, boundary_rules, flow_graph

RULE_ID = "MLPS-3"
HEADERS = (
    "序号 No.",
    "动作 Action",
    "源地址 Source",
    "目的地址 Destination",
    "协议 Protocol",
    "端口 Port",
    "系统 System",
    "依据 Rule",
    "理由 Justification",
)


@dataclass(frozen=True)
class ChangeRow:
    """One allow rule the physical firewall needs."""

    source: str
    destination: str
    protocol: str
    port: str
    system: str
    rule: str
    justification: str


def change_rows(plan: Plan, settings: StackSettings) -> list[ChangeRow]:
    """One row per cross-domain flow, grouped as the boundary firewall's rules are."""
    rows: list[ChangeRow] = []
    rules: Sequence[BoundaryRule] = boundary_rules(flow_graph(plan))
    for rule in rules:
        source = settings.cidrs.domain(rule.source_domain)
        destination = settings.cidrs.domain(rule.target_domain)
        for flow in rule.flows:
            rows.append(
                ChangeRow(
                    source=source,
                    destination=destination,
                    protocol=rule.protocol,
                    port=str(rule.port) if rule.port is not None else "any",
                    system=f"{flow.source} -> {flow.target}",
                    rule=RULE_ID,
                    justification=(
                        f"{flow.kind} dependency of {flow.source} ({rule.source_domain.value}) on "
                        f"{flow.target} ({rule.target_domain.value}) named by the plan"
                    ),
                )
            )
    return rows


def write_change_request(rows: Sequence[ChangeRow], path: str | Path, city: str) -> None:
    """The change request workbook (one sheet), written atomically."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("防火墙变更 Firewall change")
    title = f"{city}: 政务云域间边界防火墙变更申请 / boundary firewall change request ({RULE_ID})"
    sheet.append([xlsx_cell(sheet, title)])
    sheet.append([xlsx_cell(sheet, h) for h in HEADERS])
    for n, row in enumerate(rows, start=1):
        values = [
            str(n),
            "allow",
            row.source,
            row.destination,
            row.protocol,
            row.port,
            row.system,
            row.rule,
            row.justification,
        ]
        sheet.append([xlsx_cell(sheet, value) for value in values])  # text, never a formula
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
