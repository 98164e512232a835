"""Tagging whole files: nothing lost, clear errors, resumable, incremental, deterministic."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

os.environ.setdefault("ECS_TAGGER_CACHE", str(Path.home() / ".cache" / "ecs-tagger"))

from ecs_tagger.batch import BatchSummary, join_text_columns, tag_file
from ecs_tagger.errors import InputError
from ecs_tagger.tables import MISSING, read_table
from ecs_tagger.tagger import Tagger
from ecs_tagger.training import TrainSettings

CODES = ("food", "health", "energy", "industry")
RESULT_COLUMNS = [
    "areas",
    *(f"score_{c}" for c in CODES),
    "model_version",
    "tag_status",
]

TRAINING = [
    ("Projektet utvecklar lokalproducerad mat och gårdsbutiker för små livsmedelsföretag.", "food"),
    (
        "Stöd till jordbruk och lantbruk för hållbar livsmedelsförsörjning och matproduktion.",
        "food",
    ),
    ("Vattenbruk och fiske ska bli mer hållbart genom ny teknik för odling av fisk.", "food"),
    ("Offentliga måltider i skolor ska använda lokala livsmedel och minska matsvinn.", "food"),
    ("Livsmedelsindustrin i regionen förädlar mjölk och kött till nya produkter.", "food"),
    (
        "Projektet inför välfärdsteknik i äldreomsorgen, till exempel trygghetslarm och sensorer.",
        "health",
    ),
    ("E-hälsa och digitala vårdtjänster gör sjukvården mer tillgänglig på landsbygden.", "health"),
    ("Testbädd för medicinteknik och diagnostik i samarbete med hälso- och sjukvården.", "health"),
    ("Telemedicin och digitala vårdbesök för patienter med kroniska sjukdomar.", "health"),
    ("Robotar och hjälpmedel i omsorgen för personer med funktionsnedsättning.", "health"),
    (
        "Solceller och energieffektivisering i fastigheter minskar utsläppen av växthusgaser.",
        "energy",
    ),
    ("Vindkraft och förnybar energi ska byggas ut i regionen med lokala företag.", "energy"),
    ("Biogas från restprodukter ersätter fossila bränslen i transporter.", "energy"),
    ("Energilagring och smarta elnät för omställningen till fossilfri energi.", "energy"),
    ("Tillverkningsindustrin digitaliseras med automation och robotar i produktionen.", "industry"),
    ("Industriföretag inför cirkulära affärsmodeller och ny produktionsteknik.", "industry"),
    (
        "Verkstadsindustrin utvecklar avancerad tillverkning och industriell digitalisering.",
        "industry",
    ),
    ("Projektet stärker kulturlivet och turismen med nya evenemang och festivaler.", ""),
    ("Ungdomar får stöd att starta eget företag genom coachning och nätverk.", ""),
    ("Utbildning i svenska för nyanlända och integration på arbetsmarknaden.", ""),
    (
        "Biogas från matavfall och gödsel från lantbruk ger förnybar energi till gårdar.",
        "food;energy",
    ),
    ("Sensorer i industriproduktionen används för digital hälsa hos anställda.", "industry;health"),
]

FOOD = "Skolor och kommuner ska servera mer lokalproducerad mat från jordbruk i länet."
HEALTH = "Digitala vårdtjänster och välfärdsteknik för äldre i hemtjänsten."
NORWEGIAN = (
    "Prosjektet skal styrke små og mellomstore bedrifter i regionen gjennom digitalisering og "
    "bærekraftig matproduksjon. Kommunene samarbeider om nye arbeidsplasser og bedre "
    "helsetjenester for eldre."
)
DANISH = (
    "Projektet styrker små og mellemstore virksomheder i regionen med digitale løsninger og "
    "bæredygtig fødevareproduktion. Kommunerne samarbejder om nye arbejdspladser og bedre "
    "sundhed for ældre borgere."
)
ENGLISH = "The project develops telemedicine and digital health services for elderly people."
MIXED = "Projektet utvecklar e-hälsa för äldre. The project develops telemedicine for rural areas."


@pytest.fixture(scope="session")
def batch_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pd.DataFrame({"text": [t for t, _ in TRAINING], "areas": [a for _, a in TRAINING]})
    tagger = Tagger.train(
        frame, cross_validation=False, settings=TrainSettings(inner_folds=2, min_df=1)
    )
    return tagger.save(tmp_path_factory.mktemp("batch-model") / "model")


@pytest.fixture(scope="session")
def tagger(batch_model: Path) -> Tagger:
    return Tagger.load(batch_model)


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


# -- bad input: clear errors ---------------------------------------------------------------------
def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "missing_text_column",
            r"in\.csv: there is no text column 'beskrivning'; the columns are: "
            r"'id', 'Beskrivning'\. Did you mean 'Beskrivning'\?",
        ),
        ("missing_id_column", r"there is no id column 'nr'"),
        (
            "duplicate_ids",
            r"the id column 'id' repeats 2 id\(s\): '7' in rows 1, 3; '9' in rows 2, 4",
        ),
        ("output_columns_clash", r"already has column\(s\) 'areas', 'tag_status'.*rename"),
        ("unknown_extension", r"out\.docx: cannot read or write files ending in '\.docx'"),
        ("output_is_input", r"the output would replace the input file"),
        ("output_exists", r"the output file exists; pass overwrite=True"),
        ("not_utf8", r"line 2 holds a byte \(0x81\) that is not UTF-8.*encoding="),
        ("too_many_cells", r"line 3 \(row 2\) has 3 cells but the header has 2 columns"),
        ("wrong_sheet", r"no sheet named 'Blad1'; the sheets are: 'Sheet1'"),
        ("no_text_columns", r"name at least one text column"),
    ],
)
def test_bad_input_gives_a_clear_error(
    tagger: Tagger, tmp_path: Path, case: str, message: str
) -> None:
    source = tmp_path / "in.csv"
    target = tmp_path / "out.csv"
    text_cols: list[str] = ["text"]
    options: dict[str, Any] = {}
    if case == "missing_text_column":
        _csv(source, "id,Beskrivning\n1,a\n")
        text_cols = ["beskrivning"]
    elif case == "missing_id_column":
        _csv(source, "id,text\n1,a\n")
        options["id_col"] = "nr"
    elif case == "duplicate_ids":
        _csv(source, "id,text\n7,a\n9,b\n7,c\n9,d\n8,e\n")
        options["id_col"] = "id"
    elif case == "output_columns_clash":
        _csv(source, "id,text,areas,tag_status\n1,a,food,ok\n")
    elif case == "unknown_extension":
        _csv(source, "text\na\n")
        target = tmp_path / "out.docx"
    elif case == "output_is_input":
        _csv(source, "text\na\n")
        target = source
        options["overwrite"] = True
    elif case == "output_exists":
        _csv(source, "text\na\n")
        target.write_text("x", encoding="utf-8")
    elif case == "not_utf8":
        source.write_bytes(b"id,text\n1,\x81\x8d\n")
    elif case == "too_many_cells":
        _csv(source, "id,text\n1,a\n2,b,c\n")
    elif case == "wrong_sheet":
        source = tmp_path / "in.xlsx"
        pd.DataFrame({"text": ["a"]}).to_excel(source, index=False)
        options["sheet"] = "Blad1"
    elif case == "no_text_columns":
        _csv(source, "text\na\n")
        text_cols = []
    with pytest.raises(InputError, match=message):
        tag_file(tagger, source, target, text_cols, progress=False, **options)
    if case != "output_exists":
        assert not target.exists() or target == source


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


_RUNNER = """
import sys
from ecs_tagger.batch import tag_file
tag_file(sys.argv[1], sys.argv[2], sys.argv[3], ["text"], id_col="id", chunk_rows=2, progress=False)
"""


def test_killed_run_resumes_to_identical_output(
    batch_model: Path, tagger: Tagger, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex  # texts never seen before: the run must embed them, slowly enough
    texts = [
        f"{[FOOD, HEALTH, ENGLISH, NORWEGIAN][i % 4]} Rad {i} {marker} {uuid.uuid4().hex[:8]}."
        for i in range(16)
    ]
    texts[5] = ""
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": [f"{i:04d}" for i in range(16)], "text": texts}).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    parts = tmp_path / "out.csv.parts"
    process = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, str(batch_model), str(source), str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not list(parts.glob("part-*.parquet")):
            if process.poll() is not None:
                pytest.fail(f"the run ended early: {process.stderr.read().decode()[-2000:]}")
            assert time.monotonic() < deadline, "no part file appeared"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()
    done = len(list(parts.glob("part-*.parquet")))
    assert 1 <= done < 8
    assert not target.exists()

    with pytest.raises(InputError, match=r"pass resume=True \(--resume\).*overwrite=True"):
        tag_file(tagger, source, target, ["text"], id_col="id", chunk_rows=2, progress=False)
    resumed = tag_file(
        tagger, source, target, ["text"], id_col="id", chunk_rows=2, progress=False, resume=True
    )
    assert resumed.chunks == 8 and resumed.chunks_resumed >= done
    assert not parts.exists()

    fresh = tmp_path / "fresh.csv"
    whole = tag_file(tagger, source, fresh, ["text"], id_col="id", chunk_rows=2, progress=False)
    assert whole.chunks_resumed == 0
    assert target.read_bytes() == fresh.read_bytes()
    assert resumed.statuses == whole.statuses and resumed.rows == 16


def test_resume_after_the_input_changed_starts_over(tagger: Tagger, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [FOOD, HEALTH, ENGLISH]}).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    (parts / "checkpoint.json").write_text(json.dumps({"work_format": 1, "rows": 99}))
    (parts / "part-0000000.parquet").write_bytes(b"not parquet")
    summary = tag_file(tagger, source, target, "text", resume=True, progress=False, chunk_rows=2)
    assert summary.chunks_resumed == 0 and summary.rows == 3
    assert any("starting over" in w for w in summary.warnings)
    assert read_table(target)["tag_status"].tolist() == ["ok", "ok", "ok"]
    parts.mkdir()
    with pytest.raises(InputError, match="exists"):
        tag_file(tagger, source, target, "text", resume=True, progress=False)
    summary = tag_file(tagger, source, target, "text", overwrite=True, progress=False)
    assert not parts.exists() and summary.rows == 3


def test_a_live_run_holding_the_work_folder_is_not_disturbed(
    tagger: Tagger, tmp_path: Path
) -> None:
    import socket

    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [FOOD]}).to_csv(source, index=False)
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    lock = {"pid": os.getppid(), "host": socket.gethostname()}  # a live process
    (parts / "lock").write_text(json.dumps(lock), encoding="utf-8")
    for options in ({}, {"resume": True}, {"overwrite": True}):
        with pytest.raises(InputError, match=r"another ecs-tagger run \(process \d+\)"):
            tag_file(tagger, source, tmp_path / "out.csv", "text", progress=False, **options)
    assert (parts / "lock").exists()


def test_model_folder_path_and_evidence(batch_model: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [FOOD, ""]}).to_csv(source, index=False)
    summary = tag_file(
        str(batch_model), source, tmp_path / "out.parquet", "text", evidence=True, progress=False
    )
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["text", *RESULT_COLUMNS, *(f"evidence_{c}" for c in CODES)]
    assert out["evidence_food"][0] != "" and out["evidence_food"][1] == ""
    assert out["evidence_health"][0] == ""  # not tagged health
    assert isinstance(summary, BatchSummary) and "Tagged 2 rows" in summary.format()


def test_join_text_columns() -> None:
    frame = pd.DataFrame(
        {
            "a": ["Titel", "", None, 5, b"bytes \xc3\xa5", float("nan"), b"\xff"],
            "b": ["Text", "Bara text", "  ", "beside a number", None, MISSING, None],
        },
        index=range(10, 17),
        dtype=object,
    )
    joined = join_text_columns(frame, ["a", "b"])
    assert list(joined.index) == list(range(10, 17))
    assert joined.tolist() == [
        "Titel\nText",
        "Bara text",
        None,
        "beside a number",
        "bytes å",
        None,
        b"\xff",
    ]
    assert join_text_columns(frame, ["a"]).tolist()[3] == 5
