"""The shared run: every format keeps every row, cells are kept, deterministic, incremental."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from batch_support import CODES, DANISH, ENGLISH, FOOD, HEALTH, MIXED, NORWEGIAN, RESULT_COLUMNS
from ecs_tagger.batch import tag_file
from ecs_tagger.statuses import primary_status
from ecs_tagger.tables import read_table
from ecs_tagger.tagger import Tagger


def registry() -> pd.DataFrame:
    """A small project registry with the cases a regional office meets."""
    return pd.DataFrame(
        {
            "id": ["001", "002", "003", "004", "005", "006", "007", "008"],
            "titel": [
                "Mat i skolan",
                "Mat i skolan",
                "",
                "  ",
                "Norsk",
                "Dansk",
                "English",
                "Blandat",
            ],
            "beskrivning": [
                FOOD,
                f"<div><p>{FOOD.replace('lokalproducerad', '<b>lokalproducerad</b>')}</p>"
                "<br/>&nbsp;</div>",
                "",
                "   ",
                NORWEGIAN,
                DANISH,
                ENGLISH,
                MIXED,
            ],
            "datum": ["2021-01-05", "", "2022-12-31", "", "", "", "", "2023-02-01"],
        }
    )


def blank(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value == ""
        or (isinstance(value, float) and pd.isna(value))
    )


EXPECTED_STATUS = [
    "ok",
    "ok",
    "empty",
    "empty",
    "untrained_language",
    "untrained_language",
    "ok",
    "ok",
]


def write_input(frame: pd.DataFrame, path: Path, style: str) -> None:
    if style == "csv-utf8":
        frame.to_csv(path, index=False)
    elif style == "csv-cp1252-semicolon":
        frame.to_csv(path, index=False, sep=";", encoding="cp1252", lineterminator="\r\n")
    elif style == "csv-bom":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif style == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif style == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for record in frame.to_dict("records"):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif style == "xlsx":
        frame.replace({"": None}).to_excel(path, index=False, sheet_name="Projekt")
    elif style == "parquet":
        frame.replace({"": None}).to_parquet(path, index=False)
    else:
        raise ValueError(style)


STYLES = {
    "csv-utf8": ".csv",
    "csv-cp1252-semicolon": ".csv",
    "csv-bom": ".csv",
    "tsv": ".tsv",
    "jsonl": ".jsonl",
    "xlsx": ".xlsx",
    "parquet": ".parquet",
}


@pytest.mark.parametrize("style", list(STYLES))
def test_every_format_keeps_every_row_and_marks_statuses(
    tagger: Tagger, tmp_path: Path, style: str
) -> None:
    frame = registry()
    source = tmp_path / f"in{STYLES[style]}"
    write_input(frame, source, style)
    before = source.read_bytes()
    target = tmp_path / f"out{STYLES[style]}"
    summary = tag_file(
        tagger,
        source,
        target,
        ["titel", "beskrivning"],
        id_col="id",
        progress=False,
        chunk_rows=3,
        summary_path=tmp_path / "summary.json",
    )
    assert source.read_bytes() == before
    out = read_table(target)
    assert len(out) == len(frame) == summary.rows
    assert list(out.columns) == [*frame.columns, *RESULT_COLUMNS]
    assert out["id"].tolist() == frame["id"].tolist()  # leading zeros kept, as text
    statuses = [str(s).split(":")[0] for s in out["tag_status"]]
    assert statuses == EXPECTED_STATUS
    assert "language 'no'" in out["tag_status"][4] and "language 'da'" in out["tag_status"][5]
    assert "food" in out["areas"][0].split(";") and "food" in out["areas"][1].split(";")
    for code in CODES:  # the HTML is stripped before tagging: about the same scores as plain text
        score = float(out[f"score_{code}"][1])
        assert score == pytest.approx(float(out[f"score_{code}"][0]), abs=0.05)
    assert blank(out["score_food"][2]) and blank(out["areas"][2])
    assert set(out["model_version"]) == {tagger.model_version}
    assert summary.statuses == {"empty": 2, "ok": 4, "untrained_language": 2}
    assert summary.untagged_rows == 2 and summary.areas["food"] >= 2
    assert any("2 rows could not be tagged" in w for w in summary.warnings)
    assert summary.problem_rows[0] == {"row": 3, "status": "empty: no text", "id": "003"}
    if style == "csv-cp1252-semicolon":
        assert (summary.encoding, summary.separator) == ("cp1252", ";")
        assert any("cp1252" in w for w in summary.warnings)
        assert target.read_bytes().startswith(b"\xef\xbb\xbfid;titel;")  # BOM for Excel
    if style == "xlsx":
        assert summary.sheet == "Projekt"
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert written["rows"] == 8 and written["input"] == str(source)
    assert written["model_version"] == tagger.model_version and "timings" in written


def test_csv_cells_are_written_back_verbatim(tagger: Tagger, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    lines = [
        "id;belopp;datum;beskrivning",
        "0042;1 000,50;2021-01-05;" + FOOD,
        '0043;;05/01/2021;"Två rader:\r\n' + HEALTH + '"',
        "NA;null;;",
    ]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    target = tmp_path / "out.csv"
    tag_file(tagger, source, target, "beskrivning", progress=False)
    written = target.read_bytes().decode("utf-8").split("\r\n")
    header = written[0].split(";")
    assert header[:4] == ["id", "belopp", "datum", "beskrivning"] and header[4:] == RESULT_COLUMNS
    assert written[1].startswith("0042;1 000,50;2021-01-05;" + FOOD + ";")
    assert written[2].startswith('0043;;05/01/2021;"Två rader:')
    assert written[3].startswith(HEALTH + '";')  # the line break inside the cell is kept
    assert written[4].startswith("NA;null;;;;;;;;")
    assert written[4].endswith(";empty: no text")
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8")), delimiter=";"))
    assert rows[2][3] == "Två rader:\r\n" + HEALTH
    assert "food" in rows[1][4].split(";") and 0 <= float(rows[1][5]) <= 1


def test_cells_that_are_not_text(tagger: Tagger, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    records: list[dict[str, Any]] = [
        {"id": 1, "text": FOOD},
        {"id": 2, "text": 12345},
        {"id": 3, "text": None},
        {"id": 4},
        {"id": 5, "text": {"nested": "object"}},
        {"id": 6, "text": HEALTH, "extra": [1, 2]},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    summary = tag_file(tagger, source, target, "text", id_col="id", progress=False)
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["tag_status"].split(":")[0] for r in out] == [
        "ok",
        "not_text",
        "empty",
        "empty",
        "not_text",
        "ok",
    ]
    assert "a int ('12345'), not text" in out[1]["tag_status"]
    for original, written in zip(records, out, strict=True):
        assert {k: written[k] for k in original} == original  # values kept, no keys invented
        assert "extra" not in written or "extra" in original
    assert summary.statuses == {"empty": 2, "not_text": 2, "ok": 2}
    assert [p["id"] for p in summary.problem_rows] == ["2", "3", "4", "5"]


WORDLESS_CELLS = [  # (cell, status): the examples, then variants of our own
    ("\x00\x00", "empty"),
    ("-", "empty"),
    ("...", "empty"),
    ("123 456", "not_text"),
    ("https://www.example.se/projekt/12", "not_text"),
    ("\u200b", "empty"),
    ("\u00ad", "empty"),
    ("\ufeff", "empty"),
    ("N/A", "empty"),
    ("#N/A", "empty"),
    ("NULL", "empty"),
    ("None", "empty"),
    ("nan", "empty"),
    ("Ej aktuellt", "empty"),
    ("(saknas)", "empty"),
    ("info@region.se", "not_text"),
    ("#VALUE!", "not_text"),
]


def test_cells_without_words_are_kept_and_not_tagged(tagger: Tagger, tmp_path: Path) -> None:
    cells = [("", cell) for cell, _ in WORDLESS_CELLS]
    cells += [("N/A", "-"), ("Mat", ""), ("Energi", "N/A"), ("", FOOD)]
    lines = ["titel,beskrivning", *(f"{title},{text}" for title, text in cells)]
    source = tmp_path / "in.csv"
    source.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    target = tmp_path / "out.csv"
    summary = tag_file(
        tagger, source, target, ["titel", "beskrivning"], progress=False, chunk_rows=4
    )
    written = target.read_bytes().decode("utf-8").split("\n")
    assert len(written) == len(lines) + 1 and written[-1] == ""
    for line, out_line in zip(lines[1:], written[1:], strict=False):
        assert out_line.startswith(line + ","), (line, out_line)  # the user's cells, verbatim
    out = read_table(target)
    expected = [status for _, status in WORDLESS_CELLS] + ["empty", "ok", "ok", "ok"]
    assert [primary_status(s) for s in out["tag_status"]] == expected
    for position, status in enumerate(expected):
        message = out["tag_status"][position]
        assert "language" not in message
        if status != "ok":
            assert message.startswith(f"{status}: no words, only "), message
            assert blank(out["areas"][position]) and all(
                blank(out[f"score_{code}"][position]) for code in CODES
            )
    assert out["tag_status"][8] == "empty: no words, only a missing-value marker ('N/A')"
    assert summary.statuses == {"empty": 14, "not_text": 4, "ok": 3}
    assert summary.untagged_rows == 18


def test_short_titles_take_the_registry_language(tagger: Tagger, tmp_path: Path) -> None:
    # One row a chunk: the language of the whole registry decides, not the chunk's.
    swedish = ["Mat", "Energi", "Hållbar energi", FOOD, HEALTH, NORWEGIAN]
    source = tmp_path / "sv.csv"
    pd.DataFrame({"text": swedish}).to_csv(source, index=False)
    summary = tag_file(
        tagger, source, tmp_path / "sv-out.csv", "text", progress=False, chunk_rows=1
    )
    out = read_table(tmp_path / "sv-out.csv")
    assert [primary_status(s) for s in out["tag_status"]] == ["ok"] * 5 + ["untrained_language"]
    assert out["tag_status"][5].startswith("untrained_language: language 'no' detected")
    assert summary.language == "sv" and summary.statuses == {"ok": 5, "untrained_language": 1}
    # our variant: a Norwegian registry; its one-word title is taken to be Norwegian too
    other = NORWEGIAN.replace("Prosjektet skal", "Vi vil").replace("eldre", "barn")
    source = tmp_path / "no.csv"
    pd.DataFrame({"text": ["Mat", NORWEGIAN, other, FOOD]}).to_csv(source, index=False)
    summary = tag_file(
        tagger, source, tmp_path / "no-out.csv", "text", progress=False, chunk_rows=1
    )
    out = read_table(tmp_path / "no-out.csv")
    assert out["tag_status"][0].startswith(
        "untrained_language: language 'no' assumed (the text is too short to tell"
    )
    assert summary.language == "no" and out["tag_status"][3] == "ok"


def test_long_cell_is_truncated_in_bounded_time(tagger: Tagger, tmp_path: Path) -> None:
    source = tmp_path / "pdf.csv"
    # A whole PDF pasted into a cell: 330,000 characters, mostly the layout's white space (a
    # dense 100,000-character text takes 15-40 s to embed on a 2-core machine; same code path).
    page = " ".join([FOOD, HEALTH, ENGLISH]) + "\n" + " " * 2200 + "\n\n"
    pasted = page * 150
    pd.DataFrame({"id": ["1", "2"], "text": [pasted, FOOD]}).to_csv(source, index=False)
    started = time.perf_counter()
    summary = tag_file(tagger, source, tmp_path / "out.csv", "text", progress=False)
    assert time.perf_counter() - started < 60
    out = read_table(tmp_path / "out.csv")
    assert out["tag_status"][0].startswith("truncated") and out["tag_status"][1] == "ok"
    assert len(out["text"][0]) == len(pasted)  # the user's cell itself is kept whole
    assert summary.statuses == {"ok": 1, "truncated": 1}


def test_excel_numbers_dates_and_sheet(tagger: Tagger, tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    source = tmp_path / "in.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Översikt"
    sheet = workbook.create_sheet("Projekt")
    sheet.append(["diarienr", "start", "belopp", "text"])
    sheet.append(["0101", dt.datetime(2021, 5, 1), 250000, FOOD])
    sheet.append(["0102", dt.datetime(2022, 1, 1), 12.5, 2024])
    workbook.save(source)
    target = tmp_path / "out.xlsx"
    summary = tag_file(tagger, source, target, ["text"], sheet="Projekt", progress=False)
    out = read_table(target, sheet="Projekt")
    assert out["diarienr"].tolist() == ["0101", "0102"]
    assert out["start"].tolist() == [dt.datetime(2021, 5, 1), dt.datetime(2022, 1, 1)]
    assert out["belopp"].tolist() == [250000, 12.5]
    assert out["tag_status"][1].startswith("not_text")
    assert summary.sheet == "Projekt"


# -- determinism ---------------------------------------------------------------------------------
@pytest.mark.parametrize("extension", [".csv", ".parquet", ".xlsx", ".jsonl"])
def test_same_input_gives_byte_identical_output(
    tagger: Tagger, tmp_path: Path, extension: str
) -> None:
    source = tmp_path / "in.csv"
    write_input(registry(), source, "csv-utf8")
    first, second = tmp_path / f"a{extension}", tmp_path / f"b{extension}"
    tag_file(tagger, source, first, ["titel", "beskrivning"], progress=False, chunk_rows=3)
    tag_file(tagger, source, second, ["titel", "beskrivning"], progress=False, chunk_rows=3)
    assert first.read_bytes() == second.read_bytes()
    if extension == ".parquet":
        assert pq.read_schema(first).field("score_food").type == "double"


# -- incremental and resumable -------------------------------------------------------------------
def test_unchanged_rows_are_not_embedded_again(
    tagger: Tagger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = registry()
    frame["beskrivning"] = [
        f"{text} {uuid.uuid4().hex}" if text.strip() else text for text in frame["beskrivning"]
    ]
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    embedder = tagger.embedder
    encoded: list[str] = []
    original = embedder._encode_documents

    def counting(texts: list[str], progress: Any) -> Any:
        encoded.extend(texts)
        return original(texts, progress)

    monkeypatch.setattr(embedder, "_encode_documents", counting)
    tag_file(tagger, source, tmp_path / "first.csv", "beskrivning", progress=False)
    assert len(encoded) == 6
    encoded.clear()
    frame.loc[6, "beskrivning"] = ENGLISH + " Changed " + uuid.uuid4().hex
    frame.to_csv(source, index=False)
    tag_file(tagger, source, tmp_path / "first.csv", "beskrivning", progress=False, overwrite=True)
    assert len(encoded) == 1 and "Changed" in encoded[0]


# -- input faults: encodings, mojibake, spreadsheets ---------------------------------------------
def test_mixed_encodings_keep_every_correct_row(tagger: Tagger, tmp_path: Path) -> None:
    """A UTF-8 export with one line pasted from a cp1252 source: the UTF-8 rows come out
    byte-identical, the cp1252 row is read right, and the summary names its line and row."""
    source = tmp_path / "export.csv"
    rows = [f"1,{FOOD}", f"3,{HEALTH}"]
    source.write_bytes(
        b"id,text\n"
        + (rows[0] + "\n").encode()
        + f"2,{FOOD}\n".encode("cp1252")
        + (rows[1] + "\n").encode()
    )
    target = tmp_path / "out.csv"
    summary = tag_file(tagger, source, target, "text", progress=False)
    lines = target.read_bytes().split(b"\n")
    assert len(lines) == 5 and lines[4] == b""  # header, three rows
    assert lines[1].startswith(rows[0].encode() + b",")
    assert lines[2].startswith(f"2,{FOOD},".encode())
    assert lines[3].startswith(rows[1].encode() + b",")
    assert summary.statuses == {"ok": 3}
    assert summary.encoding == "utf-8 (lines that are not UTF-8: cp1252)"
    assert any("except line 3 (row 2)" in w for w in summary.warnings)
    out = read_table(target)
    assert out["areas"][0] == out["areas"][1]  # the pasted row is tagged like its UTF-8 twin


def test_mojibake_is_repaired_for_tagging_and_the_cell_kept(tagger: Tagger, tmp_path: Path) -> None:
    """'fÃ¶rÃ¤dling' is tagged as 'förädling'; the user's cell is written back unchanged."""
    broken = FOOD.encode("utf-8").decode("cp1252")
    quoted = f"{HEALTH} – vårdens ’e-hälsa’"
    dashed = quoted.encode().decode("cp1252")  # â€“ and â€™: three-byte sequences
    source = tmp_path / "in.jsonl"
    records = [{"text": FOOD}, {"text": broken}, {"text": quoted}, {"text": dashed}]
    source.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    target = tmp_path / "out.jsonl"
    tag_file(tagger, source, target, "text", progress=False)
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in out] == [r["text"] for r in records]  # cells unchanged
    assert "frÃ¥n" in out[1]["text"] and "â€“" in out[3]["text"]
    for clean, repaired in ((out[0], out[1]), (out[2], out[3])):
        assert repaired["areas"] == clean["areas"]
        assert repaired["score_food"] == pytest.approx(clean["score_food"], abs=1e-6)


