"""Excel tables: cell types, sheets, deterministic output, the cell limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ecs_tagger.errors import InputError
from ecs_tagger.tables import TableWriter, detect_format, output_format, read_table
from tables_support import SWEDISH


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


# -- control characters: what they mean, not glued words ------------------------------------------
def test_a_vertical_tab_becomes_a_line_break_and_the_cell_is_named(tmp_path: Path) -> None:
    """The issue's case: Word's manual line break (a vertical tab) was deleted, gluing the words
    ("Lokal mat⏎i" -> "Lokal mati"); it is a line break, and the warning names the cell."""
    target = tmp_path / "out.xlsx"
    frame = pd.DataFrame({"id": ["1", "2"], "beskrivning": ["Lokal mat\x0bi skolan", "Energi"]})
    with TableWriter(target) as writer:
        writer.write(frame)
    assert read_table(target)["beskrivning"].tolist() == ["Lokal mat\ni skolan", "Energi"]
    (warning,) = writer.warnings
    assert "1 cell held control characters" in warning
    assert "changed: row 1, column 'beskrivning'" in warning


def test_page_breaks_and_other_control_characters_in_several_cells(tmp_path: Path) -> None:
    """Variant: a form feed (a line break), a unit separator (a space) and a NUL and an escape
    (removed), in two columns and the header; every changed cell is named."""
    target = tmp_path / "out.xlsx"
    frame = pd.DataFrame(
        {
            "titel": ["Mat", "Sida ett\x0csida två", "Noll\x00byte"],
            "nyckel": ["a\x1fb", "c", "\x1bd"],
        }
    )
    with TableWriter(target, header=["titel\x0b(sv)", "nyckel"]) as writer:
        writer.write(frame)
    again = read_table(target)
    assert list(again.columns) == ["titel\n(sv)", "nyckel"]
    assert again["titel\n(sv)"].tolist() == ["Mat", "Sida ett\nsida två", "Nollbyte"]
    assert again["nyckel"].tolist() == ["a b", "c", "d"]
    (warning,) = writer.warnings
    assert warning.startswith("5 cells held control characters")
    assert (
        "the header; row 1, column 'nyckel'; row 2, column 'titel'; row 3, column 'titel'; "
        "row 3, column 'nyckel'"
    ) in warning


# -- a sheet's limits ------------------------------------------------------------------------------
def test_output_wider_than_a_sheet_is_refused_before_writing(tmp_path: Path) -> None:
    """The issue's case: 16,400 columns; Excel drops what lies past column XFD."""
    target = tmp_path / "wide.xlsx"
    frame = pd.DataFrame({f"fraga_{i}": ["x"] for i in range(16_400)})
    with pytest.raises(InputError) as caught, TableWriter(target) as writer:
        writer.write(frame)
    message = str(caught.value)
    assert "wide.xlsx: 16,400 columns do not fit in an Excel sheet" in message
    assert "16,384 columns" in message and "1,048,576 rows" in message
    assert "write CSV (.csv) or Parquet (.parquet) instead" in message
    assert list(tmp_path.iterdir()) == []


def test_the_sheet_limits_at_their_edges() -> None:
    """Variant: exactly 16,384 columns and 1,048,575 data rows (plus the header) fit; one more
    of either does not."""
    from ecs_tagger.tables.excel import MAX_COLUMNS, MAX_ROWS, check_fits

    check_fits(MAX_COLUMNS, MAX_ROWS - 1, "out.xlsx")
    with pytest.raises(InputError, match=r"out\.xlsx: 16,385 columns do not fit"):
        check_fits(MAX_COLUMNS + 1, 10, "out.xlsx")
    with pytest.raises(InputError, match=r"out\.xlsx: 1,048,576 rows and a header do not fit"):
        check_fits(10, MAX_ROWS, "out.xlsx")


