"""Survey CSV encodings: BOM, UTF-8, else GB18030 (Excel in a Chinese locale); else one clear error."""

from __future__ import annotations

import codecs

from inventory.encoding import GB18030, UTF8, Decoded, UndecodableText, decode_survey_text

ROW = "id,name,department\nfin-budget,预算管理系统,fin\n"


def test_utf8_text_is_read_as_utf8() -> None:
    assert decode_survey_text(ROW.encode("utf-8")) == Decoded(ROW, UTF8)


def test_a_byte_order_mark_decides_and_is_dropped() -> None:
    got = decode_survey_text(codecs.BOM_UTF8 + ROW.encode("utf-8"))
    assert isinstance(got, Decoded) and got.text == ROW and "BOM" in got.encoding
    got16 = decode_survey_text(ROW.encode("utf-16"))  # Python writes the BOM
    assert isinstance(got16, Decoded) and got16.text == ROW


def test_what_excel_saves_in_a_chinese_locale_is_read_as_gb18030() -> None:
    data = ROW.encode("gb18030")
    assert data != ROW.encode("utf-8")
    assert decode_survey_text(data) == Decoded(ROW, GB18030)


def test_rare_characters_outside_gbk_still_read_as_gb18030() -> None:
    text = "id,name\nx,𠀀𪚥系统\n"  # CJK extension B: four-byte sequences in GB18030
    assert decode_survey_text(text.encode("gb18030")) == Decoded(text, GB18030)


def test_a_file_in_neither_encoding_is_one_error_naming_the_byte_and_line() -> None:
    data = ROW.encode("utf-8") + b"x,\xff\xfe\xff,y\n"
    got = decode_survey_text(data)
    assert isinstance(got, UndecodableText)
    assert got.line == 3
    assert "0xff" in got.message and "GB18030" in got.message


def test_utf8_chinese_followed_by_gbk_rows_is_refused_as_two_encodings() -> None:
    data = "id,name\nx,预算系统\n".encode() + "y,国库系统\n".encode("gbk")
    got = decode_survey_text(data)
    assert isinstance(got, UndecodableText)
    assert got.line == 3 and "two encodings in one file" in got.message


def test_bundled_city_csv_saved_as_gb18030_loads_to_the_same_inventory(bundled_inventory, tmp_path) -> None:
    from inventory.loader import check_inventory
    from inventory.problems import Severity
    from inventory.survey import export_csv

    export_csv(bundled_inventory, tmp_path / "utf8")
    gb = tmp_path / "gb18030"
    gb.mkdir()
    for f in sorted((tmp_path / "utf8").glob("*.csv")):
        (gb / f.name).write_bytes(f.read_text(encoding="utf-8-sig").encode("gb18030"))
    inv, problems = check_inventory(gb)
    assert inv == bundled_inventory
    said = [p for p in problems if "read as GB18030" in p.message]
    assert said and all(p.severity is Severity.WARNING for p in said)