def test_xlsx_output_writes_text_never_formulas(tagger: Tagger, tmp_path: Path) -> None:
    import openpyxl

    source = tmp_path / "in.csv"
    cells = ['=HYPERLINK("http://evil.example","klicka")', "+46 70 123 45 67", "-5", "@x"]
    pd.DataFrame({"kontakt": cells, "text": [FOOD, HEALTH, FOOD, "#N/A"]}).to_csv(
        source, index=False
    )
    target = tmp_path / "out.xlsx"
    tag_file(tagger, source, target, "text", progress=False)
    sheet = openpyxl.load_workbook(target).active
    assert [(r[0].value, r[0].data_type) for r in sheet.iter_rows(min_row=2)] == [
        (c, "s") for c in cells
    ]
    assert (sheet["B5"].value, sheet["B5"].data_type) == ("#N/A", "s")


def test_csv_formulas_are_escaped_only_when_asked(tagger: Tagger, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f'kontakt,text\n"=1+1",{FOOD}\n+46 70,{HEALTH}\n', encoding="utf-8")
    kept, escaped = tmp_path / "kept.csv", tmp_path / "escaped.csv"
    tag_file(tagger, source, kept, "text", progress=False)
    tag_file(tagger, source, escaped, "text", progress=False, escape_formulas=True)
    assert read_table(kept)["kontakt"].tolist() == ["=1+1", "+46 70"]
    assert read_table(escaped)["kontakt"].tolist() == ["'=1+1", "'+46 70"]
    assert read_table(escaped)["text"].tolist() == [FOOD, HEALTH]


