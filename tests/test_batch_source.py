"""Bad input gives a clear error naming the file, row and column, before any tagging; repeated
ids are tagged and marked (or refused with --unique-ids)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from batch_support import ENGLISH, FOOD, HEALTH, NORWEGIAN
from ecs_tagger.batch import tag_file
from ecs_tagger.errors import InputError
from ecs_tagger.tables import read_table
from ecs_tagger.tagger import Tagger


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
            r"in\.csv: the id column 'id' repeats 2 ids: '7' in rows 1, 3; '9' in rows 2, 4\. "
            r"Ids must be unique with --unique-ids",
        ),
        ("output_columns_clash", r"already has column\(s\) 'areas', 'tag_status'.*rename"),
        ("unknown_extension", r"out\.docx: cannot read or write files ending in '\.docx'"),
        ("output_is_input", r"the output would replace the input file"),
        ("output_exists", r"the output file exists; use --overwrite"),
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
        options.update(id_col="id", unique_ids=True)
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


# -- repeated ids: every row tagged, the repeated ones marked -----------------------------------
def test_repeated_ids_are_tagged_and_marked(tagger: Tagger, tmp_path: Path) -> None:
    source = _csv(
        tmp_path / "in.csv",
        f"id,text\n7,{FOOD}\n9,{HEALTH}\n7,{HEALTH}\n9,\n8,{FOOD}\n",
    )
    target = tmp_path / "out.csv"
    summary = tag_file(
        tagger,
        source,
        target,
        "text",
        id_col="id",
        progress=False,
        chunk_rows=2,
        summary_path=tmp_path / "summary.json",
    )
    out = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert out["id"].tolist() == ["7", "9", "7", "9", "8"]  # every row, in order
    assert out["tag_status"].tolist() == [
        "ok; duplicate_id: also in row 3",
        "ok; duplicate_id: also in row 4",
        "ok; duplicate_id: also in row 1",
        "empty: no text; duplicate_id: also in row 2",  # kept together with the other status
        "ok",
    ]
    assert out["areas"][0] != ""  # tagged like any other row
    assert summary.statuses == {"empty": 1, "ok": 4}
    listed = [{"id": "7", "rows": [1, 3]}, {"id": "9", "rows": [2, 4]}]
    assert summary.duplicate_ids == listed
    assert (summary.duplicate_id_count, summary.duplicate_id_rows) == (2, 4)
    warning = (
        "the id column 'id' repeats 2 ids: '7' in rows 1, 3; '9' in rows 2, 4; every row was "
        "tagged, and the 4 rows are marked duplicate_id in tag_status"
    )
    assert any(w.startswith(warning) for w in summary.warnings)
    assert warning in summary.describe()
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert written["duplicate_ids"] == listed and written["duplicate_id_rows"] == 4


def test_an_id_on_many_rows_of_a_sheet(tagger: Tagger, tmp_path: Path) -> None:
    # Our variant: one row per beneficiary, numeric ids in Excel, repeats across chunks.
    source = tmp_path / "in.xlsx"
    ids = [101, 102, 101, 103, 101, 102, 101, 101, 101, 101]
    texts = [FOOD, ENGLISH, "N/A", FOOD, FOOD, FOOD, FOOD, FOOD, FOOD, FOOD]
    pd.DataFrame({"diarienr": ids, "text": texts}).to_excel(source, index=False)
    target = tmp_path / "out.xlsx"
    summary = tag_file(
        tagger, source, target, "text", id_col="diarienr", progress=False, chunk_rows=3
    )
    out = pd.read_excel(target)
    assert out["diarienr"].tolist() == ids
    statuses = out["tag_status"].tolist()
    assert statuses[0] == "ok; duplicate_id: also in rows 3, 5, 7, 8, 9 and 1 more"
    assert statuses[2].startswith("empty: no words, only a missing-value marker ('N/A'); ")
    assert statuses[2].endswith("duplicate_id: also in rows 1, 5, 7, 8, 9 and 1 more")
    assert statuses[1] == "ok; duplicate_id: also in row 6" and statuses[3] == "ok"
    assert summary.duplicate_ids == [
        {"id": "101", "rows": [1, 3, 5, 7, 8, 9, 10]},
        {"id": "102", "rows": [2, 6]},
    ]
    assert summary.duplicate_id_rows == 9


def test_the_cli_lists_repeated_ids_and_refuses_them_with_unique_ids(
    batch_model: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from ecs_tagger.cli import app

    source = _csv(tmp_path / "in.csv", "nr,text\nA1,Mat i skolan\nA2,Energi\nA1,Vård\n")
    command = ["tag", str(source), "-o", str(tmp_path / "out.csv"), "--text-col", "text"]
    command += ["--id-col", "nr", "--model", str(batch_model)]
    refused = CliRunner().invoke(app, [*command, "--unique-ids"])
    assert refused.exit_code == 2
    assert "the id column 'nr' repeats 1 id: 'A1' in rows 1, 3." in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "out.csv").exists()
    tagged = CliRunner().invoke(app, command)
    assert tagged.exit_code == 0, tagged.output
    assert "repeats 1 id: 'A1' in rows 1, 3; every row was tagged" in tagged.output
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert out["tag_status"].tolist() == [
        "ok; duplicate_id: also in row 3",
        "ok",
        "ok; duplicate_id: also in row 1",
    ]


# -- column names after Unicode NFC --------------------------------------------------------------
def test_a_decomposed_column_name_is_found_by_the_name_typed(
    tagger: Tagger, tmp_path: Path
) -> None:
    """The issue's case: macOS wrote the header decomposed (NFD); the user typed it composed."""
    import unicodedata

    header = unicodedata.normalize("NFD", "Beskrivning på svenska;Ärendenr")
    source = tmp_path / "mac.csv"
    source.write_bytes(f"{header}\n{FOOD};Å-1\n{HEALTH};Å-2\n".encode())
    target = tmp_path / "out.csv"
    summary = tag_file(
        tagger, source, target, "Beskrivning på svenska", id_col="Ärendenr", progress=False
    )
    assert summary.statuses == {"ok": 2}
    lines = target.read_bytes().split(b"\n")
    assert lines[0].startswith(header.encode() + b";")  # the user's header is written back as is
    assert lines[1].startswith(f"{FOOD};Å-1;".encode())


