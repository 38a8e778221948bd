"""The survey route: XLSX and CSV in, XLSX and CSV out, Chinese or English headers, same model."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import openpyxl
import pytest

from inventory import labels
from inventory.loader import check_inventory, load_inventory
from inventory.models import ENTITY_MODELS
from inventory.problems import Severity
from inventory.survey import export_csv, read_cell, sheet_columns, survey_tables
from inventory.template import export_xlsx

MINIMAL = Path(__file__).resolve().parent.parent / "data" / "minimal" / "city"


@pytest.fixture(scope="module")
def minimal():
    return load_inventory(MINIMAL)


def test_sample_city_round_trips_through_xlsx(bundled_inventory, tmp_path):
    export_xlsx(bundled_inventory, tmp_path / "survey.xlsx")
    assert load_inventory(tmp_path / "survey.xlsx") == bundled_inventory


def test_minimal_city_round_trips_through_xlsx_and_csv(minimal, tmp_path):
    export_xlsx(minimal, tmp_path / "survey.xlsx")
    assert load_inventory(tmp_path / "survey.xlsx") == minimal
    export_csv(minimal, tmp_path / "csv")
    assert load_inventory(tmp_path / "csv") == minimal


def test_exported_workbook_reads_like_the_chinese_survey_form(minimal, tmp_path):
    export_xlsx(minimal, tmp_path / "survey.xlsx")
    book = openpyxl.load_workbook(tmp_path / "survey.xlsx", read_only=True)
    assert book.sheetnames[:3] == ["填表说明", "概况", "区域"]
    rows = list(book["信息系统"].iter_rows(values_only=True))
    titles = [str(t).rstrip("*") for t in rows[0]]  # mandatory columns carry a *
    header = dict(itertools.zip_longest(titles, rows[1]))  # read-only rows stop at the last filled cell
    assert header["系统名称"] == "预算管理系统"
    assert (
        header["使用范围"] == "部门内部" and header["经费来源"] == "财政资金" and header["是否涉密"] == "否"
    )
    assert header["审批部门"] == "市发改委" and header["审批时间"] == dt.datetime(2014, 5, 1)  # a date cell
    assert header["等级保护级别"] == 3 and header["承载网络"] == "n-extranet"


def test_english_headers_and_values_give_the_same_model_as_chinese(minimal, tmp_path):
    out = tmp_path / "en"
    out.mkdir()
    for key, rows in survey_tables(minimal, for_csv=True):
        if key == labels.META_SHEET:
            en = [["field", "value"]] + [
                [c.name, v] for c, (_, v) in zip(sheet_columns(key), rows[1:], strict=True)
            ]
        else:
            cols = sheet_columns(key)
            en = [[c.name for c in cols]] + [
                [_english(c, v) for c, v in zip(cols, row, strict=True)] for row in rows[1:]
            ]
        (out / f"{key}.csv").write_text(
            "\n".join(",".join(_csv(v) for v in row) for row in en), encoding="utf-8"
        )
    assert load_inventory(out) == minimal


def _english(col, value):
    """Turn a Chinese value label back into the English enum value / true-false."""
    if value is None:
        return None
    if col.kind == "enum":
        return next(k for k, titles in labels.VALUE_LABELS[col.enum].items() if titles[0] == value)
    if col.kind == "bool":
        return "true" if value == "是" else "false"
    return value


def _csv(value):
    if value is None:
        return ""
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def test_every_survey_column_has_a_chinese_title():
    for key in (labels.META_SHEET, *ENTITY_MODELS):
        untitled = [c.name for c in sheet_columns(key) if not c.titles]
        assert untitled == [], key


def test_issue_survey_titles_map_to_the_right_fields():
    titles = {t: c.name for c in sheet_columns("systems") for t in c.titles}
    assert {
        titles[t]
        for t in (
            "系统名称",
            "所属部门",
            "使用范围",
            "使用频度",
            "审批部门",
            "审批时间",
            "经费来源",
            "承载网络",
            "等级保护级别",
            "是否涉密",
        )
    } == {
        "name",
        "department",
        "usage.scope",
        "usage.monthly_active_users",
        "approval.authority",
        "approval.date",
        "funding",
        "networks",
        "mlps_level",
        "classified",
    }
    assert any("机房面积" in c.titles for c in sheet_columns("rooms") if c.name == "area_m2")
    assert any("月租费" in c.titles for c in sheet_columns("networks") if c.name == "monthly_fee")


def test_cells_accept_labels_lists_dependencies_and_dates():
    cols = {c.name: c for c in sheet_columns("systems")}
    assert read_cell(cols["classified"], "是") is True and read_cell(cols["classified"], "否") is False
    assert read_cell(cols["usage.scope"], "部门内部") == "department"
    assert read_cell(cols["networks"], "n-a; n-b；n-c") == ["n-a", "n-b", "n-c"]
    assert read_cell(cols["depends_on"], "hr-core:data;gis:接口;plain") == [
        {"system": "hr-core", "kind": "data"},
        {"system": "gis", "kind": "api"},
        {"system": "plain"},
    ]
    assert read_cell(cols["approval.date"], "2014年5月1日") == "2014-05-01"
    assert read_cell(cols["approval.date"], dt.datetime(2014, 5, 1)) == dt.date(2014, 5, 1)
    assert read_cell(cols["investment"], "1,200,000") == 1200000.0
    assert read_cell(cols["utilisation"], "35%") == pytest.approx(0.35)


def _workbook(tmp_path: Path, minimal, edit) -> Path:
    export_xlsx(minimal, tmp_path / "in.xlsx")
    book = openpyxl.load_workbook(tmp_path / "in.xlsx")
    edit(book)
    book.save(tmp_path / "edited.xlsx")
    return tmp_path / "edited.xlsx"


def test_xlsx_problems_name_sheet_row_record_and_field(minimal, tmp_path):
    def edit(book):
        ws = book["信息系统"]
        header = [str(c.value).rstrip("*") for c in ws[1]]
        ws.cell(row=3, column=header.index("系统类别") + 1, value="火箭")
        ws.cell(row=4, column=header.index("所属部门") + 1, value="nobody")

    path = _workbook(tmp_path, minimal, edit)
    inv, problems = check_inventory(path)
    assert inv is None
    assert [str(p) for p in problems] == [
        f"{path}[信息系统]:3: fin-web: category: '火箭' is not allowed; expected one of: "
        "'business', 'website', 'oa', 'hotline', 'video', 'email', 'im' or 'lan_only'",
        f"{path}[信息系统]:4: hr-core: department: unknown department 'nobody'",
    ]


def test_unknown_sheet_is_skipped_with_a_warning(minimal, tmp_path):
    path = _workbook(tmp_path, minimal, lambda book: book.create_sheet("备注"))
    inv, problems = check_inventory(path)
    assert inv == minimal
    # The form's own instructions and code sheets are read past silently.
    assert [(p.severity, p.file) for p in problems] == [(Severity.WARNING, f"{path}[备注]")]


def test_a_csv_mixing_utf8_and_gbk_says_where_the_bad_byte_is(tmp_path):
    (tmp_path / "systems.csv").write_bytes("系统编号,系统名称\n".encode() + "s1,预算".encode("gbk") + b"\n")
    inv, problems = check_inventory(tmp_path)
    assert inv is None
    # GBK 预 (d4 a4) happens to be valid UTF-8; 算 (cb e3) is not: 26 header bytes + "s1," + 2
    assert len(problems) == 1  # one clear error, not a cascade of unknown columns
    assert problems[0].line == 2
    assert "two encodings in one file: byte 0xcb at offset 31" in problems[0].message