# -- formulas without a stored result ------------------------------------------------------------
def _scripted_workbook(path: Path) -> None:
    """A workbook as a script writes it: formulas, but no calculated values stored."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "titel", "beskrivning", "belopp"])
    sheet.append([1, "Mat", '=B2&" i skolan"', "=SUM(10,20)"])
    sheet.append([2, "Energi", "Solceller på taken", 5])
    sheet["D2"].number_format = "#,##0"
    workbook.save(path)


def test_a_formula_with_no_stored_result_is_named_and_kept(tmp_path: Path) -> None:
    """The issue's case: read as a `FormulaCell` (not an empty cell), written back to .xlsx as the
    user's formula, with its number format."""
    from ecs_tagger.tables import FormulaCell, read_excel_sheet

    source = tmp_path / "scripted.xlsx"
    _scripted_workbook(source)
    full, frame = read_excel_sheet(source, detect_format(source))
    assert frame.loc[0].tolist() == [
        1,
        "Mat",
        FormulaCell('=B2&" i skolan"'),
        FormulaCell("=SUM(10,20)"),
    ]
    assert frame.loc[1, "beskrivning"] == "Solceller på taken"
    target = tmp_path / "out.xlsx"
    with TableWriter(target, output_format(target, full), header=full.header) as writer:
        writer.write(frame)
    sheet = openpyxl.load_workbook(target).active  # not data_only: formulas show as such
    assert [(c.value, c.data_type) for c in sheet[2]][2:] == [
        ('=B2&" i skolan"', "f"),
        ("=SUM(10,20)", "f"),
    ]
    assert sheet["D2"].number_format == "#,##0"


def test_a_formula_with_no_stored_result_in_csv_output_is_its_text(tmp_path: Path) -> None:
    """Variant: CSV output writes the formula as text; with --escape-formulas it is escaped too."""
    source = tmp_path / "scripted.xlsx"
    _scripted_workbook(source)
    fmt = detect_format(source)
    frame = read_table(source)
    plain = tmp_path / "out.csv"
    with TableWriter(plain, output_format(plain, fmt), header=fmt.header) as writer:
        writer.write(frame)
    assert plain.read_text(encoding="utf-8").splitlines()[1] == (
        '1,Mat,"=B2&"" i skolan""","=SUM(10,20)"'
    )
    escaped = tmp_path / "escaped.csv"
    with TableWriter(escaped, escape_formulas=True) as writer:
        writer.write(frame)
    assert read_table(escaped).loc[0, "belopp"] == "'=SUM(10,20)"


# -- text is text: never a formula ---------------------------------------------------------------
FORMULA_LIKE = ['=HYPERLINK("http://evil.example","klicka")', "+46 70 123 45 67", "-5", "@x"]


def test_user_text_is_written_as_text_cells_never_formulas(tmp_path: Path) -> None:
    """The issue's case: text starting with = + - @ stays a text cell with its value unchanged."""
    target = tmp_path / "out.xlsx"
    frame = pd.DataFrame({"text": FORMULA_LIKE})
    with TableWriter(target) as writer:
        writer.write(frame)
    sheet = openpyxl.load_workbook(target).active  # not data_only: a formula would show as one
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [(text, "s") for text in FORMULA_LIKE]
    assert all(c.quotePrefix for c in cells)  # Excel keeps them text when a cell is edited
    assert read_table(target)["text"].tolist() == FORMULA_LIKE


def test_error_like_text_and_a_formula_header_stay_text(tmp_path: Path) -> None:
    """Variant: '#N/A' and '#DIV/0!' as text, a header cell '=SUM(A1)', tab- and CR-led text."""
    target = tmp_path / "out.xlsx"
    values = ["#N/A", "#DIV/0!", "\tindraget", "vanlig text"]
    with TableWriter(target, header=["=SUM(A1)"]) as writer:
        writer.write(pd.DataFrame({"x": values}))
    sheet = openpyxl.load_workbook(target).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=SUM(A1)", "s")
    assert [(r[0].value, r[0].data_type) for r in sheet.iter_rows(min_row=2)] == [
        (v, "s") for v in values
    ]


# -- what Excel shows is what the user means ----------------------------------------------------
def _formatted_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "postnr", "datum", "tid", "andel", "belopp", "text", "status"])
    rows = [
        [
            180,
            75236,
            dt.datetime(2023, 5, 1),
            dt.datetime(2023, 5, 1, 13, 45),
            0.25,
            1500.5,
            "Mat",
            "N/A",
        ],
        [7, 11122, dt.datetime(2024, 1, 9, 8, 30), dt.datetime(2024, 1, 9), 1, 20, "NULL", None],
    ]
    for row in rows:
        sheet.append(row)
    for row in (2, 3):
        sheet[f"A{row}"].number_format = "0000"
        sheet[f"B{row}"].number_format = "000 00"
        sheet[f"C{row}"].number_format = "yyyy-mm-dd"
        sheet[f"D{row}"].number_format = "yyyy-mm-dd hh:mm"
        sheet[f"E{row}"].number_format = "0%"
        sheet[f"F{row}"].number_format = '#,##0.00 "kr"'
    sheet["H3"] = "#N/A"  # openpyxl stores this as an error cell, as Excel's =NA() shows
    assert sheet["H3"].data_type == "e"
    workbook.save(path)


