"""Which encoding a survey CSV file is in: what Excel writes in a Chinese locale is GB18030.

Detection, in order: a byte-order mark (UTF-8 or UTF-16), else valid UTF-8, else valid GB18030
(which includes GBK and GB2312). A file that is none of these is refused with one error naming
the first byte that fits none, before any of its rows is read: a wrong guess would otherwise
surface as hundreds of cascading field errors.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# (byte-order mark, codec, label), longest first so UTF-32 never hides behind UTF-16.
BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (with BOM)"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (with BOM)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (with BOM)"),
)
UTF8 = "UTF-8"
GB18030 = "GB18030"


@dataclass(frozen=True)
class Decoded:
    """The text of a file and the encoding it was read in (a label for the user)."""

    text: str
    encoding: str


@dataclass(frozen=True)
class UndecodableText:
    """Neither UTF-8 nor GB18030: where the first byte that fits neither sits."""

    message: str
    line: int


def decode_survey_text(data: bytes) -> Decoded | UndecodableText:
    """*data* as text, by BOM, then UTF-8, then GB18030; or one error for the whole file."""
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), label)
            except UnicodeDecodeError as exc:
                return _undecodable(data, exc.start, label)
    try:
        return Decoded(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError as utf8_error:
        if _has_ideographs(data[: utf8_error.start].decode("utf-8", errors="ignore")):
            # Chinese that reads as UTF-8, then bytes that do not: two encodings in one file
            # (rows pasted from another file). GB18030 would read it all, as gibberish.
            return _undecodable(data, utf8_error.start, UTF8, mixed=True)
        try:
            return Decoded(data.decode("gb18030"), GB18030)
        except UnicodeDecodeError as gb_error:
            # Report the later of the two failures: up to there, at least one reading held.
            return _undecodable(data, max(utf8_error.start, gb_error.start), f"{UTF8} or {GB18030}")


def _has_ideographs(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _undecodable(data: bytes, offset: int, tried: str, *, mixed: bool = False) -> UndecodableText:
    line = data.count(b"\n", 0, offset) + 1
    what = f"{tried} up to here, then not: two encodings in one file" if mixed else f"neither {tried}"
    return UndecodableText(
        f"{what}: byte 0x{data[offset]:02x} at offset {offset} (line {line}); "
        "save the whole file as UTF-8 or as CSV from Excel (GB18030)",
        line,
    )
