"""Encoding detection of text tables: UTF-8 with and without BOM, UTF-16, Swedish cp1252."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import detect_format, output_format, read_table
from tables_support import SWEDISH, write_csv_copy


def test_csv_in_cp1252_is_detected_by_its_swedish_letters(tmp_path: Path) -> None:
    source = tmp_path / "legacy.csv"
    source.write_bytes(("namn;text\nÅsa;" + SWEDISH + "\n").encode("cp1252"))
    fmt = detect_format(source)
    assert fmt.encoding == "cp1252"
    assert fmt.notes and "cp1252" in fmt.notes[0] and "line 2" in fmt.notes[0]
    assert read_table(source)["text"].tolist() == [SWEDISH]
    out = output_format(tmp_path / "out.csv", fmt)
    assert out.encoding == "utf-8-sig" and out.had_bom  # so that Excel shows å ä ö


def test_csv_that_is_neither_utf8_nor_swedish_cp1252_asks_for_the_encoding(tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_bytes(b"a,b\n1,\x81\x8d\n")
    with pytest.raises(InputError, match=r"odd\.csv: line 2 .*encoding="):
        detect_format(source)
    assert read_table(source, encoding="latin-1")["b"].tolist() == ["\x81\x8d"]


def test_csv_with_bom_and_utf16(tmp_path: Path) -> None:
    source = tmp_path / "bom.csv"
    source.write_bytes(("id,text\n1," + SWEDISH + "\n").encode("utf-8-sig"))
    fmt = detect_format(source)
    assert fmt.had_bom and fmt.encoding == "utf-8-sig" and fmt.columns == ("id", "text")
    target = tmp_path / "copy.csv"
    write_csv_copy(source, target)
    assert target.read_bytes() == source.read_bytes()

    excel_text = tmp_path / "unicode.txt"  # Excel's "Unicode text": UTF-16 with BOM, tabs
    excel_text.write_bytes(("id\ttext\n1\t" + SWEDISH + "\n").encode("utf-16"))
    fmt = detect_format(excel_text)
    assert (fmt.encoding, fmt.separator) == ("utf-16", "\t")
    assert read_table(excel_text)["text"].tolist() == [SWEDISH]