def test_ids_dates_and_texts_are_read_as_excel_shows_them(tmp_path: Path) -> None:
    """The issue's case (0180 with format 0000; a date without a midnight time) and variants."""
    source = tmp_path / "in.xlsx"
    _formatted_workbook(source)
    frame = read_table(source)
    assert frame["id"].tolist() == ["0180", "0007"]
    assert frame["postnr"].tolist() == ["752 36", "111 22"]
    assert frame["datum"].tolist() == [dt.date(2023, 5, 1), dt.date(2024, 1, 9)]
    assert frame["tid"].tolist() == [dt.datetime(2023, 5, 1, 13, 45), dt.datetime(2024, 1, 9)]
    assert frame["andel"].tolist() == [0.25, 1]  # quantities keep their numbers
    assert frame["text"].tolist() == ["Mat", "NULL"]  # null-like text is kept, not emptied
    assert frame["status"].tolist() == ["N/A", "#N/A"]  # an error cell as Excel shows it
    target = tmp_path / "out.csv"
    fmt = detect_format(source)
    with TableWriter(target, output_format(target, fmt), header=fmt.header) as writer:
        writer.write(frame)
    assert target.read_text(encoding="utf-8").splitlines()[1:] == [
        "0180,752 36,2023-05-01,2023-05-01T13:45:00,0.25,1500.5,Mat,N/A",
        "0007,111 22,2024-01-09,2024-01-09T00:00:00,1,20,NULL,#N/A",
    ]


def test_excel_output_of_excel_input_keeps_number_formats_and_values(tmp_path: Path) -> None:
    from ecs_tagger.tables import read_excel_sheet

    source = tmp_path / "in.xlsx"
    _formatted_workbook(source)
    full, frame = read_excel_sheet(source, detect_format(source))
    frame = frame.assign(areas=["food", ""])
    target = tmp_path / "out.xlsx"
    with TableWriter(target, output_format(target, full), header=full.header) as writer:
        writer.write(frame.iloc[:1])
        writer.write(frame.iloc[1:])  # formats follow the rows across chunks
    sheet = openpyxl.load_workbook(target).active
    row = [(c.value, c.number_format) for c in sheet[2]]
    assert row[:6] == [
        (180, "0000"),
        (75236, "000 00"),
        (dt.datetime(2023, 5, 1), "yyyy-mm-dd"),
        (dt.datetime(2023, 5, 1, 13, 45), "yyyy-mm-dd hh:mm"),
        (0.25, "0%"),
        (1500.5, '#,##0.00 "kr"'),
    ]
    # a date-time whose format hides its time keeps the time in Excel output
    assert (sheet["C3"].value, sheet["C3"].number_format) == (
        dt.datetime(2024, 1, 9, 8, 30),
        "yyyy-mm-dd",
    )
    assert (sheet["H2"].value, sheet["H2"].data_type) == ("N/A", "s")
    assert (sheet["H3"].value, sheet["H3"].data_type) == ("#N/A", "e")  # an error stays one
    assert read_table(target)["id"].tolist() == ["0180", "0007"]


def test_workbooks_written_outside_the_table_writer_keep_texts_as_text(tmp_path: Path) -> None:
    """`keep_texts_as_text` for sheets written with pandas or openpyxl (pairs, review exports)."""
    from ecs_tagger.tables.excel import keep_texts_as_text

    target = tmp_path / "pairs.xlsx"
    titles = ['=HYPERLINK("http://x","y")', "#N/A", "Vanlig titel", "-5"]
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        pd.DataFrame({"title": titles, "n": [1, 2, 3, 4]}).to_excel(writer, index=False)
        keep_texts_as_text(writer.sheets["Sheet1"])
    sheet = openpyxl.load_workbook(target).active
    assert [(r[0].value, r[0].data_type) for r in sheet.iter_rows(min_row=2)] == [
        (t, "s") for t in titles
    ]
    assert [r[1].data_type for r in sheet.iter_rows(min_row=2)] == ["n"] * 4
