"""Item 4: `boundary: external` builds no FWaaS resources; the change request lists the flows."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from stacks.boundary_request import HEADERS, change_rows
from stacks.config import settings_from_values
from stacks.preview import preview_platform
from tests.stacks.conftest import IMAGES, two_wave_plan


def test_external_boundary_creates_no_firewall_resources_but_keeps_the_routes(plan_file) -> None:
    _, path = plan_file
    result = preview_platform(path, {**IMAGES, "boundary": "external"})
    assert not [r for r in result.resources if r.type.startswith("openstack:firewall/")]
    routes = {r.name for r in result.of_type("openstack:networking/routerRoute:RouterRoute")}
    assert {"boundary-route-to-admin", "boundary-route-to-public"} <= routes
    assert "boundaryFirewallGroup" not in result.outputs


def test_change_request_has_one_row_per_cross_domain_flow_with_its_justification() -> None:
    rows = change_rows(two_wave_plan(), settings_from_values({}))
    assert [(r.source, r.destination, r.protocol, r.port, r.system, r.rule) for r in rows] == [
        ("10.72.0.0/14", "10.64.0.0/14", "tcp", "443", "fin-budget -> portal", "MLPS-3")
    ]
    assert "fin-budget" in rows[0].justification and "portal" in rows[0].justification


def test_stacks_boundary_writes_the_workbook_with_text_cells_only(
    cli, runner, plan_file, tmp_path: Path
) -> None:
    _, path = plan_file
    out = tmp_path / "change.xlsx"
    result = runner.invoke(cli, ["stacks", "boundary", "--plan", str(path), "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 cross-domain flow(s)" in result.output
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == HEADERS
    assert rows[2][1:7] == ("allow", "10.72.0.0/14", "10.64.0.0/14", "tcp", "443", "fin-budget -> portal")
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value is not None)
