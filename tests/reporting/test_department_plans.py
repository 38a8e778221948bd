"""Department migration technical plans (PLAN-1): HTML, Markdown and Word per department."""

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


# ---------------------------------------------------------------- Word documents (PLAN-1 submissions)


def _docx_text(path: Path) -> tuple[list[tuple[str, str]], list[list[list[str]]], str]:
    """Headings (style, text), tables (rows of cell texts) and the whole body text of a .docx."""
    from docx import Document

    doc = Document(str(path))
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    body = "\n".join(p.text for p in doc.paragraphs)
    return headings, tables, body


def test_one_word_document_per_department_beside_html_and_markdown(plans_dir: Path, city: Inventory) -> None:
    for d in city.departments:
        assert (plans_dir / f"{d.id}.docx").is_file()


def test_word_plan_has_the_sections_a_reviewer_asks_for_per_migrating_system(plans_dir: Path) -> None:
    headings, tables, body = _docx_text(plans_dir / "fin.docx")
    texts = [text for _, text in headings]
    assert texts[0] == "市财政局迁移技术方案"
    assert "预算管理系统（fin-budget）" in texts and "国库集中支付系统（fin-treasury）" in texts
    # Each migrating system has its own pre-checks, verification, tests, rollback and risks.
    for section in ("迁移前检查", "数据校验（MLPS-4）", "功能验证与测试方案", "回退方案", "风险与应对"):
        assert texts.count(section) == 2, section
    for section in ("迁移后运维责任", "联系人", "审核签字"):
        assert section in texts
    assert "本方案依 PLAN-1 报市大数据局审核。" in body


def test_word_plan_states_method_and_outage_window_from_the_plan(
    city_plan: Plan, city: Inventory, tmp_path: Path
) -> None:
    plan = city_plan.model_copy(deep=True)
    budget = plan.system("fin-budget")
    budget.method, budget.estimated_outage_hours = "warm", 1.5
    write_department_plans(plan, city, out_dir=tmp_path, lang="zh")
    _, tables, _ = _docx_text(tmp_path / "departments" / "fin.docx")
    window = next(t for t in tables if any(row[:2] == ["迁移方式", "预同步后增量切换"] for row in t))
    rows = {row[0]: row[1] for row in window}
    assert rows["预计停机时长"] == "1.5 h"
    assert rows["迁移数据量"] == "500 GB"
    assert rows["批次"].startswith("1（2018-04-01 – 2018-04-30")


def test_word_plan_ends_with_a_sign_off_table_for_every_party(plans_dir: Path) -> None:
    _, tables, _ = _docx_text(plans_dir / "fin.docx")
    sign = tables[-1]
    assert sign[0] == ["单位", "审核意见", "签字（盖章）", "日期"]
    assert [row[0] for row in sign[1:]] == ["申报部门", "承建单位", "运维单位", "市大数据局"]


def test_english_word_plan_has_no_chinese_labels(city_plan: Plan, city: Inventory, tmp_path: Path) -> None:
    write_department_plans(city_plan, city, out_dir=tmp_path, lang="en")
    headings, _, _ = _docx_text(tmp_path / "departments" / "fin.docx")
    texts = [text for _, text in headings]
    assert texts[0] == "Migration technical plan: 市财政局"
    assert "Rollback" in texts and "回退方案" not in texts
