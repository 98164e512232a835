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
