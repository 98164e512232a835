"""Reading and writing tables: pure I/O, no model needed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import (
    MISSING,
    TableWriter,
    detect_format,
    iter_chunks,
    output_format,
    read_table,
    sniff_separator,
)

SWEDISH = "Projektet stärker företagens förmåga att växa i Östergötland och Gävleborg."


def write_csv_copy(source: Path, target: Path) -> None:
    fmt = detect_format(source)
    with TableWriter(target, output_format(target, fmt), header=fmt.header) as writer:
        for chunk in iter_chunks(source, fmt, 2):
            writer.write(chunk)


# -- CSV -----------------------------------------------------------------------------------------
def test_csv_round_trip_keeps_every_cell_verbatim(tmp_path: Path) -> None:
    text = (
        "id;datum;belopp;beskrivning\r\n"
        "007;2021-01-05;1 000,50;" + SWEDISH + "\r\n"
        '0012;;;"Flera rader:\r\nrad två; med semikolon och ""citat"""\r\n'
        "NA;null;-;\r\n"
    )
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode("utf-8"))
    fmt = detect_format(source)
    assert (fmt.kind, fmt.separator, fmt.encoding, fmt.lineterminator) == (
        "csv",
        ";",
        "utf-8",
        "\r\n",
    )
    frame = read_table(source)
    assert frame["id"].tolist() == ["007", "0012", "NA"]
    assert frame["datum"].tolist() == ["2021-01-05", "", "null"]
    assert frame["belopp"].tolist() == ["1 000,50", "", "-"]
    target = tmp_path / "out.csv"
    write_csv_copy(source, target)
    assert target.read_bytes() == source.read_bytes()


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


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),
        ('a,b,c\n1,"2;5",3\n', ","),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ("text\nhej, hopp\n", ","),
    ],
)
def test_separator_sniffing(sample: str, expected: str) -> None:
    assert sniff_separator(sample) == expected


def test_separator_can_be_named(tmp_path: Path) -> None:
    source = tmp_path / "tabs.csv"
    source.write_text("a\tb;c\n1\t2;3\n", encoding="utf-8")
    assert detect_format(source, separator="\\t").separator == "\t"
    assert detect_format(source, separator="semicolon").columns == ("a\tb", "c")
    with pytest.raises(InputError, match="one character"):
        detect_format(source, separator=";;")
    with pytest.raises(InputError, match="only Excel files have sheets"):
        detect_format(source, sheet="Blad1")


