"""The survey workbook a clerk fills in: instructions, drop-downs, dates, nested sheets, names for IDs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from inventory import labels
from inventory.loader import check_inventory
from inventory.models import Inventory, SystemCategory
from inventory.template import write_survey_workbook


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "普查表.xlsx"
    write_survey_workbook(path)
    return path


def _validations(ws: Any) -> dict[str, Any]:
    """Column letter -> the data validation covering it from row 2."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0].rstrip("0123456789")] = dv
    return out


def _column(ws: Any, title: str) -> str:
    for cell in ws[1]:
        if str(cell.value).rstrip("*") == title:
            return str(cell.column_letter)
    raise AssertionError(f"no column {title}")


def test_the_workbook_opens_with_instructions_and_has_a_sheet_per_entity_and_nested_list(blank: Path) -> None:
    book = openpyxl.load_workbook(blank)
    assert book.sheetnames[0] == "填表说明" and book.sheetnames[1] == "概况"
    for key in ("regions", "buildings", "departments", "rooms", "networks", "systems", "assets", "platforms"):
        assert labels.SHEET_TITLES[key][0] in book.sheetnames
    for _, titles in labels.NESTED_SHEETS.values():
        assert titles[0] in book.sheetnames
    assert book.sheetnames[-1] == "代码表" and book["代码表"].sheet_state == "hidden"
    assert any("示例" in str(row[0].value) for row in book["填表说明"].iter_rows())


def test_headers_are_frozen_styled_filterable_and_carry_units_and_mandatory_marks(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)["机房"]
    header = [c.value for c in ws[1]]
    assert "机房面积（m²）*" in header and "月运行费用（元/月）" in header and "机房编号*" in header
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws["A1"].font.bold
    assert all(ws.column_dimensions[c].width >= 10 for c in ("A", "B", "C"))
    systems = [c.value for c in openpyxl.load_workbook(blank)["信息系统"][1]]
    assert "待迁移数据量（GB）" in systems and "主机清单" not in systems  # hosts have their own sheet


def test_every_closed_vocabulary_and_yes_no_column_has_a_drop_down(blank: Path) -> None:
    book = openpyxl.load_workbook(blank)
    ws = book["信息系统"]
    v = _validations(ws)
    category = v[_column(ws, "系统类别")]
    assert category.type == "list" and "代码表" in category.formula1
    codes = book["代码表"]
    col = next(c for c in codes[1] if c.value == "SystemCategory").column_letter
    listed = [
        c.value
        for (c,) in codes.iter_rows(
            min_row=2, min_col=codes[col + "1"].column, max_col=codes[col + "1"].column
        )
        if c.value
    ]
    assert listed == [labels.VALUE_LABELS[SystemCategory][c][0] for c in SystemCategory]
    assert v[_column(ws, "是否涉密")].type == "list"
    assert v[_column(ws, "信创适配状态")].type == "list"
    assert v[_column(ws, "最近使用时间")].type == "date"
    department = v[_column(ws, "所属部门")]
    assert department.type == "list" and "部门" in department.formula1 and department.errorStyle == "warning"


def test_date_cells_are_dates(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)["信息系统"]
    cell = ws[f"{_column(ws, '最近使用时间')}2"]
    assert isinstance(cell.value, dt.datetime) and cell.number_format == "yyyy-mm-dd"


def test_the_example_rows_are_never_read_as_records(blank: Path) -> None:
    inv, problems = check_inventory(blank)
    assert inv is None
    # Only the meta sheet is empty in a blank form; no example row becomes a record or a problem.
    assert {p.field for p in problems} == {"city", "cloud"}


