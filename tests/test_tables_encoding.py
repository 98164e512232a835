"""Encoding detection of text tables: UTF-8 with and without BOM, UTF-16, Swedish cp1252."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import detect_format, output_format, read_table
from ecs_tagger.tables.encoding import MIXED_ENCODING
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


# -- mixed encodings: UTF-8 with lines pasted from a Windows-1252 source --------------------------
def test_utf8_export_with_one_cp1252_line_keeps_every_utf8_row(tmp_path: Path) -> None:
    """The issue's case: one line of a UTF-8 export is cp1252; only that line is read as cp1252."""
    source = tmp_path / "export.csv"
    utf8_rows = ["1,Projektet hjälper företag", "3,Förädling av mjölk i Östergötland"]
    source.write_bytes(
        b"id,text\n"
        + (utf8_rows[0] + "\n").encode("utf-8")
        + "2,Stöd till lantbruk på Gotland\n".encode("cp1252")
        + (utf8_rows[1] + "\n").encode("utf-8")
    )
    fmt = detect_format(source)
    assert fmt.encoding == MIXED_ENCODING and not fmt.had_bom
    assert fmt.notes == (
        "export.csv is UTF-8 except line 3 (row 2), which is not UTF-8 and was read as "
        "Windows-1252 (cp1252); every other line was read as UTF-8, as written. Check that row, "
        "or pass --encoding if that is wrong",
    )
    assert fmt.encoding_label == "utf-8 (lines that are not UTF-8: cp1252)"
    frame = read_table(source)
    assert frame["text"].tolist() == [
        "Projektet hjälper företag",
        "Stöd till lantbruk på Gotland",
        "Förädling av mjölk i Östergötland",
    ]
    out = output_format(tmp_path / "out.csv", fmt)
    assert (out.encoding, out.had_bom) == ("utf-8", False)  # UTF-8 in, UTF-8 out
    target = tmp_path / "copy.csv"
    write_csv_copy(source, target)
    lines = target.read_bytes().split(b"\n")
    assert [lines[1], lines[3]] == [row.encode("utf-8") for row in utf8_rows]  # byte-identical
    assert lines[2] == "2,Stöd till lantbruk på Gotland".encode()


def test_bom_file_with_cp1252_lines_inside_a_multiline_cell(tmp_path: Path) -> None:
    """Variant: a BOM, CRLF line ends, Windows quotes and a dash, and a cell over three lines."""
    source = tmp_path / "bom.csv"
    source.write_bytes(
        'id;text\r\n1;Åtgärder för äldre\r\n2;"Första raden\r\n'.encode("utf-8-sig")
        + "“Citat” från Växjö – andra raden\r\n".encode("cp1252")
        + 'sista raden"\r\n3;Vård på distans\r\n'.encode()
        + "4;Café i Umeå\r\n".encode("cp1252")
    )
    fmt = detect_format(source)
    assert (fmt.encoding, fmt.had_bom, fmt.separator) == (MIXED_ENCODING, True, ";")
    assert "except lines 4 and 7 (rows 2 and 4), which are not UTF-8" in fmt.notes[0]
    frame = read_table(source)
    assert frame.columns.tolist() == ["id", "text"]  # the BOM is not part of the first name
    assert frame["text"].tolist() == [
        "Åtgärder för äldre",
        "Första raden\r\n“Citat” från Växjö – andra raden\r\nsista raden",
        "Vård på distans",
        "Café i Umeå",
    ]
    assert fmt.encoding_label == "utf-8 with BOM (lines that are not UTF-8: cp1252)"


def test_mixed_lines_are_read_right_across_read_buffers(tmp_path: Path) -> None:
    """Many lines, so that lines of both kinds straddle the reader's buffer boundaries."""
    source = tmp_path / "long.csv"
    rows = [
        f"{n}," + f"{'Fältet för rad' if n % 7 else 'Fältet för råd'} {n} " * 3 for n in range(3000)
    ]
    data = b"id,text\n" + b"".join(
        (row + "\n").encode("cp1252" if n % 97 == 5 else "utf-8") for n, row in enumerate(rows)
    )
    source.write_bytes(data)
    fmt = detect_format(source)
    assert fmt.encoding == MIXED_ENCODING
    assert "lines 7, 104, 201" in fmt.notes[0] and "and 21 more" in fmt.notes[0]
    frame = read_table(source)
    assert len(frame) == 3000
    assert [f"{i},{t}" for i, t in zip(frame["id"], frame["text"], strict=True)] == [
        r.rstrip("\n") for r in rows
    ]


def test_a_pasted_line_that_is_not_windows_1252_text_is_an_error(tmp_path: Path) -> None:
    """A line in DOS code page 437 (å is 0x86, † in cp1252) is not guessed at."""
    source = tmp_path / "dos.csv"
    source.write_bytes(b"id,text\n1,H\xc3\xa4lsa\n2," + "Sm\u00e5land".encode("cp437") + b"\n")
    with pytest.raises(InputError, match=r"dos\.csv: is UTF-8, but line 3 is not.*--encoding"):
        detect_format(source)


def test_jsonl_with_a_cp1252_line_names_its_row(tmp_path: Path) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(
        '{"text": "Hälsa"}\n\n'.encode()
        + '{"text": "Förnybar energi"}\n'.encode("cp1252")
        + '{"text": "Mjölk"}\n'.encode()
    )
    fmt = detect_format(source)
    assert "except line 3 (row 2)" in fmt.notes[0]
    assert read_table(source)["text"].tolist() == ["Hälsa", "Förnybar energi", "Mjölk"]
