"""Rows kept but not tagged: a header repeated inside the data, and a short row (a record broken by
a bare line break) whose cells hold text but not in the text columns."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from batch_support import ENGLISH, FOOD, HEALTH
from ecs_tagger.batch import tag_file
from ecs_tagger.statuses import primary_status
from ecs_tagger.tables import read_table
from ecs_tagger.tagger import Tagger


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- a header repeated inside the data ----------------------------------------------------------
def test_a_repeated_header_is_flagged_and_not_counted_as_a_project(
    tagger: Tagger, tmp_path: Path
) -> None:
    """The issue's case: two exports joined; the second header line is not a project."""
    source = _csv(
        tmp_path / "joined.csv",
        [
            "id,titel,beskrivning",
            f"1,Mat,{FOOD}",
            f"2,Vård,{HEALTH}",
            "id,titel,beskrivning",
            "3,Kultur,Festivaler och konserter i parken varje sommar.",
        ],
    )
    target = tmp_path / "out.csv"
    summary = tag_file(
        tagger, source, target, ["titel", "beskrivning"], id_col="id", progress=False
    )
    out = read_table(target)
    assert len(out) == 4 and out["id"].tolist() == ["1", "2", "id", "3"]  # every row kept
    assert out["tag_status"][2] == "not_text: repeats the header"
    assert out["areas"][2] == "" and out["score_food"][2] == ""
    assert summary.repeated_header_rows == [3]
    assert summary.rows_without_area == 1  # the culture project only, not the header line
    assert summary.statuses["not_text"] == 1
    assert any("row 3 repeats the header" in w for w in summary.warnings)


def test_a_repeated_header_that_only_looks_the_same_in_a_workbook(
    tagger: Tagger, tmp_path: Path
) -> None:
    """Variant: an Excel sheet pasted together, the second header with a trailing space and a
    zero-width space (it looks the same), and a number header cell (2021) repeated as a number."""
    source = tmp_path / "joined.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "Beskrivning", 2021])
    sheet.append(["A1", FOOD, 5])
    sheet.append(["id\u200b", "Beskrivning ", 2021])
    sheet.append(["A2", ENGLISH, 7])
    workbook.save(source)
    target = tmp_path / "out.xlsx"
    summary = tag_file(tagger, source, target, "Beskrivning", progress=False)
    out = read_table(target)
    assert [primary_status(s) for s in out["tag_status"]] == ["ok", "not_text", "ok"]
    assert out["tag_status"][1] == "not_text: repeats the header"
    assert out.loc[1, "Beskrivning"] == "Beskrivning "  # the user's cells as they were
    assert summary.repeated_header_rows == [2]


# -- short rows: a record broken by a line break ------------------------------------------------
def test_a_broken_record_is_named_and_its_second_half_is_not_no_text(
    tagger: Tagger, tmp_path: Path
) -> None:
    """The issue's case: the continuation sentence lands in the id column of a row of its own."""
    source = _csv(
        tmp_path / "broken.csv",
        [
            "id,titel,beskrivning",
            f"1,Mat,{FOOD}",
            "2,Vård,Digitala vårdtjänster för äldre",
            "i hemtjänsten och på vårdcentralerna.",
            f"3,Vård,{HEALTH}",
        ],
    )
    target = tmp_path / "out.csv"
    summary = tag_file(tagger, source, target, ["titel", "beskrivning"], progress=False)
    out = read_table(target)
    assert len(out) == 4
    assert out.loc[2, "id"] == "i hemtjänsten och på vårdcentralerna."
    status = out["tag_status"][2]
    assert status.startswith("not_text: line 4 has only 1 of 3 cells, nothing in 'titel' or ")
    assert "but something in 'id'" in status and "no text" not in status
    assert any(
        "broken.csv: 1 row has fewer cells than the header's 3: line 4 (row 3) has 1 cell" in w
        for w in summary.warnings
    )
    assert any("1 short row (3) has nothing in the text columns" in w for w in summary.warnings)


def test_short_rows_with_semicolons_and_text_where_it_is_tagged(
    tagger: Tagger, tmp_path: Path
) -> None:
    """Variant: ';' separators; one short row has two cells and an empty text column (marked),
    another's half lands in the text column (tagged as text, but named in the warning)."""
    source = _csv(
        tmp_path / "semi.csv",
        [
            "beskrivning;id;år",
            f"{FOOD};1;2021",
            "Digitala vårdtjänster för äldre",
            ";2;",
            ";4",
            f"{HEALTH};3;2022",
        ],
    )
    target = tmp_path / "out.csv"
    summary = tag_file(tagger, source, target, "beskrivning", progress=False)
    out = read_table(target)
    statuses = out["tag_status"].tolist()
    assert primary_status(statuses[1]) == "ok"  # the text half is tagged
    assert statuses[2] == "empty: no text"  # a full row with an empty text cell
    assert statuses[3].startswith("not_text: line 5 has only 2 of 3 cells")
    (note,) = [w for w in summary.warnings if "fewer cells" in w]
    assert "line 3 (row 2) has 1 cell; line 5 (row 4) has 2 cells" in note


@pytest.mark.parametrize("chunk_rows", [1, 500])
def test_marked_rows_do_not_depend_on_chunks(
    tagger: Tagger, tmp_path: Path, chunk_rows: int
) -> None:
    source = _csv(tmp_path / "in.csv", ["text,n", FOOD + ",1", "text,n", "tail"])
    target = tmp_path / f"out{chunk_rows}.csv"
    tag_file(tagger, source, target, "text", progress=False, chunk_rows=chunk_rows)
    assert [primary_status(s) for s in read_table(target)["tag_status"]] == [
        "ok",
        "not_text",
        "ok",
    ]