def test_look_alike_column_names_are_found_or_told_apart(tagger: Tagger, tmp_path: Path) -> None:
    """Variant: a header with a zero-width space and a no-break space; two look-alike names."""
    source = tmp_path / "odd.csv"
    source.write_text(f"id\u200b,Kort\u00a0text\n1,{FOOD}\n", encoding="utf-8")
    summary = tag_file(
        tagger, source, tmp_path / "out.csv", "Kort text", id_col="id", progress=False
    )
    assert summary.statuses == {"ok": 1}

    twins = tmp_path / "twins.csv"
    twins.write_text(f"Text,Text\u00a0\n{FOOD},{HEALTH}\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"twins\.csv: 2 columns look like the text column 'Text ': 'Text', 'Text\\u00a0'; "
        r"rename one of them",
    ):
        tag_file(tagger, twins, tmp_path / "twins-out.csv", "Text ", progress=False)


def test_the_hint_for_a_missing_column_never_looks_like_the_name_typed(
    tagger: Tagger, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"id,Beskrivning\n1,{FOOD}\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        tag_file(tagger, source, tmp_path / "out.csv", "Beskrivnig", progress=False)
    assert str(raised.value).endswith("Did you mean 'Beskrivning'?")
    with pytest.raises(InputError) as raised:
        tag_file(tagger, source, tmp_path / "out.csv", "Sammanfattning", progress=False)
    assert "Did you mean" not in str(raised.value)


def test_the_registry_language_comes_from_rows_all_over_it() -> None:
    from ecs_tagger.batch.source import LanguageSample

    sample = LanguageSample(size=10)
    for row in range(10_000):  # the first 3,000 rows Norwegian, the 7,000 after them Swedish
        sample.add(row, NORWEGIAN if row < 3000 else FOOD)
        sample.add(row, None)  # cells that are not text are passed over
    rows = [row for row, _ in sample.kept]
    assert 10 <= len(rows) <= 20 and max(rows) >= 9000 and rows == sorted(rows)
    assert sample.counts().most_common(1)[0][0] == "sv"
    assert 0 < sample.counts()["no"] < sample.counts()["sv"]
    short = LanguageSample()
    for row, title in enumerate(["Mat", "Energi", "Hållbar energi"]):
        short.add(row, title)  # too short to tell: not counted
    assert not short.counts()


# -- a runaway quoted cell: refused before tagging, nothing written ------------------------------
def test_a_runaway_quote_is_refused_before_any_tagging(tagger: Tagger, tmp_path: Path) -> None:
    """The issue's case: 6 records, a ” where the closing quote belongs; the run used to write 3
    rows, one tagged on a mixture of four projects. Now nothing is written or tagged."""
    lines = [
        "id,titel,beskrivning",
        f'1,Mat,"{FOOD}”',
        f"2,Vård,{HEALTH}",
        f"3,Engelska,{ENGLISH}",
        f'4,Norsk,"{NORWEGIAN}"',
        "5,Kultur,Festivaler i parken",
        "6,Skog,Virke från länet",
    ]
    source = _csv(tmp_path / "in.csv", "\n".join(lines) + "\n")
    target = tmp_path / "out.csv"
    with pytest.raises(InputError, match=r"line 2 \(row 1\) opens a quoted cell.*swallowing 3"):
        tag_file(tagger, source, target, "beskrivning", progress=False)
    assert list(tmp_path.iterdir()) == [source]  # no output, no work folder


# -- Excel output larger than a sheet: refused before tagging ------------------------------------
@pytest.mark.parametrize(("columns", "total"), [(16_400, "16,407"), (16_378, "16,385")])
def test_xlsx_output_wider_than_a_sheet_is_refused_before_tagging(
    tagger: Tagger, tmp_path: Path, columns: int, total: str
) -> None:
    """The issue's case (16,400 input columns) and a variant at the edge: 16,378 input columns
    fit in a sheet, but not with the seven result columns."""
    header = ["text", *(f"fraga_{i}" for i in range(columns - 1))]
    source = _csv(tmp_path / "survey.csv", ",".join(header) + "\n" + FOOD + ",1" * (columns - 1))
    target = tmp_path / "out.xlsx"
    with pytest.raises(InputError) as caught:
        tag_file(tagger, source, target, "text", progress=False)
    message = str(caught.value)
    assert f"out.xlsx: {total} columns do not fit in an Excel sheet" in message
    assert "16,384 columns (A to XFD) and 1,048,576 rows" in message
    assert "write CSV (.csv) or Parquet (.parquet) instead" in message
    assert list(tmp_path.iterdir()) == [source]


# -- other scripts never decide the registry's language ------------------------------------------
def test_rows_in_other_scripts_are_other_and_do_not_decide_the_language(
    tagger: Tagger, tmp_path: Path
) -> None:
    """The issue's case: Arabic was tagged as English, Ukrainian and Persian called Norwegian, so
    two such rows made the file Norwegian and every one-word Swedish title was flagged. Variant:
    a one-word Russian title is flagged too, never given the file's language."""
    texts = [
        "مشروع لدعم الزراعة المستدامة والغذاء المحلي في المنطقة",
        "Проєкт підтримує цифрові послуги для літніх людей у регіоні",
        "این پروژه از کشاورزی پایدار و غذای محلی در منطقه حمایت می کند",
        "Mat",
        "Energi",
        "Проект",
        FOOD,
    ]
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": texts}).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    summary = tag_file(tagger, source, target, "text", progress=False)
    statuses = read_table(target)["tag_status"].tolist()
    assert summary.language == "sv"
    for status in statuses[:3] + statuses[5:6]:
        assert status.startswith("untrained_language: language 'other' detected"), status
    assert statuses[3:5] == ["ok", "ok"] and statuses[6] == "ok"