def _fill(path: Path, rows: dict[str, list[dict[str, Any]]], meta: dict[str, Any]) -> None:
    """Fill a blank form as a clerk would: Chinese titles, labels, names where IDs belong."""
    book = openpyxl.load_workbook(path)
    for title, value in meta.items():
        ws = book["概况"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == title:
                row[1].value = value
    for sheet, records in rows.items():
        ws = book[sheet]
        ws.delete_rows(2)  # the example
        header = [str(c.value).rstrip("*") for c in ws[1]]
        for r, record in enumerate(records, start=2):
            for title, value in record.items():
                ws.cell(row=r, column=header.index(title) + 1, value=value)
    book.save(path)


META = {
    "城市编号": "c",
    "城市名称": "测试市",
    "公共服务域vCPU": 100,
    "公共服务域内存（GB）": 400,
    "公共服务域存储（GB）": 1000,
    "行政服务域vCPU": 100,
    "行政服务域内存（GB）": 400,
    "行政服务域存储（GB）": 1000,
}
BASE = {
    "区域": [{"区域编号": "c", "区域名称": "测试市", "行政级别": "市"}],
    "楼宇": [{"楼宇编号": "b", "楼宇名称": "综合楼", "所在区域": "测试市"}],
    "部门": [{"部门编号": "fin", "部门名称": "市财政局", "所在区域": "c", "办公楼宇": "综合楼"}],
    "机房": [
        {
            "机房编号": "r1",
            "机房名称": "财政局机房",
            "所属部门": "市财政局",
            "所在楼宇": "b",
            "机房面积（m²）": 30,
        }
    ],
}


def test_a_clerks_entries_map_to_the_model(blank: Path, tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(blank.read_bytes())
    _fill(
        path,
        {
            **BASE,
            "信息系统": [
                {
                    "系统编号": "fin-budget",
                    "系统名称": "预算管理系统",
                    "所属部门": "市财政局",
                    "系统类别": "业务系统",
                    "等级保护级别": "三级",
                    "是否涉密": "否",
                    "所在机房": "财政局机房",
                    "使用范围": "部门内部",
                    "最近使用时间": dt.date(2018, 1, 5),
                    "承建单位": "某某软件公司",
                    "操作系统": "麒麟 V10",
                    "信创适配状态": "适配中",
                },
                {"系统编号": "fin-pay", "系统名称": "支付系统", "所属部门": "fin", "系统类别": "业务系统"},
            ],
            "系统主机": [
                {"系统编号": "fin-budget", "主机地址": "10.0.0.5", "主机角色": "db"},
                {"系统编号": "fin-budget", "主机地址": "10.0.0.6"},
            ],
            "系统依赖": [{"系统编号": "fin-budget", "依赖系统编号": "fin-pay", "依赖类型": "接口"}],
            "共享信息资源": [{"系统编号": "fin-budget", "资源名称": "预算数据", "共享类型": "有条件共享"}],
        },
        META,
    )
    inv, problems = check_inventory(path)
    assert inv is not None, [str(p) for p in problems]
    budget = next(s for s in inv.systems if s.id == "fin-budget")
    assert budget.department == "fin" and budget.room == "r1" and budget.mlps_level == 3
    assert budget.usage is not None and budget.usage.last_used == dt.date(2018, 1, 5)
    assert [h.address for h in budget.hosts] == ["10.0.0.5", "10.0.0.6"] and budget.hosts[0].role == "db"
    assert [(d.system, d.kind.value) for d in budget.depends_on] == [("fin-pay", "api")]
    assert [r.name for r in budget.sharing.resources] == ["预算数据"]
    assert budget.builder == "某某软件公司" and budget.os == "麒麟 V10" and budget.xinchuang == "adapting"
    assert inv.rooms[0].department == "fin" and inv.buildings[0].region == "c"


def test_an_ambiguous_name_is_a_problem_naming_the_candidates(blank: Path, tmp_path: Path) -> None:
    path = tmp_path / "ambiguous.xlsx"
    path.write_bytes(blank.read_bytes())
    departments = [
        {"部门编号": "fin", "部门名称": "财政局", "所在区域": "c", "办公楼宇": "b"},
        {"部门编号": "fin2", "部门名称": "财政局", "所在区域": "c", "办公楼宇": "b"},
    ]
    _fill(
        path,
        {
            **BASE,
            "部门": departments,
            "信息系统": [{"系统编号": "s1", "系统名称": "系统", "所属部门": "财政局", "系统类别": "网站"}],
        },
        META,
    )
    inv, problems = check_inventory(path)
    assert inv is None
    said = [str(p) for p in problems if "财政局" in p.message]
    assert any(
        "[信息系统]:2: s1: department:" in s and "fin, fin2" in s and "write the ID" in s for s in said
    )


def test_a_nested_row_naming_no_system_is_a_problem_with_a_suggestion(blank: Path, tmp_path: Path) -> None:
    path = tmp_path / "orphan.xlsx"
    path.write_bytes(blank.read_bytes())
    _fill(
        path,
        {
            **BASE,
            "信息系统": [
                {"系统编号": "fin-budget", "系统名称": "预算", "所属部门": "fin", "系统类别": "业务系统"}
            ],
            "系统主机": [{"系统编号": "fin-budgte", "主机地址": "10.0.0.5"}],
        },
        META,
    )
    inv, problems = check_inventory(path)
    assert inv is None
    assert any(
        "[系统主机]:2: fin-budgte: system_id: names no system" in str(p) and "fin-budget" in str(p)
        for p in problems
    )


def test_a_departments_workbook_holds_its_own_records(bundled_inventory: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "fin.xlsx"
    write_survey_workbook(path, bundled_inventory, department="fin")
    ws = openpyxl.load_workbook(path)["信息系统"]
    ids = [row[0].value for row in ws.iter_rows(min_row=2) if row[0].value]
    assert ids and ids == [s.id for s in bundled_inventory.systems if s.department == "fin"]
