"""Department migration technical plans (PLAN-1): one HTML and one Markdown per department."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.models import Inventory
from planner.plan_model import Plan
from reporting.departments import write_department_plans


@pytest.fixture(scope="module")
def plans_dir(city_plan: Plan, city: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("depts")
    write_department_plans(city_plan, city, out_dir=out, lang="zh")
    return out / "departments"


def test_one_html_and_one_markdown_per_department(plans_dir: Path, city: Inventory) -> None:
    for d in city.departments:
        assert (plans_dir / f"{d.id}.html").is_file()
        assert (plans_dir / f"{d.id}.md").is_file()
    assert (plans_dir / "index.html").is_file()


def test_plan_lists_the_departments_systems_rooms_lines_and_assets(plans_dir: Path) -> None:
    md = (plans_dir / "fin.md").read_text(encoding="utf-8")
    assert md.startswith("# 市财政局迁移技术方案")
    for text in (
        "预算管理系统",
        "迁移上云",
        "行政服务域",
        "2018-04-01 – 2018-04-30",
        "16 vCPU",
        "r-fin-1",
        "腾退",
        "n-fin-private",
        "8,000",
        "a-fin-srv1",
        "移交大数据局",
        "PLATFORM-1",
    ):
        assert text in md, text
    assert "hr-core" not in md.split("## 迁移后运维责任")[0]  # another department's system
    assert "a-hr-srv" not in md


def test_om_responsibilities_follow_ops1(plans_dir: Path) -> None:
    md = (plans_dir / "fin.md").read_text(encoding="utf-8")
    om = md.split("## 迁移后运维责任")[1]
    assert "| 应用运维 | 本部门 | 预算管理系统、国库集中支付系统 |" in om
    assert "市大数据局" in om
    assert "OPS-1" in md


def test_kept_room_and_open_findings_are_shown(plans_dir: Path) -> None:
    html = (plans_dir / "edu.html").read_text(encoding="utf-8")
    assert 'data-room="r-edu-2"' in html and "保留" in html
    assert "MLPS-2" in html and "四级系统需要专用资源池" in html
    assert 'id="rule-MLPS-2"' in html


def test_english_plans_use_english_labels(city_plan: Plan, city: Inventory, tmp_path: Path) -> None:
    write_department_plans(city_plan, city, out_dir=tmp_path, lang="en")
    md = (tmp_path / "departments" / "fin.md").read_text(encoding="utf-8")
    assert md.startswith("# Migration technical plan: 市财政局")
    assert "transfer to the big-data bureau" in md and "移交大数据局" not in md