def test_excel_ids_dates_and_number_formats(tagger: Tagger, tmp_path: Path) -> None:
    """An id shown as 0180 stays 0180, a date has no midnight time, and .xlsx output keeps the
    number formats."""
    import datetime as dt

    import openpyxl

    source = tmp_path / "in.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "beslut", "belopp", "text"])
    sheet.append([180, dt.datetime(2023, 5, 1), 250000, FOOD])
    sheet.append([42, dt.datetime(2024, 2, 29), 12.5, HEALTH])
    for row in (2, 3):
        sheet[f"A{row}"].number_format = "0000"
        sheet[f"B{row}"].number_format = "yyyy-mm-dd"
        sheet[f"C{row}"].number_format = "#,##0 kr"
    workbook.save(source)
    csv_out, xlsx_out = tmp_path / "out.csv", tmp_path / "out.xlsx"
    tag_file(tagger, source, csv_out, "text", id_col="id", progress=False)
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith(f"0180,2023-05-01,250000,{FOOD},")
    assert lines[2].startswith(f"0042,2024-02-29,12.5,{HEALTH},")
    tag_file(tagger, source, xlsx_out, "text", id_col="id", progress=False)
    out = openpyxl.load_workbook(xlsx_out).active
    assert [(c.value, c.number_format) for c in out[2]][:3] == [
        (180, "0000"),
        (dt.datetime(2023, 5, 1), "yyyy-mm-dd"),
        (250000, "#,##0 kr"),
    ]


