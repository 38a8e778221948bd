"""Classes 9, 13 and 14: XLSX bombs are bounded before parsing; only regular files of bounded
size are read (a FIFO never hangs, /dev/zero never fills memory); control characters from a
CSV survey never crash `finance`.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from foundation import inputs
from tests.security.conftest import MINIMAL, problems_of, time_bound, write_yaml


@pytest.fixture(scope="module")
def survey_xlsx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from inventory.loader import load_inventory
    from inventory.template import export_xlsx

    path = tmp_path_factory.mktemp("xlsx") / "survey.xlsx"
    export_xlsx(load_inventory(MINIMAL), path)
    return path.read_bytes()


def _rewrite(data: bytes, edit: Any) -> bytes:
    """The workbook *data* with every worksheet part passed through *edit* (bytes -> bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = edit(body)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _declare_everything(body: bytes) -> bytes:
    """Declare A1:XFD1048576 and put one real cell in the last row: an honest reader pads nothing."""
    dimension = b'<dimension ref="A1:XFD1048576"/>'
    if b"<dimension" in body:
        body = re.sub(rb"<dimension[^>]*/>", dimension, body)
    else:
        body = body.replace(b"<sheetData", dimension + b"<sheetData", 1)
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>late</t></is></c></row>'
    return body.replace(b"</sheetData>", last + b"</sheetData>", 1)


def _far_cell(body: bytes) -> bytes:
    return body.replace(
        b"</sheetData>",
        b'<row r="1000"><c r="XFD1000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        1,
    )


def _padding(body: bytes) -> bytes:
    return body.replace(b"</worksheet>", b" " * (8 * 1024 * 1024) + b"</worksheet>", 1)


def test_a_sheet_declaring_every_cell_of_excel_reads_only_its_real_cells(
    survey_xlsx: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "declared.xlsx"
    path.write_bytes(_rewrite(survey_xlsx, _declare_everything))
    with zipfile.ZipFile(path) as z:
        assert any(b"XFD1048576" in z.read(n) for n in z.namelist() if "worksheets" in n)
    problems = problems_of(path)  # the bound is time_bound(60) inside problems_of
    assert problems and all(":1048576:" in p for p in problems), problems


def test_a_cell_in_the_last_column_is_refused_as_too_wide(survey_xlsx: bytes, tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(_rewrite(survey_xlsx, _far_cell))
    assert any("columns; at most" in p for p in problems_of(path))


def test_a_zip_expanding_more_than_a_hundredfold_is_refused_before_parsing(
    survey_xlsx: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_rewrite(survey_xlsx, _padding))
    assert path.stat().st_size < 400_000
    problems = problems_of(path)
    assert any("zip bomb" in p for p in problems), problems


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(cli, runner, tmp_path: Path) -> None:
    fifo = tmp_path / "city.yaml"
    os.mkfifo(fifo)
    with time_bound(30):
        result = runner.invoke(cli, ["inventory", "validate", str(fifo)])
    assert result.exit_code == 1
    assert "named pipe" in result.output


@pytest.mark.parametrize("option", ["--plan", "--policy"])
def test_a_named_pipe_as_plan_or_policy_is_refused(cli, runner, tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "input"
    os.mkfifo(fifo)
    with time_bound(60):
        result = runner.invoke(
            cli, ["report", str(MINIMAL), option, str(fifo), "--out", str(tmp_path / "o"), "-q"]
        )
    assert result.exit_code == 1, result.output
    assert "named pipe" in result.output


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_a_byte_is_read(device: str) -> None:
    with time_bound(10):
        assert any("character device" in p for p in problems_of(Path(device)))


def test_a_file_over_the_size_cap_is_refused(
    tmp_path: Path, city: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_yaml(tmp_path / "city.yaml", city)
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", path.stat().st_size - 1)
    assert any("the limit is" in p for p in problems_of(path))


def test_a_csv_survey_with_control_characters_never_crashes_finance(
    cli, runner, tmp_path: Path, city: dict[str, Any]
) -> None:
    from inventory.loader import load_inventory
    from inventory.survey import export_csv

    export_csv(load_inventory(write_yaml(tmp_path / "city.yaml", city)), tmp_path / "csv")
    systems = tmp_path / "csv" / "systems.csv"
    systems.write_text(
        systems.read_text(encoding="utf-8-sig").replace("预算管理系统", "预算\x07管理\x1b[2J系统\x0b"),
        encoding="utf-8-sig",
    )
    result = runner.invoke(cli, ["finance", str(tmp_path / "csv"), "--xlsx", str(tmp_path / "l.xlsx"), "-q"])
    assert result.exit_code == 1, result.output
    assert "control character U+0007" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_workbook_writer_shows_characters_xml_cannot_hold_instead_of_failing() -> None:
    import openpyxl

    from reporting.finance import Sheet, workbook_bytes, worksheet

    data = workbook_bytes([Sheet("assets", "资产", ["型号"], [["浪潮\x07NF5280\x1b"]], frozenset())])
    cell = worksheet(openpyxl.load_workbook(io.BytesIO(data)), "assets")["A2"].value
    assert cell == "浪潮\\x07NF5280\\x1b"


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested"),
        ("[" * 40 + "]" * 40, "nested"),
        ('[{"system": "a", "system": "b"}]', "twice"),
        ("[NaN]", "NaN"),
        ("[" + "9" * 5000 + "]", "digits"),
    ],
)
def test_json_cells_of_a_survey_are_bounded_and_strict(cell: str, words: str) -> None:
    from inventory.survey import CellError, _json_list

    with time_bound(10), pytest.raises(CellError, match=words):
        _json_list(cell)
