"""The survey workbook a department clerk fills in without help (普查表), and the export that reads back.

Layout: an instructions sheet (填表说明); the key/value sheet 概况; one sheet per entity with
Chinese headers that carry their units, mandatory columns marked ``*``; a system's hosts,
dependencies and shared resources on sheets of their own keyed by 系统编号; a hidden code
sheet (代码表) that the drop-downs read from. Every closed vocabulary and 是/否 column has a
drop-down, dates are date cells, references to departments, rooms, buildings, regions and
systems offer the IDs of their sheets (a name is accepted too, see ``inventory.survey``),
headers are frozen, styled and filterable. An empty template carries one example row per
sheet, marked 示例 so that it is never read as a record.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from foundation.atomic import atomic_write_bytes
from foundation.cells import xlsx_row
from inventory import labels
from inventory.models import ENTITY_MODELS, Inventory, Record
from inventory.survey import (
    META,
    OWNER,
    Column,
    ExportError,
    _get,
    nested_columns,
    sheet_columns,
    suggest,
    survey_tables,
    write_cell,
)

# Fields every record of a sheet must have (INVENTORY_FORMAT: "Mandatory to load"): marked *.
MANDATORY: dict[str, frozenset[str]] = {
    "regions": frozenset({"id", "name", "level"}),
    "buildings": frozenset({"id", "name", "region"}),
    "departments": frozenset({"id", "name", "region", "building"}),
    "rooms": frozenset({"id", "department", "building", "area_m2"}),
    "networks": frozenset({"id", "name", "kind"}),
    "systems": frozenset({"id", "name", "department", "category"}),
    "assets": frozenset({"id", "room", "kind"}),
    "platforms": frozenset({"id", "kind", "name"}),
    "system_hosts": frozenset({OWNER, "address"}),
    "system_dependencies": frozenset({OWNER, "system"}),
    "shared_resources": frozenset({OWNER, "name"}),
}

# Reference columns: the sheet whose ID column their drop-down offers.
REFERENCES: dict[str, str] = {
    "region": "regions",
    "parent": "regions",
    "building": "buildings",
    "department": "departments",
    "room": "rooms",
    "replaced_by": "systems",
    OWNER: "systems",
    "system": "systems",
}

MAX_ROWS = 2000  # rows a drop-down and a date format cover below the header

# One example row per sheet of an empty template; the ID carries the example mark.
EXAMPLES: dict[str, dict[str, Any]] = {
    "regions": {"id": "示例-fx", "name": "阜新市", "level": "city"},
    "buildings": {"id": "示例-b-gov1", "name": "市政府综合办公楼", "region": "fx"},
    "departments": {"id": "示例-fin", "name": "市财政局", "region": "fx", "building": "b-gov1"},
    "rooms": {
        "id": "示例-r-fin-1",
        "department": "fin",
        "building": "b-gov1",
        "area_m2": 45,
        "monthly_cost": 12000,
    },
    "networks": {
        "id": "示例-n-fin-inet",
        "name": "财政局互联网专线",
        "kind": "internet_line",
        "department": "fin",
        "carrier": "中国联通",
        "bandwidth_mbps": 100,
        "monthly_fee": 3000,
        "contract_end": dt.date(2019, 6, 30),
    },
    "systems": {
        "id": "示例-fin-budget",
        "name": "预算管理系统",
        "department": "fin",
        "category": "business",
        "classified": False,
        "mlps_level": 3,
        "status": "active",
        "usage.scope": "department",
        "usage.monthly_active_users": 120,
        "usage.last_used": dt.date(2017, 12, 20),
        "funding": "fiscal",
        "data_gb": 500,
        "downtime_hours": 8,
        "room": "r-fin-1",
    },
    "assets": {
        "id": "示例-a-0001",
        "room": "r-fin-1",
        "kind": "server",
        "model": "浪潮 NF5280M5",
        "book_value": 52000,
        "purchased": dt.date(2015, 3, 1),
    },
    "platforms": {"id": "示例-city-oa", "kind": "oa", "name": "市协同办公平台"},
    "system_hosts": {
        OWNER: "示例-fin-budget",
        "address": "10.1.2.3",
        "port": 22,
        "user": "migrate",
        "role": "app",
        "os": "CentOS 7",
    },
    "system_dependencies": {OWNER: "示例-fin-budget", "system": "hr-core", "kind": "data"},
    "shared_resources": {
        OWNER: "示例-fin-budget",
        "name": "财政供养人员信息",
        "type": "conditional",
        "basic": False,
    },
}

INSTRUCTIONS: tuple[str, ...] = (
    "政务信息系统普查表 填表说明",
    "1. 每个工作表填写一类信息：区域、楼宇、部门、机房、网络线路、信息系统、资产、共享平台；"
    "系统的主机、依赖关系和共享信息资源分别填在“系统主机”“系统依赖”“共享信息资源”表中，每行一项，"
    "用“系统编号”对应到信息系统表。",
    "2. 列名带 * 的为必填项，其余不知道的可以留空（规划时按保守默认值处理并提示补充）。",
    "3. 编号只用字母、数字、点、下划线和连字符，同一类中不得重复，例如 fin-budget。",
    "4. 有下拉框的单元格请从下拉列表中选择；是/否 列填“是”或“否”；日期填 2018-03-31 格式。",
    "5. 所属部门、所在机房、所在楼宇可以填编号，也可以填名称（名称须唯一）；等保级别可填 3 或“三级”。",
    "6. 以“示例”开头的行是填写示例，导入时不读取，可以删除。",
    "7. 金额单位为元，面积为平方米（m²），数据量和存储为 GB，带宽为 Mbps，时长为小时。",
    "8. 填好后用 govcloud inventory validate 文件名.xlsx 检查，所有问题会一次列出（文件、行、记录、字段）。",
)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _entity_rows(inv: Inventory | None, key: str, columns: Sequence[Column]) -> list[list[Any]]:
    """Data rows of sheet *key* (without the header), or the example row of an empty template."""
    if inv is None:
        example = EXAMPLES.get(key, {})
        return [[write_cell(c, _example_value(c, example.get(c.name)), for_csv=False) for c in columns]]
    if key in labels.NESTED_SHEETS:
        field_name, _ = labels.NESTED_SHEETS[key]
        rows = []
        for system in inv.systems:
            for item in _get(system, field_name) or []:
                cells = [write_cell(c, _get(item, c.name), for_csv=False) for c in columns[1:]]
                rows.append([system.id, *cells])
        return rows
    return [[write_cell(c, _get(rec, c.name), for_csv=False) for c in columns] for rec in getattr(inv, key)]


def _example_value(col: Column, value: Any) -> Any:
    if value is None or col.enum is None:
        return value
    return col.enum(value)


def _sheet_columns(key: str, nested_fields: frozenset[str]) -> list[Column]:
    if key in labels.NESTED_SHEETS:
        return nested_columns(key)
    return [c for c in sheet_columns(key) if not (key == "systems" and c.name in nested_fields)]


def survey_workbook_bytes(inv: Inventory | None = None, *, department: str | None = None) -> bytes:
    """The formatted survey workbook: of *inv*, or an empty template (for one *department*)."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import IllegalCharacterError
    from openpyxl.worksheet.datavalidation import DataValidation

    if inv is not None and department is not None:
        inv = _department_slice(inv, department)
    book = openpyxl.Workbook()
    intro = book.active
    assert intro is not None
    intro.title = labels.INSTRUCTIONS_SHEET
    for line in INSTRUCTIONS:
        intro.append([line])
    intro["A1"].font = Font(bold=True, size=14)
    intro.column_dimensions["A"].width = 120
    for row in intro.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    codes = book.create_sheet(labels.CODES_SHEET)
    code_ranges: dict[str, str] = {}
    vocabularies: list[tuple[str, list[str]]] = [
        (enum.__name__, [titles[0] for titles in values.values()])
        for enum, values in labels.VALUE_LABELS.items()
    ]
    vocabularies.append(("yes_no", [labels.TRUE_LABELS[0], labels.FALSE_LABELS[0]]))
    for i, (name, values) in enumerate(vocabularies, start=1):
        letter = get_column_letter(i)
        codes.cell(row=1, column=i, value=name)
        for r, v in enumerate(values, start=2):
            codes.cell(row=r, column=i, value=v)
        code_ranges[name] = f"'{labels.CODES_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    codes.sheet_state = "hidden"

    nested_fields = frozenset(f for f, _ in labels.NESTED_SHEETS.values())
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="2F5597")
    thin = Side(style="thin", color="BFBFBF")
    order = [
        "regions",
        "buildings",
        "departments",
        "rooms",
        "networks",
        "systems",
        *labels.NESTED_SHEETS,
        "assets",
        "platforms",
    ]
    id_ranges: dict[str, str] = {}
    sheets: list[tuple[str, Any, list[Column]]] = []
    for key in order:
        title = (labels.NESTED_SHEETS[key][1] if key in labels.NESTED_SHEETS else labels.SHEET_TITLES[key])[0]
        ws = book.create_sheet(title)
        columns = _sheet_columns(key, nested_fields)
        sheets.append((key, ws, columns))
        if key in ENTITY_MODELS:
            id_ranges[key] = f"'{title}'!$A$2:$A${MAX_ROWS + 1}"
    try:
        _write_meta(book, inv)
        for key, ws, columns in sheets:
            mandatory = MANDATORY.get(key, frozenset())
            ws.append([c.title + ("*" if c.name in mandatory else "") for c in columns])
            rows = _entity_rows(inv, key, columns)
            if inv is None and department is not None:
                rows = [_for_department(key, columns, row, department) for row in rows]
            for row in rows:
                ws.append(xlsx_row(ws, row))  # survey text is never a formula (foundation.cells)
            example = inv is None
            for cell in ws[1]:
                cell.font, cell.fill = header_font, header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
                cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            if example:
                for cell in ws[2]:
                    cell.font = Font(italic=True, color="808080")
            ws.freeze_panes = "B2"
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 2)}"
            ws.row_dimensions[1].height = 36
            for i, col in enumerate(columns, start=1):
                letter = get_column_letter(i)
                values = [str(r[i - 1]) for r in rows if r[i - 1] is not None]
                width = max([_width(col.title) + 2, *(_width(v) for v in values[:200]), 10])
                ws.column_dimensions[letter].width = min(width + 2, 40)
                span = f"{letter}2:{letter}{MAX_ROWS + 1}"
                validation = _validation(col, code_ranges, id_ranges, DataValidation)
                if validation is not None:
                    ws.add_data_validation(validation)
                    validation.add(span)
                if col.kind == "date":
                    for (cell,) in ws.iter_rows(min_row=2, max_row=max(ws.max_row, 2), min_col=i, max_col=i):
                        cell.number_format = "yyyy-mm-dd"
                        if isinstance(cell.value, str):
                            cell.value = dt.date.fromisoformat(cell.value)
    except IllegalCharacterError as exc:
        raise ExportError(f"a text contains a character a workbook cannot hold: {exc}") from None
    book.move_sheet(codes, offset=len(book.sheetnames) - 1 - book.index(codes))  # the code sheet goes last
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _validation(col: Column, code_ranges: dict[str, str], id_ranges: dict[str, str], factory: Any) -> Any:
    """The drop-down (or type check) of one column, or None for free text."""
    if col.kind == "enum" and col.enum is not None and col.enum.__name__ in code_ranges:
        return factory(
            type="list",
            formula1=f"={code_ranges[col.enum.__name__]}",
            allow_blank=True,
            showErrorMessage=True,
            error=f"{col.title}：请从下拉列表选择",
        )
    if col.kind == "bool":
        return factory(
            type="list",
            formula1=f"={code_ranges['yes_no']}",
            allow_blank=True,
            showErrorMessage=True,
            error=f"{col.title}：请填“是”或“否”",
        )
    if col.kind == "date":
        return factory(
            type="date",
            operator="greaterThan",
            formula1="DATE(1949,10,1)",
            allow_blank=True,
            showErrorMessage=True,
            error=f"{col.title}：请填日期，例如 2018-03-31",
        )
    target = REFERENCES.get(col.name)
    if target is not None and target in id_ranges and col.kind == "str":
        # A name is accepted as well as an ID: a warning, not a refusal.
        return factory(
            type="list",
            formula1=f"={id_ranges[target]}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            error=f"{col.title}：不在编号列表中，请确认名称唯一",
        )
    return None