# -- formulas with no stored result --------------------------------------------------------------
def _scripted_workbook(path: Path) -> None:
    """A workbook saved by a script: formulas, no calculated values."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "titel", "beskrivning"])
    sheet.append(["1", "Mat", '=CONCATENATE("Lokal mat ", "i skolan")'])
    sheet.append(["2", "Vård", HEALTH])
    sheet.append(["3", '="Energi"', FOOD])
    workbook.save(path)


FORMULA_STATUS = (
    "not_text: a formula with no calculated value (open and save the file in Excel or LibreOffice)"
)


def test_formulas_with_no_stored_result_are_named_and_kept(tagger: Tagger, tmp_path: Path) -> None:
    """The issue's case: every such row became `empty: no text` and the formulas were lost."""
    import openpyxl

    source = tmp_path / "scripted.xlsx"
    _scripted_workbook(source)
    target = tmp_path / "out.xlsx"
    summary = tag_file(tagger, source, target, "beskrivning", progress=False)
    statuses = read_table(target)["tag_status"].tolist()
    assert statuses == [FORMULA_STATUS, "ok", "ok"]
    assert summary.statuses == {"not_text": 1, "ok": 2}
    sheet = openpyxl.load_workbook(target).active  # the user's formulas, as formulas
    assert (sheet["C2"].value, sheet["C2"].data_type) == (
        '=CONCATENATE("Lokal mat ", "i skolan")',
        "f",
    )
    assert (sheet["B4"].value, sheet["B4"].data_type) == ('="Energi"', "f")


def test_a_formula_beside_text_still_flags_the_row(tagger: Tagger, tmp_path: Path) -> None:
    """Variant: two text columns, a formula in one of them (the row's text is not all there),
    and CSV output, which writes the formula's text."""
    source = tmp_path / "scripted.xlsx"
    _scripted_workbook(source)
    target = tmp_path / "out.csv"
    tag_file(tagger, source, target, ["titel", "beskrivning"], progress=False)
    out = read_table(target)
    assert out["tag_status"].tolist() == [FORMULA_STATUS, "ok", FORMULA_STATUS]
    assert out["beskrivning"][0] == '=CONCATENATE("Lokal mat ", "i skolan")'
    assert out["titel"][2] == '="Energi"'