def test_csv_rows_with_missing_or_extra_cells(tmp_path: Path) -> None:
    source = tmp_path / "ragged.csv"
    source.write_text("a;b;c\n1;2\n3;4;5;\n", encoding="utf-8")
    frame = read_table(source)
    assert frame.values.tolist() == [["1", "2", ""], ["3", "4", "5"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b;c\n1;2;3\n4;5;6;oops\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"bad\.csv: line 3 \(row 2\) has 4 cells but the header has 3"
    ):
        read_table(bad)


def test_csv_empty_and_duplicate_header_names_are_written_back(tmp_path: Path) -> None:
    source = tmp_path / "dup.csv"
    source.write_text("namn,namn,\nA,B,C\n", encoding="utf-8")
    fmt = detect_format(source)
    assert fmt.columns == ("namn", "namn.1", "Unnamed: 2")
    target = tmp_path / "copy.csv"
    write_csv_copy(source, target)
    assert target.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_huge_cell_is_read(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    source.write_text('id,text\n1,"' + "ord " * 100_000 + '"\n', encoding="utf-8")
    assert len(read_table(source)["text"][0]) == 400_000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xls", b"", r"\.xls files are not supported: .*save it as \.xlsx"),
        ("a.json", b"[]", r"JSON Lines"),
        ("a.doc", b"", r"supported: \.csv, \.tsv"),
        ("empty.csv", b"", r"empty"),
        ("missing.csv", None, r"no such file"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        detect_format(path)


# -- chunks --------------------------------------------------------------------------------------
def test_chunks_are_consecutive_row_ranges(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("n\n" + "".join(f"{i}\n" for i in range(7)), encoding="utf-8")
    chunks = list(iter_chunks(source, detect_format(source), 3))
    assert [list(c.index) for c in chunks] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [v for c in chunks for v in c["n"]] == [str(i) for i in range(7)]
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n", encoding="utf-8")
    (only,) = iter_chunks(header_only, detect_format(header_only), 3)
    assert only.empty and list(only.columns) == ["a", "b"]


# -- JSON Lines ----------------------------------------------------------------------------------
def test_jsonl_keeps_values_and_absent_keys(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    records = [
        {"id": 7, "text": SWEDISH, "meta": {"år": 2021, "taggar": ["a", "b"]}},
        {"id": "007", "text": None},
        {"text": "bara text", "extra": 1.5},
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "\n")
    fmt = detect_format(source)
    assert fmt.columns == ("id", "text", "meta", "extra") and fmt.rows == 3
    frame = read_table(source)
    assert frame.loc[0, "meta"] == {"år": 2021, "taggar": ["a", "b"]}
    assert frame.loc[1, "text"] is None and frame.loc[1, "meta"] is MISSING
    target = tmp_path / "out.jsonl"
    with TableWriter(target) as writer:
        for chunk in iter_chunks(source, fmt, 2):
            writer.write(chunk)
    assert [json.loads(line) for line in target.read_text().splitlines()] == records


@pytest.mark.parametrize(
    ("line", "message"),
    [('{"text": "a"', r"line 2 is not valid JSON"), ('["a"]', r"line 2 is a JSON list")],
)
def test_jsonl_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        detect_format(source)


# -- Excel ---------------------------------------------------------------------------------------
def make_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Projekt"
    sheet.append(["id", "startdatum", "belopp", "text", 2021])
    sheet.append(["007", dt.datetime(2021, 3, 1), 150000, SWEDISH, True])
    sheet.append([8, None, 12.5, None, None])
    workbook.create_sheet("Annat").append(["x"])
    workbook.save(path)


def test_excel_types_and_sheets(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    make_workbook(source)
    fmt = detect_format(source)
    assert fmt.sheet == "Projekt" and fmt.columns == ("id", "startdatum", "belopp", "text", "2021")
    frame = read_table(source)
    assert list(frame.columns) == ["id", "startdatum", "belopp", "text", "2021"]
    assert frame.loc[0].tolist() == ["007", dt.datetime(2021, 3, 1), 150000, SWEDISH, True]
    assert frame.loc[1].tolist() == [8, None, 12.5, None, None]
    with pytest.raises(
        InputError, match=r"no sheet named 'Blad1'; the sheets are: 'Projekt', 'Annat'"
    ):
        detect_format(source, sheet="Blad1")
    assert read_table(source, sheet="Annat").columns.tolist() == ["x"]


def test_excel_writer_is_deterministic_and_keeps_values(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    make_workbook(source)
    fmt = detect_format(source)
    outputs = []
    for name in ("a.xlsx", "b.xlsx"):
        from ecs_tagger.tables import read_excel_sheet

        full, frame = read_excel_sheet(source, fmt)
        target = tmp_path / name
        with TableWriter(target, output_format(target, full), header=full.header) as writer:
            writer.write(frame)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    again = read_table(tmp_path / "a.xlsx")
    assert again.loc[0].tolist() == ["007", dt.datetime(2021, 3, 1), 150000, SWEDISH, True]
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").sheetnames == ["Projekt"]


def test_excel_cell_limit_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "long.xlsx"
    writer = TableWriter(target)
    writer.write(pd.DataFrame({"text": ["x" * 40_000, "kort\x0btext"]}))
    writer.close()
    assert any("32767" in w and "row 1" in w for w in writer.warnings)
    assert any("control characters" in w for w in writer.warnings)
    assert len(read_table(target)["text"][0]) == 32767


# -- Parquet -------------------------------------------------------------------------------------
def test_parquet_types_survive_exactly(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    table = pa.table(
        {
            "id": pa.array(["007", "008", None, "010", "011"]),
            "n": pa.array([1, None, 3, 4, 5], pa.int32()),
            "when": pa.array(
                [dt.datetime(2021, 1, 1)] * 5, pa.timestamp("ms", tz="Europe/Stockholm")
            ),
            "kind": pa.array(["a", "b", "a", None, "b"]).dictionary_encode(),
            "raw": pa.array([b"x", None, b"\xff", b"", b"y"]),
        }
    )
    pq.write_table(table, source, row_group_size=2)
    fmt = detect_format(source)
    chunks = list(iter_chunks(source, fmt, 3))
    assert [len(c) for c in chunks] == [3, 2]
    assert chunks[0]["raw"].tolist()[2] == b"\xff"
    outputs = []
    for name in ("a.parquet", "b.parquet"):
        target = tmp_path / name
        with TableWriter(target, schema=table.schema) as writer:
            for chunk in chunks:
                writer.write(chunk)
        outputs.append(target.read_bytes())
        assert pq.read_table(target).equals(table)
    assert outputs[0] == outputs[1]


def test_parquet_from_mixed_json_values_falls_back_to_text(tmp_path: Path) -> None:
    from ecs_tagger.tables import infer_schema

    frame = pd.DataFrame({"id": pd.Series([1, "A-2", None], dtype=object), "n": [1, 2, 3]})
    schema = infer_schema([frame])
    assert schema.field("id").type == pa.string() and schema.field("n").type == pa.int64()
    target = tmp_path / "mixed.parquet"
    with TableWriter(target, schema=schema) as writer:
        writer.write(frame)
    assert pq.read_table(target).column("id").to_pylist() == ["1", "A-2", None]


# -- the writer ----------------------------------------------------------------------------------
def test_writer_is_atomic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="exists; pass overwrite=True"):
        TableWriter(target)
    with pytest.raises(RuntimeError), TableWriter(target, overwrite=True) as writer:
        writer.write(pd.DataFrame({"a": ["1"]}))
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with TableWriter(target, overwrite=True) as writer:
        writer.write(pd.DataFrame({"a": ["1"]}))
    assert target.read_text(encoding="utf-8") == "a\n1\n"