def _write_meta(book: Any, inv: Inventory | None) -> None:
    ws = book.create_sheet(labels.SHEET_TITLES[META][0], 1)
    if inv is not None:
        for row in next(rows for key, rows in survey_tables(inv) if key == META):
            ws.append(xlsx_row(ws, row))
    else:
        columns = sheet_columns(META)
        ws.append([labels.COLUMN_TITLES[META]["field"][0], labels.COLUMN_TITLES[META]["value"][0]])
        for col in columns:
            ws.append([col.title, None])
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 24


def _for_department(key: str, columns: Sequence[Column], row: list[Any], department: str) -> list[Any]:
    """The example row of a department's own template names the department."""
    return [department if c.name == "department" else v for c, v in zip(columns, row, strict=True)]


def _department_slice(inv: Inventory, department: str) -> Inventory:
    """The records a department's clerk reviews: its own, and the places they refer to."""
    if department not in {d.id for d in inv.departments}:
        known = [d.id for d in inv.departments]
        raise ExportError(f"no department '{department}' in the inventory{suggest(department, known)}")
    systems = [s for s in inv.systems if s.department == department]
    rooms = [r for r in inv.rooms if r.department == department]
    room_ids = {r.id for r in rooms}
    data: dict[str, Sequence[Record]] = {
        "departments": [d for d in inv.departments if d.id == department],
        "rooms": rooms,
        "networks": [n for n in inv.networks if n.department == department],
        "systems": systems,
        "assets": [a for a in inv.assets if a.room in room_ids],
    }
    return inv.model_copy(update=data)


def write_survey_workbook(
    path: str | Path, inv: Inventory | None = None, *, department: str | None = None
) -> None:
    """Write the survey workbook (of *inv*, or an empty template) to *path*, atomically."""
    atomic_write_bytes(path, survey_workbook_bytes(inv, department=department))


def export_xlsx(inv: Inventory, path: str | Path) -> None:
    """Write the survey workbook of *inv* to *path* (atomically): the form clerks fill, filled in."""
    write_survey_workbook(path, inv)
