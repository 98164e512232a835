"""A CSV file's records counted against its lines: a runaway quoted cell is refused, naming the line
where it starts and the lines it swallows; short rows are kept and named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import detect_format, read_table

PROJECTS = [
    "1,Mat,Lokal mat i skolan",
    "2,Energi,Solceller på taken",
    "3,Vård,Digital vård för äldre",
    "4,Industri,Robotar i fabriken",
    "5,Kultur,Festival i parken",
    "6,Skog,Virke från länet",
]


def _csv(path: Path, lines: list[str], end: str = "\n") -> Path:
    path.write_text(end.join(lines) + end, encoding="utf-8")
    return path


def test_a_typographic_closing_quote_is_refused_naming_the_line_and_what_it_swallows(
    tmp_path: Path,
) -> None:
    """The issue's case: ” typed where the closing " belongs; the next ASCII quote is 3 lines
    down, so the reader would give 3 rows for 6 records, one of them four projects in one."""
    lines = ["id,titel,beskrivning", *PROJECTS]
    lines[1] = '1,Mat,"Lokal mat i skolan”'
    lines[4] = '4,Industri,"Robotar i fabriken"'
    source = _csv(tmp_path / "in.csv", lines)
    with pytest.raises(InputError) as caught:
        detect_format(source)
    message = str(caught.value)
    assert "in.csv: line 2 (row 1) opens a quoted cell that is never properly closed" in message
    assert "runs on to line 5, swallowing 3 lines (lines 3-5, 3 of them with a cell" in message
    assert "Line 2 ends with ”, a typographic quote" in message
    with pytest.raises(InputError, match="line 2 \\(row 1\\)"):
        read_table(source)  # every way of reading a table checks it


def test_a_missing_closing_quote_running_to_the_end_of_the_file_is_refused(
    tmp_path: Path,
) -> None:
    """Variant: no closing quote at all, no other quote below: the cell would run to the end of
    the file; semicolons and Windows line ends."""
    lines = ["id;titel;beskrivning", *(line.replace(",", ";") for line in PROJECTS)]
    lines[3] = '3;Vård;"Digital vård för äldre'
    source = _csv(tmp_path / "semi.csv", lines, end="\r\n")
    with pytest.raises(InputError) as caught:
        detect_format(source)
    message = str(caught.value)
    assert "line 4 (row 3) opens a quoted cell" in message
    assert "runs on to line 7, swallowing 3 lines (lines 5-7" in message
    assert 'The closing " is probably missing' in message


def test_quoted_cells_over_several_lines_are_read_as_they_are(tmp_path: Path) -> None:
    """A properly closed multi-line cell, and a stray quote on one line, are not runaways."""
    source = _csv(
        tmp_path / "ok.csv",
        [
            "id,titel,beskrivning",
            '1,Mat,"Första stycket, med komma.',
            '2,Andra stycket, också med komma."',
            '3,Boken "Mat",Stray quote',
        ],
    )
    fmt = detect_format(source)
    assert fmt.rows == 2 and fmt.notes == ()
    frame = read_table(source)
    assert frame["beskrivning"].tolist() == [
        "Första stycket, med komma.\n2,Andra stycket, också med komma.",
        "Stray quote",
    ]


def test_short_rows_are_kept_and_named_with_their_cell_counts(tmp_path: Path) -> None:
    """The issue's case: a bare line break splits a record; the continuation is a row of one cell."""
    lines = ["id,titel,beskrivning", PROJECTS[0], "2,Energi,Solceller på taken", PROJECTS[2]]
    lines[2] = "2,Energi,Solceller"
    lines.insert(3, "på taken och i fält")
    source = _csv(tmp_path / "broken.csv", lines)
    fmt = detect_format(source)
    assert fmt.rows == 4
    (note,) = fmt.notes
    assert (
        "broken.csv: 1 row has fewer cells than the header's 3: line 4 (row 3) has 1 cell" in note
    )
    assert fmt.short_rows.get(3) == (4, 1) and fmt.short_rows.get(2) is None
    assert read_table(source).loc[2].tolist() == ["på taken och i fält", "", ""]


def test_several_short_rows_with_tabs(tmp_path: Path) -> None:
    """Variant: a tab-separated file with two short rows of different lengths."""
    lines = [
        "id\ttitel\tbeskrivning\tår",
        "1\tMat\tLokal mat\t2021",
        "2\tEnergi",
        "3\tVård\tDigital vård\t2022",
        "fortsättning\tav raden ovan",
    ]
    fmt = detect_format(_csv(tmp_path / "tabs.tsv", lines))
    (note,) = fmt.notes
    assert "2 rows have fewer cells than the header's 4" in note
    assert "line 3 (row 2) has 2 cells; line 5 (row 4) has 2 cells" in note
    assert fmt.short_rows.describe(4) == "line 5 has 2 of 4 cells"
