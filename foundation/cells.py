"""Spreadsheet cells from untrusted text: never a formula, never a character a workbook refuses.

Every XLSX and CSV writer of govcloud passes its values through :func:`csv_value` or
:func:`xlsx_cell` (OWASP, "CSV Injection"): a text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return (or their full-width forms, which some spreadsheet programs fold
to ASCII) is prefixed with a single quote, so a spreadsheet shows it as text instead of
running ``=HYPERLINK(...)``, ``=WEBSERVICE(...)`` or a DDE payload. Readers of govcloud's own
files undo the prefix with :func:`restore`, so export and import round-trip exactly.
Numbers, dates and booleans are cells of their own type and are never prefixed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

# First characters that make a spreadsheet program read a cell as a formula (OWASP), plus the
# full-width forms ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_TRIGGERS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"
QUOTE = "'"
_NEEDS_QUOTE = re.compile(f"^'*[{re.escape(FORMULA_TRIGGERS)}]")


def neutralise(text: str) -> str:
    """*text* that a spreadsheet program shows as text, never evaluates.

    A text already starting with quotes before a trigger gets one more, so :func:`restore`
    can tell ours from the user's and the round trip is exact.
    """
    return QUOTE + text if _NEEDS_QUOTE.match(text) else text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given (for reading govcloud's own CSV/XLSX files back)."""
    if text.startswith(QUOTE) and _NEEDS_QUOTE.match(text[1:]):
        return text[1:]
    return text


def _without_illegal(text: str) -> str:
    # XML 1.0 cannot hold most C0 controls: show them as escapes rather than fail the workbook.
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def csv_value(value: Any) -> Any:
    """One CSV field: empty for None, ISO for dates, text neutralised; numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_row(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    """Every field of one CSV row through :func:`csv_value`."""
    return [csv_value(v) for v in values]


def xlsx_cell(sheet: Any, value: Any) -> Cell:
    """One workbook cell for *sheet* (normal or write-only) holding *value*, never a formula.

    In a workbook a text cell is never evaluated, so the text is kept as it is (the survey
    reads back equal) and a formula-like text is marked as quote-prefixed text: the
    spreadsheet shows it as text and keeps it text when the cell is edited. Characters XML
    cannot hold are shown as escapes instead of failing the whole workbook.
    """
    text = isinstance(value, str)
    if text:
        value = _without_illegal(value)
    cell = Cell(sheet, column=1, row=1, value=value)  # append() places it
    if text and (cell.data_type != "s" or _NEEDS_QUOTE.match(value)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: list[Any] | tuple[Any, ...]) -> list[Cell]:
    """Every value of one workbook row through :func:`xlsx_cell` (for ``sheet.append``)."""
    return [xlsx_cell(sheet, v) for v in values]
